import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DelMeter extends BaseCommand {
  static override description = "delete SWITCH's meter METER (meter=N)";
  static override args = {
    switch: switchArg,
    meter: Args.string({ required: false, description: 'meter (meter=N,kbps|pktps,...,bands=type=drop,rate=R)' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DelMeter);
    const { runMeterMod } = await import('../online/group-meter.js');
    await runMeterMod(args.switch, args.meter, 2, flags);
  }
}
