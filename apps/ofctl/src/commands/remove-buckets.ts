import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class RemoveBuckets extends BaseCommand {
  static override description = "remove buckets from SWITCH's group (group_id=N[,command_bucket_id=ID])";
  static override args = {
    switch: switchArg,
    group: Args.string({ required: false, description: 'group_id=N[,command_bucket_id=first|last|all|ID]' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RemoveBuckets);
    const { runGroupMods } = await import('../online/group-meter.js');
    const { OFPGC } = await import('@softswitch/openflow');
    await runGroupMods(args.switch, { text: args.group ?? '' }, OFPGC.REMOVE_BUCKET, flags);
  }
}
