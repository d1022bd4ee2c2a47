import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class MeterFeatures extends BaseCommand {
  static override description = "print SWITCH's meter features";
  static override args = {
    switch: switchArg,
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(MeterFeatures);
    const { runMeterRequest } = await import('../online/group-meter.js');
    await runMeterRequest(args.switch, 'meter_features', undefined, flags);
  }
}
