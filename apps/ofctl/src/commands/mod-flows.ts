import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { bundleFlags, onlineFlags, switchArg } from '../online/flags.js';

export default class ModFlows extends BaseCommand {
  static override description = "modify the actions of SWITCH's flows that match FLOW";
  static override args = {
    switch: switchArg,
    flow: Args.string({ required: true, description: 'flow with new actions' }),
  };
  static override flags = {
    ...onlineFlags,
    ...bundleFlags,
    strict: Flags.boolean({ description: 'match wildcards and priority exactly' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ModFlows);
    const { runFlowModCommand } = await import('../online/flow-mod-command.js');
    await runFlowModCommand(args.switch, { flow: args.flow }, flags.strict ? 2 : 1, flags);
  }
}
