import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpDesc extends BaseCommand {
  static override description = "print SWITCH's description (manufacturer, hardware, software, serial, datapath)";
  static override args = { switch: switchArg };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpDesc);
    const { runSimpleRequests } = await import('../online/simple.js');
    await runSimpleRequests(args.switch, flags, [{ kind: 'multipart', body: { mp: 'desc' } }]);
  }
}
