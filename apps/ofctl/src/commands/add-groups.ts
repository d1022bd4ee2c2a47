import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class AddGroups extends BaseCommand {
  static override description = 'add the groups in FILE (one per line, "-" for stdin) to SWITCH';
  static override args = {
    switch: switchArg,
    group: Args.string({ required: true, description: 'file of groups' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(AddGroups);
    const { runGroupMods } = await import('../online/group-meter.js');
    await runGroupMods(args.switch, { file: args.group }, 0, flags);
  }
}
