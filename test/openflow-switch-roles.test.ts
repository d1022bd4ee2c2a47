import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFlowMod, encodeMessage, Protocol, parseFlow } from '@softswitch/openflow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startOpenFlowListener } from '../apps/switchd/src/openflow/index.js';
import { fakeBridge, ofctlAsync, rawSession } from './support/openflow-fake-bridge.js';
import { type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const u32 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
const u64 = (n: bigint) => n.toString(16).padStart(16, '0');

/** OFPT_ROLE_REQUEST (OpenFlow 1.2+). */
const roleRequest = (v: number, xid: number, role: number, generation: bigint) =>
  `0${v}180018${u32(xid)}${u32(role)}00000000${u64(generation)}`;
/** NXT_ROLE_REQUEST (Nicira, for OpenFlow 1.0): 0 other, 1 master, 2 slave. */
const nxRoleRequest = (xid: number, role: number) => `01040014${u32(xid)}00002320${u32(10)}${u32(role)}`;
const flowMod = (v: number, xid: number, flow: string) =>
  hex(
    encodeFlowMod(
      parseFlow(flow).fm,
      v === 1 ? Protocol.OF10_STD : v === 4 ? Protocol.OF13_OXM : Protocol.OF14_OXM,
      xid,
    ),
  );
const packetOut = (v: number, xid: number) =>
  v === 1
    ? `010d0018${u32(xid)}ffffffff00010008000000080002000000000000`.slice(0, 48)
    : `0${v}0d0028${u32(xid)}ffffffff0000000100000000000000100000000000000010000000020000ffff000000000000`.slice(0, 80);

describeNeeding(
  { binaries: ['ovs-ofctl', 'ovs-vswitchd', 'ovsdb-server'] },
  'controller roles: the same replies and errors as real ovs-vswitchd',
  () => {
    let dir: string;
    let sock: string;
    let listener: Awaited<ReturnType<typeof startOpenFlowListener>>;
    let ovs: OvsSandbox;
    const print = (hexes: string[]) =>
      Promise.all(hexes.map(async (h) => (await ofctlAsync(process.env, ['ofp-print', h])).stdout.trimEnd()));

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'of-roles-'));
      sock = join(dir, 'br0.mgmt');
      listener = await startOpenFlowListener({ path: sock, bridge: fakeBridge() });
      ovs = startOvsSandbox();
      ovs.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=dummy', 'fail_mode=secure');
    }, 30_000);
    afterAll(async () => {
      await listener?.close();
      ovs?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Runs the same scripted sessions on both switches; each step's replies, as ovs-ofctl prints them. */
    async function both(version: number, steps: { conn: number; msgs: string[] }[]) {
      const out: string[][][] = [];
      for (const path of [sock, join(ovs.dir, 'br0.mgmt')]) {
        const sessions = new Map<number, ReturnType<typeof rawSession>>();
        const replies: string[][] = [];
        for (const step of steps) {
          let s = sessions.get(step.conn);
          if (!s) {
            s = rawSession(path, version);
            sessions.set(step.conn, s);
          }
          replies.push(await print(await s.exchange(step.msgs)));
        }
        for (const s of sessions.values()) s.close();
        out.push(replies);
      }
      return { ours: out[0], theirs: out[1] };
    }

    for (const v of [4, 5]) {
      // The master election id is the bridge's: each test starts above the last one's.
      const base = BigInt(v) * 1000n;
      it(`OpenFlow1.${v - 1}: slave is refused state changes; stale generation ids; roles and generation ids in replies`, async () => {
        const r = await both(v, [
          { conn: 1, msgs: [roleRequest(v, 1, 0, 0n)] }, // no change: equal, no generation id yet
          { conn: 1, msgs: [roleRequest(v, 2, 3, base + 5n)] }, // slave
          { conn: 1, msgs: [flowMod(v, 3, 'priority=5,ip,actions=output:1'), packetOut(v, 4)] },
          { conn: 1, msgs: [roleRequest(v, 5, 2, base + 3n)] }, // master with an older generation: stale
          { conn: 1, msgs: [roleRequest(v, 6, 0, 0n)] }, // still slave
          { conn: 1, msgs: [roleRequest(v, 7, 1, 0n)] }, // equal: generation ignored
          { conn: 1, msgs: [flowMod(v, 8, 'priority=5,ip,actions=output:1')] }, // allowed again
          { conn: 1, msgs: [roleRequest(v, 9, 2, 0xffffffffffffffffn)] }, // master without a generation id
        ]);
        expect(r.ours.flat().length, JSON.stringify(r, null, 1)).toBeGreaterThan(6);
        expect(r.ours).toEqual(r.theirs);
      });

      it(`OpenFlow1.${v - 1}: a new master demotes the old one`, async () => {
        const r = await both(v, [
          { conn: 1, msgs: [roleRequest(v, 1, 2, base + 100n)] },
          { conn: 2, msgs: [roleRequest(v, 2, 2, base + 101n)] },
          { conn: 1, msgs: [roleRequest(v, 3, 0, 0n)] }, // what connection 1 got meanwhile, and its role
          { conn: 1, msgs: [flowMod(v, 4, 'priority=6,ip,actions=output:1')] },
        ]);
        expect(
          r.ours[2].some((m) => /slave|secondary/.test(m)),
          JSON.stringify(r, null, 1),
        ).toBe(true);
        expect(r.ours).toEqual(r.theirs);
      });
    }

    it('OpenFlow 1.0: NXT_ROLE_REQUEST, and a slave flow-mod refused in 1.0 numbering', async () => {
      const r = await both(1, [
        { conn: 1, msgs: [nxRoleRequest(1, 2)] },
        { conn: 1, msgs: [flowMod(1, 2, 'priority=5,ip,actions=output:1')] },
        { conn: 1, msgs: [nxRoleRequest(3, 7)] }, // no such role
        { conn: 1, msgs: [nxRoleRequest(4, 0)] },
        { conn: 1, msgs: [flowMod(1, 5, 'priority=5,ip,actions=output:1')] },
      ]);
      expect(r.ours.flat().length).toBeGreaterThanOrEqual(4);
      expect(r.ours).toEqual(r.theirs);
    });

    it('the generic error path still answers hello-less garbage (sanity of the helpers)', () => {
      expect(hex(encodeMessage({ type: 'barrier_request', version: 4, xid: 1 }))).toBe('0414000800000001');
    });
  },
);
