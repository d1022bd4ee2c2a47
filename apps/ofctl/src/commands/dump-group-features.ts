import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpGroupFeatures extends BaseCommand {
  static override description = "print SWITCH's group features";
  static override args = {
    switch: switchArg,
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpGroupFeatures);
    const { runGroupRequest } = await import('../online/group-meter.js');
    await runGroupRequest(args.switch, 'group_features', undefined, flags);
  }
}
