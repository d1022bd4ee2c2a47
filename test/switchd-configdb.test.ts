import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { binPath, type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const node = (tool: string, ...args: string[]) => run(process.execPath, [binPath(tool), ...args]);

describeNeeding({ binaries: ['ovs-vsctl', 'ovsdb-server'] }, 'switchd with its config DB', () => {
  const running: RunningSwitchd[] = [];
  const sandboxes: OvsSandbox[] = [];
  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop();
  });
  afterAll(() => {
    for (const s of sandboxes) s.stop();
  });

  it('serves its embedded DB to real ovs-vsctl, which waits for switchd to apply each change', async () => {
    const sw = await startSwitchd();
    running.push(sw);
    const db = `--db=unix:${join(sw.rundir, 'db.sock')}`;
    // Without --no-wait, ovs-vsctl waits for cur_cfg and then checks every new interface's ofport.
    const add = run('ovs-vsctl', [
      db,
      'add-br',
      'br0',
      '--',
      'add-port',
      'br0',
      'p1',
      '--',
      'add-port',
      'br0',
      'p2',
      '--',
      'set',
      'interface',
      'p2',
      'ofport_request=7',
    ]);
    expect(add).toMatchObject({ status: 0, stderr: '' });
    const ofports = run('ovs-vsctl', [db, '--format=csv', '--columns=name,ofport', 'list', 'interface']).stdout;
    expect(ofports.trim().split('\n').slice(1).sort()).toEqual(['br0,65534', 'p1,1', 'p2,7']);
    expect(run('ovs-vsctl', [db, 'get', 'Open_vSwitch', '.', 'cur_cfg']).stdout).toBe(
      run('ovs-vsctl', [db, 'get', 'Open_vSwitch', '.', 'next_cfg']).stdout,
    );
    // softswitch's own vsctl waits the same way.
    expect(node('vsctl', db, 'add-port', 'br0', 'p3')).toMatchObject({ status: 0 });
    expect(run('ovs-vsctl', [db, 'get', 'interface', 'p3', 'ofport']).stdout).toBe('2\n');
  });

  it('keeps the database across restarts and survives kill -9', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchd-db-'));
    const dbFile = join(dir, 'conf.db');
    const first = await startSwitchd(['--db-file', dbFile]);
    const db = (sw: RunningSwitchd) => `--db=unix:${join(sw.rundir, 'db.sock')}`;
    expect(node('vsctl', db(first), 'add-br', 'brA').status).toBe(0);
    first.process.kill('SIGKILL');
    await waitFor('switchd to die', () => first.process.exitCode !== null || first.process.signalCode !== null);
    await first.stop();
    const second = await startSwitchd(['--db-file', dbFile]);
    running.push(second);
    expect(node('vsctl', db(second), 'list-br').stdout).toBe('brA\n');
  });

  it('--db-only serves the DB without a switch: nothing acknowledges next_cfg', async () => {
    const sw = await startSwitchd(['--db-only']);
    running.push(sw);
    const db = `--db=unix:${join(sw.rundir, 'db.sock')}`;
    expect(run('ovs-vsctl', [db, '--no-wait', 'add-br', 'br0'])).toMatchObject({ status: 0 });
    const waited = run('ovs-vsctl', [db, '--timeout=1', 'add-br', 'br1']);
    expect(waited.status).not.toBe(0);
    expect(run('ovs-vsctl', [db, 'get', 'Open_vSwitch', '.', 'cur_cfg']).stdout).toBe('0\n');
  });

  it('--db follows an external real ovsdb-server', async () => {
    const ovs = startOvsSandbox({ vswitchd: false });
    sandboxes.push(ovs);
    const sw = await startSwitchd(['--db', `unix:${ovs.dbSocket}`]);
    running.push(sw);
    expect(existsSync(join(sw.rundir, 'db.sock'))).toBe(false);
    ovs.vsctl('add-br', 'br9', '--', 'add-port', 'br9', 'eth9');
    expect(ovs.vsctl('get', 'interface', 'eth9', 'ofport')).toBe('1\n');
  });

  it('--detach returns once the sockets are up; appctl exit stops it', () => {
    const rundir = mkdtempSync(join(tmpdir(), 'switchd-detach-'));
    const log = join(rundir, 'switchd.log');
    const started = node(
      'switchd',
      '--rundir',
      rundir,
      '--db-file',
      join(rundir, 'conf.db'),
      '--detach',
      '--log-file',
      log,
    );
    expect(started.status).toBe(0);
    expect(existsSync(join(rundir, 'switchd.ctl'))).toBe(true);
    const pid = Number(readFileSync(join(rundir, 'switchd.pid'), 'utf8'));
    expect(started.stdout).toContain(`pid ${pid}`);
    expect(node('vsctl', `--db=unix:${join(rundir, 'db.sock')}`, 'add-br', 'br0').status).toBe(0);
    expect(node('appctl', '--rundir', rundir, 'exit').status).toBe(0);
  });

  it('rejects contradictory options with exit status 1', () => {
    const r = node('switchd', '--db', 'unix:/x', '--db-only');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^switchd: --db-only/);
    expect(node('switchd', '--remote', 'tcp:1.2.3.4:5').status).toBe(1);
  });
});
