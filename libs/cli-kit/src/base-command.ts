import { Command, Flags, type Interfaces } from '@oclif/core';
import { ExitCode, UserError } from './errors.js';
import { OUTPUT_FORMATS } from './format.js';

/** oclif's parsed flags/args shape (its FlagOutput/ArgOutput, which it does not export). */
// biome-ignore lint/suspicious/noExplicitAny: oclif's own constraint
type Parsed = { [name: string]: any };

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

  /**
   * For commands that take any number of words (strict = false): the most they accept, checked
   * after parsing with the OVS tools' message. Commands without arguments set it to 0 with
   * strict = false, because oclif would otherwise read extra words as a longer command name.
   */
  static maxArgs: number | undefined;

  protected override async parse<F extends Parsed, B extends Parsed, A extends Parsed>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const out = await super.parse(options, argv);
    const max = (this.constructor as typeof BaseCommand).maxArgs;
    if (max !== undefined && out.argv.length > max) throw new UserError(this.countMessage('takes at most', max));
    return out;
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err.oclif?.exit !== undefined && err.exitCode === undefined) {
      // oclif's own parse errors (unknown flag, missing argument) are user errors.
      if (err.oclif.exit === 0) return;
      this.logToStderr(`${this.config.bin}: ${this.argCountMessage(err.message) ?? err.message.split('\n')[0]}`);
      this.exit(ExitCode.userError);
    }
    const code = err.exitCode ?? ExitCode.userError;
    this.logToStderr(`${this.config.bin}: ${err.message}`);
    this.exit(code);
  }

  /**
   * oclif's too-few/too-many-arguments errors in the words of the OVS tools (ovs_cmdl's), which
   * scripts and users recognise: the counts come from the command's declared arguments.
   */
  private argCountMessage(message: string): string | undefined {
    const ctor = this.constructor as typeof Command;
    const args = Object.values(ctor.args ?? {});
    if (message.startsWith('Missing ') && message.includes(' required arg')) {
      const min = args.filter((a) => a.required).length;
      return this.countMessage('requires at least', min);
    }
    if (message.startsWith('Unexpected argument')) return this.countMessage('takes at most', args.length);
    return undefined;
  }

  private countMessage(bound: 'requires at least' | 'takes at most', n: number): string {
    return `'${this.invokedName()}' command ${bound} ${n} arguments`;
  }

  /** The name the user typed: an alias where one was used (ovs-ofctl names the command so). */
  private invokedName(): string {
    const names = [this.id, ...((this.constructor as typeof Command).aliases ?? [])];
    return process.argv.slice(2).find((a) => names.includes(a)) ?? this.id ?? '';
  }
}
