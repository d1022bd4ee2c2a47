import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '@softswitch/cli-kit';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function main(argv: string[]): Promise<void> {
  await runCli(packageDir, argv);
}
