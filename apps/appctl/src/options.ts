import { UserError } from '@softswitch/cli-kit';

export interface AppctlOptions {
  target: string;
  timeoutSecs: number;
  format: 'text' | 'json';
  rundir?: string;
  help: boolean;
  version: boolean;
  command?: string;
  args: string[];
}

/**
 * ovs-appctl's command line: options first, then COMMAND and its arguments verbatim (an
 * argument may itself start with a dash, so option parsing stops at the command word).
 */
export function parseAppctlArgv(argv: string[]): AppctlOptions {
  const opts: AppctlOptions = {
    target: 'switchd',
    timeoutSecs: 0,
    format: 'text',
    help: false,
    version: false,
    args: [],
  };
  let i = 0;
  const value = (name: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    if (i >= argv.length) throw new UserError(`option '${name}' requires an argument`);
    return argv[i++];
  };
  while (i < argv.length) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-') break;
    i++;
    if (arg === '--') break;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    switch (name) {
      case '-t':
      case '--target':
        opts.target = value(name, inline);
        break;
      case '-T':
      case '--timeout': {
        const secs = Number(value(name, inline));
        if (!Number.isFinite(secs) || secs < 0) throw new UserError(`${name}: "${secs}" is not a number of seconds`);
        opts.timeoutSecs = secs;
        break;
      }
      case '-f':
      case '--format': {
        const f = value(name, inline);
        if (f !== 'text' && f !== 'json') throw new UserError(`${name}: unknown format "${f}" (expected text or json)`);
        opts.format = f;
        break;
      }
      case '--rundir':
        opts.rundir = value(name, inline);
        break;
      case '-h':
      case '--help':
        opts.help = true;
        break;
      case '-V':
      case '--version':
        opts.version = true;
        break;
      default:
        throw new UserError(`unrecognized option '${arg}' (see --help)`);
    }
  }
  if (i < argv.length) {
    opts.command = argv[i];
    opts.args = argv.slice(i + 1);
  }
  return opts;
}

/** `dpif/top`'s own arguments: `--interval SECS` (default 1) and `--flows N` (default 10). */
export function parseTopArgs(args: string[]): { intervalMs: number; topFlows: number } {
  let intervalMs = 1000;
  let topFlows = 10;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const value = () => {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) throw new UserError(`dpif/top: ${name} needs a value`);
      return v;
    };
    if (name === '--interval' || name === '-i') {
      const v = value();
      const secs = Number(v);
      if (!Number.isFinite(secs) || secs <= 0) throw new UserError(`dpif/top: --interval "${v}" is not seconds > 0`);
      intervalMs = secs * 1000;
    } else if (name === '--flows' || name === '-n') {
      const v = value();
      if (!/^\d+$/.test(v)) throw new UserError(`dpif/top: --flows "${v}" is not a count`);
      topFlows = Number(v);
    } else throw new UserError(`dpif/top: unknown argument "${a}" (usage: dpif/top [--interval SECS] [--flows N])`);
  }
  return { intervalMs, topFlows };
}
