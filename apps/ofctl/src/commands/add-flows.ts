import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { bundleFlags, onlineFlags, switchArg } from '../online/flags.js';

export default class AddFlows extends BaseCommand {
  static override description = 'add the flows in FILE (one per line, "-" for stdin) to SWITCH';
  static override args = { switch: switchArg, file: Args.string({ required: true, description: 'file of flows' }) };
  static override flags = { ...onlineFlags, ...bundleFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(AddFlows);
    const { runFlowModCommand } = await import('../online/flow-mod-command.js');
    await runFlowModCommand(args.switch, { file: args.file }, 0, flags);
  }
}
