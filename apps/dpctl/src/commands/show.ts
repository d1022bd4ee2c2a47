import { Flags } from '@oclif/core';
import { DpctlCommand } from '../dpctl-command.js';
import { parseShow } from '../parse-reply.js';

export default class Show extends DpctlCommand {
  static override summary = 'Show the datapath, its lookup counters and ports (dpctl/show).';
  static override strict = false;
  static override usage = 'show [-s] [DP]';
  static override flags = {
    statistics: Flags.boolean({ char: 's', description: 'print per-port statistics' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Show);
    const dp = this.positional(argv, 0, 1, Show.usage);
    const reply = await this.send(flags, 'dpctl/show', [...(flags.statistics ? ['-s'] : []), ...dp]);
    this.print(flags.format, reply, parseShow);
  }
}
