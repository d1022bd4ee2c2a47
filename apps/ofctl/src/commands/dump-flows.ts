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
    sort: Flags.string({ description: 'sort by a field (--sort alone: by priority)', exclusive: ['rsort'] }),
    rsort: Flags.string({ description: 'sort by a field, descending (--rsort alone: by priority)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpFlows);
    const of = await import('@softswitch/openflow');
    const { runOnline } = await import('../online/run.js');
    const { requestFlowStats, formatFlowReplies, collectFlows } = await import('../online/dump.js');
    const { formatFlowLine } = await import('../online/flow-line.js');
    const { acceptNames, fetchPortNames, showNames } = await import('../online/port-names.js');
    await runOnline(async (track) => {
      const named = showNames(flags);
      // As ovs-ofctl: the port names are looked up to read FLOW and to print ports by name.
      const names =
        (args.flow !== undefined && acceptNames(flags)) || named
          ? await fetchPortNames(of, args.switch, flags, track)
          : undefined;
      const { replies } = await requestFlowStats(of, args.switch, args.flow, flags, false, track, names);
      const showStats = !flags['no-stats'];
      const sortField = flags.sort ?? flags.rsort;
      let text: string;
      if (sortField !== undefined || named || !showStats) {
        // ovs-ofctl's collected dump (sorted, --names, --no-stats): the flows alone, no reply
        // headers, no ages.
        let flows = collectFlows(of, replies);
        if (sortField !== undefined) {
          const { sortFlows } = await import('../online/sort-flows.js');
          flows = sortFlows(of, flows, sortField, flags.sort === undefined);
        }
        text = of.withPortNames(named ? names : undefined, () =>
          flows.map((f) => `${formatFlowLine(of, f, showStats)}\n`).join(''),
        );
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
