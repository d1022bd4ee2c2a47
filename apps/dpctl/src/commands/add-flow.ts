import { DpctlCommand } from '../dpctl-command.js';

export default class AddFlow extends DpctlCommand {
  static override summary = 'Add a datapath flow (dpctl/add-flow).';
  static override strict = false;
  static override usage = 'add-flow [DP] FLOW ACTIONS';

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(AddFlow);
    const args = this.positional(argv, 2, 3, AddFlow.usage);
    process.stdout.write(await this.send(flags, 'dpctl/add-flow', args));
  }
}
