import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnixctlServer } from '@softswitch/unixctl';

export interface DaemonOptions {
  rundir: string;
  dbFile: string;
  version: string;
  pidfile: boolean;
}

/**
 * The running switchd: owns the run directory's files (pid file, control socket) and everything
 * started inside it, and takes all of it down again on exit.
 */
export class Daemon {
  readonly control: UnixctlServer;
  private readonly pidPath: string;
  private readonly stopped: Promise<void>;
  private resolveStopped!: () => void;

  constructor(readonly options: DaemonOptions) {
    this.pidPath = join(options.rundir, 'switchd.pid');
    this.control = new UnixctlServer(`switchd (softswitch) ${options.version}`);
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
    this.control.register('exit', '', 0, 0, () => {
      // Reply first, then stop: the client waits for the answer.
      setImmediate(() => void this.stop());
      return '';
    });
  }

  get controlPath(): string {
    return join(this.options.rundir, 'switchd.ctl');
  }

  async start(): Promise<void> {
    if (this.options.pidfile) writeFileSync(this.pidPath, `${process.pid}\n`);
    await this.control.listen(this.controlPath);
  }

  /** Resolves when the daemon has stopped (by `appctl exit` or a signal). */
  waitUntilStopped(): Promise<void> {
    return this.stopped;
  }

  async stop(): Promise<void> {
    await this.control.close();
    if (this.options.pidfile) rmSync(this.pidPath, { force: true });
    this.resolveStopped();
  }
}
