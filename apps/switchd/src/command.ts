import { Flags } from '@oclif/core';
import { BaseCommand, ensurePrivateDir, resolveDbFile, resolveRunDir } from '@softswitch/cli-kit';
import { Daemon } from './daemon.js';

export default class Switchd extends BaseCommand {
  static override description = 'Run the softswitch daemon: config DB, bridges, OpenFlow pipeline and datapath.';
  static override examples = ['<%= config.bin %>', '<%= config.bin %> --rundir /tmp/ss --db-file /tmp/ss/conf.db'];
  static override flags = {
    'db-file': Flags.string({ description: 'database file for the embedded config DB' }),
    'db-only': Flags.boolean({ description: 'serve the config DB alone' }),
    pidfile: Flags.boolean({ description: 'write switchd.pid in the run directory', default: true, allowNo: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Switchd);
    const rundir = ensurePrivateDir(resolveRunDir(flags.rundir));
    const daemon = new Daemon({
      rundir,
      dbFile: resolveDbFile(flags['db-file']),
      version: this.config.version,
      pidfile: flags.pidfile,
    });
    await daemon.start();
    this.log(`switchd: run directory ${rundir}`);
    this.log(`switchd: control socket ${daemon.controlPath}  (try: bin/appctl --rundir ${rundir} list-commands)`);
    const onSignal = () => void daemon.stop();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await daemon.waitUntilStopped();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
