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
