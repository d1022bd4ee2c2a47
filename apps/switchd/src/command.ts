import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand, ensurePrivateDir, resolveDbFile, resolveRunDir, UserError } from '@softswitch/cli-kit';
import { DETACHED_ENV, detach, reportReady } from './detach.js';

export default class Switchd extends BaseCommand {
  static override description = 'Run the softswitch daemon: config DB, bridges, OpenFlow pipeline and datapath.';
  static override examples = [
    '<%= config.bin %>',
    '<%= config.bin %> --rundir /tmp/ss --db-file /tmp/ss/conf.db --detach',
    '<%= config.bin %> --db unix:/var/run/openvswitch/db.sock',
    '<%= config.bin %> --db-only --remote ptcp:6640:127.0.0.1',
  ];
  static override flags = {
    'db-file': Flags.string({ description: 'database file for the embedded config DB' }),
    db: Flags.string({ description: 'use an external OVSDB server: REMOTE[,REMOTE...] (unix:PATH, tcp:IP:PORT)' }),
    'db-only': Flags.boolean({ description: 'serve the config DB alone' }),
    remote: Flags.string({ description: 'also serve the config DB on ptcp:PORT[:IP]', multiple: true }),
    detach: Flags.boolean({ description: 'run in the background once serving' }),
    pidfile: Flags.boolean({ description: 'write switchd.pid in the run directory', default: true, allowNo: true }),
    'log-file': Flags.string({ description: 'append log messages to this file' }),
    verbose: Flags.string({ char: 'v', description: 'log level, MODULE:LEVEL', multiple: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Switchd);
    if (flags.db && flags['db-file']) throw new UserError('--db and --db-file exclude each other');
    if (flags.db && flags['db-only']) throw new UserError('--db-only serves the embedded DB; it cannot use --db');
    for (const r of flags.remote ?? []) {
      if (!/^ptcp:\d+(:.+)?$/.test(r)) throw new UserError(`--remote ${r}: expected ptcp:PORT[:IP]`);
    }
    const rundir = ensurePrivateDir(resolveRunDir(flags.rundir));
    if (flags.detach && !process.env[DETACHED_ENV]) {
      const pid = await detach(this.argv, flags['log-file']);
      this.log(`switchd: running in the background (pid ${pid}), run directory ${rundir}`);
      return;
    }
    const logFile = flags['log-file'];
    const log = (message: string) => {
      const line = `${new Date().toISOString()}|switchd|${message}`;
      if (logFile) appendFileSync(logFile, `${line}\n`);
      else process.stderr.write(`${line}\n`);
    };
    const dbFile = resolveDbFile(flags['db-file']);
    if (!flags.db) mkdirSync(dirname(dbFile), { recursive: true, mode: 0o700 });
    // The switch itself loads only when it runs, so `--help` and `--version` stay quick.
    const { Daemon } = await import('./daemon.js');
    const daemon = new Daemon({
      rundir,
      dbFile,
      externalDb: flags.db?.split(',').filter(Boolean),
      dbOnly: flags['db-only'],
      remotes: flags.remote ?? [],
      version: this.config.version,
      pidfile: flags.pidfile,
      log,
    });
    const onSignal = () => void daemon.stop();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await daemon.start();
    reportReady();
    if (!process.env[DETACHED_ENV]) {
      this.log(`switchd: run directory ${rundir}`);
      if (!flags.db) this.log(`switchd: config DB ${daemon.options.dbFile}, served on ${daemon.dbSocketPath}`);
      this.log(`switchd: control socket ${daemon.controlPath}`);
      this.log(`try:  bin/vsctl --db=unix:${daemon.dbRemotes[0].replace(/^unix:/, '')} add-br br0`);
      this.log(`      bin/appctl --rundir ${rundir} list-commands`);
    }
    await daemon.waitUntilStopped();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
