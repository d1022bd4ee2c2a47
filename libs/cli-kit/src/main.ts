import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execute } from '@oclif/core';
import { hoistLeadingOptions } from './argv.js';

/** Set by a single-file build of an app (scripts/bundle-clis.mjs): where its commands are. */
let bundle: { file: string } | undefined;

/**
 * Called at the top of an app's single-file build: oclif must take the commands from that file
 * (already loaded) instead of importing dist/commands/*.js one module graph at a time, which is
 * most of a CLI's cold start.
 */
export function useBundledCommands(file: string): void {
  bundle = { file };
}

/** The app's package.json with oclif told to find its commands in the bundle. */
function bundledPjson(packageDir: string, file: string) {
  const pjson = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const discovery = pjson.oclif.commands;
  // A single-command app's bundle exports the command as default; others export COMMANDS by id.
  pjson.oclif.commands =
    typeof discovery === 'object' && discovery.strategy === 'single'
      ? { strategy: 'single', target: file }
      : { strategy: 'explicit', target: file, identifier: 'COMMANDS' };
  return pjson;
}

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
  const args = optionsWithValue ? hoistLeadingOptions(argv, optionsWithValue) : argv;
  if (!bundle) {
    await execute({ dir: packageDir, args });
    return;
  }
  await execute({ args, loadOptions: { root: packageDir, pjson: bundledPjson(packageDir, bundle.file) } });
}
