import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { bundleFlags, onlineFlags, switchArg } from '../online/flags.js';

export default class AddFlow extends BaseCommand {
  static override description = 'add FLOW to SWITCH';
  static override args = { switch: switchArg, flow: Args.string({ required: true, description: 'flow to add' }) };
  static override flags = { ...onlineFlags, ...bundleFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(AddFlow);
    const { runFlowModCommand } = await import('../online/flow-mod-command.js');
    await runFlowModCommand(args.switch, { flow: args.flow }, 0, flags);
  }
}
