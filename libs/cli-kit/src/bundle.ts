/**
 * What an app's single-file build (scripts/bundle-clis.mjs) tells runCli about itself. Kept apart
 * from main.ts so that the bundle's entry can register without loading oclif: ofctl's offline
 * fast path never needs it.
 */

/** A command module as `import()` returns it: oclif finds the class among its exports. */
export type CommandModule = Record<string, unknown>;

export interface CommandBundle {
  /** Path of the bundle's entry file, which oclif imports (again, from its module cache). */
  file: string;
  /** Multi-command apps: the object the entry exports as COMMANDS, filled in by `loadBundledCommand`. */
  commands?: Record<string, unknown>;
  /** Multi-command apps: each command id's chunk, imported only when that command runs. */
  loaders?: Record<string, () => Promise<CommandModule>>;
  /** Multi-command apps: the command id each alias stands for (oclif loads a command by its id). */
  aliases?: Record<string, string>;
}

let bundle: CommandBundle | undefined;

/** Called at the top of an app's bundle entry. */
export function useBundledCommands(registration: CommandBundle): void {
  bundle = registration;
}

/** The running bundle, or undefined when the app runs from its per-file build (dist/). */
export function bundledCommands(): CommandBundle | undefined {
  return bundle;
}

/**
 * oclif's `explicit` discovery reads the command classes synchronously from COMMANDS, but its
 * manifest already lists every command: so only the command about to run is imported, here.
 * `args` starts with the command's words (a command in a topic is typed `topic sub`, its id is
 * `topic:sub`); anything else (help, a mistyped name) is left to oclif, which needs no class.
 */
export async function loadBundledCommand(args: readonly string[]): Promise<void> {
  const { commands, loaders, aliases = {} } = bundle ?? {};
  if (!commands || !loaders) return;
  let words = '';
  for (const arg of args) {
    if (arg.startsWith('-')) return;
    words = words ? `${words}:${arg}` : arg;
    const id = Object.hasOwn(aliases, words) ? aliases[words] : words;
    if (Object.hasOwn(loaders, id)) {
      const module = await loaders[id]();
      // Where oclif's own discovery looks: the default export, else any export with a static run().
      commands[id] = isCommandClass(module.default) ? module.default : Object.values(module).find(isCommandClass);
      return;
    }
  }
}

function isCommandClass(value: unknown): boolean {
  return typeof value === 'function' && typeof (value as { run?: unknown }).run === 'function';
}
