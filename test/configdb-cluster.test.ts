import { spawnSync } from 'node:child_process';
import { Idl, type IdlChange } from '@softswitch/configdb';
import { afterAll, afterEach, expect, it } from 'vitest';
import { type OurServer, startOurServer } from './configdb-support.js';
import { type OvsdbCluster, startOvsdbCluster } from './support/configdb-cluster.js';
import { type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { binPath, type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const vsctl = (...args: string[]) => run(process.execPath, [binPath('vsctl'), ...args]);
const appctl = (...args: string[]) => run(process.execPath, [binPath('appctl'), ...args]);

/** `_Server`'s Database rows as a client sees them, without the per-server parts (uuid, schema text). */
function serverRows(remote: string) {
  const r = run('ovsdb-client', [
    'query',
    remote,
    '["_Server",{"op":"select","table":"Database","where":[],"columns":["name","model","connected","leader","cid","sid","index"]}]',
  ]);
  expect(r.status, r.stderr).toBe(0);
  const rows = (JSON.parse(r.stdout) as { rows: { name: string }[] }[])[0].rows;
  return rows.sort((a, b) => (a.name < b.name ? -1 : 1));
}

describeNeeding(
  { binaries: ['ovsdb-server', 'ovsdb-tool', 'ovsdb-client', 'ovs-vsctl'] },
  'config DB clusters: leader following',
  () => {
    const cleanups: (() => unknown)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });
    afterAll(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    it("our standalone server's _Server database says what ovsdb-server's says", async () => {
      const ours: OurServer = await startOurServer();
      cleanups.push(() => ours.stop());
      const ovs: OvsSandbox = startOvsSandbox({ vswitchd: false });
      cleanups.push(() => ovs.stop());
      const expected = serverRows(`unix:${ovs.dbSocket}`);
      expect(expected.find((r) => r.name === 'Open_vSwitch')).toMatchObject({ model: 'standalone', leader: true });
      expect(serverRows(`unix:${ours.socket}`)).toEqual(expected);
      // So a cluster-aware client (leader-only, as ovs-vsctl by default) takes it with one remote or several.
      const db = `--db=unix:${ours.socket},unix:${ovs.dbSocket}`;
      expect(vsctl(db, '--no-wait', 'init')).toMatchObject({ status: 0, stderr: '' });
    });

    it('switchd and vsctl follow the leader when it is killed; nothing is lost or applied twice', async () => {
      const cluster: OvsdbCluster = await startOvsdbCluster(3);
      cleanups.push(() => cluster.stop());
      const db = `--db=${cluster.remotes}`;
      expect(vsctl(db, '--no-wait', 'init')).toMatchObject({ status: 0, stderr: '' });

      const sw: RunningSwitchd = await startSwitchd(['--db', cluster.remotes]);
      cleanups.push(() => sw.stop());
      // A replica of our own, to check that every committed change arrives exactly once.
      const idl = new Idl({ remotes: cluster.remotes.split(','), database: 'Open_vSwitch' });
      cleanups.push(() => idl.close());
      const inserted: string[] = [];
      idl.on('change', (changes: IdlChange[]) => {
        for (const c of changes) if (c.table === 'Port' && c.kind === 'insert') inserted.push(c.uuid);
      });
      await idl.connect();

      // Without --no-wait vsctl waits until switchd has applied the change (cur_cfg).
      const add1 = vsctl(
        db,
        'add-br',
        'br0',
        '--',
        'add-port',
        'br0',
        'p1',
        '--',
        'set',
        'interface',
        'p1',
        'type=dummy',
      );
      expect(add1).toMatchObject({ status: 0, stderr: '' });
      expect(run('ovs-vsctl', [db, 'get', 'interface', 'p1', 'ofport']).stdout).toBe('1\n');

      const oldLeader = await cluster.leader();
      await cluster.kill(oldLeader);

      // The next command finds the new leader (--retry rides out the election).
      const add2 = vsctl(
        db,
        '--retry',
        '--timeout=40',
        'add-port',
        'br0',
        'p2',
        '--',
        'set',
        'interface',
        'p2',
        'type=dummy',
      );
      expect(add2).toMatchObject({ status: 0, stderr: '' });
      const newLeader = await cluster.leader();
      expect(newLeader).not.toBe(oldLeader);

      // switchd followed: it wrote p2's ofport (and cur_cfg, which vsctl waited for) to the new leader.
      expect(run('ovs-vsctl', [db, '--retry', 'get', 'interface', 'p2', 'ofport']).stdout).toBe('2\n');
      expect(run('ovs-vsctl', [db, 'list-ports', 'br0']).stdout).toBe('p1\np2\n');
      const cfg = (col: string) => run('ovs-vsctl', [db, 'get', 'Open_vSwitch', '.', col]).stdout;
      expect(cfg('cur_cfg')).toBe(cfg('next_cfg'));
      const dpif = appctl('--rundir', sw.rundir, 'dpif/show');
      expect(dpif.stdout).toMatch(/p1 1/);
      expect(dpif.stdout).toMatch(/p2 2/);

      // Real ovs-vsctl writes through the new leader; our replica and switchd see it too.
      expect(
        run('ovs-vsctl', [db, 'add-port', 'br0', 'p3', '--', 'set', 'interface', 'p3', 'type=dummy']),
      ).toMatchObject({
        status: 0,
        stderr: '',
      });
      await waitFor('the replica to catch up', () => idl.rows('Port').length === 4);
      const ports = idl.rows('Port').map((r) => String(idl.get('Port', r, 'name')));
      expect(ports.sort()).toEqual(['br0', 'p1', 'p2', 'p3']);
      // Each insert reached the replica once: none lost across the failover, none replayed by the resume.
      expect(inserted.length).toBe(4);
      expect(new Set(inserted).size).toBe(4);
      expect(appctl('--rundir', sw.rundir, 'dpif/show').stdout).toMatch(/p3 3/);
    }, 90_000);

    it('the IDL leaves a leader that hands leadership over (seen in _Server, the socket stays up)', async () => {
      const cluster = await startOvsdbCluster(3);
      cleanups.push(() => cluster.stop());
      const db = `--db=${cluster.remotes}`;
      expect(vsctl(db, '--no-wait', 'init')).toMatchObject({ status: 0 });
      const leader = await cluster.leader();
      // The leader last in the list: the IDL must pass over both followers to reach it.
      const remotes = cluster.members.map((m) => m.remote);
      remotes.push(...remotes.splice(leader, 1));
      const idl = new Idl({ remotes, database: 'Open_vSwitch' });
      cleanups.push(() => idl.close());
      const events: string[] = [];
      idl.on('unsuitable', (remote: string, reason: string) => events.push(`unsuitable ${remote} ${reason}`));
      idl.on('connected', (remote: string) => events.push(`connected ${remote}`));
      await idl.connect();
      const leaderRemote = cluster.members[leader].remote;
      expect(events.at(-1)).toBe(`connected ${leaderRemote}`);
      expect(events.filter((e) => e.startsWith('unsuitable')).length).toBe(2);
      events.length = 0;

      expect(
        run('ovs-appctl', ['-t', cluster.members[leader].ctl, 'cluster/failure-test', 'transfer-leadership']),
      ).toMatchObject({ status: 0 });
      await waitFor('the IDL to move to the new leader', () => events.some((e) => e.startsWith('connected')), 20_000);
      run('ovs-appctl', ['-t', cluster.members[leader].ctl, 'cluster/failure-test', 'clear']);
      expect(events[0]).toBe(`unsuitable ${leaderRemote} clustered database server is not cluster leader`);
      const newLeader = await cluster.leader();
      expect(events.at(-1)).toBe(`connected ${cluster.members[newLeader].remote}`);
      expect(run('ovs-vsctl', [db, '--no-wait', 'add-br', 'brT'])).toMatchObject({ status: 0 });
      await waitFor('brT in the replica', () => idl.rows('Bridge').length === 1);
    }, 60_000);

    it('a lone follower is refused unless --no-leader-only, as ovs-vsctl does', async () => {
      const cluster = await startOvsdbCluster(3);
      cleanups.push(() => cluster.stop());
      expect(vsctl(`--db=${cluster.remotes}`, '--no-wait', 'init', '--', 'add-br', 'brX')).toMatchObject({ status: 0 });
      const leader = await cluster.leader();
      const follower = cluster.members[(leader + 1) % 3].remote;
      const refused = vsctl(`--db=${follower}`, 'list-br');
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(/not cluster leader/);
      expect(run('ovs-vsctl', [`--db=${follower}`, 'list-br']).status).not.toBe(0);
      expect(vsctl(`--db=${follower}`, '--no-leader-only', 'list-br')).toMatchObject({ status: 0, stdout: 'brX\n' });
    }, 60_000);
  },
);
