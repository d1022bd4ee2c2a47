import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpTableDesc extends BaseCommand {
  static override description = "print SWITCH's table descriptions: eviction and vacancy settings (OpenFlow 1.4+)";
  static override args = { switch: switchArg };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpTableDesc);
    const { runDumpTableDesc } = await import('../online/table-desc.js');
    await runDumpTableDesc(args.switch, flags);
  }
}
