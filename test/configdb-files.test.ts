import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStorage, parseSchema, rowToJson, schemaToJson, VSWITCH_SCHEMA_PATH } from '@softswitch/configdb';
import { JsonFramer } from '@softswitch/jsonrpc';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startOurServer } from './configdb-support.js';
import { startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';

const OVS_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

function run(tool: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(tool, args, { env, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

describeNeeding(
  { binaries: ['ovsdb-tool', 'ovsdb-server', 'ovs-vsctl'] },
  'database files shared with Open vSwitch',
  () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'configdb-files-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('our Open_vSwitch schema matches OVS 3.1 structurally', () => {
      const ours = schemaToJson(parseSchema(JSON.parse(readFileSync(VSWITCH_SCHEMA_PATH, 'utf8'))));
      const theirs = schemaToJson(parseSchema(JSON.parse(readFileSync(OVS_SCHEMA, 'utf8'))));
      expect(ours).toEqual(theirs);
      expect(run('ovsdb-tool', ['schema-version', VSWITCH_SCHEMA_PATH]).stdout.trim()).toBe(
        run('ovsdb-tool', ['schema-version', OVS_SCHEMA]).stdout.trim(),
      );
    });

    it('ovsdb-tool show-log and query read a database we wrote, and ovsdb-server serves it', async () => {
      const ours = await startOurServer({ dir: mkdtempSync(join(dir, 'ours-')) });
      const env = { ...process.env, OVS_RUNDIR: ours.dir, OVS_DBDIR: ours.dir, OVS_LOGDIR: ours.dir };
      const vsctl = (...a: string[]) => run('ovs-vsctl', [`--db=unix:${ours.socket}`, '--no-wait', ...a], env);
      expect(vsctl('init').status).toBe(0);
      expect(vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'external-ids:k=v').status).toBe(0);
      expect(vsctl('add-port', 'br0', 'p1', '--', 'set', 'interface', 'p1', 'type=internal').status).toBe(0);
      expect(vsctl('del-port', 'br0', 'p1').status).toBe(0);
      await ours.stop();

      const log = run('ovsdb-tool', ['show-log', '-m', ours.dbFile]);
      expect(log.status).toBe(0);
      expect(log.stdout).toMatch(/record 0: "Open_vSwitch" schema, version="8\.3\.1"/);
      expect(log.stdout).toMatch(/table Bridge insert row "br0"/);
      // Written as ovsdb-server 3.x writes its log: changes as column diffs ("_is_diff").
      expect(log.stdout).toMatch(/table Interface row "p1" \([0-9a-f]+\) diff:\n\s+delete row/);
      expect(log.stdout).toMatch(/table Bridge row "br0" \([0-9a-f]+\) diff:/);
      expect(run('ovsdb-tool', ['db-is-standalone', ours.dbFile]).status).toBe(0);
      const q = run('ovsdb-tool', [
        'query',
        ours.dbFile,
        JSON.stringify([
          'Open_vSwitch',
          { op: 'select', table: 'Bridge', where: [], columns: ['name', 'external_ids'] },
        ]),
      ]);
      expect(JSON.parse(q.stdout)).toEqual([{ rows: [{ name: 'br0', external_ids: ['map', [['k', 'v']]] }] }]);

      // Real ovsdb-server opens our file.
      const sock = join(ours.dir, 'real.sock');
      const pidFile = join(ours.dir, 'ovsdb-server.pid');
      try {
        const srv = run(
          'ovsdb-server',
          [
            ours.dbFile,
            `--remote=punix:${sock}`,
            `--pidfile=${pidFile}`,
            '--detach',
            '--no-chdir',
            `--log-file=${join(ours.dir, 'real.log')}`,
          ],
          env,
        );
        expect(srv.status).toBe(0);
        const show = run('ovs-vsctl', [`--db=unix:${sock}`, '--no-wait', 'list-ports', 'br0'], env);
        expect(show.stdout).toBe('');
        expect(run('ovs-vsctl', [`--db=unix:${sock}`, '--no-wait', 'br-get-external-id', 'br0', 'k'], env).stdout).toBe(
          'v\n',
        );
      } finally {
        if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
      }
    });

    it('we open a database that ovsdb-tool create and ovsdb-server wrote, with all rows', () => {
      const real = startOvsSandbox({ vswitchd: false });
      try {
        real.vsctl(
          '--no-wait',
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
          'options:a=b',
        );
        real.vsctl(
          '--no-wait',
          'add-bond',
          'br0',
          'bond0',
          'e1',
          'e2',
          '--',
          'set-controller',
          'br0',
          'tcp:1.2.3.4:6653',
        );
        real.vsctl('--no-wait', 'set', 'bridge', 'br0', 'other-config:x=1', '--', 'del-port', 'br0', 'p1');
        // Optional columns (at most one value) changed, set and cleared: ovsdb-server logs each
        // change as an "_is_diff" record whose value is the new one, not a set difference.
        real.vsctl('--no-wait', 'set', 'port', 'bond0', 'tag=5', '--', 'set', 'bridge', 'br0', 'fail_mode=secure');
        real.vsctl(
          '--no-wait',
          'set',
          'port',
          'bond0',
          'tag=7',
          'trunks=1,2',
          '--',
          'clear',
          'bridge',
          'br0',
          'fail_mode',
        );
        real.vsctl(
          '--no-wait',
          'set',
          'port',
          'bond0',
          'trunks=2,3',
          '--',
          'set',
          'bridge',
          'br0',
          'fail_mode=standalone',
        );
        // One JSON object per table, back to back: exactly what our framer splits.
        const dump = new JsonFramer().push(
          Buffer.from(real.run('ovsdb-client', ['dump', `unix:${real.dbSocket}`, '--format=json'])),
        ) as {
          caption: string;
          headings: string[];
          data: unknown[][];
        }[];
        expect(dump.length).toBeGreaterThan(10);
        const copy = join(dir, 'real-copy.db');
        copyFileSync(join(real.dir, 'conf.db'), copy);
        const st = FileStorage.open(copy);
        for (const t of dump) {
          const table = t.caption.replace(/ table$/, '');
          const uuidCol = t.headings.indexOf('_uuid');
          const theirs = t.data.map((row) => (row[uuidCol] as [string, string])[1]).sort();
          expect({ table, uuids: [...st.db.table(table).keys()].sort() }).toEqual({ table, uuids: theirs });
        }
        const br = [...st.db.table('Bridge').values()][0];
        expect(br.cols.get('other_config')).toEqual({ keys: ['x'], values: ['1'] });
        // Every column of every row as ovsdb-server serves it.
        const differences: string[] = [];
        for (const t of dump) {
          const table = t.caption.replace(/ table$/, '');
          const schema = st.db.schema.tables.get(table);
          if (!schema) throw new Error(`no table ${table} in our schema`);
          for (const cells of t.data) {
            const uuid = (cells[t.headings.indexOf('_uuid')] as [string, string])[1];
            const row = st.db.table(table).get(uuid);
            if (!row) throw new Error(`${table} ${uuid} missing`);
            const mine = rowToJson(row, schema);
            t.headings.forEach((h, i) => {
              if (h === '_uuid' || h === '_version') return;
              const canon = (v: unknown) => JSON.stringify(v);
              if (canon(mine[h]) !== canon(cells[i]))
                differences.push(`${table} ${h}: ours ${canon(mine[h])}, theirs ${canon(cells[i])}`);
            });
          }
        }
        expect(differences).toEqual([]);
        const bond = [...st.db.table('Port').values()].find((r) => r.cols.get('name')?.keys[0] === 'bond0');
        expect(bond?.cols.get('tag')).toEqual({ keys: [7] });
        st.close();
      } finally {
        real.stop();
      }
    });
  },
);
