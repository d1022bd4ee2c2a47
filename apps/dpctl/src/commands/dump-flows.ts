import { Flags } from '@oclif/core';
import { DpctlCommand } from '../dpctl-command.js';
import { parseDumpFlows } from '../parse-reply.js';

export default class DumpFlows extends DpctlCommand {
  static override summary = 'Print the datapath flows (dpctl/dump-flows).';
  static override description =
    'FILTER is `filter=FLOW` (flows agreeing with FLOW on its fields) and/or `type=TYPE` (ovs, emc, megaflow, all).';
  static override strict = false;
  static override usage = 'dump-flows [-m] [--names | --no-names] [DP] [FILTER...]';
  static override flags = {
    more: Flags.boolean({ char: 'm', description: 'verbose: ufid, wildcarded fields, datapath details' }),
    names: Flags.boolean({ allowNo: true, description: 'print port names instead of numbers' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(DumpFlows);
    const rest = this.positional(argv, 0, 3, DumpFlows.usage);
    const options = [...(flags.more ? ['-m'] : [])];
    if (flags.names !== undefined) options.push(flags.names ? '--names' : '--no-names');
    const reply = await this.send(flags, 'dpctl/dump-flows', [...options, ...rest]);
    this.print(flags.format, reply, parseDumpFlows);
  }
}
