import { parseIpv4, parseIpv6, parseMac } from './addr.js';
import { createFlowKey, ETH_TYPE, IP_PROTO, NW_FRAG_ANY, NW_FRAG_LATER, VLAN_CFI, W } from './flow-key.js';

/**
 * A small parser for exact flows in OVS syntax (`tcp,nw_src=10.0.0.1,tp_dst=80`), enough for
 * `composePacket` and tests. It is private to this library: the full OpenFlow match syntax
 * (masks, prerequisites, every field) lives in libs/openflow.
 */
export class FlowStringError extends Error {
  override name = 'FlowStringError';
}

const PROTOCOLS: Record<string, [number, number]> = {
  ip: [ETH_TYPE.IP, -1],
  ipv4: [ETH_TYPE.IP, -1],
  icmp: [ETH_TYPE.IP, IP_PROTO.ICMP],
  tcp: [ETH_TYPE.IP, IP_PROTO.TCP],
  udp: [ETH_TYPE.IP, IP_PROTO.UDP],
  sctp: [ETH_TYPE.IP, IP_PROTO.SCTP],
  ipv6: [ETH_TYPE.IPV6, -1],
  icmp6: [ETH_TYPE.IPV6, IP_PROTO.ICMPV6],
  tcp6: [ETH_TYPE.IPV6, IP_PROTO.TCP],
  udp6: [ETH_TYPE.IPV6, IP_PROTO.UDP],
  sctp6: [ETH_TYPE.IPV6, IP_PROTO.SCTP],
  arp: [ETH_TYPE.ARP, -1],
  rarp: [ETH_TYPE.RARP, -1],
  mpls: [ETH_TYPE.MPLS, -1],
  mplsm: [ETH_TYPE.MPLS_MCAST, -1],
};

const PORT_NAMES: Record<string, number> = {
  IN_PORT: 0xfff8,
  TABLE: 0xfff9,
  NORMAL: 0xfffa,
  FLOOD: 0xfffb,
  ALL: 0xfffc,
  CONTROLLER: 0xfffd,
  LOCAL: 0xfffe,
  ANY: 0xffff,
};

const TCP_FLAG_BITS: Record<string, number> = {
  fin: 1,
  syn: 2,
  rst: 4,
  psh: 8,
  ack: 0x10,
  urg: 0x20,
  ece: 0x40,
  cwr: 0x80,
  ns: 0x100,
};

function parseNumber(name: string, text: string, max: number): number {
  const v = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(v) || v > max) throw new FlowStringError(`${name}=${text}: not a number in 0..${max}`);
  return v;
}

function parseBig(name: string, text: string, bits: number): bigint {
  let v: bigint;
  try {
    v = BigInt(text);
  } catch {
    throw new FlowStringError(`${name}=${text}: not a number`);
  }
  if (v < 0n || v >> BigInt(bits) !== 0n) throw new FlowStringError(`${name}=${text}: wider than ${bits} bits`);
  return v;
}

function putBig(key: Uint32Array, word: number, words: number, v: bigint): void {
  for (let i = words - 1; i >= 0; i--) {
    key[word + words - 1 - i] = Number((v >> BigInt(32 * i)) & 0xffffffffn);
  }
}

function setMac(key: Uint32Array, word: number, name: string, text: string): void {
  const mac = parseMac(text);
  if (!mac) throw new FlowStringError(`${name}=${text}: not an Ethernet address`);
  key[word] = mac[0];
  key[word + 1] = mac[1];
}

function setIpv4(key: Uint32Array, word: number, name: string, text: string): void {
  const a = parseIpv4(text);
  if (a === undefined) throw new FlowStringError(`${name}=${text}: not an IPv4 address`);
  key[word] = a;
}

function setIpv6(key: Uint32Array, word: number, name: string, text: string): void {
  const a = parseIpv6(text);
  if (!a) throw new FlowStringError(`${name}=${text}: not an IPv6 address`);
  key.set(a, word);
}

function setByte(key: Uint32Array, word: number, shift: number, v: number): void {
  key[word] = ((key[word] & ~(0xff << shift)) | (v << shift)) >>> 0;
}

/** A VLAN word as extraction writes it: TPID 0x8100 only when the tag is present (CFI set). */
function vlanWord(tci: number): number {
  return tci & VLAN_CFI ? ((ETH_TYPE.VLAN << 16) | tci) >>> 0 : tci;
}

function parseTcpFlags(text: string): number {
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) return parseNumber('tcp_flags', text, 0xfff);
  let bits = 0;
  for (const part of text.split(/[|+]/)) {
    if (part === '') continue;
    const b = TCP_FLAG_BITS[part];
    if (b === undefined) throw new FlowStringError(`tcp_flags=${text}: unknown flag "${part}"`);
    bits |= b;
  }
  return bits;
}

/**
 * Parses an exact flow into a new key; fields not named are zero. A protocol keyword (`tcp`,
 * `arp`, `icmp6`, ...) sets dl_type and nw_proto.
 */
export function parseFlowString(text: string): Uint32Array {
  const key = createFlowKey();
  const tokens = text
    .split(/[,\s]+/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq < 0) {
      const proto = PROTOCOLS[token];
      if (!proto) throw new FlowStringError(`"${token}": unknown protocol keyword`);
      key[W.DL_TYPE] = proto[0];
      if (proto[1] >= 0) setByte(key, W.NW, 0, proto[1]);
      continue;
    }
    setNamedField(key, token.slice(0, eq), token.slice(eq + 1));
  }
  return key;
}

function setNamedField(key: Uint32Array, name: string, value: string): void {
  const reg = /^reg(\d+)$/.exec(name);
  if (reg && Number(reg[1]) < 16) {
    key[W.REG0 + Number(reg[1])] = parseNumber(name, value, 0xffffffff);
    return;
  }
  switch (name) {
    case 'in_port':
      key[W.IN_PORT] = PORT_NAMES[value] ?? parseNumber(name, value, 0xffffffff);
      return;
    case 'pkt_mark':
      key[W.PKT_MARK] = parseNumber(name, value, 0xffffffff);
      return;
    case 'metadata':
      putBig(key, W.METADATA, 2, parseBig(name, value, 64));
      return;
    case 'tun_id':
      putBig(key, W.TUN_ID, 2, parseBig(name, value, 64));
      return;
    case 'ct_state':
      key[W.CT_STATE] = parseNumber(name, value, 0xffffffff);
      return;
    case 'ct_zone':
      key[W.CT_ZONE] = parseNumber(name, value, 0xffff);
      return;
    case 'ct_mark':
      key[W.CT_MARK] = parseNumber(name, value, 0xffffffff);
      return;
    case 'ct_label':
      putBig(key, W.CT_LABEL, 4, parseBig(name, value, 128));
      return;
    case 'tun_src':
      setIpv4(key, W.TUN_SRC, name, value);
      return;
    case 'tun_dst':
      setIpv4(key, W.TUN_DST, name, value);
      return;
    case 'dl_src':
    case 'eth_src':
      setMac(key, W.DL_SRC, name, value);
      return;
    case 'dl_dst':
    case 'eth_dst':
      setMac(key, W.DL_DST, name, value);
      return;
    case 'dl_type':
    case 'eth_type':
      key[W.DL_TYPE] = parseNumber(name, value, 0xffff);
      return;
    case 'vlan_tci':
      key[W.VLAN0] = vlanWord(parseNumber(name, value, 0xffff));
      return;
    case 'vlan_tci1':
      key[W.VLAN1] = vlanWord(parseNumber(name, value, 0xffff));
      return;
    case 'dl_vlan':
    case 'vlan_vid':
      key[W.VLAN0] =
        ((ETH_TYPE.VLAN << 16) | (key[W.VLAN0] & 0xe000) | VLAN_CFI | parseNumber(name, value, 0xfff)) >>> 0;
      return;
    case 'dl_vlan_pcp':
    case 'vlan_pcp':
      key[W.VLAN0] =
        ((ETH_TYPE.VLAN << 16) | (key[W.VLAN0] & 0x0fff) | VLAN_CFI | (parseNumber(name, value, 7) << 13)) >>> 0;
      return;
    case 'mpls_label':
      key[W.MPLS0] = ((key[W.MPLS0] & 0xfff) | (parseNumber(name, value, 0xfffff) << 12)) >>> 0;
      return;
    case 'mpls_tc':
      key[W.MPLS0] = ((key[W.MPLS0] & ~(7 << 9)) | (parseNumber(name, value, 7) << 9)) >>> 0;
      return;
    case 'mpls_bos':
      key[W.MPLS0] = ((key[W.MPLS0] & ~0x100) | (parseNumber(name, value, 1) << 8)) >>> 0;
      return;
    case 'mpls_ttl':
      key[W.MPLS0] = ((key[W.MPLS0] & ~0xff) | parseNumber(name, value, 0xff)) >>> 0;
      return;
    case 'nw_src':
    case 'ip_src':
    case 'arp_spa':
      setIpv4(key, W.NW_SRC, name, value);
      return;
    case 'nw_dst':
    case 'ip_dst':
    case 'arp_tpa':
      setIpv4(key, W.NW_DST, name, value);
      return;
    case 'ipv6_src':
      setIpv6(key, W.IPV6_SRC, name, value);
      return;
    case 'ipv6_dst':
      setIpv6(key, W.IPV6_DST, name, value);
      return;
    case 'ipv6_label':
      key[W.IPV6_LABEL] = parseNumber(name, value, 0xfffff);
      return;
    case 'nw_proto':
    case 'ip_proto':
    case 'arp_op':
      setByte(key, W.NW, 0, parseNumber(name, value, 0xff));
      return;
    case 'nw_ttl':
      setByte(key, W.NW, 8, parseNumber(name, value, 0xff));
      return;
    case 'nw_tos': {
      const tos = parseNumber(name, value, 0xff);
      setByte(key, W.NW, 16, (((key[W.NW] >>> 16) & 3) | (tos & 0xfc)) >>> 0);
      return;
    }
    case 'ip_dscp': {
      const dscp = parseNumber(name, value, 63);
      setByte(key, W.NW, 16, ((key[W.NW] >>> 16) & 3) | (dscp << 2));
      return;
    }
    case 'nw_ecn':
    case 'ip_ecn':
      setByte(key, W.NW, 16, ((key[W.NW] >>> 16) & 0xfc) | parseNumber(name, value, 3));
      return;
    case 'nw_frag': {
      const frag = { no: 0, first: NW_FRAG_ANY, later: NW_FRAG_ANY | NW_FRAG_LATER, yes: NW_FRAG_ANY }[value];
      if (frag === undefined) throw new FlowStringError(`nw_frag=${value}: expected no, first, later or yes`);
      setByte(key, W.NW, 24, frag);
      return;
    }
    case 'tp_src':
    case 'tcp_src':
    case 'udp_src':
    case 'sctp_src':
    case 'icmp_type':
    case 'icmpv6_type':
      key[W.TP] = ((key[W.TP] & 0xffff) | (parseNumber(name, value, 0xffff) << 16)) >>> 0;
      return;
    case 'tp_dst':
    case 'tcp_dst':
    case 'udp_dst':
    case 'sctp_dst':
    case 'icmp_code':
    case 'icmpv6_code':
      key[W.TP] = ((key[W.TP] & 0xffff0000) | parseNumber(name, value, 0xffff)) >>> 0;
      return;
    case 'tcp_flags':
      key[W.TCP_FLAGS] = parseTcpFlags(value);
      return;
    case 'arp_sha':
    case 'nd_sll':
      setMac(key, W.ARP_SHA, name, value);
      return;
    case 'arp_tha':
    case 'nd_tll':
      setMac(key, W.ARP_THA, name, value);
      return;
    case 'nd_target':
      setIpv6(key, W.ND_TARGET, name, value);
      return;
    case 'nd_reserved':
      key[W.ND_RESERVED] = parseNumber(name, value, 0xffffffff);
      return;
    default:
      throw new FlowStringError(`"${name}": unknown or unsupported field`);
  }
}
