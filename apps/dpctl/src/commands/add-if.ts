import { DpctlCommand } from '../dpctl-command.js';

export default class AddIf extends DpctlCommand {
  static override summary = 'Attach network devices to the datapath (dpctl/add-if).';
  static override description =
    'IFACE is NAME[,type=TYPE][,port_no=N][,KEY=VALUE...]; KEY=VALUE pairs become the device options.';
  static override strict = false;
  static override usage = 'add-if DP IFACE[,OPTS]...';

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(AddIf);
    const args = this.positional(argv, 2, 9, AddIf.usage);
    process.stdout.write(await this.send(flags, 'dpctl/add-if', args));
  }
}
