import {
  composePacket,
  createFlowKey,
  decMplsTtl,
  decTtl,
  ETH_TYPE,
  extractFlow,
  formatFlow,
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
  setIpTos,
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
import { describe, expect, it } from 'vitest';
import { badChecksums } from './checksums.js';

const MACS = 'dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02';
const V4 = `${MACS},nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64`;
const V6 = `${MACS},ipv6_src=2001:db8::1,ipv6_dst=fe80::2:3,nw_ttl=255`;

function parsed(flow: string): ParsedPacket {
  const pkt = parsePacket(composePacket(flow), 1);
  // OVS composes SCTP with a zero checksum; start from a valid one.
  if ((pkt.key[W.NW] & 0xff) === IP_PROTO.SCTP && pkt.offsets.l4 >= 0) {
    writeSctpChecksum(pkt.data, pkt.offsets.l4, sctpChecksum(pkt.data, pkt.offsets.l4, pkt.offsets.end));
  }
  expect(badChecksums(pkt.data, pkt.key, pkt.offsets)).toEqual([]);
  return pkt;
}

/** The writer's key equals a fresh extraction, and every checksum verifies from scratch. */
function expectConsistent(pkt: ParsedPacket): void {
  const fresh = createFlowKey();
  const off = extractFlow(pkt.data, 1, fresh);
  expect(formatFlow(pkt.key)).toBe(formatFlow(fresh));
  expect(Array.from(pkt.key)).toEqual(Array.from(fresh));
  expect(badChecksums(pkt.data, fresh, off)).toEqual([]);
}

const v6 = (s: string) => parseIpv6(s)!;

describe('writers keep checksums valid and the key in step', () => {
  const l4Flows = [
    `tcp,${V4},tp_src=1000,tp_dst=80,tcp_flags=ack`,
    `udp,${V4},udp_src=53,udp_dst=5353`,
    `sctp,${V4},sctp_src=1,sctp_dst=2`,
    `icmp,${V4},icmp_type=8,icmp_code=0`,
    `tcp6,${V6},tp_src=1000,tp_dst=80,tcp_flags=ack`,
    `udp6,${V6},udp_src=546,udp_dst=547`,
    `sctp6,${V6},sctp_src=1,sctp_dst=2`,
    `icmp6,${V6},icmpv6_type=128,icmpv6_code=0`,
    `tcp,${V4},nw_frag=later`,
  ];

  for (const flow of l4Flows) {
    it(`every IP and L4 write on ${flow.split(',')[0]}${flow.includes('later') ? ' (later fragment)' : ''}`, () => {
      const pkt = parsed(flow);
      const isV4 = pkt.key[W.DL_TYPE] === ETH_TYPE.IP;
      const steps: Array<[string, () => void, RegExp | undefined]> = [
        ['dl_src', () => setEthSrc(pkt, 0x0a0b, 0x0c0d0e0f), /dl_src=0a:0b:0c:0d:0e:0f/],
        ['dl_dst', () => setEthDst(pkt, 0xffff, 0xffffffff), /dl_dst=ff:ff:ff:ff:ff:ff/],
        ['nw_tos', () => setIpTos(pkt, 0xb9), /nw_tos=184,nw_ecn=1/],
        ['ip_dscp', () => setIpDscp(pkt, 10), /nw_tos=40,nw_ecn=1/],
        ['ip_ecn', () => setIpEcn(pkt, 3), /nw_tos=40,nw_ecn=3/],
        ['nw_ttl', () => setIpTtl(pkt, 9), /nw_ttl=9/],
        ['dec_ttl', () => expect(decTtl(pkt)).toBe(true), /nw_ttl=8/],
      ];
      if (isV4) {
        steps.push(['nw_src', () => setIpv4Src(pkt, 0xc0a80101), /nw_src=192\.168\.1\.1/]);
        steps.push(['nw_dst', () => setIpv4Dst(pkt, 0x08080808), /nw_dst=8\.8\.8\.8/]);
      } else {
        steps.push(['ipv6_src', () => setIpv6Src(pkt, v6('2001:db8:ffff::abcd')), /ipv6_src=2001:db8:ffff::abcd/]);
        steps.push(['ipv6_dst', () => setIpv6Dst(pkt, v6('ff02::1:ff00:2')), /ipv6_dst=ff02::1:ff00:2/]);
        steps.push(['ipv6_label', () => setIpv6Label(pkt, 0xabcde), /ipv6_label=0xabcde/]);
      }
      const proto = pkt.key[W.NW] & 0xff;
      if (!flow.includes('later')) {
        if (proto === IP_PROTO.ICMP || proto === IP_PROTO.ICMPV6) {
          steps.push(['icmp_type', () => setIcmpType(pkt, 0), /icmp_type=0,/]);
          steps.push(['icmp_code', () => setIcmpCode(pkt, 7), /icmp_code=7/]);
        } else {
          steps.push(['tp_src', () => setTpSrc(pkt, 65535), /tp_src=65535/]);
          steps.push(['tp_dst', () => setTpDst(pkt, 4242), /tp_dst=4242/]);
        }
      }
      for (const [name, step, shows] of steps) {
        step();
        expectConsistent(pkt);
        if (shows) expect(formatFlow(pkt.key), name).toMatch(shows);
      }
    });
  }

  it('leaves an IPv4 UDP checksum of zero alone', () => {
    const pkt = parsed(`udp,${V4},udp_src=1,udp_dst=2`);
    pkt.data[pkt.offsets.l4 + 6] = 0;
    pkt.data[pkt.offsets.l4 + 7] = 0;
    setIpv4Src(pkt, 0x01020304);
    setTpDst(pkt, 99);
    expect(pkt.data[pkt.offsets.l4 + 6] | pkt.data[pkt.offsets.l4 + 7]).toBe(0);
    expectConsistent(pkt);
  });

  it('dec_ttl refuses at TTL 1 and 0', () => {
    const pkt = parsed(`udp,${MACS},nw_ttl=1,udp_src=1,udp_dst=2`);
    expect(decTtl(pkt)).toBe(false);
    expect((pkt.key[W.NW] >>> 8) & 0xff).toBe(1);
  });

  it('ARP fields', () => {
    const pkt = parsed(`arp,${MACS},arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2,arp_sha=50:54:00:00:00:01`);
    setArpOp(pkt, 2);
    setArpSpa(pkt, 0x0a000002);
    setArpTpa(pkt, 0x0a000001);
    setArpSha(pkt, 0x1122, 0x33445566);
    setArpTha(pkt, 0x5054, 0x00000001);
    expectConsistent(pkt);
    expect(formatFlow(pkt.key)).toContain(
      'arp_spa=10.0.0.2,arp_tpa=10.0.0.1,arp_op=2,arp_sha=11:22:33:44:55:66,arp_tha=50:54:00:00:00:01',
    );
  });

  it('Neighbor Discovery target and link-layer addresses', () => {
    const ns = parsed(`icmp6,${V6},icmpv6_type=135,icmpv6_code=0,nd_target=fe80::1,nd_sll=01:02:03:04:05:06`);
    setNdTarget(ns, v6('2001:db8::77'));
    setNdSll(ns, 0xaabb, 0xccddeeff);
    expectConsistent(ns);
    expect(formatFlow(ns.key)).toContain('nd_target=2001:db8::77,nd_sll=aa:bb:cc:dd:ee:ff');
    const na = parsed(`icmp6,${V6},icmpv6_type=136,icmpv6_code=0,nd_target=fe80::1,nd_tll=01:02:03:04:05:06`);
    setNdTll(na, 0x0102, 0x03040507);
    setIpv6Src(na, v6('fe80::99'));
    expectConsistent(na);
    expect(formatFlow(na.key)).toContain('nd_tll=01:02:03:04:05:07');
  });

  it('VLAN push, set and pop (QinQ with 802.1ad outside)', () => {
    const pkt = parsed(`tcp,${V4},tp_src=1,tp_dst=2,tcp_flags=ack`);
    const before = formatFlow(pkt.key);
    pushVlan(pkt, 0x8100, 0x0064);
    expectConsistent(pkt);
    expect(formatFlow(pkt.key)).toContain('dl_vlan=100,dl_vlan_pcp=0,vlan_tci1=0x0000');
    setVlanVid(pkt, 200);
    setVlanPcp(pkt, 5);
    expectConsistent(pkt);
    expect(formatFlow(pkt.key)).toContain('dl_vlan=200,dl_vlan_pcp=5');
    pushVlan(pkt, 0x88a8, 0x0007);
    expectConsistent(pkt);
    expect(pkt.key[W.VLAN0] >>> 16).toBe(0x88a8);
    expect(pkt.data.length).toBe(composePacket(`tcp,${V4},tp_src=1,tp_dst=2,tcp_flags=ack`).length + 8);
    popVlan(pkt);
    popVlan(pkt);
    expectConsistent(pkt);
    expect(formatFlow(pkt.key)).toBe(before);
    popVlan(pkt); // no tag: no-op
    expect(formatFlow(pkt.key)).toBe(before);
  });

  it('MPLS push, set and pop', () => {
    const pkt = parsed(`udp,${V4},udp_src=1,udp_dst=2`);
    const before = formatFlow(pkt.key);
    pushMpls(pkt, 0x8847);
    expectConsistent(pkt);
    expect(formatFlow(pkt.key)).toMatch(/^mpls,.*mpls_label=0,mpls_tc=0,mpls_ttl=64,mpls_bos=1$/);
    setMplsLabel(pkt, 1000);
    setMplsTc(pkt, 5);
    setMplsTtl(pkt, 10);
    decMplsTtl(pkt);
    expectConsistent(pkt);
    expect(formatFlow(pkt.key)).toMatch(/mpls_label=1000,mpls_tc=5,mpls_ttl=9,mpls_bos=1$/);
    pushMpls(pkt, 0x8847);
    expectConsistent(pkt);
    expect(formatFlow(pkt.key)).toMatch(/mpls_label=1000,mpls_tc=5,mpls_ttl=9,mpls_bos=0,mpls_lse1=4098825$/);
    popMpls(pkt, 0x8847);
    popMpls(pkt, 0x0800);
    expectConsistent(pkt);
    expect(formatFlow(pkt.key)).toBe(before);
  });

  it('writes that do not apply leave the packet unchanged', () => {
    const pkt = parsed(`arp,${MACS},arp_op=1`);
    const copy = pkt.data.slice();
    setIpv4Src(pkt, 1);
    setTpSrc(pkt, 1);
    setIcmpType(pkt, 1);
    setNdTarget(pkt, [1, 2, 3, 4]);
    setVlanVid(pkt, 3);
    setMplsLabel(pkt, 3);
    setIpv6Label(pkt, 1);
    expect(pkt.data).toEqual(copy);
    const tcp = parsed(`tcp,${V4},tp_src=1,tp_dst=2`);
    const tcpCopy = tcp.data.slice();
    setArpOp(tcp, 2);
    setIcmpCode(tcp, 1);
    expect(tcp.data).toEqual(tcpCopy);
  });
});
