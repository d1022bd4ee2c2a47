import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand, ensurePrivateDir, resolveDbFile, resolveRunDir } from '@softswitch/cli-kit';

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
    const dbFile = resolveDbFile(flags['db-file']);
    const pidPath = join(rundir, 'switchd.pid');
    if (flags.pidfile) writeFileSync(pidPath, `${process.pid}\n`);
    this.log(`switchd: run directory ${rundir}`);
    this.log(`switchd: database file ${dbFile}`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    if (flags.pidfile) rmSync(pidPath, { force: true });
  }
}
