import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConfigDbServerHandle, startConfigDbServer, tierRequestCodeEagerly } from '@softswitch/configdb';
import { UnixctlServer } from '@softswitch/unixctl';
import { registerSwitchCommands } from './appctl.js';
import type { Bridge } from './bridge.js';
import { BridgeSet } from './bridge-set.js';
import { ConfigFollower } from './config-follower.js';
import { type OpenFlowHookup, openFlowHookup } from './openflow-hookup.js';

export interface DaemonOptions {
  rundir: string;
  /** File of the embedded config DB; ignored when `externalDb` is given. */
  dbFile: string;
  /** Active remotes of an external OVSDB server (`unix:PATH`, `tcp:IP:PORT`). */
  externalDb?: string[];
  /** Serve the config DB only: no switch. */
  dbOnly: boolean;
  /** Extra passive remotes for the embedded DB (`ptcp:PORT[:IP]`). */
  remotes: string[];
  version: string;
  pidfile: boolean;
  log: (message: string) => void;
}

/**
 * The running switchd: owns the run directory's files (pid file, control socket, db.sock) and
 * everything started inside it, and takes all of it down again on exit.
 */
export class Daemon {
  readonly control: UnixctlServer;
  private db: ConfigDbServerHandle | undefined;
  private follower: ConfigFollower | undefined;
  private bridges: BridgeSet | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private openflow: OpenFlowHookup | undefined;
  private readonly pidPath: string;
  private readonly stopped: Promise<void>;
  private resolveStopped!: () => void;
  private stopping = false;

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

  get dbSocketPath(): string {
    return join(this.options.rundir, 'db.sock');
  }

  /** Where the switch reads its configuration: the external servers, or the embedded one. */
  get dbRemotes(): string[] {
    return this.options.externalDb ?? [`unix:${this.dbSocketPath}`];
  }

  async start(): Promise<void> {
    if (this.options.pidfile) writeFileSync(this.pidPath, `${process.pid}\n`);
    try {
      if (!this.options.externalDb) {
        this.db = await startConfigDbServer({
          dbFile: this.options.dbFile,
          remotes: [`punix:${this.dbSocketPath}`, ...this.options.remotes],
          initialize: true,
          log: this.options.log,
        });
      }
      if (this.options.dbOnly) tierRequestCodeEagerly();
      else {
        const bridges = new BridgeSet(this.options.log);
        this.bridges = bridges;
        await bridges.start();
        this.openflow = await openFlowHookup(this.options.rundir, this.options.log);
        bridges.onBridgeAdded = (b: Bridge) => this.openflow?.open(b);
        bridges.onBridgeRemoved = (b: Bridge) => this.openflow?.close(b);
        registerSwitchCommands(this.control, bridges);
        this.follower = new ConfigFollower(this.dbRemotes, this.options.log, bridges);
        await this.follower.start();
        // Idle megaflows, MAC aging and flow timeouts, once a second.
        this.tickTimer = setInterval(() => bridges.tick(), 1000);
        this.tickTimer.unref();
      }
      await this.control.listen(this.controlPath);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Resolves when the daemon has stopped (by `appctl exit` or a signal). */
  waitUntilStopped(): Promise<void> {
    return this.stopped;
  }

  async stop(): Promise<void> {
    if (this.stopping) return this.stopped;
    this.stopping = true;
    await this.control.close();
    this.follower?.stop();
    if (this.tickTimer) clearInterval(this.tickTimer);
    await this.bridges?.close();
    if (this.db) {
      await this.db.close();
      rmSync(this.dbSocketPath, { force: true });
    }
    if (this.options.pidfile) rmSync(this.pidPath, { force: true });
    this.resolveStopped();
  }
}
