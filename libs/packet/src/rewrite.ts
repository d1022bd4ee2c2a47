import {
  csumUpdate16,
  csumUpdate32,
  read16,
  read32,
  sctpChecksum,
  write16,
  write32,
  writeSctpChecksum,
} from './checksum.js';
import { extractFlow, HeaderOffsets } from './extract.js';
import { createFlowKey, ETH_TYPE, FIRST_PACKET_WORD, IP_PROTO, NW_FRAG_LATER, VLAN_CFI, W } from './flow-key.js';

/**
 * A packet with its extracted flow and header offsets, as the action writers need it. Every
 * writer changes the bytes, fixes the checksums it affects (incrementally, RFC 1624, except
 * SCTP's CRC32c which is recomputed) and updates `key` so it equals a fresh extraction.
 */
export interface ParsedPacket {
  data: Uint8Array;
  key: Uint32Array;
  offsets: HeaderOffsets;
}

export function parsePacket(data: Uint8Array, inPort = 0): ParsedPacket {
  const key = createFlowKey();
  const offsets = new HeaderOffsets();
  extractFlow(data, inPort, key, offsets);
  return { data, key, offsets };
}

/** Re-parses after a change of layout, keeping the metadata words (in_port, regs, ...). */
function reparse(pkt: ParsedPacket, data: Uint8Array): void {
  const saved = pkt.key.slice(0, FIRST_PACKET_WORD);
  pkt.data = data;
  extractFlow(data, saved[W.IN_PORT], pkt.key, pkt.offsets);
  pkt.key.set(saved, 0);
}

const proto = (pkt: ParsedPacket) => pkt.key[W.NW] & 0xff;
const isLaterFragment = (pkt: ParsedPacket) => ((pkt.key[W.NW] >>> 24) & NW_FRAG_LATER) !== 0;
const isIpv4 = (pkt: ParsedPacket) => pkt.key[W.DL_TYPE] === ETH_TYPE.IP && pkt.offsets.l4 >= 0;
const isIpv6 = (pkt: ParsedPacket) => pkt.key[W.DL_TYPE] === ETH_TYPE.IPV6 && pkt.offsets.l4 >= 0;

/** Offset of the L4 checksum field to patch for pseudo-header changes, or -1. */
function l4ChecksumOffset(pkt: ParsedPacket): number {
  const { l4, end } = pkt.offsets;
  if (l4 < 0 || isLaterFragment(pkt)) return -1;
  const p = proto(pkt);
  if (p === IP_PROTO.TCP && end - l4 >= 20) return l4 + 16;
  if (p === IP_PROTO.UDP && end - l4 >= 8) {
    // An IPv4 UDP checksum of zero means "none": leave it so.
    if (pkt.key[W.DL_TYPE] === ETH_TYPE.IP && read16(pkt.data, l4 + 6) === 0) return -1;
    return l4 + 6;
  }
  if (p === IP_PROTO.ICMPV6 && pkt.key[W.DL_TYPE] === ETH_TYPE.IPV6 && end - l4 >= 4) return l4 + 2;
  return -1;
}

function patchL4Checksum32(pkt: ParsedPacket, oldValue: number, newValue: number): void {
  const at = l4ChecksumOffset(pkt);
  if (at < 0) return;
  let c = csumUpdate32(read16(pkt.data, at), oldValue, newValue);
  if (c === 0 && proto(pkt) === IP_PROTO.UDP) c = 0xffff;
  write16(pkt.data, at, c);
}

function patchL4Checksum16(pkt: ParsedPacket, at: number, oldValue: number, newValue: number): void {
  if (at < 0) return;
  let c = csumUpdate16(read16(pkt.data, at), oldValue, newValue);
  if (c === 0 && proto(pkt) === IP_PROTO.UDP) c = 0xffff;
  write16(pkt.data, at, c);
}

// ---- Ethernet and VLAN ----

export function setEthSrc(pkt: ParsedPacket, hi: number, lo: number): void {
  if (pkt.data.length < 14) return;
  write16(pkt.data, 6, hi);
  write32(pkt.data, 8, lo);
  pkt.key[W.DL_SRC] = hi & 0xffff;
  pkt.key[W.DL_SRC + 1] = lo >>> 0;
}

export function setEthDst(pkt: ParsedPacket, hi: number, lo: number): void {
  if (pkt.data.length < 14) return;
  write16(pkt.data, 0, hi);
  write32(pkt.data, 2, lo);
  pkt.key[W.DL_DST] = hi & 0xffff;
  pkt.key[W.DL_DST + 1] = lo >>> 0;
}

/** Inserts an outer VLAN tag (TPID 0x8100 or 0x88a8) after the MAC addresses. */
export function pushVlan(pkt: ParsedPacket, tpid: number, tci: number): void {
  const p = pkt.data;
  if (p.length < 14) return;
  const out = new Uint8Array(p.length + 4);
  out.set(p.subarray(0, 12), 0);
  write16(out, 12, tpid);
  write16(out, 14, tci & ~VLAN_CFI);
  out.set(p.subarray(12), 16);
  reparse(pkt, out);
}

/** Removes the outer VLAN tag, if there is one. */
export function popVlan(pkt: ParsedPacket): void {
  const p = pkt.data;
  if (p.length < 18) return;
  const tpid = read16(p, 12);
  if (tpid !== ETH_TYPE.VLAN && tpid !== ETH_TYPE.VLAN_8021AD) return;
  const out = new Uint8Array(p.length - 4);
  out.set(p.subarray(0, 12), 0);
  out.set(p.subarray(16), 12);
  reparse(pkt, out);
}

function outerTci(pkt: ParsedPacket): number {
  return pkt.offsets.vlans > 0 ? read16(pkt.data, 14) : -1;
}

export function setVlanVid(pkt: ParsedPacket, vid: number): void {
  const tci = outerTci(pkt);
  if (tci < 0) return;
  const next = (tci & 0xf000) | (vid & 0xfff);
  write16(pkt.data, 14, next);
  pkt.key[W.VLAN0] = ((pkt.key[W.VLAN0] & 0xffff0000) | next | VLAN_CFI) >>> 0;
}

export function setVlanPcp(pkt: ParsedPacket, pcp: number): void {
  const tci = outerTci(pkt);
  if (tci < 0) return;
  const next = (tci & 0x1fff) | ((pcp & 7) << 13);
  write16(pkt.data, 14, next);
  pkt.key[W.VLAN0] = ((pkt.key[W.VLAN0] & 0xffff0000) | next | VLAN_CFI) >>> 0;
}

// ---- MPLS ----

/**
 * Pushes an MPLS label stack entry (ethertype 0x8847 or 0x8848) after the VLAN tags. On an
 * existing stack the new entry copies the outer one (bottom-of-stack cleared); otherwise it is
 * built as OVS's flow_push_mpls does.
 */
export function pushMpls(pkt: ParsedPacket, ethertype: number): void {
  const p = pkt.data;
  const { ethType } = pkt.offsets;
  if (p.length < ethType + 2) return;
  const insertAt = ethType + 2;
  let lse: number;
  const dl = pkt.key[W.DL_TYPE];
  if (dl === ETH_TYPE.MPLS || dl === ETH_TYPE.MPLS_MCAST) {
    lse = p.length >= insertAt + 4 ? read32(p, insertAt) & ~0x100 : 0;
  } else {
    // As OVS's flow_push_mpls: explicit-null label (2 for IPv6), TC from the DSCP, IP TTL.
    const isIp = (dl === ETH_TYPE.IP || dl === ETH_TYPE.IPV6) && pkt.offsets.l4 >= 0;
    const nwTtl = (pkt.key[W.NW] >>> 8) & 0xff;
    const ttl = isIp && nwTtl ? nwTtl : 64;
    const tc = isIp ? (pkt.key[W.NW] >>> 18) & 7 : 0;
    const label = dl === ETH_TYPE.IPV6 ? 2 : 0;
    lse = (label << 12) | (tc << 9) | 0x100 | ttl;
  }
  const out = new Uint8Array(p.length + 4);
  out.set(p.subarray(0, insertAt), 0);
  write16(out, ethType, ethertype);
  write32(out, insertAt, lse >>> 0);
  out.set(p.subarray(insertAt), insertAt + 4);
  reparse(pkt, out);
}

/** Pops the outer label stack entry; `ethertype` becomes the frame's type when it was the last. */
export function popMpls(pkt: ParsedPacket, ethertype: number): void {
  const p = pkt.data;
  const at = pkt.offsets.l2_5;
  if (at < 0 || p.length < at + 4) return;
  const bos = (p[at + 2] & 1) !== 0;
  const out = new Uint8Array(p.length - 4);
  out.set(p.subarray(0, at), 0);
  out.set(p.subarray(at + 4), at);
  if (bos) write16(out, pkt.offsets.ethType, ethertype);
  reparse(pkt, out);
}

function setLse(pkt: ParsedPacket, f: (lse: number) => number): void {
  const at = pkt.offsets.l2_5;
  if (at < 0 || pkt.data.length < at + 4) return;
  const lse = f(read32(pkt.data, at)) >>> 0;
  write32(pkt.data, at, lse);
  pkt.key[W.MPLS0] = lse;
}

export const setMplsLabel = (pkt: ParsedPacket, label: number) =>
  setLse(pkt, (lse) => (lse & 0xfff) | ((label & 0xfffff) << 12));
export const setMplsTc = (pkt: ParsedPacket, tc: number) => setLse(pkt, (lse) => (lse & ~0xe00) | ((tc & 7) << 9));
export const setMplsTtl = (pkt: ParsedPacket, ttl: number) => setLse(pkt, (lse) => (lse & ~0xff) | (ttl & 0xff));
export const decMplsTtl = (pkt: ParsedPacket) => setLse(pkt, (lse) => (lse & ~0xff) | (((lse & 0xff) - 1) & 0xff));

// ---- IPv4 / IPv6 ----

function setIpv4Addr(pkt: ParsedPacket, at: number, word: number, addr: number): void {
  if (!isIpv4(pkt)) return;
  const p = pkt.data;
  const l3 = pkt.offsets.l3;
  const old = read32(p, l3 + at);
  write32(p, l3 + at, addr >>> 0);
  write16(p, l3 + 10, csumUpdate32(read16(p, l3 + 10), old, addr >>> 0));
  patchL4Checksum32(pkt, old, addr >>> 0);
  pkt.key[word] = addr >>> 0;
}

export const setIpv4Src = (pkt: ParsedPacket, addr: number) => setIpv4Addr(pkt, 12, W.NW_SRC, addr);
export const setIpv4Dst = (pkt: ParsedPacket, addr: number) => setIpv4Addr(pkt, 16, W.NW_DST, addr);

/** Sets the whole TOS/traffic-class byte (DSCP and ECN). */
export function setIpTos(pkt: ParsedPacket, tos: number): void {
  const p = pkt.data;
  const l3 = pkt.offsets.l3;
  if (isIpv4(pkt)) {
    const oldWord = read16(p, l3);
    p[l3 + 1] = tos & 0xff;
    write16(p, l3 + 10, csumUpdate16(read16(p, l3 + 10), oldWord, read16(p, l3)));
  } else if (isIpv6(pkt)) {
    const first = read32(p, l3);
    write32(p, l3, ((first & 0xf00fffff) | ((tos & 0xff) << 20)) >>> 0);
  } else {
    return;
  }
  pkt.key[W.NW] = ((pkt.key[W.NW] & 0xff00ffff) | ((tos & 0xff) << 16)) >>> 0;
}

export const setIpDscp = (pkt: ParsedPacket, dscp: number) =>
  setIpTos(pkt, ((dscp & 0x3f) << 2) | ((pkt.key[W.NW] >>> 16) & 3));
export const setIpEcn = (pkt: ParsedPacket, ecn: number) => setIpTos(pkt, ((pkt.key[W.NW] >>> 16) & 0xfc) | (ecn & 3));

/** Sets the IPv4 TTL or IPv6 hop limit. */
export function setIpTtl(pkt: ParsedPacket, ttl: number): void {
  const p = pkt.data;
  const l3 = pkt.offsets.l3;
  if (isIpv4(pkt)) {
    const oldWord = read16(p, l3 + 8);
    p[l3 + 8] = ttl & 0xff;
    write16(p, l3 + 10, csumUpdate16(read16(p, l3 + 10), oldWord, read16(p, l3 + 8)));
  } else if (isIpv6(pkt)) {
    p[l3 + 7] = ttl & 0xff;
  } else {
    return;
  }
  pkt.key[W.NW] = ((pkt.key[W.NW] & 0xffff00ff) | ((ttl & 0xff) << 8)) >>> 0;
}

/** dec_ttl: returns false (and leaves the packet alone) when the TTL is already 0 or 1. */
export function decTtl(pkt: ParsedPacket): boolean {
  const ttl = (pkt.key[W.NW] >>> 8) & 0xff;
  if (ttl <= 1) return false;
  setIpTtl(pkt, ttl - 1);
  return true;
}

function setIpv6Addr(pkt: ParsedPacket, at: number, word: number, addr: Uint32Array | readonly number[]): void {
  if (!isIpv6(pkt)) return;
  const p = pkt.data;
  const base = pkt.offsets.l3 + at;
  for (let i = 0; i < 4; i++) {
    const old = read32(p, base + i * 4);
    const next = addr[i] >>> 0;
    write32(p, base + i * 4, next);
    patchL4Checksum32(pkt, old, next);
    pkt.key[word + i] = next;
  }
}

export const setIpv6Src = (pkt: ParsedPacket, addr: Uint32Array | readonly number[]) =>
  setIpv6Addr(pkt, 8, W.IPV6_SRC, addr);
export const setIpv6Dst = (pkt: ParsedPacket, addr: Uint32Array | readonly number[]) =>
  setIpv6Addr(pkt, 24, W.IPV6_DST, addr);

export function setIpv6Label(pkt: ParsedPacket, label: number): void {
  if (!isIpv6(pkt)) return;
  const l3 = pkt.offsets.l3;
  write32(pkt.data, l3, ((read32(pkt.data, l3) & 0xfff00000) | (label & 0xfffff)) >>> 0);
  pkt.key[W.IPV6_LABEL] = label & 0xfffff;
}

// ---- Transport ----

function setPort(pkt: ParsedPacket, at: number, port: number): void {
  const { l4, end } = pkt.offsets;
  if (l4 < 0 || isLaterFragment(pkt)) return;
  const p = pkt.data;
  const pr = proto(pkt);
  const need = pr === IP_PROTO.TCP ? 20 : pr === IP_PROTO.UDP ? 8 : pr === IP_PROTO.SCTP ? 12 : -1;
  if (need < 0 || end - l4 < need) return;
  const old = read16(p, l4 + at);
  write16(p, l4 + at, port);
  if (pr === IP_PROTO.SCTP) {
    writeSctpChecksum(p, l4, sctpChecksum(p, l4, end));
  } else {
    patchL4Checksum16(pkt, l4ChecksumOffset(pkt), old, port & 0xffff);
  }
  pkt.key[W.TP] =
    at === 0 ? ((pkt.key[W.TP] & 0xffff) | (port << 16)) >>> 0 : ((pkt.key[W.TP] & 0xffff0000) | (port & 0xffff)) >>> 0;
}

/** tp_src for TCP, UDP or SCTP. */
export const setTpSrc = (pkt: ParsedPacket, port: number) => setPort(pkt, 0, port & 0xffff);
/** tp_dst for TCP, UDP or SCTP. */
export const setTpDst = (pkt: ParsedPacket, port: number) => setPort(pkt, 2, port & 0xffff);

function setIcmpByte(pkt: ParsedPacket, at: number, value: number): void {
  const { l4, end } = pkt.offsets;
  const pr = proto(pkt);
  const ok = (isIpv4(pkt) && pr === IP_PROTO.ICMP) || (isIpv6(pkt) && pr === IP_PROTO.ICMPV6);
  if (!ok || isLaterFragment(pkt) || end - l4 < 4) return;
  const p = pkt.data;
  const oldWord = read16(p, l4);
  p[l4 + at] = value & 0xff;
  write16(p, l4 + 2, csumUpdate16(read16(p, l4 + 2), oldWord, read16(p, l4)));
  pkt.key[W.TP] = (p[l4] << 16) | p[l4 + 1];
}

export const setIcmpType = (pkt: ParsedPacket, type: number) => setIcmpByte(pkt, 0, type);
export const setIcmpCode = (pkt: ParsedPacket, code: number) => setIcmpByte(pkt, 1, code);

// ---- ARP ----

function arpOffset(pkt: ParsedPacket): number {
  const dl = pkt.key[W.DL_TYPE];
  if (dl !== ETH_TYPE.ARP && dl !== ETH_TYPE.RARP) return -1;
  const l3 = pkt.offsets.l3;
  const p = pkt.data;
  // Only Ethernet/IPv4 ARP is parsed (and so writable), as in extraction.
  if (
    p.length - l3 < 28 ||
    read16(p, l3) !== 1 ||
    read16(p, l3 + 2) !== ETH_TYPE.IP ||
    p[l3 + 4] !== 6 ||
    p[l3 + 5] !== 4
  )
    return -1;
  return l3;
}

export function setArpOp(pkt: ParsedPacket, op: number): void {
  const at = arpOffset(pkt);
  if (at < 0) return;
  write16(pkt.data, at + 6, op);
  pkt.key[W.NW] = op <= 0xff ? op : 0;
}

export function setArpSpa(pkt: ParsedPacket, addr: number): void {
  const at = arpOffset(pkt);
  if (at < 0) return;
  write32(pkt.data, at + 14, addr >>> 0);
  pkt.key[W.NW_SRC] = addr >>> 0;
}

export function setArpTpa(pkt: ParsedPacket, addr: number): void {
  const at = arpOffset(pkt);
  if (at < 0) return;
  write32(pkt.data, at + 24, addr >>> 0);
  pkt.key[W.NW_DST] = addr >>> 0;
}

export function setArpSha(pkt: ParsedPacket, hi: number, lo: number): void {
  const at = arpOffset(pkt);
  if (at < 0) return;
  write16(pkt.data, at + 8, hi);
  write32(pkt.data, at + 10, lo);
  pkt.key[W.ARP_SHA] = hi & 0xffff;
  pkt.key[W.ARP_SHA + 1] = lo >>> 0;
}

export function setArpTha(pkt: ParsedPacket, hi: number, lo: number): void {
  const at = arpOffset(pkt);
  if (at < 0) return;
  write16(pkt.data, at + 18, hi);
  write32(pkt.data, at + 20, lo);
  pkt.key[W.ARP_THA] = hi & 0xffff;
  pkt.key[W.ARP_THA + 1] = lo >>> 0;
}

// ---- Neighbor Discovery ----

function ndOffset(pkt: ParsedPacket): number {
  const { l4, end } = pkt.offsets;
  if (!isIpv6(pkt) || proto(pkt) !== IP_PROTO.ICMPV6 || end - l4 < 24) return -1;
  const p = pkt.data;
  if (p[l4 + 1] !== 0 || (p[l4] !== 135 && p[l4] !== 136)) return -1;
  return l4;
}

/** Rewrites bytes [at, at+n) (n even, at even relative to l4) and patches the ICMPv6 checksum. */
function writeNdBytes(pkt: ParsedPacket, at: number, bytes: Uint8Array): void {
  const p = pkt.data;
  const l4 = pkt.offsets.l4;
  let c = read16(p, l4 + 2);
  for (let i = 0; i < bytes.length; i += 2) {
    const old = read16(p, at + i);
    p[at + i] = bytes[i];
    p[at + i + 1] = bytes[i + 1];
    c = csumUpdate16(c, old, read16(p, at + i));
  }
  write16(p, l4 + 2, c);
}

export function setNdTarget(pkt: ParsedPacket, addr: Uint32Array | readonly number[]): void {
  const l4 = ndOffset(pkt);
  if (l4 < 0) return;
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 4; i++) write32(bytes, i * 4, addr[i] >>> 0);
  writeNdBytes(pkt, l4 + 8, bytes);
  for (let i = 0; i < 4; i++) pkt.key[W.ND_TARGET + i] = addr[i] >>> 0;
}

/** Rewrites the address of the first source (type 1) or target (type 2) link-layer option. */
function setNdLla(pkt: ParsedPacket, type: number, hi: number, lo: number): void {
  const l4 = ndOffset(pkt);
  if (l4 < 0) return;
  const p = pkt.data;
  const end = pkt.offsets.end;
  for (let o = l4 + 24; end - o >= 8; ) {
    const len = p[o + 1] * 8;
    if (len === 0 || len > end - o) return;
    if (p[o] === type && len === 8) {
      const bytes = new Uint8Array(6);
      write16(bytes, 0, hi);
      write32(bytes, 2, lo);
      writeNdBytes(pkt, o + 2, bytes);
      const word = type === 1 ? W.ARP_SHA : W.ARP_THA;
      pkt.key[word] = hi & 0xffff;
      pkt.key[word + 1] = lo >>> 0;
      return;
    }
    o += len;
  }
}

export const setNdSll = (pkt: ParsedPacket, hi: number, lo: number) => setNdLla(pkt, 1, hi, lo);
export const setNdTll = (pkt: ParsedPacket, hi: number, lo: number) => setNdLla(pkt, 2, hi, lo);
