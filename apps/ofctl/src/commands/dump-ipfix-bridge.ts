import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpIpfixBridge extends BaseCommand {
  static override description = "print SWITCH's IPFIX statistics for bridge-wide sampling";
  static override args = { switch: switchArg };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpIpfixBridge);
    const { runDumpIpfix } = await import('../online/ipfix.js');
    await runDumpIpfix('bridge', args.switch, flags);
  }
}
