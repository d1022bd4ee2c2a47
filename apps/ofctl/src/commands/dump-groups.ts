import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpGroups extends BaseCommand {
  static override description = "print SWITCH's groups (all, or GROUP)";
  static override args = {
    switch: switchArg,
    arg: Args.string({ required: false, description: 'group id' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpGroups);
    const { runGroupRequest } = await import('../online/group-meter.js');
    await runGroupRequest(args.switch, 'group_desc', args.arg, flags);
  }
}
