import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBundleAdd, encodeBundleControl, encodeFlowMod, OFPBCT, Protocol, parseFlow } from '@softswitch/openflow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startOpenFlowListener } from '../apps/switchd/src/openflow/index.js';
import { fakeBridge, ofctlAsync, rawExchange } from './support/openflow-fake-bridge.js';
import { type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';

/** Durations and ages differ run to run; OVS's flow order within a priority is unspecified. */
function normalizeFlows(s: string): string {
  return s
    .replace(/duration=[\d.]+s/g, 'duration=X')
    .replace(/idle_age=\d+, /g, '')
    .replace(/\(xid=0x[0-9a-f]+\)/g, '(xid=X)')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .sort()
    .join('\n');
}

function flows(n: number, salt: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = 100 + (i % 5);
    if (i % 2 === 0) out.push(`priority=${p},ip,nw_src=10.${salt}.${i >> 8}.${i & 255},actions=output:${1 + (i % 2)}`);
    else out.push(`cookie=0x${(i + salt).toString(16)},priority=${p},tcp,tp_dst=${i},actions=mod_nw_tos:8,output:2`);
  }
  return out;
}

const PROTOCOLS = { OpenFlow13: Protocol.OF13_OXM, OpenFlow14: Protocol.OF14_OXM, OpenFlow15: Protocol.OF15_OXM };
const WIRE = { OpenFlow13: 4, OpenFlow14: 5, OpenFlow15: 6 };

describeNeeding(
  { binaries: ['ovs-ofctl', 'ovs-vswitchd', 'ovsdb-server'] },
  'bundles: ovs-ofctl --bundle against softswitch and real ovs-vswitchd',
  () => {
    let dir: string;
    let sock: string;
    let bridge: ReturnType<typeof fakeBridge>;
    let listener: Awaited<ReturnType<typeof startOpenFlowListener>>;
    let ovs: OvsSandbox;
    const swap = (args: string[], br: string) => args.map((a) => (a === 'BR' ? br : a));
    const ours = (...args: string[]) => ofctlAsync(process.env, swap(args, `unix:${sock}`));
    const theirs = (...args: string[]) => ofctlAsync(ovs.env, swap(args, 'br0'));
    const both = async (...args: string[]) => ({ ours: await ours(...args), theirs: await theirs(...args) });
    const dumpBoth = async (proto: string) => {
      const d = await both('-O', proto, 'dump-flows', 'BR');
      return { ours: normalizeFlows(d.ours.stdout), theirs: normalizeFlows(d.theirs.stdout) };
    };
    const stripXid = (s: string) => s.replace(/xid=0x[0-9a-f]+/g, 'xid=X').replace(/unix:\S+/g, 'unix:SOCKET');

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'of-bundle-'));
      sock = join(dir, 'br0.mgmt');
      bridge = fakeBridge();
      listener = await startOpenFlowListener({ path: sock, bridge });
      ovs = startOvsSandbox();
      ovs.vsctl(
        'add-br',
        'br0',
        '--',
        'set',
        'bridge',
        'br0',
        'datapath_type=dummy',
        'fail_mode=secure',
        '--',
        'add-port',
        'br0',
        'p1',
        '--',
        'set',
        'interface',
        'p1',
        'type=dummy',
        'ofport_request=1',
        '--',
        'add-port',
        'br0',
        'p2',
        '--',
        'set',
        'interface',
        'p2',
        'type=dummy',
        'ofport_request=2',
      );
      ovs.ofctl('del-flows', 'br0');
      bridge.ofproto.tables.apply(parseFlow('', 3).fm, 4);
    }, 30_000);

    afterAll(async () => {
      await listener?.close();
      ovs?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    for (const proto of ['OpenFlow13', 'OpenFlow14', 'OpenFlow15'] as const) {
      it(`${proto}: --bundle add-flows and replace-flows give the same output and tables as OVS`, async () => {
        const file = join(dir, `add-${proto}.txt`);
        writeFileSync(file, `${flows(300, 1).join('\n')}\n`);
        const add = await both('-O', proto, '--bundle', 'add-flows', 'BR', file);
        expect(add.ours).toEqual(add.theirs);
        expect(add.ours.status).toBe(0);
        let dump = await dumpBoth(proto);
        expect(dump.ours.split('\n').length).toBe(301); // with the reply header
        expect(dump.ours).toBe(dump.theirs);

        const replace = join(dir, `replace-${proto}.txt`);
        writeFileSync(replace, `${[...flows(150, 1), ...flows(100, 2)].join('\n')}\n`);
        const rep = await both('-O', proto, '--bundle', 'replace-flows', 'BR', replace);
        expect(rep.ours).toEqual(rep.theirs);
        dump = await dumpBoth(proto);
        expect(dump.ours).toBe(dump.theirs);
        await both('-O', proto, 'del-flows', 'BR');
      });

      it(`${proto}: a bundle with one bad flow changes nothing, with OVS's errors`, async () => {
        const good = join(dir, `good-${proto}.txt`);
        writeFileSync(good, `${flows(40, 3).join('\n')}\n`);
        await both('-O', proto, 'add-flows', 'BR', good);
        const before = await dumpBoth(proto);
        bridge.changes = 0;
        // Deletes, modifies, replacing adds, then a flow naming a missing group: all undone.
        const bad = join(dir, `bad-${proto}.txt`);
        writeFileSync(
          bad,
          [
            'delete_strict priority=100,ip,nw_src=10.3.0.0',
            'modify tcp,actions=drop',
            'add priority=102,ip,nw_src=10.3.0.2,actions=output:1',
            'priority=7,udp,actions=output:1',
            'priority=8,udp,actions=group:7',
            'priority=9,arp,actions=output:2',
            '',
          ].join('\n'),
        );
        const r = await both('-O', proto, '--bundle', 'add-flows', 'BR', bad);
        expect(r.ours.status).not.toBe(0);
        expect(stripXid(r.ours.stderr)).toBe(stripXid(r.theirs.stderr));
        expect(r.ours.stderr).toMatch(/OFPBAC_BAD_OUT_GROUP[\s\S]*OFPBFC_MSG_FAILED/);
        const after = await dumpBoth(proto);
        expect(after.theirs).toBe(before.theirs);
        expect(after.ours).toBe(before.ours);
        expect(bridge.changes).toBe(0); // nothing to revalidate: the tables never changed
        await both('-O', proto, 'del-flows', 'BR');
      });

      it(`${proto}: bundle state errors (ids, flags, closed bundles, reply types) are OVS's`, async () => {
        const v = WIRE[proto];
        const onf = v < 5;
        const ctl = (xid: number, bundleId: number, ctrlType: number, flags: number) =>
          Buffer.from(encodeBundleControl({ version: v, xid, onf, bundleId, ctrlType, flags })).toString('hex');
        const add = (xid: number, bundleId: number, flags: number, flow: string) =>
          Buffer.from(
            encodeBundleAdd({
              version: v,
              xid,
              onf,
              bundleId,
              flags,
              message: encodeFlowMod(parseFlow(flow).fm, PROTOCOLS[proto], xid),
            }),
          ).toString('hex');
        const script = [
          ctl(1, 1, OFPBCT.OPEN_REQUEST, 3),
          ctl(2, 1, OFPBCT.OPEN_REQUEST, 3), // exists: BAD_ID, and bundle 1 is gone
          ctl(3, 1, OFPBCT.COMMIT_REQUEST, 3), // BAD_ID
          ctl(4, 2, OFPBCT.CLOSE_REQUEST, 1), // BAD_ID
          add(5, 3, 1, 'priority=5,ip,actions=output:1'), // opens bundle 3 implicitly
          ctl(6, 3, OFPBCT.CLOSE_REQUEST, 1),
          add(7, 3, 1, 'priority=6,ip,actions=output:1'), // BUNDLE_CLOSED
          add(8, 4, 1, 'priority=7,ip,actions=output:1'),
          add(9, 4, 2, 'priority=8,ip,actions=output:1'), // BAD_FLAGS
          ctl(10, 5, OFPBCT.OPEN_REQUEST, 1),
          ctl(11, 5, OFPBCT.COMMIT_REQUEST, 2), // BAD_FLAGS
          ctl(12, 6, OFPBCT.OPEN_REQUEST, 0),
          ctl(13, 6, OFPBCT.DISCARD_REQUEST, 0),
          ctl(14, 6, OFPBCT.DISCARD_REQUEST, 0), // BAD_ID
          ctl(15, 7, OFPBCT.OPEN_REPLY, 0), // not a request: BAD_TYPE
          add(16, 8, 0, 'priority=9,ip,actions=output:2'),
          ctl(17, 8, OFPBCT.COMMIT_REQUEST, 0), // commits priority=9
        ];
        const print = async (hexes: string[]) =>
          Promise.all(hexes.map(async (h) => (await ofctlAsync(process.env, ['ofp-print', h])).stdout.trimEnd()));
        const oursOut = await print(await rawExchange(sock, v, script));
        const theirsOut = await print(await rawExchange(join(ovs.dir, 'br0.mgmt'), v, script));
        expect(oursOut.length).toBeGreaterThan(10);
        expect(oursOut).toEqual(theirsOut);
        const dump = await dumpBoth(proto);
        expect(dump.ours).toBe(dump.theirs);
        expect(dump.ours).toMatch(/priority=9,ip actions=output:2/);
        await both('-O', proto, 'del-flows', 'BR');
      });
    }

    it('a commit changes the tables in one step: revalidation runs once, with every flow in place', async () => {
      const file = join(dir, 'atomic.txt');
      writeFileSync(file, `${flows(200, 4).join('\n')}\n`);
      const seen: number[] = [];
      bridge.changes = 0;
      bridge.onChange = () => seen.push(bridge.ofproto.tables.size);
      try {
        expect((await ours('-O', 'OpenFlow14', '--bundle', 'add-flows', 'BR', file)).status).toBe(0);
      } finally {
        bridge.onChange = undefined;
      }
      expect(seen).toEqual([200]);
      await ours('-O', 'OpenFlow14', 'del-flows', 'BR');
    });
  },
);
