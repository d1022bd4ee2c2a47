import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpAggregate extends BaseCommand {
  static override description = 'print aggregate statistics for the flows in SWITCH that match FLOW';
  static override args = {
    switch: switchArg,
    flow: Args.string({ required: false, description: 'flow (match fields) selecting the flows' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpAggregate);
    const of = await import('@softswitch/openflow');
    const { runOnline } = await import('../online/run.js');
    const { requestFlowStats, formatAggregateReply } = await import('../online/dump.js');
    const { acceptNames, fetchPortNames } = await import('../online/port-names.js');
    await runOnline(async (track) => {
      // FLOW may name ports: ovs-ofctl looks the names up first.
      const names =
        args.flow !== undefined && acceptNames(flags) ? await fetchPortNames(of, args.switch, flags, track) : undefined;
      const { replies } = await requestFlowStats(of, args.switch, args.flow, flags, true, track, names);
      for (const r of replies) process.stdout.write(formatAggregateReply(of, r));
    });
  }
}
