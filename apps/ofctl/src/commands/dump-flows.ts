import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpFlows extends BaseCommand {
  static override description = 'print the flows in SWITCH that match FLOW (all flows by default)';
  static override args = {
    switch: switchArg,
    flow: Args.string({ required: false, description: 'flow (match fields) selecting the flows to print' }),
  };
  static override flags = {
    ...onlineFlags,
    'no-stats': Flags.boolean({ description: 'omit statistics (cookie, duration, counters)' }),
    names: Flags.boolean({ description: 'print port names (accepted for compatibility)', allowNo: true }),
    sort: Flags.string({ description: 'sort by a field (--sort alone: by priority)', exclusive: ['rsort'] }),
    rsort: Flags.string({ description: 'sort by a field, descending (--rsort alone: by priority)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpFlows);
    const of = await import('@softswitch/openflow');
    const { runOnline } = await import('../online/run.js');
    const { requestFlowStats, formatFlowReplies } = await import('../online/dump.js');
    const { formatFlowLine } = await import('../online/flow-line.js');
    await runOnline(async (track) => {
      const { replies } = await requestFlowStats(of, args.switch, args.flow, flags, false, track);
      const showStats = !flags['no-stats'];
      let text: string;
      const sortField = flags.sort ?? flags.rsort;
      if (sortField !== undefined) {
        // A sorted dump prints the flows alone: no reply headers, no ages.
        const { collectFlows } = await import('../online/dump.js');
        const { sortFlows } = await import('../online/sort-flows.js');
        const sorted = sortFlows(of, collectFlows(of, replies), sortField, flags.sort === undefined);
        text = sorted.map((f) => `${formatFlowLine(of, f, showStats)}\n`).join('');
      } else text = formatFlowReplies(of, replies, showStats, (f) => formatFlowLine(of, f, showStats));
      if (flags.format === 'json') {
        const { toJson } = await import('../json.js');
        process.stdout.write(
          `${toJson(
            text
              .split('\n')
              .filter((l) => l.startsWith(' '))
              .map((l) => l.trim()),
          )}\n`,
        );
        return;
      }
      process.stdout.write(text);
    });
  }
}
