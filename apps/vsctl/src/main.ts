import { runVsctl } from './run.js';

/**
 * vsctl parses its own command line: oclif cannot keep ovs-vsctl's `--`-separated command
 * chains and per-command options intact, so it is bypassed entirely.
 */
export async function main(argv: string[]): Promise<void> {
  const r = await runVsctl(argv);
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.status;
}
