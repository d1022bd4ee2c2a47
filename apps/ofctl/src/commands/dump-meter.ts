import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpMeter extends BaseCommand {
  static override description = "print SWITCH's meter METER";
  static override args = {
    switch: switchArg,
    arg: Args.string({ required: false, description: 'meter=N' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpMeter);
    const { runMeterRequest } = await import('../online/group-meter.js');
    await runMeterRequest(args.switch, 'meter_config', args.arg, flags);
  }
}
