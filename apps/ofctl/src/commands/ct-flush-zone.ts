import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class CtFlushZone extends BaseCommand {
  static override description = "flush the connection-tracking entries of SWITCH's zone ZONE";
  static override args = {
    switch: switchArg,
    zone: Args.string({ required: true, description: 'conntrack zone (0-65535)' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(CtFlushZone);
    const { runCtFlushZone } = await import('../online/ct-flush-zone.js');
    await runCtFlushZone(args.switch, args.zone, flags);
  }
}
