import { connect } from 'node:net';
import { join } from 'node:path';
import {
  encodeTableFeaturesMessage,
  type FeatureId,
  type OxmId,
  ofpPrint,
  type TableFeatureProp,
  type TableFeatures,
} from '@softswitch/openflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { shAsync } from './support/shell.js';
import { binPath, type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

/**
 * Table features end to end: `ofpPrint` against `ovs-ofctl ofp-print` on ovs-vswitchd's and
 * softswitch's real replies and on hand-built messages (bad lengths included); `ofctl
 * dump-table-features` against `ovs-ofctl dump-table-features` on both switches; and a request
 * that would set features refused as ovs-vswitchd refuses it.
 */

/**
 * Sends a hello for `version` and then `request` on the OpenFlow socket at `path`; resolves with
 * every message that answers the request (until one without the multipart "more" flag).
 */
function exchange(path: string, request: Uint8Array): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    const replies: Uint8Array[] = [];
    let buf = Buffer.alloc(0);
    s.on('error', reject);
    s.write(Buffer.from([request[0], 0, 0, 8, 0, 0, 0, 0]));
    s.write(request);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2)) {
        const m = new Uint8Array(buf.subarray(0, buf.readUInt16BE(2)));
        buf = buf.subarray(m.length);
        if (m[1] === 0) continue; // the hello
        replies.push(m);
        if (m[1] !== 19 || !(m[11] & 1)) {
          s.end();
          resolve(replies);
        }
      }
    });
  });
}

const ids = (types: number[]): FeatureId[] => types.map((type) => ({ type, data: new Uint8Array(0) }));

/** A table with every required property, a few ids of each kind (some unknown to OVS). */
function table(tableId: number, extra: Partial<TableFeatures> = {}): TableFeatures {
  const fields: OxmId[] = [{ header: 0x80000004 }, { header: 0x8000070c }, { header: 0x80000908 }];
  const properties: TableFeatureProp[] = [
    { kind: 'instructions', miss: false, ids: ids([1, 2, 3, 4, 5, 6, 7]) },
    { kind: 'next_tables', miss: false, tables: [tableId + 1, tableId + 2, 9] },
    { kind: 'write_actions', miss: false, ids: ids(Array.from({ length: 32 }, (_, i) => i)) },
    { kind: 'apply_actions', miss: false, ids: ids([0, 22, 25]) },
    { kind: 'match', miss: false, oxms: fields },
    { kind: 'wildcards', miss: false, oxms: [{ header: 0x80000004 }, { header: 0x80000606 }] },
    { kind: 'write_setfield', miss: false, oxms: [{ header: 0x80000606 }, { header: 0x00010004 }] },
    { kind: 'apply_setfield', miss: false, oxms: [{ header: 0xffff5406, experimenter: 0x4f4e4600 }] },
    { kind: 'instructions', miss: true, ids: ids([4]) },
    { kind: 'experimenter', miss: false, experimenter: 0x2320, expType: 7, data: new Uint8Array([1, 2, 3]) },
  ];
  return {
    tableId,
    command: 0,
    features: 0,
    name: '',
    metadataMatch: 0xffn,
    metadataWrite: 0n,
    capabilities: 4,
    maxEntries: 42,
    properties,
    ...extra,
  };
}

/** Hand-built table-features messages, well formed and not, for OpenFlow 1.3-1.5. */
function handBuilt(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const version of [4, 5, 6]) {
    const three = [table(0), table(1), table(2), table(5, { name: 'five' })];
    out.push(encodeTableFeaturesMessage(version, 1, [], {}));
    out.push(encodeTableFeaturesMessage(version, 2, three, { reply: true, more: true }));
    out.push(encodeTableFeaturesMessage(version, 3, [table(7, { command: 2 })], {}));
    out.push(encodeTableFeaturesMessage(version, 4, [table(1, { properties: [] })], { reply: true }));
    const good = encodeTableFeaturesMessage(version, 5, [table(0), table(1)], { reply: true });
    const v = new DataView(good.buffer);
    const second = 16 + v.getUint16(16);
    const lies: [number, number][] = [
      [16, v.getUint16(16) + 4], // entry length not a multiple of 8
      [second, 0xfff8], // entry past the end, after a good one
      [16 + 64 + 2, 2], // property shorter than its header
      [16 + 64 + 2, 0x7ff0], // property past its entry
      [16 + 64 + 4 + 2, 0x100], // instruction id past its property
    ];
    for (const [at, value] of lies) {
      const b = good.slice();
      new DataView(b.buffer).setUint16(at, value);
      out.push(b);
    }
    const t255 = good.slice();
    t255[18] = 255;
    out.push(t255);
  }
  return out;
}

describeNeeding(
  { binaries: ['ovs-ofctl', 'ovs-vswitchd', 'ovsdb-server'] },
  'table features as ovs-ofctl and ovs-vswitchd',
  () => {
    let ovs: OvsSandbox;
    let sw: RunningSwitchd;
    const targets: Record<string, string> = {};

    beforeAll(async () => {
      ovs = startOvsSandbox();
      ovs.vsctl(...dummyBridgeArgs('br0', []));
      sw = await startSwitchd();
      const vsctl = await shAsync(process.execPath, [
        binPath('vsctl'),
        `--db=unix:${join(sw.rundir, 'db.sock')}`,
        'add-br',
        'br0',
      ]);
      expect(vsctl.stderr).toBe('');
      targets.softswitch = join(sw.rundir, 'br0.mgmt');
      targets['ovs-vswitchd'] = join(ovs.dir, 'br0.mgmt');
      for (const path of Object.values(targets))
        await waitFor(path, () => ovs.tryRun('ovs-ofctl', ['show', `unix:${path}`]).status === 0);
    });

    afterAll(async () => {
      await sw?.stop();
      ovs?.stop();
    });

    describe.each(['softswitch', 'ovs-vswitchd'])('on %s', (name) => {
      it('ofctl dump-table-features prints as ovs-ofctl (1.3-1.5; 1.0 fails alike)', async () => {
        const target = `unix:${targets[name]}`;
        // To keep the file fast, 1.4 (1.5's layout with 1.3's meter instruction) and the 1.0
        // refusal (before any exchange) run on softswitch only.
        const protos =
          name === 'softswitch'
            ? ['OpenFlow13', 'OpenFlow14', 'OpenFlow15', 'OpenFlow10']
            : ['OpenFlow13', 'OpenFlow15'];
        const runs = protos.map(async (proto) => {
          const args = ['-O', proto, 'dump-table-features', target];
          const [a, b] = await Promise.all([
            shAsync(process.execPath, [binPath('ofctl'), ...args]),
            shAsync('ovs-ofctl', args),
          ]);
          return { proto, a, b };
        });
        for (const { proto, a, b } of await Promise.all(runs)) {
          expect(a.stdout, proto).toBe(b.stdout);
          expect(a.status, proto).toBe(b.status);
          if (proto === 'OpenFlow10') {
            expect(a.stderr.replace(/^ofctl:/, 'ovs-ofctl:')).toBe(b.stderr);
            continue;
          }
          expect(a.stderr, proto).toBe('');
          expect(a.stdout).toMatch(/^ {2}table 0:\n {4}metadata: match=0xffffffffffffffff/);
          expect(a.stdout).toMatch(/tables 1\.\.\.25[23]: ditto/);
        }
        // --format json names the same actions as the text (both from one action table).
        const json = await shAsync(process.execPath, [
          binPath('ofctl'),
          '-O',
          'OpenFlow13',
          '--format',
          'json',
          'dump-table-features',
          target,
        ]);
        const text = (await runs[0]).a.stdout;
        const listed = /actions: (.*)\n/.exec(text)?.[1].split(' ') ?? [];
        expect(listed).toContain('set_field');
        const tables = JSON.parse(json.stdout) as { nonmiss: { write: { actions: string[] } } }[];
        expect(tables[0].nonmiss.write.actions).toEqual(listed);
      });

      it('ofp-print of its replies (every multipart message) is ovs-ofctl ofp-print', async () => {
        for (const version of [4, 6]) {
          const replies = await exchange(targets[name], encodeTableFeaturesMessage(version, 9, []));
          expect(replies.length).toBeGreaterThan(1);
          const theirs = await Promise.all(
            replies.map((r) => shAsync('ovs-ofctl', ['ofp-print', Buffer.from(r).toString('hex')])),
          );
          for (const [i, r] of replies.entries()) expect(`${ofpPrint(r)}\n`).toBe(theirs[i].stdout);
        }
      });
    });

    it('a request that would set features is refused with the same error as ovs-vswitchd', async () => {
      const base = table(0).properties.filter((p) => p.kind !== 'experimenter' && !('miss' in p && p.miss));
      const only = (kind: string, change: (p: TableFeatureProp) => TableFeatureProp) =>
        base.map((p) => (p.kind === kind ? change(p) : p));
      const variants: Record<string, TableFeatureProp[]> = {
        'well formed (EPERM)': only('instructions', (p) => ({ ...p, ids: ids([1, 4]) })).map((p) =>
          'oxms' in p ? { ...p, oxms: [{ header: 0x80000004 }] } : p,
        ),
        'unknown instruction': base,
        experimenter: [...base, table(0).properties.find((p) => p.kind === 'experimenter') as TableFeatureProp],
        'unknown property': [...base, { kind: 'unknown', type: 20, data: new Uint8Array(0) }],
        'unknown field': only('match', (p) => ({ ...p, oxms: [{ header: 0x80007f04 }] })),
        'next table 255': only('next_tables', (p) => ({ ...p, tables: [255] })),
      };
      for (const version of [4, 5, 6]) {
        for (const [what, properties] of Object.entries(variants)) {
          const req = encodeTableFeaturesMessage(version, 7, [table(0, { properties })]);
          const [ours] = await exchange(targets.softswitch, req);
          const [theirs] = await exchange(targets['ovs-vswitchd'], req);
          expect(theirs[1], `${what} (${version})`).toBe(1); // OFPT_ERROR
          // Type and code, then the echoed request.
          expect(Buffer.from(ours).toString('hex'), `${what} (${version})`).toBe(Buffer.from(theirs).toString('hex'));
        }
      }
      // A body whose length lies.
      const badLength = encodeTableFeaturesMessage(4, 13, [table(0)], {});
      new DataView(badLength.buffer).setUint16(16, 0xfff0);
      expect((await exchange(targets.softswitch, badLength))[0]).toEqual(
        (await exchange(targets['ovs-vswitchd'], badLength))[0],
      );
    });

    it('ofp-print of hand-built requests and replies, bad lengths included', async () => {
      const messages = handBuilt();
      const theirs = await Promise.all(
        messages.map((m) => shAsync('ovs-ofctl', ['ofp-print', Buffer.from(m).toString('hex')])),
      );
      for (const [i, m] of messages.entries()) {
        expect(`${ofpPrint(m)}\n`, Buffer.from(m).toString('hex')).toBe(theirs[i].stdout);
      }
      expect(theirs.filter((t) => t.stdout.includes('decode error')).length).toBeGreaterThan(10);
    });

    it('ofp-print of randomly corrupted messages (fixed seed) is ovs-ofctl ofp-print', async () => {
      const seeds = handBuilt().filter((m) => m.length > 16);
      let state = 20261206;
      const random = (n: number) => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 1;
        return state % n;
      };
      const messages = Array.from({ length: 80 }, () => {
        const m = seeds[random(seeds.length)].slice();
        for (let k = 1 + random(3); k > 0; k--) m[16 + random(m.length - 16)] = random(4) ? random(256) : 0xff;
        return m;
      });
      const theirs = await Promise.all(
        messages.map((m) => shAsync('ovs-ofctl', ['ofp-print', Buffer.from(m).toString('hex')])),
      );
      for (const [i, m] of messages.entries()) {
        expect(`${ofpPrint(m)}\n`, Buffer.from(m).toString('hex')).toBe(theirs[i].stdout);
      }
    });
  },
);
