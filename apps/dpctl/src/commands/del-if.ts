import { DpctlCommand } from '../dpctl-command.js';

export default class DelIf extends DpctlCommand {
  static override summary = 'Detach network devices from the datapath (dpctl/del-if).';
  static override strict = false;
  static override usage = 'del-if DP IFACE...';

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(DelIf);
    const args = this.positional(argv, 2, 9, DelIf.usage);
    process.stdout.write(await this.send(flags, 'dpctl/del-if', args));
  }
}
