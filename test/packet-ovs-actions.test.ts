import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  composePacket,
  decMplsTtl,
  decTtl,
  IP_PROTO,
  type ParsedPacket,
  parseIpv6,
  parsePacket,
  popMpls,
  popVlan,
  pushMpls,
  pushVlan,
  sctpChecksum,
  setArpOp,
  setArpSha,
  setArpSpa,
  setArpTha,
  setArpTpa,
  setEthDst,
  setEthSrc,
  setIcmpCode,
  setIcmpType,
  setIpDscp,
  setIpEcn,
  setIpTtl,
  setIpv4Dst,
  setIpv4Src,
  setIpv6Dst,
  setIpv6Label,
  setIpv6Src,
  setMplsLabel,
  setMplsTc,
  setMplsTtl,
  setNdSll,
  setNdTarget,
  setNdTll,
  setTpDst,
  setTpSrc,
  setVlanPcp,
  setVlanVid,
  W,
  writeSctpChecksum,
} from '@softswitch/packet';
import { readCaptureFile } from '@softswitch/pcap';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';

/**
 * The header writers against Open vSwitch's own: each case is a packet, an OpenFlow action list
 * and the same change made with our writers; real ovs-vswitchd (dummy datapath) executes the
 * actions and writes the result to a pcap, which must equal our bytes exactly (checksums
 * included).
 */
interface ActionCase {
  flow: string;
  actions: string;
  ours: (pkt: ParsedPacket) => void;
}

const V4 = 'nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,nw_tos=0x20,nw_ecn=1';
const V6 = 'ipv6_src=2001:db8::1,ipv6_dst=fe80::2:3,nw_ttl=255,ipv6_label=0x54321';
const v6 = (s: string) => parseIpv6(s)!;
const ND_NS = `icmp6,${V6},icmpv6_type=135,icmpv6_code=0,nd_target=fe80::1,nd_sll=01:02:03:04:05:06`;
const ND_NA = `icmp6,${V6},icmpv6_type=136,icmpv6_code=0,nd_target=fe80::1,nd_tll=01:02:03:04:05:06`;

const L4 = [
  `tcp,${V4},tp_src=1000,tp_dst=80,tcp_flags=ack`,
  `udp,${V4},udp_src=53,udp_dst=5353`,
  `icmp,${V4},icmp_type=8,icmp_code=0`,
  `sctp,${V4},sctp_src=1,sctp_dst=2`,
];
const L4V6 = [
  `tcp6,${V6},tp_src=1000,tp_dst=80,tcp_flags=ack`,
  `udp6,${V6},udp_src=53,udp_dst=5353`,
  `icmp6,${V6},icmpv6_type=128,icmpv6_code=0`,
  `sctp6,${V6},sctp_src=1,sctp_dst=2`,
];

const CASES: ActionCase[] = [
  { flow: L4[0], actions: 'mod_dl_src:0a:0b:0c:0d:0e:0f', ours: (p) => setEthSrc(p, 0x0a0b, 0x0c0d0e0f) },
  { flow: L4[0], actions: 'mod_dl_dst:ff:ff:ff:ff:ff:ff', ours: (p) => setEthDst(p, 0xffff, 0xffffffff) },
  ...L4.flatMap((flow): ActionCase[] => [
    { flow, actions: 'mod_nw_src:192.168.1.77', ours: (p) => setIpv4Src(p, 0xc0a8014d) },
    { flow, actions: 'mod_nw_dst:8.8.4.4', ours: (p) => setIpv4Dst(p, 0x08080404) },
    { flow, actions: 'mod_nw_tos:184', ours: (p) => setIpDscp(p, 46) },
    { flow, actions: 'mod_nw_ecn:3', ours: (p) => setIpEcn(p, 3) },
    { flow, actions: 'mod_nw_ttl:9', ours: (p) => setIpTtl(p, 9) },
    { flow, actions: 'dec_ttl', ours: (p) => expect(decTtl(p)).toBe(true) },
  ]),
  ...L4V6.flatMap((flow): ActionCase[] => [
    { flow, actions: 'set_field:2001:db8:ffff::abcd->ipv6_src', ours: (p) => setIpv6Src(p, v6('2001:db8:ffff::abcd')) },
    { flow, actions: 'set_field:ff02::1:ff00:2->ipv6_dst', ours: (p) => setIpv6Dst(p, v6('ff02::1:ff00:2')) },
    { flow, actions: 'set_field:0xabcde->ipv6_label', ours: (p) => setIpv6Label(p, 0xabcde) },
    { flow, actions: 'mod_nw_ttl:7', ours: (p) => setIpTtl(p, 7) },
    { flow, actions: 'mod_nw_tos:8', ours: (p) => setIpDscp(p, 2) },
  ]),
  ...[L4[0], L4[1], L4[3], L4V6[0], L4V6[1], L4V6[3]].flatMap((flow): ActionCase[] => [
    { flow, actions: 'mod_tp_src:65535', ours: (p) => setTpSrc(p, 65535) },
    { flow, actions: 'mod_tp_dst:4242', ours: (p) => setTpDst(p, 4242) },
  ]),
  { flow: `icmp,${V4},icmp_type=8,icmp_code=0`, actions: 'set_field:0->icmp_type', ours: (p) => setIcmpType(p, 0) },
  { flow: `icmp,${V4},icmp_type=3,icmp_code=1`, actions: 'set_field:3->icmp_code', ours: (p) => setIcmpCode(p, 3) },
  { flow: L4V6[2], actions: 'set_field:129->icmpv6_type', ours: (p) => setIcmpType(p, 129) },
  { flow: L4V6[2], actions: 'set_field:5->icmpv6_code', ours: (p) => setIcmpCode(p, 5) },
  { flow: ND_NS, actions: 'set_field:2001:db8::77->nd_target', ours: (p) => setNdTarget(p, v6('2001:db8::77')) },
  { flow: ND_NS, actions: 'set_field:aa:bb:cc:dd:ee:ff->nd_sll', ours: (p) => setNdSll(p, 0xaabb, 0xccddeeff) },
  { flow: ND_NA, actions: 'set_field:aa:bb:cc:dd:ee:ff->nd_tll', ours: (p) => setNdTll(p, 0xaabb, 0xccddeeff) },
  {
    flow: 'arp,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2,arp_sha=50:54:00:00:00:01',
    actions:
      'set_field:2->arp_op,set_field:10.0.0.9->arp_spa,set_field:10.0.0.8->arp_tpa,set_field:11:22:33:44:55:66->arp_sha,set_field:66:55:44:33:22:11->arp_tha',
    ours: (p) => {
      setArpOp(p, 2);
      setArpSpa(p, 0x0a000009);
      setArpTpa(p, 0x0a000008);
      setArpSha(p, 0x1122, 0x33445566);
      setArpTha(p, 0x6655, 0x44332211);
    },
  },
  { flow: L4[1], actions: 'push_vlan:0x8100,set_field:4196->vlan_vid', ours: (p) => pushVlan(p, 0x8100, 100) },
  {
    flow: `${L4[0]},dl_vlan=10,dl_vlan_pcp=3`,
    actions: 'mod_vlan_vid:200,mod_vlan_pcp:5',
    ours: (p) => {
      setVlanVid(p, 200);
      setVlanPcp(p, 5);
    },
  },
  { flow: `${L4[0]},dl_vlan=10,dl_vlan_pcp=3`, actions: 'strip_vlan', ours: (p) => popVlan(p) },
  {
    flow: L4[1],
    actions: 'push_mpls:0x8847,set_mpls_label:1000,set_mpls_tc:5,set_mpls_ttl:9',
    ours: (p) => {
      pushMpls(p, 0x8847);
      setMplsLabel(p, 1000);
      setMplsTc(p, 5);
      setMplsTtl(p, 9);
    },
  },
  { flow: L4[0], actions: 'push_mpls:0x8847', ours: (p) => pushMpls(p, 0x8847) },
  { flow: L4V6[1], actions: 'push_mpls:0x8848', ours: (p) => pushMpls(p, 0x8848) },
  { flow: 'mpls,mpls_label=100,mpls_ttl=64,mpls_bos=1', actions: 'dec_mpls_ttl', ours: (p) => decMplsTtl(p) },
  { flow: 'mpls,mpls_label=100,mpls_ttl=64,mpls_bos=1', actions: 'pop_mpls:0x0800', ours: (p) => popMpls(p, 0x0800) },
];

const toHex = (p: Uint8Array) => Buffer.from(p.buffer, p.byteOffset, p.length).toString('hex');

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-vsctl', 'ovs-appctl', 'ovs-ofctl'] },
  'packet: header writers agree with Open vSwitch',
  () => {
    let ovs: OvsSandbox;
    let txPcap: string;

    beforeAll(() => {
      ovs = startOvsSandbox();
      txPcap = join(ovs.dir, 'p2.pcap');
      ovs.vsctl(
        ...dummyBridgeArgs(
          'br0',
          [
            { name: 'p1', ofport: 1 },
            { name: 'p2', ofport: 2, txPcap: true },
          ],
          { bridge: ['protocols=OpenFlow10,OpenFlow13'], pcapDir: ovs.dir },
        ),
      );
    });
    afterAll(() => ovs?.stop());

    it(`gives the same bytes for ${CASES.length} action lists`, async () => {
      // Each case's packet gets its own source MAC, and its own rule matching it, so that the
      // datapath caches one megaflow per case.
      const inputs = CASES.map((c, i) => {
        const mac = `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
        const pkt = parsePacket(composePacket(`${c.flow},dl_src=${mac},dl_dst=50:54:00:00:00:02`), 1);
        // OVS composes SCTP with a zero checksum and updates checksums incrementally, which
        // would keep it wrong; start both sides from a valid one.
        if ((pkt.key[W.NW] & 0xff) === IP_PROTO.SCTP && pkt.offsets.l4 >= 0) {
          writeSctpChecksum(pkt.data, pkt.offsets.l4, sctpChecksum(pkt.data, pkt.offsets.l4, pkt.offsets.end));
        }
        return { mac, input: pkt.data.slice(), pkt };
      });
      // The match carries the protocol (and ND type) that the actions' prerequisites need.
      const prerequisites = (flow: string) => {
        const proto = flow.split(',')[0];
        const nd = /icmpv6_type=(13[56])/.exec(flow);
        return nd ? `${proto},icmpv6_type=${nd[1]},icmpv6_code=0` : proto;
      };
      const rules = CASES.map(
        (c, i) =>
          `priority=100,in_port=1,dl_src=${inputs[i].mac},${prerequisites(c.flow)},actions=${c.actions},output:2`,
      );
      // One at a time: ovs-ofctl picks one OpenFlow version per call, and no single version can
      // express every action list here (strip_vlan vs set_mpls_tc, ...).
      for (const rule of rules) {
        if (ovs.tryRun('ovs-ofctl', ['add-flow', 'br0', rule]).status !== 0) {
          ovs.ofctl('-O', 'OpenFlow13', 'add-flow', 'br0', rule);
        }
      }
      for (const { input } of inputs) ovs.appctl('netdev-dummy/receive', 'p1', toHex(input));

      const deadline = Date.now() + 10_000;
      let out: Uint8Array[] = [];
      while (Date.now() < deadline) {
        if (existsSync(txPcap)) {
          out = (await readCaptureFile(txPcap)).map((p) => p.data);
          if (out.length >= CASES.length) break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(out.length).toBe(CASES.length);

      const mismatches: string[] = [];
      CASES.forEach((c, i) => {
        const { pkt } = inputs[i];
        c.ours(pkt);
        const theirs = toHex(out[i]);
        if (toHex(pkt.data) !== theirs) {
          mismatches.push(`${c.flow} | ${c.actions}\n  ours: ${toHex(pkt.data)}\n  ovs:  ${theirs}`);
        }
      });
      expect(mismatches).toEqual([]);
    });
  },
);
