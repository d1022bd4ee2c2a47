import { DpctlCommand } from '../dpctl-command.js';

export default class DelFlow extends DpctlCommand {
  static override summary = 'Delete one datapath flow, by match or ufid:UFID (dpctl/del-flow).';
  static override strict = false;
  static override usage = 'del-flow [DP] FLOW|ufid:UFID';

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(DelFlow);
    const args = this.positional(argv, 1, 2, DelFlow.usage);
    process.stdout.write(await this.send(flags, 'dpctl/del-flow', args));
  }
}
