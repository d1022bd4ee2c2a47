import { DpctlCommand } from '../dpctl-command.js';

export default class DelFlows extends DpctlCommand {
  static override summary = 'Delete every datapath flow (dpctl/del-flows).';
  static override strict = false;
  static override usage = 'del-flows [DP]';

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(DelFlows);
    const args = this.positional(argv, 0, 1, DelFlows.usage);
    process.stdout.write(await this.send(flags, 'dpctl/del-flows', args));
  }
}
