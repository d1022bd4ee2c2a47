import { ETH_TYPE, hashAdd, hashFinish, IP_PROTO, NW_FRAG_ANY, NW_FRAG_LATER, W } from '@softswitch/packet';

/**
 * Open vSwitch's flow hashes for `multipath` and `bundle` (lib/flow.c flow_hash_fields and
 * flow_mask_hash_fields, lib/jhash.c, lib/multipath.c), bit for bit: the link or member they pick
 * lands in a register or decides an output that a controller or ofproto/trace sees, so the same
 * packet must give the same answer here as in ovs-vswitchd. The flow is the key's words
 * (@softswitch/packet W); OVS hashes the bytes of its struct flow, so fields are laid out in
 * memory order (network byte order, read back as little-endian words on the x86 OVS runs on).
 */

/** NX_HASH_FIELDS_* (the index into @softswitch/openflow's HASH_FIELDS). */
export const HASH = {
  ETH_SRC: 0,
  SYMMETRIC_L4: 1,
  SYMMETRIC_L3L4: 2,
  SYMMETRIC_L3L4_UDP: 3,
  NW_SRC: 4,
  NW_DST: 5,
  SYMMETRIC_L3: 6,
} as const;

/** NX_MP_ALG_* (the index into MULTIPATH_ALGORITHMS). */
export const MP_ALG = { MODULO_N: 0, HASH_THRESHOLD: 1, HRW: 2, ITER_HASH: 3 } as const;

const FRAG_MASK = NW_FRAG_ANY | NW_FRAG_LATER;

const rot = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** The little-endian word at byte `i` of the first `n` bytes of `b` (zeros past `n`). */
function le32(b: Uint8Array, n: number, i: number): number {
  return (
    (i < n ? b[i] : 0) |
    ((i + 1 < n ? b[i + 1] : 0) << 8) |
    ((i + 2 < n ? b[i + 2] : 0) << 16) |
    ((i + 3 < n ? b[i + 3] : 0) << 24)
  );
}

/** Bob Jenkins' lookup3 over `n` bytes of `b`, as OVS's jhash_bytes (unsigned result). */
export function jhashBytes(b: Uint8Array, n: number, basis: number): number {
  let a = (0xdeadbeef + n + basis) | 0;
  let bb = a;
  let c = a;
  let p = 0;
  let rem = n;
  while (rem >= 12) {
    a = (a + le32(b, n, p)) | 0;
    bb = (bb + le32(b, n, p + 4)) | 0;
    c = (c + le32(b, n, p + 8)) | 0;
    // jhash_mix
    a = (a - c) | 0;
    a ^= rot(c, 4);
    c = (c + bb) | 0;
    bb = (bb - a) | 0;
    bb ^= rot(a, 6);
    a = (a + c) | 0;
    c = (c - bb) | 0;
    c ^= rot(bb, 8);
    bb = (bb + a) | 0;
    a = (a - c) | 0;
    a ^= rot(c, 16);
    c = (c + bb) | 0;
    bb = (bb - a) | 0;
    bb ^= rot(a, 19);
    a = (a + c) | 0;
    c = (c - bb) | 0;
    c ^= rot(bb, 4);
    bb = (bb + a) | 0;
    rem -= 12;
    p += 12;
  }
  if (rem > 0) {
    a = (a + le32(b, n, p)) | 0;
    bb = (bb + le32(b, n, p + 4)) | 0;
    c = (c + le32(b, n, p + 8)) | 0;
    // jhash_final
    c ^= bb;
    c = (c - rot(bb, 14)) | 0;
    a ^= c;
    a = (a - rot(c, 11)) | 0;
    bb ^= a;
    bb = (bb - rot(a, 25)) | 0;
    c ^= bb;
    c = (c - rot(bb, 16)) | 0;
    a ^= c;
    a = (a - rot(c, 4)) | 0;
    bb ^= a;
    bb = (bb - rot(a, 14)) | 0;
    c ^= bb;
    c = (c - rot(bb, 24)) | 0;
  }
  return c >>> 0;
}

/** OVS's hash_2words. */
export function hash2Words(x: number, y: number): number {
  return hashFinish(hashAdd(hashAdd(x, 0), y), 8);
}

const bswap32 = (x: number): number =>
  (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
const bswap16 = (x: number): number => ((x & 0xff) << 8) | ((x >>> 8) & 0xff);

/** Scratch for the structs OVS hashes (at most 32 bytes). */
const bytes = new Uint8Array(32);

function putBe32(at: number, v: number): void {
  bytes[at] = v >>> 24;
  bytes[at + 1] = (v >>> 16) & 0xff;
  bytes[at + 2] = (v >>> 8) & 0xff;
  bytes[at + 3] = v & 0xff;
}

function putBe16(at: number, v: number): void {
  bytes[at] = (v >>> 8) & 0xff;
  bytes[at + 1] = v & 0xff;
}

/** A MAC as stored in the key (two words: the top 16 bits, then the low 32) XORed with another, in wire order. */
function putMacXor(at: number, f: Uint32Array, w1: number, w2: number | undefined): void {
  const hi = (f[w1] ^ (w2 === undefined ? 0 : f[w2])) & 0xffff;
  const lo = (f[w1 + 1] ^ (w2 === undefined ? 0 : f[w2 + 1])) >>> 0;
  putBe16(at, hi);
  putBe32(at + 2, lo);
}

/** The IPv4 or IPv6 addresses XORed (16 bytes, the IPv4 address in the first four). */
function putAddrXor(at: number, f: Uint32Array, dlType: number): void {
  bytes.fill(0, at, at + 16);
  if (dlType === ETH_TYPE.IP) putBe32(at, (f[W.NW_SRC] ^ f[W.NW_DST]) >>> 0);
  else if (dlType === ETH_TYPE.IPV6)
    for (let i = 0; i < 4; i++) putBe32(at + 4 * i, (f[W.IPV6_SRC + i] ^ f[W.IPV6_DST + i]) >>> 0);
}

/** The VIDs of both VLAN headers XORed (OVS's vlans[i].tci & VLAN_VID_MASK). */
const vidXor = (f: Uint32Array): number => (f[W.VLAN0] ^ f[W.VLAN1]) & 0xfff;
const proto = (f: Uint32Array): number => f[W.NW] & 0xff;
const frag = (f: Uint32Array): number => (f[W.NW] >>> 24) & FRAG_MASK;
const tpXor = (f: Uint32Array): number => ((f[W.TP] >>> 16) ^ f[W.TP]) & 0xffff;
const isIpAny = (dlType: number): boolean => dlType === ETH_TYPE.IP || dlType === ETH_TYPE.IPV6;

function symmetricL4(f: Uint32Array, basis: number): number {
  bytes.fill(0);
  const dlType = f[W.DL_TYPE];
  putAddrXor(0, f, dlType);
  putBe16(16, dlType);
  putBe16(18, vidXor(f));
  if (isIpAny(dlType)) {
    const p = proto(f);
    bytes[28] = p;
    if (p === IP_PROTO.TCP || p === IP_PROTO.SCTP) putBe16(20, tpXor(f));
  }
  putMacXor(22, f, W.DL_SRC, W.DL_DST);
  return jhashBytes(bytes, 32, basis);
}

function symmetricL2(f: Uint32Array, basis: number): number {
  bytes.fill(0, 0, 12);
  putBe16(0, f[W.DL_TYPE]);
  putBe16(2, vidXor(f));
  putMacXor(4, f, W.DL_SRC, W.DL_DST);
  let h = basis;
  for (let i = 0; i < 12; i += 4) h = hashAdd(h, le32(bytes, 12, i));
  return hashFinish(h, basis);
}

function symmetricL3L4(f: Uint32Array, basis: number, udpToo: boolean): number {
  const dlType = f[W.DL_TYPE];
  let h = basis;
  if (dlType === ETH_TYPE.IP) h = hashAdd(h, bswap32((f[W.NW_SRC] ^ f[W.NW_DST]) >>> 0));
  else if (dlType === ETH_TYPE.IPV6) {
    // hash_add64 of each 8 bytes: the low (first in memory) half, then the high.
    for (let i = 0; i < 4; i++) h = hashAdd(h, bswap32((f[W.IPV6_SRC + i] ^ f[W.IPV6_DST + i]) >>> 0));
  } else return symmetricL2(f, basis);
  const p = proto(f);
  h = hashAdd(h, p);
  if (!frag(f) && (p === IP_PROTO.TCP || p === IP_PROTO.SCTP || (udpToo && p === IP_PROTO.UDP)))
    h = hashAdd(h, bswap16(tpXor(f)));
  return hashFinish(h, basis);
}

function symmetricL3(f: Uint32Array, basis: number): number {
  const dlType = f[W.DL_TYPE];
  putAddrXor(0, f, dlType);
  putBe16(16, dlType);
  bytes[18] = bytes[19] = 0;
  return jhashBytes(bytes, 20, basis);
}

function oneAddress(f: Uint32Array, v4: number, v6: number, basis: number): number {
  const dlType = f[W.DL_TYPE];
  if (dlType === ETH_TYPE.IP) {
    putBe32(0, f[v4]);
    return jhashBytes(bytes, 4, basis);
  }
  if (dlType === ETH_TYPE.IPV6) {
    for (let i = 0; i < 4; i++) putBe32(4 * i, f[v6 + i]);
    return jhashBytes(bytes, 16, basis);
  }
  return basis;
}

/** OVS's flow_hash_fields: the hash of the fields `fields` names (HASH), `basis` 16 bits. */
export function flowHashFields(f: Uint32Array, fields: number, basis: number): number {
  switch (fields) {
    case HASH.ETH_SRC:
      putMacXor(0, f, W.DL_SRC, undefined);
      return jhashBytes(bytes, 6, basis);
    case HASH.SYMMETRIC_L4:
      return symmetricL4(f, basis);
    case HASH.SYMMETRIC_L3L4:
      return symmetricL3L4(f, basis, false);
    case HASH.SYMMETRIC_L3L4_UDP:
      return symmetricL3L4(f, basis, true);
    case HASH.NW_SRC:
      return oneAddress(f, W.NW_SRC, W.IPV6_SRC, basis);
    case HASH.NW_DST:
      return oneAddress(f, W.NW_DST, W.IPV6_DST, basis);
    case HASH.SYMMETRIC_L3:
      return symmetricL3(f, basis);
    default:
      throw new RangeError(`unknown hash fields ${fields}`);
  }
}

function maskAddresses(f: Uint32Array, wc: Uint32Array, src: boolean, dst: boolean): void {
  const dlType = f[W.DL_TYPE];
  if (dlType === ETH_TYPE.IP) {
    if (src) wc[W.NW_SRC] = 0xffffffff;
    if (dst) wc[W.NW_DST] = 0xffffffff;
  } else if (dlType === ETH_TYPE.IPV6) {
    if (src) wc.fill(0xffffffff, W.IPV6_SRC, W.IPV6_SRC + 4);
    if (dst) wc.fill(0xffffffff, W.IPV6_DST, W.IPV6_DST + 4);
  }
}

/** OVS's flow_unwildcard_tp_ports: both ports, or for ICMP their low bytes (type and code). */
function unwildcardTpPorts(f: Uint32Array, wc: Uint32Array): void {
  wc[W.TP] = (wc[W.TP] | (proto(f) === IP_PROTO.ICMP ? 0x00ff00ff : 0xffffffff)) >>> 0;
}

/** OVS's flow_mask_hash_fields: un-wildcards what flowHashFields read for this flow. */
export function maskHashFields(f: Uint32Array, wc: Uint32Array, fields: number): void {
  const dlType = f[W.DL_TYPE];
  switch (fields) {
    case HASH.ETH_SRC:
      wc[W.DL_SRC] |= 0xffff;
      wc[W.DL_SRC + 1] = 0xffffffff;
      return;
    case HASH.SYMMETRIC_L4:
      wc[W.DL_SRC] |= 0xffff;
      wc[W.DL_SRC + 1] = 0xffffffff;
      wc[W.DL_DST] |= 0xffff;
      wc[W.DL_DST + 1] = 0xffffffff;
      maskAddresses(f, wc, true, true);
      if (isIpAny(dlType)) {
        wc[W.NW] |= 0xff;
        if (proto(f) !== IP_PROTO.UDP) unwildcardTpPorts(f, wc);
      }
      wc[W.VLAN0] |= 0x1fff;
      wc[W.VLAN1] |= 0x1fff;
      return;
    case HASH.SYMMETRIC_L3L4_UDP:
    case HASH.SYMMETRIC_L3L4: {
      const p = proto(f);
      if (fields === HASH.SYMMETRIC_L3L4_UDP && isIpAny(dlType) && p === IP_PROTO.UDP && !frag(f))
        wc[W.TP] = 0xffffffff;
      if (!isIpAny(dlType)) return;
      maskAddresses(f, wc, true, true);
      wc[W.NW] |= 0xff;
      if ((p === IP_PROTO.TCP || p === IP_PROTO.SCTP) && !frag(f)) wc[W.TP] = 0xffffffff;
      return;
    }
    case HASH.NW_SRC:
      maskAddresses(f, wc, true, false);
      return;
    case HASH.NW_DST:
      maskAddresses(f, wc, false, true);
      return;
    case HASH.SYMMETRIC_L3:
      maskAddresses(f, wc, true, true);
      return;
  }
}

function roundUpPow2(x: number): number {
  let n = 1;
  while (n < x) n *= 2;
  return n;
}

function iterHash(hash: number, nLinks: number, modulo: number): number {
  const m = modulo < nLinks || Math.floor(modulo / 2) > nLinks ? roundUpPow2(nLinks) : modulo;
  for (let i = 0; ; i++) {
    const link = hash2Words(hash, i) % m;
    if (link < nLinks) return link;
  }
}

/** OVS's multipath_algorithm: the link (0..nLinks-1) for a flow hash. */
export function multipathLink(hash: number, algorithm: number, nLinks: number, arg: number): number {
  switch (algorithm) {
    case MP_ALG.MODULO_N:
      return hash % nLinks;
    case MP_ALG.HASH_THRESHOLD:
      return nLinks === 1 ? 0 : Math.floor(hash / (Math.floor(0xffffffff / nLinks) + 1));
    case MP_ALG.HRW: {
      if (nLinks > 64) return iterHash(hash, nLinks, 0);
      let best = 0;
      let bestWeight = hash2Words(hash, 0);
      for (let link = 1; link < nLinks; link++) {
        const w = hash2Words(hash, link);
        if (w > bestWeight) {
          best = link;
          bestWeight = w;
        }
      }
      return best;
    }
    case MP_ALG.ITER_HASH:
      return iterHash(hash, nLinks, arg);
    default:
      throw new RangeError(`unknown multipath algorithm ${algorithm}`);
  }
}
