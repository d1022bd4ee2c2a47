import { execute } from '@oclif/core';
import { hoistLeadingOptions } from './argv.js';

/**
 * Entry point shared by the apps' launchers. `packageDir` is the app's root (where its
 * package.json and oclif manifest live). Multi-command apps pass the options that take a value,
 * so that options written before the command name can be moved behind it; single-command apps
 * pass nothing and get argv untouched.
 */
export async function runCli(
  packageDir: string,
  argv: string[],
  optionsWithValue?: ReadonlySet<string>,
): Promise<void> {
  await execute({ dir: packageDir, args: optionsWithValue ? hoistLeadingOptions(argv, optionsWithValue) : argv });
}
