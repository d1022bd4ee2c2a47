import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execute, settings } from '@oclif/core';
import { hoistLeadingOptions } from './argv.js';
import { bundledCommands, type CommandBundle, loadBundledCommand } from './bundle.js';

// The apps always run compiled JavaScript. Without this, oclif treats NODE_ENV=test or
// development (vitest sets the former for every tool a test spawns) as "run from TypeScript
// sources": it reads tsconfig.json through the TypeScript compiler and probes for tsx and
// ts-node, about 0.15 s of every invocation.
settings.enableAutoTranspile = false;

/** The app's package.json with oclif told to take its commands from the bundle. */
function bundledPjson(packageDir: string, bundle: CommandBundle) {
  const pjson = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  // A single-command app's bundle exports the command; others export COMMANDS by id.
  pjson.oclif.commands = bundle.commands
    ? { strategy: 'explicit', target: bundle.file, identifier: 'COMMANDS' }
    : { strategy: 'single', target: bundle.file };
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
  const bundle = bundledCommands();
  if (!bundle) {
    await execute({ dir: packageDir, args });
    return;
  }
  // After hoisting, the command's words (when there are any) come first.
  await loadBundledCommand(args);
  await execute({ args, loadOptions: { root: packageDir, pjson: bundledPjson(packageDir, bundle) } });
}
