import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class InsertBuckets extends BaseCommand {
  static override description = "add buckets to SWITCH's group (group_id=N,command_bucket_id=ID,bucket=...)";
  static override args = {
    switch: switchArg,
    group: Args.string({ required: false, description: 'group_id=N,command_bucket_id=first|last|ID,bucket=...' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(InsertBuckets);
    const { runGroupMods } = await import('../online/group-meter.js');
    const { OFPGC } = await import('@softswitch/openflow');
    await runGroupMods(args.switch, { text: args.group ?? '' }, OFPGC.INSERT_BUCKET, flags);
  }
}
