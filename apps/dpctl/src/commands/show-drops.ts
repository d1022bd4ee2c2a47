import { Flags } from '@oclif/core';
import { DpctlCommand } from '../dpctl-command.js';
import { parseShowDrops } from '../parse-reply.js';

export default class ShowDrops extends DpctlCommand {
  static override summary = "Show the datapath's drop counters by reason (dpif/show-drops).";
  static override strict = false;
  static override usage = 'show-drops [--all]';
  static override flags = {
    all: Flags.boolean({ description: 'include reasons that have not dropped anything' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(ShowDrops);
    this.positional(argv, 0, 0, ShowDrops.usage);
    const reply = await this.send(flags, 'dpif/show-drops', flags.all ? ['--all'] : []);
    this.print(flags.format, reply, parseShowDrops);
  }
}
