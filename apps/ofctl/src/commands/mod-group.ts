import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class ModGroup extends BaseCommand {
  static override description = "modify SWITCH's group GROUP";
  static override args = {
    switch: switchArg,
    group: Args.string({ required: false, description: 'group (group_id=N,type=T,bucket=...)' }),
  };
  static override flags = {
    ...onlineFlags,
    'may-create': Flags.boolean({ description: 'create the group if it does not exist' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ModGroup);
    const { runGroupMods } = await import('../online/group-meter.js');
    await runGroupMods(
      args.switch,
      args.group === '-' ? { file: '-' } : { text: args.group ?? '' },
      flags['may-create'] ? 0x8000 : 1,
      flags,
    );
  }
}
