import { Flags } from '@oclif/core';
import { DpctlCommand } from '../dpctl-command.js';

export default class ModFlow extends DpctlCommand {
  static override summary = "Change a datapath flow's actions (dpctl/mod-flow).";
  static override strict = false;
  static override usage = 'mod-flow [--clear] [--may-create] [DP] FLOW ACTIONS';
  static override flags = {
    clear: Flags.boolean({ description: "reset the flow's statistics" }),
    'may-create': Flags.boolean({ description: 'add the flow if it does not exist' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(ModFlow);
    const args = this.positional(argv, 2, 3, ModFlow.usage);
    const options = [...(flags.clear ? ['--clear'] : []), ...(flags['may-create'] ? ['--may-create'] : [])];
    process.stdout.write(await this.send(flags, 'dpctl/mod-flow', [...options, ...args]));
  }
}
