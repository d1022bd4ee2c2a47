import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpTlvMap extends BaseCommand {
  static override description = "print SWITCH's Geneve option to tun_metadata mappings";
  static override args = { switch: switchArg };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpTlvMap);
    const { runDumpTlvMap } = await import('../online/tlv-map.js');
    await runDumpTlvMap(args.switch, flags);
  }
}
