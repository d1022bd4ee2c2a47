import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '@softswitch/cli-kit';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Options that take a value and may stand before the command name. */
const OPTIONS_WITH_VALUE = new Set<string>(['--format', '--rundir', '-t', '--target', '-T', '--timeout']);

export async function main(argv: string[]): Promise<void> {
  await runCli(packageDir, argv, OPTIONS_WITH_VALUE);
}
