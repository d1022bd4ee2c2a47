import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class AddGroup extends BaseCommand {
  static override description = 'add GROUP to SWITCH ("-": read groups from stdin)';
  static override args = {
    switch: switchArg,
    group: Args.string({ required: false, description: 'group (group_id=N,type=T,bucket=...)' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(AddGroup);
    const { runGroupMods } = await import('../online/group-meter.js');
    await runGroupMods(args.switch, args.group === '-' ? { file: '-' } : { text: args.group ?? '' }, 0, flags);
  }
}
