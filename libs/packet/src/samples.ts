import { checksum, read16, write16 } from './checksum.js';
import { composePacket } from './compose.js';
import { buildGeneve, buildVxlan } from './tunnel.js';

/**
 * A corpus of frames covering every protocol the parser knows, plus the malformed inputs behind
 * Open vSwitch's parser CVEs. Used by the differential test against real OVS, the property
 * tests and the benchmark. Deterministic.
 */
export interface SamplePacket {
  name: string;
  data: Uint8Array;
}

const MACS = 'dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02';
const V4 = `${MACS},nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64`;
const V6 = `${MACS},ipv6_src=2001:db8::1,ipv6_dst=fe80::2:3,nw_ttl=255`;

/** Flow strings for composePacket: one per protocol and interesting field value. */
export const SAMPLE_FLOWS: readonly string[] = [
  `tcp,${V4},tp_src=12345,tp_dst=80,tcp_flags=syn`,
  `tcp,${V4},tp_src=80,tp_dst=12345,tcp_flags=syn|ack`,
  `tcp,${V4},tp_src=1,tp_dst=2,tcp_flags=ack|psh`,
  `tcp,${V4},tp_src=1,tp_dst=2,tcp_flags=0xfff`,
  `tcp,${V4},nw_tos=0xb8,nw_ecn=2,tp_src=443,tp_dst=5555,tcp_flags=fin|ack`,
  `udp,${V4},udp_src=53,udp_dst=33333`,
  `udp,${MACS},nw_src=0.0.0.0,nw_dst=255.255.255.255,nw_ttl=1,udp_src=68,udp_dst=67`,
  `sctp,${V4},sctp_src=3868,sctp_dst=3868`,
  `icmp,${V4},icmp_type=8,icmp_code=0`,
  `icmp,${V4},icmp_type=3,icmp_code=1`,
  `ip,${V4},nw_proto=2`,
  `ip,${V4},nw_proto=47`,
  `ip,${V4},nw_proto=0`,
  `ip,${V4},nw_proto=255,nw_tos=252,nw_ecn=3`,
  `tcp,${V4},nw_frag=first,tp_src=1000,tp_dst=2000,tcp_flags=ack`,
  `tcp,${V4},nw_frag=later`,
  `udp,${V4},nw_frag=first,udp_src=7,udp_dst=9`,
  `ip,${V4},nw_proto=99,nw_frag=first`,
  `tcp6,${V6},ipv6_label=0x12345,tp_src=22,tp_dst=50000,tcp_flags=syn`,
  `tcp6,${V6},tp_src=22,tp_dst=50000,tcp_flags=ack`,
  `udp6,${V6},udp_src=546,udp_dst=547`,
  `sctp6,${V6},sctp_src=1,sctp_dst=2`,
  `icmp6,${V6},icmpv6_type=128,icmpv6_code=0`,
  `icmp6,${V6},icmpv6_type=1,icmpv6_code=4`,
  `icmp6,${V6},icmpv6_type=135,icmpv6_code=0,nd_target=fe80::1,nd_sll=01:02:03:04:05:06`,
  `icmp6,${V6},icmpv6_type=136,icmpv6_code=0,nd_target=2001:db8::99,nd_tll=0a:0b:0c:0d:0e:0f`,
  `icmp6,${V6},icmpv6_type=135,icmpv6_code=0,nd_target=::1`,
  `icmp6,${V6},icmpv6_type=136,icmpv6_code=0,nd_target=::ffff:1.2.3.4,nd_sll=01:02:03:04:05:06,nd_tll=0a:0b:0c:0d:0e:0f`,
  `icmp6,${V6},icmpv6_type=135,icmpv6_code=1,nd_target=fe80::1`,
  `ipv6,${V6},nw_proto=59`,
  `ipv6,${V6},nw_tos=0xfc,nw_ecn=1,nw_proto=0`,
  `tcp6,${V6},nw_frag=first,tp_src=5,tp_dst=6`,
  `udp6,${V6},nw_frag=later`,
  `arp,${MACS},arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2,arp_sha=50:54:00:00:00:01`,
  `arp,${MACS},arp_op=2,arp_spa=10.0.0.2,arp_tpa=10.0.0.1,arp_sha=50:54:00:00:00:02,arp_tha=50:54:00:00:00:01`,
  `arp,${MACS},arp_op=3`,
  `rarp,${MACS},arp_op=3`,
  `mpls,${MACS},mpls_label=100,mpls_tc=3,mpls_ttl=64,mpls_bos=1`,
  `mpls,${MACS},mpls_label=1048575,mpls_ttl=1`,
  `mplsm,${MACS},mpls_label=16,mpls_bos=1,mpls_ttl=9`,
  `tcp,${V4},dl_vlan=10,dl_vlan_pcp=3,tp_src=1,tp_dst=2`,
  `udp,${V4},dl_vlan=4095,dl_vlan_pcp=7,udp_src=1,udp_dst=2`,
  `arp,${MACS},dl_vlan=0,arp_op=1,arp_spa=1.2.3.4,arp_tpa=5.6.7.8`,
  `tcp6,${V6},dl_vlan=100,tp_src=1,tp_dst=2`,
  `${MACS},dl_type=0x88cc`,
  `${MACS},dl_type=0x05ff`,
  `${MACS},dl_type=0x0600`,
  `${MACS},dl_type=0x1234`,
  `${MACS},dl_type=0x8100`,
  `${MACS},dl_type=0x88a8`,
  `${MACS},dl_type=0x0800`,
  `${MACS},dl_type=0x86dd`,
];

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => Number.parseInt(b, 16));

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Copies `p` and lets `edit` change the IPv4 header at 14, then recomputes its checksum. */
function editIpv4(p: Uint8Array, edit: (q: Uint8Array) => void, fixChecksum = true): Uint8Array {
  const q = p.slice();
  edit(q);
  if (fixChecksum) {
    const ihl = (q[14] & 15) * 4;
    if (ihl >= 20 && q.length >= 14 + ihl) {
      write16(q, 24, 0);
      write16(q, 24, checksum(q, 14, 14 + ihl));
    }
  }
  return q;
}

/** Inserts `n` 4-byte IPv4 options (NOPs) after the 20-byte header of a composed packet. */
function withIpv4Options(p: Uint8Array, n: number): Uint8Array {
  const opts = new Uint8Array(n * 4).fill(1);
  const q = concat(p.subarray(0, 34), opts, p.subarray(34));
  return editIpv4(q, (r) => {
    r[14] = 0x40 | (5 + n);
    write16(r, 16, read16(r, 16) + n * 4);
  });
}

/** Inserts IPv6 extension headers (raw bytes, each with its next-header byte to be patched). */
function withIpv6Ext(p: Uint8Array, exts: Array<[number, Uint8Array]>): Uint8Array {
  // p: Ethernet + IPv6 header at 14; next header byte at 20.
  let next = p[20];
  const chain: Uint8Array[] = [];
  for (let i = exts.length - 1; i >= 0; i--) {
    const [type, body] = exts[i];
    const h = body.slice();
    h[0] = next;
    chain.unshift(h);
    next = type;
  }
  const ext = concat(...chain);
  const q = concat(p.subarray(0, 54), ext, p.subarray(54));
  q[20] = next;
  write16(q, 18, read16(q, 18) + ext.length);
  return q;
}

const ext8 = (len8 = 0) => new Uint8Array((len8 + 1) * 8).map((_, i) => (i === 1 ? len8 : 0));
const frag = (offlg: number) => Uint8Array.of(0, 0, offlg >>> 8, offlg & 0xff, 0, 0, 0, 1);
const ah = () => Uint8Array.of(0, 4, 0, 0, ...new Array(20).fill(0)); // (4+2)*4 = 24 bytes

function mplsStack(n: number, bosAt: number): Uint8Array {
  const eth = hex('5054000000025054000000018847');
  const lses = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const lse = ((16 + i) << 12) | (i === bosAt ? 0x100 : 0) | (64 - i);
    write16(lses, i * 4, lse >>> 16);
    write16(lses, i * 4 + 2, lse & 0xffff);
  }
  return concat(eth, lses, hex('4500001400000000400600000a0000010a000002'));
}

/** Hand-made frames: CVE inputs, malformed and unusual headers. */
function specialPackets(): SamplePacket[] {
  const tcp = composePacket(`tcp,${V4},tp_src=1,tp_dst=2,tcp_flags=ack`);
  const udp = composePacket(`udp,${V4},udp_src=1,udp_dst=2`);
  const tcp6 = composePacket(`tcp6,${V6},tp_src=1,tp_dst=2,tcp_flags=ack`);
  const udp6 = composePacket(`udp6,${V6},udp_src=1,udp_dst=2`);
  const ns = composePacket(`icmp6,${V6},icmpv6_type=135,icmpv6_code=0,nd_target=fe80::1,nd_sll=01:02:03:04:05:06`);
  const na = composePacket(`icmp6,${V6},icmpv6_type=136,icmpv6_code=0,nd_target=fe80::1,nd_tll=0a:0b:0c:0d:0e:0f`);
  const out: SamplePacket[] = [];
  const add = (name: string, data: Uint8Array) => out.push({ name, data });

  // IPv4 header checks (CVE-2020-35498 family): IHL < 5, total length below the header.
  for (const ihl of [0, 1, 4])
    add(
      `ipv4 ihl=${ihl}`,
      editIpv4(tcp, (q) => (q[14] = 0x40 | ihl)),
    );
  add(
    'ipv4 ihl=15 beyond frame',
    editIpv4(tcp, (q) => (q[14] = 0x4f)),
  );
  add(
    'ipv4 ihl=15 beyond total length',
    editIpv4(udp, (q) => (q[14] = 0x4f)),
  );
  for (const tot of [0, 19, 20, 21, 39])
    add(
      `ipv4 tot_len=${tot}`,
      editIpv4(tcp, (q) => write16(q, 16, tot)),
    );
  add(
    'ipv4 tot_len beyond frame',
    editIpv4(tcp, (q) => write16(q, 16, q.length)),
  );
  add(
    'ipv4 version 6 in ipv4 frame',
    editIpv4(tcp, (q) => (q[14] = 0x65)),
  );
  add('ipv4 truncated header', tcp.subarray(0, 14 + 19));
  for (const n of [1, 2, 10]) add(`ipv4 ${n} option words`, withIpv4Options(tcp, n));
  // Ethernet padding past the IP total length must not change the flow.
  add('ipv4 tcp padded', concat(tcp, new Uint8Array(30).fill(0xee)));
  add('ipv4 udp padded', concat(udp, new Uint8Array(7).fill(0xff)));
  const shortIp = composePacket(`ip,${V4},nw_proto=99`);
  add('ipv4 min padded to 60', concat(shortIp, new Uint8Array(60 - shortIp.length)));
  add('ipv6 padded', concat(udp6, new Uint8Array(13).fill(0x5a)));
  // IP protocol 0 (IPv4) and hop-by-hop as a terminal header in IPv4.
  add(
    'ipv4 proto 0 with payload',
    editIpv4(udp, (q) => (q[23] = 0)),
  );
  // Truncated transport headers.
  add(
    'tcp data offset 4',
    editIpv4(tcp, (q) => (q[46] = 0x40 | (q[46] & 15)), false),
  );
  add(
    'tcp data offset 15 beyond',
    editIpv4(tcp, (q) => (q[46] = 0xf0 | (q[46] & 15)), false),
  );
  for (const l4len of [0, 7, 8, 19]) {
    const t = tcp.subarray(0, 34 + l4len).slice();
    add(
      `tcp l4 ${l4len} bytes`,
      editIpv4(t, (q) => write16(q, 16, 20 + l4len)),
    );
    const u = udp.subarray(0, 34 + l4len).slice();
    add(
      `udp l4 ${l4len} bytes`,
      editIpv4(u, (q) => write16(q, 16, 20 + l4len)),
    );
  }
  for (const l4len of [3, 4, 7, 8]) {
    const q = composePacket(`icmp,${V4},icmp_type=3,icmp_code=3`)
      .subarray(0, 34 + l4len)
      .slice();
    add(
      `icmp l4 ${l4len} bytes`,
      editIpv4(q, (r) => write16(r, 16, 20 + l4len)),
    );
    const i6 = composePacket(`icmp6,${V6},icmpv6_type=1,icmpv6_code=3`)
      .subarray(0, 54 + l4len)
      .slice();
    write16(i6, 18, l4len);
    add(`icmp6 l4 ${l4len} bytes`, i6);
    const s = composePacket(`sctp,${V4},sctp_src=5,sctp_dst=6`)
      .subarray(0, 34 + l4len + 4)
      .slice();
    add(
      `sctp l4 ${l4len + 4} bytes`,
      editIpv4(s, (r) => write16(r, 16, 20 + l4len + 4)),
    );
  }
  // IPv6 extension headers and truncated chains.
  add('ipv6 hop-by-hop', withIpv6Ext(tcp6, [[0, ext8()]]));
  add(
    'ipv6 hbh+routing+dstopts',
    withIpv6Ext(udp6, [
      [0, ext8(1)],
      [43, ext8()],
      [60, ext8(2)],
    ]),
  );
  add('ipv6 ah', withIpv6Ext(tcp6, [[51, ah()]]));
  add('ipv6 fragment first', withIpv6Ext(udp6, [[44, frag(1)]]));
  add('ipv6 fragment atomic', withIpv6Ext(udp6, [[44, frag(0)]]));
  add('ipv6 fragment reserved bits', withIpv6Ext(udp6, [[44, frag(6)]]));
  add('ipv6 fragment later', withIpv6Ext(tcp6, [[44, frag(0x321)]]));
  add(
    'ipv6 dstopts then fragment later',
    withIpv6Ext(udp6, [
      [60, ext8()],
      [44, frag(0x0a0)],
    ]),
  );
  const chain = withIpv6Ext(tcp6, [
    [0, ext8()],
    [60, ext8(1)],
  ]);
  for (const cut of [4, 8, 12, 20, 24, 30]) {
    const q = chain.subarray(0, 54 + cut).slice();
    write16(q, 18, cut);
    add(`ipv6 ext chain truncated to ${cut}`, q);
  }
  const hbhLong = withIpv6Ext(udp6, [[0, ext8(30)]]);
  add(
    'ipv6 hbh length beyond payload',
    (() => {
      const q = hbhLong.subarray(0, 54 + 40).slice();
      write16(q, 18, 40);
      return q;
    })(),
  );
  add(
    'ipv6 payload length beyond frame',
    (() => {
      const q = tcp6.slice();
      write16(q, 18, 200);
      return q;
    })(),
  );
  add('ipv6 truncated header', tcp6.subarray(0, 14 + 39));
  // MPLS label stacks of 1-16 entries without bottom of stack (CVE-2017-9263 family).
  for (const n of [1, 2, 3, 4, 5, 8, 16]) add(`mpls ${n} labels no bos`, mplsStack(n, -1));
  for (const n of [2, 3, 4]) add(`mpls ${n} labels bos last`, mplsStack(n, n - 1));
  add('mpls 4 labels bos second', mplsStack(4, 1));
  add('mpls truncated lse', hex('50540000000250540000000188470001'));
  // Neighbor Discovery options: length 0, overrunning, duplicates, unknown.
  const ndOpt = (base: Uint8Array, opts: Uint8Array) => {
    const q = concat(base.subarray(0, 54 + 24), opts);
    write16(q, 18, 24 + opts.length);
    return q;
  };
  add('nd option length 0', ndOpt(ns, hex('0100010203040506')));
  add('nd option overrun', ndOpt(ns, hex('0102010203040506')));
  add('nd option overrun after good', ndOpt(ns, hex('01010102030405060203aabbccddeeff')));
  add('nd duplicate sll', ndOpt(ns, hex('01010102030405060101aabbccddeeff')));
  add('nd sll then tll', ndOpt(na, hex('01010102030405060201aabbccddeeff')));
  add('nd long option type 1', ndOpt(ns, hex('01020102030405060000000000000000')));
  add('nd unknown option', ndOpt(ns, hex('0501000000000000')));
  add('nd trailing 7 bytes', ndOpt(na, hex('02010a0b0c0d0e0f01020304050607')));
  add(
    'nd target truncated',
    (() => {
      const q = ns.subarray(0, 54 + 8 + 10).slice();
      write16(q, 18, 18);
      return q;
    })(),
  );
  // VLAN, QinQ (802.1ad outer), LLC/SNAP, 802.3.
  const qinq = (outer: string, inner: string, rest: Uint8Array) =>
    concat(rest.subarray(0, 12), hex(outer), hex(inner), rest.subarray(12));
  add('qinq 88a8/8100 tcp', qinq('88a86064', '8100200a', tcp));
  add('qinq 8100/8100 udp6', qinq('81000005', '81000006', udp6));
  add('triple tag', qinq('88a80001', '81000002', concat(tcp.subarray(0, 12), hex('81000003'), tcp.subarray(12))));
  add('vlan truncated tag', hex('5054000000025054000000018100000a'));
  add('vlan tag then nothing', hex('5054000000025054000000018100000a0800'));
  add('llc snap ipv4', concat(hex('505400000002505400000001'), hex('0040aaaa030000000800'), tcp.subarray(14)));
  add(
    'llc snap arp',
    concat(
      hex('505400000002505400000001'),
      hex('0024aaaa030000000806'),
      composePacket(`arp,${MACS},arp_op=1,arp_spa=1.1.1.1,arp_tpa=2.2.2.2`).subarray(14),
    ),
  );
  add('llc snap small type', hex('5054000000025054000000010010aaaa030000000100'));
  add('llc snap other oui', hex('5054000000025054000000010010aaaa030000f80800'));
  add(
    '802.3 stp llc',
    hex('0180c20000005054000000010026424203000000000080005054000000010000000080005054000000018001000014000200'),
  );
  add('802.3 short', hex('5054000000025054000000010005aaaa03'));
  add('arp short', composePacket(`arp,${MACS},arp_op=1`).subarray(0, 14 + 27));
  add(
    'arp wrong hardware type',
    (() => {
      const q = composePacket(`arp,${MACS},arp_op=1,arp_spa=1.1.1.1`);
      q[15] = 6;
      return q;
    })(),
  );
  add(
    'arp opcode 0x0101',
    (() => {
      const q = composePacket(`arp,${MACS},arp_op=1,arp_spa=1.1.1.1`);
      q[20] = 1;
      return q;
    })(),
  );
  add('ethernet header only', hex('5054000000025054000000010800'));
  // Tunnels: VXLAN and Geneve in UDP (the outer flow is what OVS reports for a dummy port).
  const vx = composePacket(`udp,${V4},udp_src=49152,udp_dst=4789`, {
    payload: concat(buildVxlan(5000), tcp),
  });
  add('vxlan', vx);
  const gnv = composePacket(`udp6,${V6},udp_src=49152,udp_dst=6081`, {
    payload: concat(buildGeneve(42, [{ optClass: 0x0102, type: 0x80, data: hex('00000001') }]), udp),
  });
  add('geneve', gnv);
  return out;
}

/** Every sample frame: composed ones (one per SAMPLE_FLOWS entry) then the special cases. */
export function samplePackets(): SamplePacket[] {
  return [...SAMPLE_FLOWS.map((flow) => ({ name: flow, data: composePacket(flow) })), ...specialPackets()];
}

/**
 * Deterministic mutations of `frames` (a xorshift PRNG seeded by `seed`): truncation, byte
 * flips, lying length fields, random tails. For fuzz-style tests.
 */
export function mutateFrames(frames: readonly Uint8Array[], count: number, seed = 1): Uint8Array[] {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const base = frames[rnd() % frames.length];
    out.push(mutateOne(base, rnd));
  }
  return out;
}

function mutateOne(base: Uint8Array, rnd: () => number): Uint8Array {
  const kind = rnd() % 6;
  let q = base.slice();
  switch (kind) {
    case 0: // truncate
      return q.subarray(0, rnd() % (q.length + 1));
    case 1: // flip 1-4 random bytes
      for (let n = 1 + (rnd() % 4); n > 0; n--) q[rnd() % q.length] = rnd() & 0xff;
      return q;
    case 2: // lie in a length-ish field: IPv4 total length / IHL, IPv6 payload length
      if (q.length > 20) {
        const at = [14, 16, 17, 18, 19, 46, 58, 54 + 1][rnd() % 8];
        if (at < q.length) q[at] = rnd() & 0xff;
      }
      return q;
    case 3: // append random tail
      return concat(
        q,
        Uint8Array.from({ length: rnd() % 40 }, () => rnd() & 0xff),
      );
    case 4: // flip one byte in the first 80 and truncate
      if (q.length) q[rnd() % Math.min(80, q.length)] ^= 1 << (rnd() % 8);
      q = q.subarray(0, Math.max(0, q.length - (rnd() % 8)));
      return q;
    default: // random bytes with a plausible ethertype
      return Uint8Array.from({ length: 14 + (rnd() % 100) }, (_, i) =>
        i === 12
          ? [0x08, 0x86, 0x81, 0x88, 0x00][rnd() % 5]
          : i === 13
            ? [0x00, 0xdd, 0x06, 0x47, 0xa8][rnd() % 5]
            : rnd() & 0xff,
      );
  }
}
