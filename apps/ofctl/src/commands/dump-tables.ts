import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpTables extends BaseCommand {
  static override description = "print SWITCH's flow table statistics";
  static override args = { switch: switchArg };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpTables);
    const { runSimpleRequests } = await import('../online/simple.js');
    await runSimpleRequests(args.switch, flags, [{ kind: 'multipart', body: { mp: 'table' } }]);
  }
}
