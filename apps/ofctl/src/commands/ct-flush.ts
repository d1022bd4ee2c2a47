import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class CtFlush extends BaseCommand {
  static override description =
    "flush SWITCH's connection-tracking entries: all, or those of zone=N and/or matching the original and reply tuples";
  static override strict = false;
  static override args = {
    switch: switchArg,
    zoneOrTuple: Args.string({ required: false, description: 'zone=N, or the original tuple' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(CtFlush);
    const { runCtFlush } = await import('../online/ct-flush.js');
    await runCtFlush(args.switch, (argv as string[]).slice(1), flags);
  }
}
