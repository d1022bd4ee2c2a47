import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { bundleFlags, onlineFlags, switchArg } from '../online/flags.js';

export default class DelFlows extends BaseCommand {
  static override description = 'delete the flows in SWITCH that match FLOW (all flows by default)';
  static override args = {
    switch: switchArg,
    flow: Args.string({ required: false, description: 'flow (match fields) selecting the flows to delete' }),
  };
  static override flags = {
    ...onlineFlags,
    ...bundleFlags,
    strict: Flags.boolean({ description: 'match wildcards and priority exactly' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DelFlows);
    const { runFlowModCommand } = await import('../online/flow-mod-command.js');
    await runFlowModCommand(args.switch, { flow: args.flow }, flags.strict ? 4 : 3, flags);
  }
}
