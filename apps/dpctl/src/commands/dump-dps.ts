import { DpctlCommand } from '../dpctl-command.js';
import { replyLines } from '../parse-reply.js';

export default class DumpDps extends DpctlCommand {
  static override summary = 'List the datapaths (dpctl/dump-dps).';
  static override strict = false;
  static override usage = 'dump-dps';

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(DumpDps);
    this.positional(argv, 0, 0, DumpDps.usage);
    const reply = await this.send(flags, 'dpctl/dump-dps', []);
    this.print(flags.format, reply, replyLines);
  }
}
