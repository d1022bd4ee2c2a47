import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpGroupStats extends BaseCommand {
  static override description = "print SWITCH's group statistics (all, or group_id=GROUP)";
  static override args = {
    switch: switchArg,
    arg: Args.string({ required: false, description: 'group_id=N' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpGroupStats);
    const { runGroupRequest } = await import('../online/group-meter.js');
    await runGroupRequest(args.switch, 'group', args.arg, flags);
  }
}
