import { spawn, spawnSync } from 'node:child_process';
import { connectRemote } from '@softswitch/jsonrpc';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type OurServer, startOurServer } from './configdb-support.js';
import { normalizeOutput, normalizeUuids, VSCTL_SESSION } from './configdb-vsctl-session.js';
import { type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';

/**
 * A monitor reply or update as sorted lines of `TABLE {row}`, with UUIDs blanked and sets sorted
 * after that, so that two servers' replies over the same contents compare equal.
 */
function canonicalUpdates(updates: unknown): string[] {
  // Object keys sorted, sets' elements sorted by their text after the UUIDs are blanked.
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const items = v.map(canonical);
      return v[0] === 'set' ? ['set', (items[1] as unknown[]).map((e) => JSON.stringify(e)).sort()] : items;
    }
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return typeof v === 'string' ? normalizeUuids(v) : v;
  };
  const lines: string[] = [];
  for (const [table, rows] of Object.entries(updates as Record<string, Record<string, unknown>>)) {
    for (const row of Object.values(rows)) lines.push(`${table} ${JSON.stringify(canonical(row))}`);
  }
  return lines.sort();
}

interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

function runTool(tool: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Outcome {
  const r = spawnSync(tool, args, { env, input, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A long-running tool whose output can be awaited. */
function watch(tool: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(tool, args, { env });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  return {
    output: () => out,
    kill: () => child.kill(),
    async waitFor(re: RegExp): Promise<void> {
      const deadline = Date.now() + 10_000;
      while (!re.test(out)) {
        if (Date.now() > deadline) throw new Error(`${tool} ${args.join(' ')}: no ${re} in:\n${out}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

/** ovs-vsctl's own log prefix (timestamp|seq|module|level|) differs run to run. */
function cleanStderr(s: string): string {
  return normalizeUuids(s.replace(/^\S+\|\d+\|\w+\|\w+\|/gm, ''));
}

describeNeeding(
  { binaries: ['ovs-vsctl', 'ovsdb-server', 'ovsdb-client', 'ovsdb-tool'] },
  'real Open vSwitch clients against our OVSDB server',
  () => {
    let real: OvsSandbox;
    let ours: OurServer;
    const env = () => ({ ...process.env, OVS_RUNDIR: ours.dir, OVS_DBDIR: ours.dir, OVS_LOGDIR: ours.dir });

    beforeAll(async () => {
      real = startOvsSandbox({ vswitchd: false });
      ours = await startOurServer();
    });
    afterAll(async () => {
      real?.stop();
      await ours?.stop();
    });

    it(`a ${VSCTL_SESSION.length + 1}-command ovs-vsctl session prints the same and exits the same`, () => {
      const vsctl = (db: string, e: NodeJS.ProcessEnv, args: string[]) =>
        runTool('ovs-vsctl', [`--db=unix:${db}`, '--no-wait', '--timeout=10', ...args], e);
      // The sandbox already ran `init` on the real server.
      expect(vsctl(ours.socket, env(), ['init']).status).toBe(0);
      const mismatches: string[] = [];
      for (const args of VSCTL_SESSION) {
        const a = vsctl(real.dbSocket, real.env, args);
        const b = vsctl(ours.socket, env(), args);
        const same =
          a.status === b.status &&
          normalizeOutput(args, a.stdout) === normalizeOutput(args, b.stdout) &&
          cleanStderr(a.stderr) === cleanStderr(b.stderr);
        if (!same) {
          mismatches.push(
            `ovs-vsctl ${args.join(' ')}\n real (${a.status}): ${a.stdout}${a.stderr}\n ours (${b.status}): ${b.stdout}${b.stderr}`,
          );
        }
      }
      expect(mismatches).toEqual([]);
    });

    it('monitor replies and updates (update, update2, update3) carry what ovsdb-server sends', async () => {
      // The tables and columns ovs-vsctl's IDL asks for, in each monitor version. From update2 on,
      // ovsdb-server leaves default values out of "initial" and "insert" rows.
      const request = {
        Bridge: [{ columns: ['name', 'ports', 'fail_mode', 'controller'] }],
        Port: [{ columns: ['name', 'interfaces', 'tag', 'fake_bridge'] }],
        Interface: [{ columns: ['name', 'ofport', 'error'] }],
      };
      const views = await Promise.all(
        [`unix:${real.dbSocket}`, `unix:${ours.socket}`].map(async (remote, k) => {
          const c = await connectRemote(remote);
          const updates: Record<string, unknown> = {};
          c.on('notification', (method: string, params: unknown[]) => {
            updates[method] = params[params.length - 1];
          });
          try {
            const v1 = await c.request('monitor', ['Open_vSwitch', 'v1', request]);
            const v2 = await c.request('monitor_cond', ['Open_vSwitch', 'v2', request]);
            const v3 = (await c.request('monitor_cond_since', [
              'Open_vSwitch',
              'v3',
              request,
              '00000000-0000-0000-0000-000000000000',
            ])) as unknown[];
            const vsctl = [`--db=${remote}`, '--no-wait', 'add-br', 'mon0', '--', 'add-port', 'mon0', 'mp0'];
            expect(runTool('ovs-vsctl', vsctl, k === 0 ? real.env : env()).status).toBe(0);
            const deadline = Date.now() + 10_000;
            while (Object.keys(updates).length < 3 && Date.now() < deadline)
              await new Promise((r) => setTimeout(r, 10));
            const del = [`--db=${remote}`, '--no-wait', 'del-br', 'mon0'];
            expect(runTool('ovs-vsctl', del, k === 0 ? real.env : env()).status).toBe(0);
            return {
              initial: [canonicalUpdates(v1), canonicalUpdates(v2), canonicalUpdates(v3[2])],
              updates: ['update', 'update2', 'update3'].map((m) => (updates[m] ? canonicalUpdates(updates[m]) : m)),
            };
          } finally {
            c.close();
          }
        }),
      );
      // Both servers sent all three notifications (a missing one would leave its method's name).
      for (const v of views) expect(v.updates.every((u) => Array.isArray(u) && u.length > 0)).toBe(true);
      expect(views[1].initial[1].length).toBeGreaterThan(0);
      expect(views[1]).toEqual(views[0]);
    });

    it('update2/update3 "modify" diffs of optional, set and map columns are what ovsdb-server sends', async () => {
      // An optional column (at most one value) changes to its new value in a diff, set or cleared,
      // as OVS's ovsdb_datum_diff; a set or map column changes by what was added or removed.
      const request = {
        Bridge: [{ columns: ['name', 'fail_mode'] }],
        Port: [{ columns: ['name', 'tag', 'trunks', 'external_ids'] }],
      };
      const steps = [
        ['add-br', 'ob0', '--', 'add-port', 'ob0', 'op1', 'tag=5', 'trunks=1,2'],
        ['set', 'port', 'op1', 'tag=7', 'trunks=2,3', 'external_ids:a=b'],
        ['clear', 'port', 'op1', 'tag', '--', 'set', 'bridge', 'ob0', 'fail_mode=secure'],
        ['set', 'port', 'op1', 'tag=9', 'external_ids:a=c', '--', 'clear', 'bridge', 'ob0', 'fail_mode'],
        ['set', 'bridge', 'ob0', 'fail_mode=standalone', '--', 'remove', 'port', 'op1', 'external_ids', 'a'],
        ['del-br', 'ob0'],
      ];
      const views = await Promise.all(
        [`unix:${real.dbSocket}`, `unix:${ours.socket}`].map(async (remote, k) => {
          const c = await connectRemote(remote);
          const seen: Record<string, string[][]> = { update2: [], update3: [] };
          c.on('notification', (method: string, params: unknown[]) => {
            seen[method]?.push(canonicalUpdates(params[params.length - 1]));
          });
          try {
            await c.request('monitor_cond', ['Open_vSwitch', 'v2', request]);
            await c.request('monitor_cond_since', [
              'Open_vSwitch',
              'v3',
              request,
              '00000000-0000-0000-0000-000000000000',
            ]);
            for (const [n, step] of steps.entries()) {
              const args = [`--db=${remote}`, '--no-wait', ...step];
              expect(runTool('ovs-vsctl', args, k === 0 ? real.env : env()).status).toBe(0);
              // Every step changes a monitored column: wait for both monitors' update.
              const deadline = Date.now() + 10_000;
              while ((seen.update2.length <= n || seen.update3.length <= n) && Date.now() < deadline)
                await new Promise((r) => setTimeout(r, 5));
            }
            return seen;
          } finally {
            c.close();
          }
        }),
      );
      for (const v of views) expect([v.update2.length, v.update3.length]).toEqual([steps.length, steps.length]);
      expect(views[0].update2.join('\n')).toMatch(/"tag":\["set",\[\]\]/);
      expect(views[1]).toEqual(views[0]);
    });

    it('ovsdb-client list-dbs, dump, transact and monitor work against our server', async () => {
      const db = `unix:${ours.socket}`;
      const dbs = runTool('ovsdb-client', ['list-dbs', db], env());
      expect(dbs.stdout.split('\n').filter(Boolean).sort()).toEqual(['Open_vSwitch', '_Server']);
      const t = runTool(
        'ovsdb-client',
        [
          'transact',
          db,
          JSON.stringify([
            'Open_vSwitch',
            { op: 'insert', table: 'Bridge', row: { name: 'tx0' }, 'uuid-name': 'b' },
            { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', ['named-uuid', 'b']]] },
          ]),
        ],
        env(),
      );
      expect(t.status).toBe(0);
      expect(JSON.parse(t.stdout)).toMatchObject([{ uuid: ['uuid', expect.any(String)] }, { count: 1 }]);
      const dump = runTool('ovsdb-client', ['dump', db, 'Open_vSwitch', 'Bridge', 'name'], env());
      expect(dump.status).toBe(0);
      expect(dump.stdout).toContain('Bridge table');
      expect(dump.stdout).toMatch(/"?tx0"?/);
      const full = runTool('ovsdb-client', ['dump', db], env());
      expect(full.status).toBe(0);
      expect(full.stdout).toContain('Open_vSwitch table');
      // monitor and monitor-cond: the initial contents, then live updates as they happen.
      const mon = watch('ovsdb-client', ['monitor', db, 'Open_vSwitch', 'Bridge', 'name', '--format=csv'], env());
      const cond = watch(
        'ovsdb-client',
        ['monitor-cond', db, 'Open_vSwitch', '[["name","==","live0"]]', 'Bridge', 'name'],
        env(),
      );
      try {
        await mon.waitFor(/initial,"?tx0"?/);
        expect(
          runTool('ovs-vsctl', [`--db=${db}`, '--no-wait', 'add-br', 'live0', '--', 'add-br', 'other0'], env()).status,
        ).toBe(0);
        await mon.waitFor(/insert,"?live0"?/);
        // (The conditional monitor may start after the change: then the row arrives as initial.)
        await cond.waitFor(/(insert|initial)\s+live0/);
        expect(cond.output()).not.toContain('other0');
      } finally {
        mon.kill();
        cond.kill();
      }
      // Leave the database as the oracle's (the next test compares counts).
      expect(
        runTool('ovs-vsctl', [`--db=${db}`, '--no-wait', 'del-br', 'live0', '--', 'del-br', 'other0'], env()).status,
      ).toBe(0);
    });

    it('ovsdb-client transact reports RFC 7047 errors exactly like ovsdb-server, committing nothing', () => {
      const bad = [
        [{ op: 'insert', table: 'Nope', row: {} }],
        [{ op: 'insert', table: 'Bridge', row: { nosuch: 1 } }],
        [{ op: 'insert', table: 'Bridge', row: { name: 5 } }],
        [{ op: 'insert', table: 'Port', row: { name: 'p', tag: 5000, interfaces: ['set', []] } }],
        [{ op: 'update', table: 'Bridge', where: [], row: { name: 'x' } }],
        [{ op: 'delete', table: 'Bridge', where: [['name', '==', 'br0']] }, { op: 'abort' }],
        [{ op: 'insert', table: 'Open_vSwitch', row: {} }],
        [{ op: 'wait', table: 'Bridge', timeout: 0, where: [], columns: ['name'], until: '==', rows: [] }],
        [{ op: 'select', table: 'Bridge', where: [['name', 'like', 'x']] }],
        [{ op: 'insert', table: 'Port', row: { name: 'p' } }],
        [{ op: 'delete', table: 'Port', where: [] }],
        [{ op: 'mutate', table: 'Bridge', where: [], mutations: [['flood_vlans', 'insert', ['set', [5000]]]] }],
        [
          { op: 'insert', table: 'Bridge', row: { name: 'b2' }, 'uuid-name': 'x' },
          { op: 'insert', table: 'Bridge', row: { name: 'b3' }, 'uuid-name': 'x' },
        ],
        [{ op: 'bogus' }],
        [{ op: 'select', table: 'Bridge', where: [], columns: ['nope'] }],
        [{ op: 'assert', lock: 'l' }],
        [{ op: 'insert', table: 'Bridge', row: { fail_mode: 'bogus', name: 'b4' } }],
      ];
      // Both databases hold the same bridge, so details (minus UUIDs) can be compared exactly.
      expect(
        runTool('ovs-vsctl', [`--db=unix:${ours.socket}`, '--no-wait', '--may-exist', 'add-br', 'br0'], env()).status,
      ).toBe(0);
      const before = runTool('ovsdb-client', ['dump', `unix:${ours.socket}`], env()).stdout;
      for (const ops of bad) {
        const txn = JSON.stringify(['Open_vSwitch', ...ops]);
        const a = runTool('ovsdb-client', ['transact', `unix:${real.dbSocket}`, txn], real.env);
        const b = runTool('ovsdb-client', ['transact', `unix:${ours.socket}`, txn], env());
        const view = (o: Outcome) =>
          (JSON.parse(o.stdout) as ({ error?: string; details?: string; uuid?: unknown } | null)[]).map((r) =>
            r?.error ? { error: r.error, details: normalizeUuids(r.details ?? '') } : r?.uuid ? 'uuid' : r,
          );
        expect({ ops, status: b.status, results: view(b) }).toEqual({ ops, status: a.status, results: view(a) });
      }
      const after = runTool('ovsdb-client', ['dump', `unix:${ours.socket}`], env()).stdout;
      expect(normalizeUuids(after)).toBe(normalizeUuids(before));
    });
  },
);
