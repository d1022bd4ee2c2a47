import { Command, Flags } from '@oclif/core';
import { ExitCode } from './errors.js';
import { OUTPUT_FORMATS } from './format.js';

/**
 * Every softswitch command extends this: it owns the shared flags and turns errors into one line
 * on stderr and the exit status INTERFACES.md promises (1 user error, 2 daemon unreachable).
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    version: Flags.version({ char: 'V', description: 'print the version and exit', helpGroup: 'GLOBAL' }),
    format: Flags.string({
      description: 'output format',
      options: [...OUTPUT_FORMATS],
      default: 'text',
      helpGroup: 'GLOBAL',
    }),
    rundir: Flags.string({
      description: 'run directory holding the daemon sockets',
      helpGroup: 'GLOBAL',
    }),
  };

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err.oclif?.exit !== undefined && err.exitCode === undefined) {
      // oclif's own parse errors (unknown flag, missing argument) are user errors.
      if (err.oclif.exit === 0) return;
      this.logToStderr(`${this.config.bin}: ${err.message.split('\n')[0]}`);
      this.exit(ExitCode.userError);
    }
    const code = err.exitCode ?? ExitCode.userError;
    this.logToStderr(`${this.config.bin}: ${err.message}`);
    this.exit(code);
  }
}
