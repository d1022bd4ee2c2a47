import { Flags } from '@oclif/core';
import { UserError } from '@softswitch/cli-kit';
import { DpctlCommand } from '../dpctl-command.js';
import { runTop } from '../live/top-run.js';

export default class Top extends DpctlCommand {
  static override summary = 'Live view of the datapath: port rates, cache hit rates, upcalls, busiest megaflows.';
  static override description =
    'Samples dpif/stats every --interval seconds and shows rates over each interval, refreshing in place ' +
    '(q to quit). With --format json, or when stdout is not a terminal, prints one snapshot and exits.';
  static override strict = false;
  static override usage = 'top [--interval SECS] [--flows N] [--format json]';
  static override flags = {
    interval: Flags.string({ char: 'i', description: 'seconds between samples (default 1)', default: '1' }),
    flows: Flags.integer({ char: 'n', description: 'busiest megaflows to show', default: 10, min: 0 }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Top);
    this.positional(argv, 0, 0, Top.usage);
    const secs = Number(flags.interval);
    if (!Number.isFinite(secs) || secs <= 0) throw new UserError(`--interval: "${flags.interval}" is not seconds > 0`);
    await runTop({
      send: (c, a) => this.send(flags, c, a),
      intervalMs: secs * 1000,
      format: flags.format === 'json' ? 'json' : 'text',
      interactive: process.stdout.isTTY === true && process.stdin.isTTY === true,
      topFlows: flags.flows,
    });
  }
}
