import { BaseCommand, renderJson, resolveRunDir, UnreachableError, UserError } from '@softswitch/cli-kit';
import { type AppctlOptions, parseAppctlArgv, parseTopArgs } from './options.js';

const USAGE = `appctl, for querying and controlling softswitch (and Open vSwitch) daemons
usage: appctl [TARGET] COMMAND [ARG...]
Targets:
  -t, --target=TARGET  daemon name (<rundir>/TARGET.ctl) or socket path; default switchd
Common commands:
  list-commands      List commands supported by the target
  version            Print version of the target
  dpif/top [--interval SECS] [--flows N]
                     Live datapath view (client side, over dpif/stats)
Other options:
  -T, --timeout=SECS  wait at most SECS seconds for a response
  -f, --format=FMT    text (default) or json
  --rundir=DIR        run directory holding the control sockets
  -h, --help          Print this helpful information
  -V, --version       Display appctl version information
`;

export default class Appctl extends BaseCommand {
  static override description = 'Send a command to a running daemon over its control socket (like ovs-appctl).';
  static override strict = false;
  static override usage = '[-t TARGET] [-T SECS] COMMAND [ARG...]';

  async run(): Promise<void> {
    // ovs-appctl's options stop at the command word and its arguments may look like options,
    // so appctl reads argv itself instead of through oclif's parser.
    this.parsed = true;
    const opts = parseAppctlArgv(this.argv);
    if (opts.help) return void process.stdout.write(USAGE);
    if (opts.version) return this.log(`appctl (softswitch) ${this.config.version}`);
    if (!opts.command) throw new UserError('at least one non-option argument is required (use --help for help)');

    const { resolveControlSocket, unixctlCall, UnixctlServerError, UnixctlUnreachableError } = await import(
      '@softswitch/unixctl'
    );
    const socket = resolveControlSocket(opts.target, resolveRunDir(opts.rundir));
    if (opts.command === 'dpif/top') return this.top(socket, opts);
    try {
      const reply = await unixctlCall(socket, opts.command, opts.args, opts.timeoutSecs * 1000);
      if (opts.format === 'json') this.log(renderJson({ target: socket, command: opts.command, result: reply }));
      else process.stdout.write(reply);
    } catch (err) {
      if (err instanceof UnixctlServerError) {
        // As ovs-appctl: the server's text, then which target refused, exit status 2.
        process.stderr.write(err.message);
        throw new UnreachableError(`${opts.target}: server returned an error`);
      }
      if (err instanceof UnixctlUnreachableError) throw new UnreachableError(`${opts.target}: ${err.message}`);
      throw err;
    }
  }

  /**
   * `dpif/top [--interval SECS] [--flows N]`: a client-side live view over the daemon's
   * `dpif/stats` (shared with `dpctl top`); one snapshot with `--format json` or when piped.
   */
  private async top(socket: string, opts: AppctlOptions): Promise<void> {
    const { unixctlCall, UnixctlServerError, UnixctlUnreachableError } = await import('@softswitch/unixctl');
    const { runTop } = await import('@softswitch/dpctl/top');
    const { intervalMs, topFlows } = parseTopArgs(opts.args);
    try {
      await runTop({
        send: (command, args) => unixctlCall(socket, command, args, opts.timeoutSecs * 1000),
        intervalMs,
        topFlows,
        format: opts.format,
        interactive: process.stdout.isTTY === true && process.stdin.isTTY === true,
      });
    } catch (err) {
      if (err instanceof UnixctlServerError) {
        process.stderr.write(err.message);
        throw new UnreachableError(`${opts.target}: server returned an error`);
      }
      if (err instanceof UnixctlUnreachableError) throw new UnreachableError(`${opts.target}: ${err.message}`);
      throw err;
    }
  }
}
