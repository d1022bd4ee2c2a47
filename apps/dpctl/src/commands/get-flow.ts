import { DpctlCommand } from '../dpctl-command.js';
import { parseDumpFlows } from '../parse-reply.js';

export default class GetFlow extends DpctlCommand {
  static override summary = 'Print the flow with the given ufid (dpctl/get-flow).';
  static override strict = false;
  static override usage = 'get-flow [DP] ufid:UFID';

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(GetFlow);
    const args = this.positional(argv, 1, 2, GetFlow.usage);
    const reply = await this.send(flags, 'dpctl/get-flow', args);
    this.print(flags.format, reply, (r) => parseDumpFlows(r)[0] ?? { text: r });
  }
}
