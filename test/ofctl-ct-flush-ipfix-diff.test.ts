import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as of from '@softswitch/openflow';
import { expect, it } from 'vitest';
import { parseCtFlushArgs } from '../apps/ofctl/src/online/ct-flush.js';
import { runTool, useTwoSwitches } from './support/ofctl-chains.js';
import { rawExchange } from './support/openflow-fake-bridge.js';
import { describeNeeding } from './support/requirements.js';

/**
 * ct-flush (OVS 3.1's NXT_CT_FLUSH), dump-ipfix-bridge / dump-ipfix-flow (NXST_IPFIX_*),
 * benchmark and help against ovs-ofctl and ovs-vswitchd: either tool on either switch prints
 * what ovs-ofctl on ovs-vswitchd prints; malformed requests get the same errors from both
 * switches; and ofp-print of the new messages (well-formed and damaged) is ovs-ofctl's.
 */

const CT_FLUSH_STEPS: string[][] = [
  ['ct-flush', 'SW'],
  ['-O', 'OpenFlow13', 'ct-flush', 'SW', 'zone=7', 'ct_nw_src=10.1.1.1,ct_nw_dst=10.1.1.2,ct_nw_proto=6,ct_tp_src=1'],
  ['-O', 'OpenFlow15', 'ct-flush', 'SW', 'ct_ipv6_src=fe80::1,ct_nw_proto=17,ct_tp_dst=53', 'ct_ipv6_dst=::1'],
  ['ct-flush', 'SW', 'zone=1', 'a', 'b', 'c'],
];

const IPFIX_STEPS: string[][] = [
  ['dump-ipfix-bridge', 'SW'],
  ['-O', 'OpenFlow15', 'dump-ipfix-flow', 'SW'],
];

/** ct-flush arguments, most refused before connecting (in-process, against ovs-ofctl's messages). */
const REFUSED_ARGS: string[][] = [
  ['zone=x'],
  ['zone=5x', 'ct_nw_proto=1,icmp_id=5,icmp_type=8,icmp_code=0', ''],
  ['zone=-1', '', 'ct_nw_src=1.2.3.4'],
  ['zone='],
  ['zone= 7'],
  ['foo=1'],
  ['5'],
  ['ct_tp_src=5'],
  ['ct_nw_src'],
  ['ct_nw_src=1.2.3'],
  ['ct_nw_src=01.2.3.4'],
  ['ct_nw_proto=256'],
  ['ct_nw_src=1.1.1.1,ct_nw_src=2.2.2.2'],
  ['ct_nw_src=1.1.1.1', 'ct_ipv6_src=::2'],
  ['ct_nw_src=1.1.1.1,ct_ipv6_dst=::1'],
  ['ct_ipv6_src=::1::2'],
  ['ct_nw_proto=6,icmp_type=3'],
  ['ct_nw_proto=58,icmp_type=300'],
  ['ct_nw_proto=1,icmp_id=65536'],
  ['ct_tp_src=70000,ct_nw_proto=6'],
  ['zone=3', 'ct_nw_proto=6', 'ct_tp_dst=0x1z'],
];

/** Tuples for the ofp-print cases: [orig, reply, zone]. */
const TUPLES: [string, string, number | undefined][] = [
  ['', '', undefined],
  ['ct_nw_src=10.1.1.1,ct_nw_dst=10.1.1.2,ct_nw_proto=6,ct_tp_src=1,ct_tp_dst=2', 'ct_nw_src=10.1.1.2', 5],
  ['ct_nw_proto=1,icmp_id=5,icmp_type=8,icmp_code=3', '', 7],
  ['ct_ipv6_src=fe80::1:0:0:1,ct_ipv6_dst=::1.2.3.4,ct_nw_proto=17,ct_tp_dst=53', '', undefined],
  ['ct_nw_proto=58', 'ct_ipv6_dst=2001:db8::1,icmp_type=128', 65535],
  ['ct_nw_src=0.0.0.0,ct_nw_proto=132,ct_tp_src=9', 'ct_nw_dst=255.255.255.255,ct_tp_dst=0x10', 0],
];

function ctFlush(orig: string, reply: string, zone: number | undefined, version: number): Uint8Array {
  const match = of.emptyCtMatch();
  expect(of.parseCtTuple(orig, match.orig, match)).toBeUndefined();
  expect(of.parseCtTuple(reply, match.reply, match)).toBeUndefined();
  return of.encodeCtFlush(match, zone, version, 2);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s/g, ''), 'hex'));
/** An NXT_CT_FLUSH (OpenFlow 1.3) with this body after the 16-byte header. */
const ctFlushWith = (body: string) => {
  const b = fromHex(`04040000000000020000232000000020${body}`);
  new DataView(b.buffer).setUint16(2, b.length);
  return b;
};

/** Malformed NXT_CT_FLUSH bodies: each of OVS's decode errors. */
const BAD_CT_FLUSH = [
  '0600000000000001', // pad not zero
  '0600000000000000 0002000500050000', // zone property too short for a u16
  '0600000000000000 0002000900000000 0000000000000000', // zone property with room to spare: accepted
  '0600000000000000 0000000400000000', // nested property without room for its padding
  '0600000000000000 0000000c00000000 0002000600000000', // inner property past its parent
  '0600000000000000 ffff000800002320', // experimenter property too short
  '0100000000000000 0000001000000000 0005000400000000', // icmp_type without a value
  // an IPv6 source with a mapped IPv4 destination
  '0600000000000000 0000003800000000 00000014 00000000000000000000000000000001 00000000 00010014 00000000000000000000ffff01020304 00000000',
  '0600000000000000 0003000800000000', // unknown property: ignored
  '0600000000000000 0002000700050000', // zone in 3 bytes: accepted
];

function ipfixEntries(n: number): of.IpfixStats[] {
  return Array.from({ length: n }, (_, i) => ({
    collectorSetId: i * 150 + 1,
    totalFlows: BigInt(i + 1),
    currentFlows: 0xffffffffffffffffn,
    pkts: 123456789012n,
    ipv4Pkts: 2n,
    ipv6Pkts: 3n,
    errorPkts: 0n,
    ipv4ErrorPkts: 0xffffffffffffffffn,
    ipv6ErrorPkts: 5n,
    txPkts: 6n,
    txErrors: 7n,
  }));
}

/** ovs-ofctl ofp-print's stdout for one message (it is fast: one process each). */
function ovsPrint(b: Uint8Array): string {
  const r = spawnSync('ovs-ofctl', ['ofp-print', hex(b)], { encoding: 'utf8' });
  return r.stdout.trimEnd();
}

describeNeeding({ binaries: ['ovs-ofctl'] }, 'ofp-print of NXT_CT_FLUSH and NXST_IPFIX_* against ovs-ofctl', () => {
  it('prints NXT_CT_FLUSH as ovs-ofctl does, well-formed, damaged and cut short', () => {
    const messages: Uint8Array[] = [];
    for (const [orig, reply, zone] of TUPLES) for (const v of [1, 4, 6]) messages.push(ctFlush(orig, reply, zone, v));
    for (const body of BAD_CT_FLUSH) messages.push(ctFlushWith(body));
    const full = ctFlush(TUPLES[1][0], TUPLES[1][1], 5, 4);
    // Every length from the header on (OVS's length rule, then each property cut short).
    for (let n = 16; n < full.length; n += 4) {
      const cut = full.slice(0, n);
      new DataView(cut.buffer).setUint16(2, n);
      messages.push(cut);
    }
    for (const b of messages) expect({ hex: hex(b), text: of.ofpPrint(b) }).toEqual({ hex: hex(b), text: ovsPrint(b) });
    expect(ovsPrint(messages[3])).toContain("zone=5 'ct_nw_src=10.1.1.1,ct_nw_dst=10.1.1.2,ct_tp_src=1,ct_tp_dst=2");
    expect(ovsPrint(ctFlushWith(BAD_CT_FLUSH[7]))).toContain('OFPBPC_BAD_VALUE');
  });

  it('prints NXST_IPFIX_BRIDGE and NXST_IPFIX_FLOW requests and replies as ovs-ofctl does', () => {
    const messages: Uint8Array[] = [];
    for (const v of [1, 4, 6]) {
      messages.push(of.encodeIpfixRequest('bridge', v, 2), of.encodeIpfixRequest('flow', v, 3));
      messages.push(of.encodeIpfixReply('bridge', v, 4, ipfixEntries(1)));
      messages.push(of.encodeIpfixReply('flow', v, 5, ipfixEntries(3), 1), of.encodeIpfixReply('flow', v, 6, []));
      // Wrong lengths: a bridge reply of two entries or none, a flow reply with a partial entry.
      messages.push(of.encodeIpfixReply('bridge', v, 7, ipfixEntries(2)), of.encodeIpfixReply('bridge', v, 8, []));
      const partial = of.encodeIpfixReply('flow', v, 9, ipfixEntries(1)).slice(0, 24 + 40);
      new DataView(partial.buffer).setUint16(2, partial.length);
      messages.push(partial);
    }
    for (const b of messages) expect({ hex: hex(b), text: of.ofpPrint(b) }).toEqual({ hex: hex(b), text: ovsPrint(b) });
    expect(ovsPrint(messages[3])).toContain('flags=[more] 3 ids\n  id   1: flows=1, current flows=?');
  });
});

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-ofctl', 'ovs-vsctl'] },
  'ofctl ct-flush, dump-ipfix-*, benchmark and help against ovs-ofctl and ovs-vswitchd',
  () => {
    const switches = useTwoSwitches();

    it('flushes conntrack and dumps IPFIX statistics as ovs-ofctl on ovs-vswitchd does', async () => {
      const { reference, others } = await switches().runAll([...CT_FLUSH_STEPS, ...IPFIX_STEPS]);
      for (const [name, results] of Object.entries(others))
        expect({ name, results }).toEqual({ name, results: reference });
      expect(reference.slice(0, 3).map((r) => r.status)).toEqual([0, 0, 0]);
      expect(reference[3].stderr).toBe("TOOL: 'ct-flush' command takes at most 4 arguments\n");
      expect(reference[4].stdout).toBe(
        'OFPT_ERROR (xid=0x2): NXST_NOT_CONFIGURED\nNXST_IPFIX_BRIDGE request (xid=0x2):\n',
      );
    }, 30_000);

    it('refuses the tuples and zones ovs-ofctl refuses, with its messages', () => {
      for (const args of REFUSED_ARGS) {
        const r = spawnSync('ovs-ofctl', ['ct-flush', 'unix:/nonexistent', ...args], { encoding: 'utf8' });
        let ours: string;
        try {
          parseCtFlushArgs(of, args);
          ours = 'accepted';
        } catch (e) {
          ours = (e as Error).message;
        }
        const theirs = r.stderr.replace(/^ovs-ofctl: /, '').trimEnd();
        expect({ args, ours }).toEqual({ args, ours: theirs.startsWith('connecting to') ? 'accepted' : theirs });
      }
    });

    it('answers malformed NXT_CT_FLUSH and NXST_IPFIX_* requests as ovs-vswitchd does', async () => {
      const { ovs, sw } = switches();
      const requests = BAD_CT_FLUSH.map((body) => hex(ctFlushWith(body)));
      // Lengths OVS refuses before decoding: a request with a body, a body not in 8-byte units.
      const longIpfix = fromHex(`${hex(of.encodeIpfixRequest('flow', 4, 2))}0000000000000000`);
      new DataView(longIpfix.buffer).setUint16(2, longIpfix.length);
      requests.push(hex(longIpfix), hex(ctFlushWith('06000000000000000000')));
      const asked = async (dir: string) =>
        (await rawExchange(join(dir, 'br0.mgmt'), 4, requests)).map((r) => of.ofpPrint(fromHex(r)));
      const [theirs, ours] = await Promise.all([asked(ovs.dir), asked(sw.rundir)]);
      expect(ours).toEqual(theirs);
      expect(theirs.filter((t) => t.startsWith('OFPT_ERROR')).length).toBe(requests.length - 3);
    }, 30_000);

    it('benchmarks with echo requests: same lines and counts as ovs-ofctl', async () => {
      const { ovs, sw } = switches();
      const at = (dir: string) => `unix:${join(dir, 'br0.mgmt')}`;
      const runs = await Promise.all([
        runTool('ovs-ofctl', ['benchmark', at(ovs.dir), '100', '200']),
        runTool('ofctl', ['benchmark', at(ovs.dir), '100', '200']),
        runTool('ofctl', ['benchmark', at(sw.rundir), ' 100abc', '200']),
      ]);
      for (const r of runs) {
        expect(r.status).toBe(0);
        const lines = r.stdout.split('\n');
        expect(lines[0]).toBe('Sending 200 packets * 108 bytes (with header) = 21600 bytes total');
        const m = /^Finished in (\d+\.\d) ms \((\d+) packets\/s\) \((\d+) bytes\/s\)$/.exec(lines[1]);
        expect(m, lines[1]).not.toBeNull();
        // The rates follow from the time: COUNT and COUNT × size per second.
        const seconds = Number(m?.[1]) / 1000;
        expect(Math.abs(Number(m?.[3]) / Number(m?.[2]) - 108)).toBeLessThan(1);
        expect(Number(m?.[2]) * seconds).toBeGreaterThan(150);
        expect(lines.slice(2)).toEqual(['']);
      }
      const refused = await Promise.all(
        (['ovs-ofctl', 'ofctl'] as const).map((tool) => runTool(tool, ['benchmark', at(ovs.dir), '65528', '1'])),
      );
      expect(refused.map((r) => [r.status, r.stdout, r.stderr.replace(/^(ovs-)?ofctl/, 'TOOL')])).toEqual(
        Array(2).fill([1, '', 'TOOL: payload must be between 0 and 65527 bytes\n']),
      );
    }, 30_000);

    it('help prints what --help prints; list-commands lists every ovs-ofctl command', async () => {
      const [help, dashHelp] = await Promise.all([runTool('ofctl', ['help']), runTool('ofctl', ['--help'])]);
      const [theirList, ourList] = await Promise.all([
        runTool('ovs-ofctl', ['list-commands']),
        runTool('ofctl', ['list-commands']),
      ]);
      expect(ourList.stdout).toBe(theirList.stdout);
      expect(help.status).toBe(0);
      expect(help.stdout).toBe(dashHelp.stdout);
      expect(help.stdout).toMatch(/\n {2}ct-flush {13}flush SWITCH's connection-tracking entries/);
    }, 30_000);
  },
);
