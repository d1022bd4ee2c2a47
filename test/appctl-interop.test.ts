import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { binPath, type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const appctl = (...args: string[]) => run(process.execPath, [binPath('appctl'), ...args]);

describeNeeding(
  { binaries: ['ovs-appctl', 'ovsdb-server'] },
  'appctl and the control socket, against Open vSwitch',
  () => {
    let sw: RunningSwitchd;
    let ovs: OvsSandbox;
    beforeAll(async () => {
      sw = await startSwitchd();
      ovs = startOvsSandbox({ vswitchd: false });
    });
    afterAll(async () => {
      await sw?.stop();
      ovs?.stop();
    });

    it('real ovs-appctl talks to switchd', () => {
      const ctl = join(sw.rundir, 'switchd.ctl');
      const version = run('ovs-appctl', ['-t', ctl, 'version']);
      expect(version).toMatchObject({ status: 0, stdout: 'switchd (softswitch) 0.1.0\n' });
      const list = run('ovs-appctl', ['-t', ctl, 'list-commands']);
      expect(list.stdout).toMatch(/^The available commands are:\n/);
      expect(list.stdout).toContain('  version                 \n');
      const bad = run('ovs-appctl', ['-t', ctl, 'no/such']);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('"no/such" is not a valid command');
    });

    it('appctl gives the same answers as ovs-appctl against a real Open vSwitch daemon', () => {
      const pid = readFileSync(join(ovs.dir, 'ovsdb-server.pid'), 'utf8').trim();
      const ctl = join(ovs.dir, `ovsdb-server.${pid}.ctl`);
      for (const args of [['version'], ['list-commands'], ['vlog/list'], ['no/such'], ['exit', 'extra']]) {
        const theirs = run('ovs-appctl', ['-t', ctl, ...args]);
        const ours = appctl('-t', ctl, ...args);
        expect(ours.stdout, args.join(' ')).toBe(theirs.stdout);
        expect(ours.status, args.join(' ')).toBe(theirs.status);
        // Both print the server's own error text first.
        expect(ours.stderr.split('\n')[0]).toBe(theirs.stderr.split('\n')[0]);
      }
      // A daemon name resolves through its pid file, as ovs-appctl does.
      expect(appctl('--rundir', ovs.dir, '-t', 'ovsdb-server', 'version').stdout).toBe(
        run('ovs-appctl', ['-t', ctl, 'version']).stdout,
      );
    });

    it('exit stops switchd and removes its files; a gone daemon is exit status 2', async () => {
      const other = await startSwitchd();
      expect(appctl('--rundir', other.rundir, 'exit')).toMatchObject({ status: 0, stdout: '' });
      await waitFor('switchd to exit', () => other.process.exitCode !== null);
      expect(other.process.exitCode).toBe(0);
      expect(existsSync(join(other.rundir, 'switchd.ctl'))).toBe(false);
      expect(existsSync(join(other.rundir, 'switchd.pid'))).toBe(false);
      const gone = appctl('--rundir', other.rundir, 'version');
      expect(gone.status).toBe(2);
      expect(gone.stderr).toMatch(/^appctl: switchd: cannot connect to /);
      await other.stop();
    });

    it('appctl rejects bad usage with exit status 1', () => {
      expect(appctl().status).toBe(1);
      expect(appctl('--bogus', 'version')).toMatchObject({ status: 1 });
      expect(appctl('--version').stdout).toMatch(/^appctl \(softswitch\) /);
    });
  },
);
