import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpIpfixFlow extends BaseCommand {
  static override description = "print SWITCH's IPFIX statistics for flow-based sampling (per collector set)";
  static override args = { switch: switchArg };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpIpfixFlow);
    const { runDumpIpfix } = await import('../online/ipfix.js');
    await runDumpIpfix('flow', args.switch, flags);
  }
}
