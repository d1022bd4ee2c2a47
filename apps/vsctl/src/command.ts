import { BaseCommand } from '@softswitch/cli-kit';
import { runVsctl } from './run.js';

/**
 * Kept for oclif's manifest (help and version); the launcher calls `main`, which runs vsctl's
 * own parser directly, because oclif scrambles ovs-vsctl's `--`-separated command chains.
 */
export default class Main extends BaseCommand {
  static override description = 'Configuration database client (like ovs-vsctl)';
  static override strict = false;

  async run(): Promise<void> {
    const r = await runVsctl(this.argv);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    process.exitCode = r.status;
  }
}
