import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class Show extends BaseCommand {
  static override description = "print SWITCH's features, ports and configuration";
  static override args = { switch: switchArg };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Show);
    const { runSimpleRequests } = await import('../online/simple.js');
    await runSimpleRequests(args.switch, flags, [
      { kind: 'features' },
      { kind: 'port_desc_if_needed' },
      { kind: 'reconnect' },
      { kind: 'get_config' },
    ]);
  }
}
