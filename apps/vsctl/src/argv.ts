import { COMMANDS } from './commands.js';
import { UserError } from './errors.js';
import type { DataFormat, TableFormat } from './output.js';

export interface ParsedCommand {
  name: string;
  args: string[];
  options: Map<string, string | true>;
}

export interface GlobalOptions {
  db?: string;
  rundir?: string;
  noWait: boolean;
  timeoutSec?: number;
  format: TableFormat;
  data: DataFormat;
  headings: boolean;
  dryRun: boolean;
  /** Each command's (non-table) output on one line, newlines as `\n` and backslashes doubled. */
  oneline: boolean;
  /** Keep trying to connect (until --timeout, if given) instead of failing at once. */
  retry: boolean;
  /** With several --db remotes, accept a clustered server only if it is the leader (default). */
  leaderOnly: boolean;
  help: boolean;
  version: boolean;
}

const GLOBAL_WITH_VALUE = new Set(['--db', '--timeout', '-t', '--format', '-f', '--data', '-d', '--rundir']);
const GLOBAL_FLAGS = new Set([
  '--no-wait',
  '--no-headings',
  '--bare',
  '--dry-run',
  '--help',
  '-h',
  '--version',
  '-V',
  '--oneline',
  '--pretty',
  '-v',
  '--verbose',
  '--no-syslog',
  '--retry',
  '--no-leader-only',
]);

/**
 * Parses `vsctl [GLOBAL-OPTIONS] [--] [CMD-OPTIONS] COMMAND ARGS [-- [CMD-OPTIONS] COMMAND ARGS]...`.
 * Options before the first command name that are not global belong to the first command, as in
 * ovs-vsctl; every command's options come right before its name.
 */
export function parseArgv(argv: string[]): { global: GlobalOptions; commands: ParsedCommand[] } {
  const g: GlobalOptions = {
    noWait: false,
    format: 'list',
    data: 'string',
    headings: true,
    dryRun: false,
    oneline: false,
    retry: false,
    leaderOnly: true,
    help: false,
    version: false,
  };
  let i = 0;
  const firstOptions: string[] = [];
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--' || !a.startsWith('-') || a === '-') break;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (GLOBAL_WITH_VALUE.has(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UserError(`option '${name}' requires an argument`);
      applyGlobal(g, name, value);
    } else if (GLOBAL_FLAGS.has(name)) applyGlobal(g, name, '');
    else firstOptions.push(a);
  }
  const rest = argv.slice(i);
  const groups: string[][] = [[]];
  for (const a of rest) {
    if (a === '--') groups.push([]);
    else groups[groups.length - 1].push(a);
  }
  if (firstOptions.length) {
    const first = groups.find((x) => x.length) ?? groups[0];
    first.unshift(...firstOptions);
  }
  const commands: ParsedCommand[] = [];
  for (const group of groups) {
    if (group.length === 0) continue;
    const options = new Map<string, string | true>();
    let j = 0;
    for (; j < group.length && group[j].startsWith('--'); j++) {
      const eq = group[j].indexOf('=');
      if (eq > 0) options.set(group[j].slice(0, eq), group[j].slice(eq + 1));
      else options.set(group[j], true);
    }
    if (j === group.length) throw new UserError('missing command name (use --help for help)');
    const name = group[j];
    const spec = COMMANDS[name];
    if (!spec) throw new UserError(`unknown command '${name}'; use --help for help`);
    for (const opt of options.keys()) {
      if (!spec.options.includes(opt)) throw new UserError(`'${name}' command has no '${opt}' option`);
    }
    const args = group.slice(j + 1);
    if (args.length < spec.min) {
      throw new UserError(
        spec.min === spec.max
          ? `'${name}' command requires at least ${spec.min} arguments`
          : `'${name}' command requires at least ${spec.min} arguments`,
      );
    }
    if (args.length > spec.max) {
      throw new UserError(
        `'${name}' command takes at most ${spec.max} arguments (note that options must precede command names and follow a "--" argument)`,
      );
    }
    commands.push({ name, args, options });
  }
  return { global: g, commands };
}

function applyGlobal(g: GlobalOptions, name: string, value: string): void {
  switch (name) {
    case '--db':
      g.db = value;
      return;
    case '--rundir':
      g.rundir = value;
      return;
    case '--timeout':
    case '-t': {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) throw new UserError(`value ${value} on -t or --timeout is invalid`);
      g.timeoutSec = n;
      return;
    }
    case '--format':
    case '-f':
      if (!['list', 'table', 'csv', 'json', 'html'].includes(value))
        throw new UserError(`${value}: unknown table format`);
      g.format = value as TableFormat;
      return;
    case '--data':
    case '-d':
      if (!['string', 'bare', 'json'].includes(value)) throw new UserError(`${value}: unknown cell format`);
      g.data = value as DataFormat;
      return;
    case '--no-wait':
      g.noWait = true;
      return;
    case '--no-headings':
      g.headings = false;
      return;
    case '--bare':
      g.format = 'list';
      g.data = 'bare';
      g.headings = false;
      return;
    case '--dry-run':
      g.dryRun = true;
      return;
    case '--oneline':
      g.oneline = true;
      return;
    case '--retry':
      g.retry = true;
      return;
    case '--no-leader-only':
      g.leaderOnly = false;
      return;
    case '--help':
    case '-h':
      g.help = true;
      return;
    case '--version':
    case '-V':
      g.version = true;
  }
}
