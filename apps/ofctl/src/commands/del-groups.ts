import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DelGroups extends BaseCommand {
  static override description = "delete SWITCH's groups matching GROUP (all groups by default)";
  static override args = {
    switch: switchArg,
    group: Args.string({ required: false, description: 'group_id=N' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DelGroups);
    const { runGroupMods } = await import('../online/group-meter.js');
    await runGroupMods(args.switch, args.group === '-' ? { file: '-' } : { text: args.group ?? '' }, 2, flags);
  }
}
