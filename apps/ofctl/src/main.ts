import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { offlineInvocation, runOffline } from './fast-offline.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Options that take a value and may stand before the command name. */
const OPTIONS_WITH_VALUE = new Set<string>([
  '--format',
  '--rundir',
  '-O',
  '--protocols',
  '-F',
  '--flow-format',
  '-P',
  '--packet-in-format',
]);

/** ovs-ofctl's `--sort` and `--rsort` take an optional field; alone they mean by priority. */
function defaultSortField(argv: string[]): string[] {
  return argv.map((a) => (a === '--sort' || a === '--rsort' ? `${a}=priority` : a));
}

export async function main(argv: string[]): Promise<void> {
  const offline = offlineInvocation(argv);
  if (offline) {
    await runOffline(offline);
    return;
  }
  // Loaded only here: cli-kit brings oclif, which the offline fast path does without.
  const { runCli } = await import('@softswitch/cli-kit');
  await runCli(packageDir, defaultSortField(argv), OPTIONS_WITH_VALUE);
}
