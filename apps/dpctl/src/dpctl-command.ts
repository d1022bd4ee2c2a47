import { Flags } from '@oclif/core';
import { BaseCommand, renderJson, resolveRunDir, UnreachableError, UserError } from '@softswitch/cli-kit';

/** Default control socket: switchd's, in the run directory. */
const DEFAULT_TARGET = 'switchd';

/**
 * Every dpctl command: one `dpctl/...` (or `dpif/...`) request on a daemon's control socket,
 * its reply printed verbatim (so the text is what `ovs-appctl dpctl/...` prints), or as JSON.
 */
/** Subclasses set `static strict = false` themselves: oclif reads it as an own property. */
export abstract class DpctlCommand extends BaseCommand {
  static override baseFlags = {
    ...BaseCommand.baseFlags,
    target: Flags.string({
      char: 't',
      description: 'daemon name (<rundir>/TARGET.ctl) or control socket path, e.g. a real ovs-vswitchd',
      default: DEFAULT_TARGET,
      helpGroup: 'GLOBAL',
    }),
    timeout: Flags.integer({
      char: 'T',
      description: 'wait at most SECS seconds for the reply',
      default: 0,
      min: 0,
      helpGroup: 'GLOBAL',
    }),
  };

  /**
   * Sends COMMAND with ARGS to the target's control socket and returns the reply text.
   * A refused command is a user error (exit 1, the server's text); no daemon is exit 2.
   */
  protected async send(
    flags: { target: string; timeout: number; rundir?: string },
    command: string,
    args: string[],
  ): Promise<string> {
    const { resolveControlSocket, unixctlCall, UnixctlServerError, UnixctlUnreachableError } = await import(
      '@softswitch/unixctl'
    );
    const socket = resolveControlSocket(flags.target, resolveRunDir(flags.rundir));
    try {
      return await unixctlCall(socket, command, args, flags.timeout * 1000);
    } catch (err) {
      if (err instanceof UnixctlServerError) throw new UserError(err.message.replace(/\n+$/, ''));
      if (err instanceof UnixctlUnreachableError) throw new UnreachableError(`${flags.target}: ${err.message}`);
      throw err;
    }
  }

  /** Prints a reply: verbatim as text, or `toJson(reply)` for `--format json`. */
  protected print(format: string, reply: string, toJson: (reply: string) => unknown): void {
    if (format === 'json') this.log(renderJson(toJson(reply)));
    else process.stdout.write(reply);
  }

  /** Positional arguments from a non-strict parse (oclif gives them as unknown[]). */
  protected positional(argv: unknown[], min: number, max: number, usage: string): string[] {
    const args = argv.map(String);
    if (args.length < min || args.length > max)
      throw new UserError(`'${this.id}' command takes ${describeCount(min, max)} (usage: ${usage})`);
    return args;
  }
}

function describeCount(min: number, max: number): string {
  if (min === max) return `${min} argument${min === 1 ? '' : 's'}`;
  return `${min} to ${max} arguments`;
}
