/**
 * A megaflow as a Linux `cls_u32` match: 32-bit value/mask keys at offsets from the network
 * header (negative offsets reach the Ethernet header, as u32 allows at ingress), or the reason
 * it cannot be one. Only what u32 checks exactly is accepted:
 *
 * - Ethernet addresses and type; no VLAN tag may be required (a VLAN-tagged packet reaches tc
 *   with its tag lifted into metadata u32 cannot see, so a guard filter in front of ours lets
 *   every tagged packet through to software, and "no tag" is what the guard guarantees);
 * - IPv4 addresses, tos, ttl, proto, "not a fragment"/"first fragment", and transport ports /
 *   ICMP type and code / TCP flags with a 20-byte IPv4 header (IHL=5 is added to the match, so
 *   packets with options stay in software);
 * - IPv6 addresses, traffic class, label, hop limit, and next header + transport fields when the
 *   next header is the transport (packets with extension headers stay in software);
 * - ARP op, addresses and hardware addresses;
 * - metadata words (registers, tunnel, conntrack, marks) only when they must be zero, which a
 *   received packet's always are.
 *
 * `matchFrame` runs the same keys over a frame as the kernel would (plus the VLAN guard), so
 * software knows exactly which packets the kernel forwarded.
 */
import { FIRST_PACKET_WORD, W } from '@softswitch/packet';

/** Bytes of the pattern: from the Ethernet header (-14) to the end of a TCP header after IPv6. */
const FIRST = -16;
const LAST = 64;
const SPAN = LAST - FIRST;

export interface U32Match {
  /** Offsets from the network header, multiples of 4. */
  readonly offsets: Int32Array;
  readonly values: Uint32Array;
  readonly masks: Uint32Array;
}

export type U32Result =
  | { readonly ok: true; readonly match: U32Match }
  | { readonly ok: false; readonly detail: string };

class Pattern {
  readonly value = new Uint8Array(SPAN);
  readonly mask = new Uint8Array(SPAN);

  /** Puts the low `bytes` bytes of `v`/`m` (big-endian) at network offset `off`. */
  put(off: number, bytes: number, v: number, m: number): void {
    for (let i = 0; i < bytes; i++) {
      const shift = 8 * (bytes - 1 - i);
      const mb = (m >>> shift) & 0xff;
      if (mb === 0) continue;
      const at = off + i - FIRST;
      this.mask[at] |= mb;
      this.value[at] = (this.value[at] & ~mb) | ((v >>> shift) & mb);
    }
  }

  toMatch(): U32Match {
    const offsets: number[] = [];
    const values: number[] = [];
    const masks: number[] = [];
    for (let at = 0; at < SPAN; at += 4) {
      let m = 0;
      let v = 0;
      for (let i = 0; i < 4; i++) {
        m = (m << 8) | this.mask[at + i];
        v = (v << 8) | (this.value[at + i] & this.mask[at + i]);
      }
      if (m === 0) continue;
      offsets.push(at + FIRST);
      values.push(v >>> 0);
      masks.push(m >>> 0);
    }
    if (offsets.length === 0) return { offsets: Int32Array.of(0), values: Uint32Array.of(0), masks: Uint32Array.of(0) };
    return { offsets: Int32Array.from(offsets), values: Uint32Array.from(values), masks: Uint32Array.from(masks) };
  }
}

const fail = (detail: string): U32Result => ({ ok: false, detail });

/** Words the pattern places (everything else must be unmasked or required zero). */
const HANDLED = new Set<number>([
  W.IN_PORT,
  W.DL_DST,
  W.DL_DST + 1,
  W.DL_SRC,
  W.DL_SRC + 1,
  W.DL_TYPE,
  W.VLAN0,
  W.VLAN1,
  W.NW_SRC,
  W.NW_DST,
  W.IPV6_SRC,
  W.IPV6_SRC + 1,
  W.IPV6_SRC + 2,
  W.IPV6_SRC + 3,
  W.IPV6_DST,
  W.IPV6_DST + 1,
  W.IPV6_DST + 2,
  W.IPV6_DST + 3,
  W.IPV6_LABEL,
  W.NW,
  W.ARP_SHA,
  W.ARP_SHA + 1,
  W.ARP_THA,
  W.ARP_THA + 1,
  W.TP,
  W.TCP_FLAGS,
]);

/** The u32 match for megaflow `key` (masked) / `mask`, or why there is none. */
export function megaflowToU32(key: Uint32Array, mask: Uint32Array): U32Result {
  const k = (w: number) => (key[w] & mask[w]) >>> 0;
  for (let w = 0; w < key.length; w++) {
    if (HANDLED.has(w) || mask[w] === 0) continue;
    // Metadata (and packet fields we do not place) may only be required zero: received packets' are.
    if (w < FIRST_PACKET_WORD && k(w) === 0) continue;
    return fail(`key word ${w}`);
  }
  if (k(W.VLAN0) !== 0 || k(W.VLAN1) !== 0) return fail('VLAN tag required');
  const p = new Pattern();
  p.put(-14, 2, key[W.DL_DST], mask[W.DL_DST]);
  p.put(-12, 4, key[W.DL_DST + 1], mask[W.DL_DST + 1]);
  p.put(-8, 2, key[W.DL_SRC], mask[W.DL_SRC]);
  p.put(-6, 4, key[W.DL_SRC + 1], mask[W.DL_SRC + 1]);
  const typeMasked = mask[W.DL_TYPE] & 0xffff;
  if (typeMasked !== 0 && typeMasked !== 0xffff) return fail('partial dl_type mask');
  const dlType = typeMasked === 0 ? -1 : key[W.DL_TYPE] & 0xffff;
  if (dlType >= 0 && dlType < 0x0600) return fail('802.3 frame type');
  p.put(-2, 2, key[W.DL_TYPE], mask[W.DL_TYPE]);
  const l3Words = [W.NW_SRC, W.NW_DST, W.NW, W.TP, W.TCP_FLAGS, W.IPV6_LABEL, W.ARP_SHA, W.ARP_SHA + 1];
  const l3Masked =
    l3Words.some((w) => mask[w] !== 0) ||
    [0, 1, 2, 3].some((i) => mask[W.IPV6_SRC + i] !== 0 || mask[W.IPV6_DST + i] !== 0) ||
    mask[W.ARP_THA] !== 0 ||
    mask[W.ARP_THA + 1] !== 0;
  if (!l3Masked) return { ok: true, match: p.toMatch() };
  if (dlType === 0x0800) return ipv4(key, mask, p);
  if (dlType === 0x86dd) return ipv6(key, mask, p);
  if (dlType === 0x0806) return arp(key, mask, p);
  return fail('network fields without an IPv4/IPv6/ARP type');
}

function frag(nwMask: number, nwKey: number, p: Pattern, fragOff: number, v6: boolean): U32Result | undefined {
  const m = (nwMask >>> 24) & 0x3;
  const v = (nwKey >>> 24) & 0x3;
  if (m === 0) return undefined;
  if (v6) return fail('IPv6 fragment match'); // the fragment header position varies
  if (m & 2 && v & 2) return fail('later fragment');
  if (m === 1 && v === 1) return fail('any fragment');
  // frag=no: MF clear and offset 0; frag=first: MF set and offset 0.
  p.put(fragOff, 2, v & 1 ? 0x2000 : 0, 0x3fff);
  return undefined;
}

function transport(key: Uint32Array, mask: Uint32Array, p: Pattern, at: number, proto: number): U32Result | undefined {
  const tpMask = mask[W.TP];
  const flagsMask = mask[W.TCP_FLAGS] & 0xfff;
  if (tpMask === 0 && flagsMask === 0) return undefined;
  if ((mask[W.NW] & 0xff) !== 0xff) return fail('transport fields without nw_proto');
  if (proto === 6 || proto === 17 || proto === 132) {
    p.put(at, 4, key[W.TP], tpMask);
    if (flagsMask !== 0) {
      if (proto !== 6) return fail('tcp_flags on a non-TCP flow');
      p.put(at + 12, 2, key[W.TCP_FLAGS], flagsMask);
    }
    return undefined;
  }
  if (proto === 1 || proto === 58) {
    if (flagsMask !== 0) return fail('tcp_flags on ICMP');
    // The key holds type and code in 16 bits each; the header has a byte each.
    if ((key[W.TP] & tpMask & 0xff00ff00) !== 0) return fail('ICMP value beyond a byte');
    p.put(at, 1, key[W.TP] >>> 16, tpMask >>> 16);
    p.put(at + 1, 1, key[W.TP], tpMask);
    return undefined;
  }
  return fail(`transport fields of protocol ${proto}`);
}

function ipv4(key: Uint32Array, mask: Uint32Array, p: Pattern): U32Result {
  if (mask[W.IPV6_LABEL] !== 0 || mask[W.ARP_SHA] || mask[W.ARP_SHA + 1] || mask[W.ARP_THA] || mask[W.ARP_THA + 1])
    return fail('non-IPv4 fields');
  for (let i = 0; i < 4; i++) if (mask[W.IPV6_SRC + i] || mask[W.IPV6_DST + i]) return fail('IPv6 fields');
  const nwM = mask[W.NW];
  const nwK = key[W.NW];
  p.put(1, 1, nwK >>> 16, nwM >>> 16); // tos
  p.put(8, 1, nwK >>> 8, nwM >>> 8); // ttl
  p.put(9, 1, nwK, nwM); // proto
  p.put(12, 4, key[W.NW_SRC], mask[W.NW_SRC]);
  p.put(16, 4, key[W.NW_DST], mask[W.NW_DST]);
  const f = frag(nwM, nwK, p, 6, false);
  if (f) return f;
  if (mask[W.TP] !== 0 || (mask[W.TCP_FLAGS] & 0xfff) !== 0) {
    p.put(0, 1, 0x45, 0xff); // version 4, a 20-byte header: transport at +20
    // Only a packet with offset 0 has a transport header (a later fragment's key has none).
    p.put(6, 2, 0, 0x1fff);
    const t = transport(key, mask, p, 20, nwK & 0xff);
    if (t) return t;
  }
  return { ok: true, match: p.toMatch() };
}

function ipv6(key: Uint32Array, mask: Uint32Array, p: Pattern): U32Result {
  if (
    mask[W.NW_SRC] ||
    mask[W.NW_DST] ||
    mask[W.ARP_SHA] ||
    mask[W.ARP_SHA + 1] ||
    mask[W.ARP_THA] ||
    mask[W.ARP_THA + 1]
  )
    return fail('non-IPv6 fields');
  const nwM = mask[W.NW];
  const nwK = key[W.NW];
  // First word: version(4) tclass(8) label(20).
  const tcM = (nwM >>> 16) & 0xff;
  p.put(
    0,
    4,
    (((nwK >>> 16) & 0xff) << 20) | (key[W.IPV6_LABEL] & 0xfffff),
    (tcM << 20) | (mask[W.IPV6_LABEL] & 0xfffff),
  );
  p.put(6, 1, nwK, nwM); // next header (the transport when no extension header)
  p.put(7, 1, nwK >>> 8, nwM >>> 8); // hop limit
  for (let i = 0; i < 4; i++) {
    p.put(8 + 4 * i, 4, key[W.IPV6_SRC + i], mask[W.IPV6_SRC + i]);
    p.put(24 + 4 * i, 4, key[W.IPV6_DST + i], mask[W.IPV6_DST + i]);
  }
  const f = frag(nwM, nwK, p, 0, true);
  if (f) return f;
  const t = transport(key, mask, p, 40, nwK & 0xff);
  if (t) return t;
  return { ok: true, match: p.toMatch() };
}

function arp(key: Uint32Array, mask: Uint32Array, p: Pattern): U32Result {
  if (mask[W.TP] || mask[W.TCP_FLAGS] || mask[W.IPV6_LABEL]) return fail('non-ARP fields');
  for (let i = 0; i < 4; i++) if (mask[W.IPV6_SRC + i] || mask[W.IPV6_DST + i]) return fail('IPv6 fields');
  if ((mask[W.NW] & 0xffffff00) !== 0) return fail('IP fields on ARP');
  // Ethernet/IPv4 ARP only: hardware type 1, protocol 0x0800, lengths 6 and 4, as the key assumes.
  p.put(0, 4, 0x00010800, 0xffffffff);
  p.put(4, 2, 0x0604, 0xffff);
  p.put(6, 2, key[W.NW] & 0xff, mask[W.NW] & 0xff); // op (the key keeps its low byte)
  if ((mask[W.NW] & 0xff) !== 0) p.put(6, 1, 0, 0xff);
  p.put(8, 2, key[W.ARP_SHA], mask[W.ARP_SHA]);
  p.put(10, 4, key[W.ARP_SHA + 1], mask[W.ARP_SHA + 1]);
  p.put(14, 4, key[W.NW_SRC], mask[W.NW_SRC]);
  p.put(18, 2, key[W.ARP_THA], mask[W.ARP_THA]);
  p.put(20, 4, key[W.ARP_THA + 1], mask[W.ARP_THA + 1]);
  p.put(24, 4, key[W.NW_DST], mask[W.NW_DST]);
  return { ok: true, match: p.toMatch() };
}

/**
 * Whether the kernel's guard + u32 keys match `frame` (a received Ethernet frame with any
 * VLAN tag in place): tagged frames never do; keys read at 14 + offset.
 */
export function matchFrame(m: U32Match, frame: Uint8Array): boolean {
  if (frame.length < 14) return false;
  const type = (frame[12] << 8) | frame[13];
  if (type === 0x8100 || type === 0x88a8) return false;
  const { offsets, values, masks } = m;
  for (let i = 0; i < offsets.length; i++) {
    const mk = masks[i];
    if (mk === 0) continue;
    const at = 14 + offsets[i];
    if (at < 0 || at + 4 > frame.length) {
      // Bytes before the Ethernet header (headroom) are never under a non-zero mask; past the
      // end, skb_header_pointer fails and u32 does not match.
      if (at < 0 && at + 4 > 0) {
        let v = 0;
        for (let b = 0; b < 4; b++) v = (v << 8) | (at + b >= 0 ? frame[at + b] : 0);
        if (((v >>> 0) & mk) >>> 0 !== values[i]) return false;
        continue;
      }
      return false;
    }
    const v = ((frame[at] << 24) | (frame[at + 1] << 16) | (frame[at + 2] << 8) | frame[at + 3]) >>> 0;
    if ((v & mk) >>> 0 !== values[i]) return false;
  }
  return true;
}

/** The `tc filter ... u32` words for a match: `match u32 0xVALUE 0xMASK at OFF` per key. */
export function u32Args(m: U32Match): string[] {
  const args: string[] = [];
  for (let i = 0; i < m.offsets.length; i++)
    args.push(
      'match',
      'u32',
      `0x${m.values[i].toString(16)}`,
      `0x${m.masks[i].toString(16)}`,
      'at',
      String(m.offsets[i]),
    );
  return args;
}
