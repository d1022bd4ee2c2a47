import { execute } from '@oclif/core';
import { hoistLeadingOptions } from './argv.js';

/**
 * Entry point shared by the apps' launchers. `packageDir` is the app's root (where its
 * package.json and oclif manifest live).
 */
export async function runCli(
  packageDir: string,
  argv: string[],
  optionsWithValue: ReadonlySet<string> = new Set(),
): Promise<void> {
  await execute({ dir: packageDir, args: hoistLeadingOptions(argv, optionsWithValue) });
}
