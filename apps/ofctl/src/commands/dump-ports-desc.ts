import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpPortsDesc extends BaseCommand {
  static override description = "print SWITCH's port descriptions";
  static override args = { switch: switchArg };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpPortsDesc);
    const { runSimpleRequests } = await import('../online/simple.js');
    await runSimpleRequests(args.switch, flags, [{ kind: 'port_desc' }]);
  }
}
