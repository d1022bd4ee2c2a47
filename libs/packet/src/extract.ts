import {
  ETH_TYPE,
  IP_PROTO,
  MAX_MPLS_LABELS,
  MAX_VLAN_HEADERS,
  NW_FRAG_ANY,
  NW_FRAG_LATER,
  VLAN_CFI,
  W,
} from './flow-key.js';

/**
 * Where each layer starts in the frame just parsed (-1: not reached), for the action writers.
 * One instance is reused for every packet; copy the numbers out if they must outlive the next
 * call.
 */
export class HeaderOffsets {
  /** Ethernet header (always 0 for Ethernet frames). */
  l2 = 0;
  /** First MPLS label stack entry. */
  l2_5 = -1;
  /** Network header (after VLAN tags / LLC-SNAP / MPLS). */
  l3 = -1;
  /** Transport header (after IPv6 extension headers); set only when the IP header is valid. */
  l4 = -1;
  /** Offset of the ethertype that follows the VLAN tags kept in the key. */
  ethType = 12;
  /** VLAN tags parsed into the key. */
  vlans = 0;
  /** Bytes of Ethernet padding after the IP packet (IP total / payload length). */
  l2Pad = 0;
  /** End of the IP packet (frame length minus padding). */
  end = 0;
}

const scratchOffsets = new HeaderOffsets();

let vlanLimit = 1;

/**
 * How many VLAN headers the parser puts in the key (1 or 2). Open vSwitch's default
 * `other_config:vlan-limit` is 1: a second tag is left as the frame's ethertype.
 */
export function setVlanLimit(limit: number): void {
  vlanLimit = Math.max(0, Math.min(MAX_VLAN_HEADERS, limit | 0));
}

export function getVlanLimit(): number {
  return vlanLimit;
}

/**
 * Parses an Ethernet frame into `key` (every word rewritten; `in_port` set to `inPort`) and
 * records header offsets in `offsets`, which it returns. Mirrors Open vSwitch 3.1's
 * `miniflow_extract`: malformed or truncated frames never throw, they yield what could be
 * parsed (e.g. an IPv4 header that fails the sanity checks leaves every nw_* field zero, a
 * truncated TCP header leaves tp_* zero). No allocation.
 */
export function extractFlow(
  p: Uint8Array,
  inPort: number,
  key: Uint32Array,
  offsets: HeaderOffsets = scratchOffsets,
): HeaderOffsets {
  key.fill(0);
  key[W.IN_PORT] = inPort >>> 0;
  const len = p.length;
  offsets.l2_5 = -1;
  offsets.l3 = -1;
  offsets.l4 = -1;
  offsets.ethType = 12;
  offsets.vlans = 0;
  offsets.l2Pad = 0;
  offsets.end = len;
  if (len < 14) return offsets;

  key[W.DL_DST] = (p[0] << 8) | p[1];
  key[W.DL_DST + 1] = ((p[2] << 24) | (p[3] << 16) | (p[4] << 8) | p[5]) >>> 0;
  key[W.DL_SRC] = (p[6] << 8) | p[7];
  key[W.DL_SRC + 1] = ((p[8] << 24) | (p[9] << 16) | (p[10] << 8) | p[11]) >>> 0;

  let o = 12;
  let type = (p[12] << 8) | p[13];
  let n = 0;
  while ((type === ETH_TYPE.VLAN || type === ETH_TYPE.VLAN_8021AD) && n < vlanLimit) {
    if (len - o < 6) break;
    key[W.VLAN0 + n] = ((type << 16) | (p[o + 2] << 8) | p[o + 3] | VLAN_CFI) >>> 0;
    o += 4;
    n++;
    type = (p[o] << 8) | p[o + 1];
  }
  offsets.vlans = n;
  offsets.ethType = o;
  o += 2;
  if (type < ETH_TYPE.MIN) {
    // 802.3 length field: only LLC/SNAP with Ethernet's OUI carries an ethertype.
    if (isLlcSnap(p, o, len)) {
      const snapType = (p[o + 6] << 8) | p[o + 7];
      o += 8;
      type = snapType >= ETH_TYPE.MIN ? snapType : ETH_TYPE.NONE;
    } else {
      type = ETH_TYPE.NONE;
    }
  }
  key[W.DL_TYPE] = type;

  if (type === ETH_TYPE.MPLS || type === ETH_TYPE.MPLS_MCAST) {
    offsets.l2_5 = o;
    let count = 0;
    while (len - o >= 4) {
      const lse = ((p[o] << 24) | (p[o + 1] << 16) | (p[o + 2] << 8) | p[o + 3]) >>> 0;
      if (count < MAX_MPLS_LABELS) key[W.MPLS0 + count] = lse;
      count++;
      o += 4;
      if (lse & 0x100) break;
    }
    offsets.l3 = o;
    return offsets;
  }

  offsets.l3 = o;
  let nwFrag = 0;
  let nwTos = 0;
  let nwTtl = 0;
  let nwProto = 0;
  let end = len;
  if (type === ETH_TYPE.IP) {
    const rem = len - o;
    if (rem < 20) return offsets;
    const ihl = (p[o] & 0x0f) << 2;
    if (ihl < 20 || rem < ihl) return offsets;
    const tot = (p[o + 2] << 8) | p[o + 3];
    if (tot > rem || ihl > tot || rem - tot > 0xffff) return offsets;
    end = o + tot;
    offsets.l2Pad = rem - tot;
    offsets.end = end;
    key[W.NW_SRC] = ((p[o + 12] << 24) | (p[o + 13] << 16) | (p[o + 14] << 8) | p[o + 15]) >>> 0;
    key[W.NW_DST] = ((p[o + 16] << 24) | (p[o + 17] << 16) | (p[o + 18] << 8) | p[o + 19]) >>> 0;
    nwTos = p[o + 1];
    nwTtl = p[o + 8];
    nwProto = p[o + 9];
    const frag = ((p[o + 6] << 8) | p[o + 7]) & 0x3fff;
    if (frag !== 0) nwFrag = frag & 0x1fff ? NW_FRAG_ANY | NW_FRAG_LATER : NW_FRAG_ANY;
    o += ihl;
  } else if (type === ETH_TYPE.IPV6) {
    const rem = len - o;
    if (rem < 40) return offsets;
    const plen = (p[o + 4] << 8) | p[o + 5];
    if (plen + 40 > rem || rem - (plen + 40) > 0xffff) return offsets;
    for (let i = 0; i < 8; i++) {
      const b = o + 8 + i * 4;
      key[W.IPV6_SRC + i] = ((p[b] << 24) | (p[b + 1] << 16) | (p[b + 2] << 8) | p[b + 3]) >>> 0;
    }
    const tcFlow = ((p[o] << 24) | (p[o + 1] << 16) | (p[o + 2] << 8) | p[o + 3]) >>> 0;
    nwTos = (tcFlow >>> 20) & 0xff;
    nwTtl = p[o + 7];
    nwProto = p[o + 6];
    offsets.l2Pad = rem - 40 - plen;
    o += 40;
    end = o + plen;
    offsets.end = end;
    // Extension headers (parse_ipv6_ext_hdrs__): a truncated chain stops here with only the
    // addresses in the key.
    for (;;) {
      if (
        nwProto !== IP_PROTO.HOPOPTS &&
        nwProto !== IP_PROTO.ROUTING &&
        nwProto !== IP_PROTO.DSTOPTS &&
        nwProto !== IP_PROTO.AH &&
        nwProto !== IP_PROTO.FRAGMENT
      )
        break;
      if (end - o < 8) return offsets;
      if (nwProto === IP_PROTO.FRAGMENT) {
        nwProto = p[o];
        const offlg = (p[o + 2] << 8) | p[o + 3];
        o += 8;
        if (offlg !== 0) {
          nwFrag = NW_FRAG_ANY;
          if (offlg & 0xfff8) {
            nwFrag |= NW_FRAG_LATER;
            nwProto = IP_PROTO.FRAGMENT;
            break;
          }
        }
      } else {
        const hlen = nwProto === IP_PROTO.AH ? (p[o + 1] + 2) * 4 : (p[o + 1] + 1) * 8;
        nwProto = p[o];
        if (end - o < hlen) return offsets;
        o += hlen;
      }
    }
    key[W.IPV6_LABEL] = tcFlow & 0xfffff;
  } else {
    if (type === ETH_TYPE.ARP || type === ETH_TYPE.RARP) extractArp(p, o, len, key);
    return offsets;
  }

  offsets.l4 = o;
  key[W.NW] = ((nwFrag << 24) | (nwTos << 16) | (nwTtl << 8) | nwProto) >>> 0;
  if (nwFrag & NW_FRAG_LATER) return offsets;
  const size = end - o;
  if (nwProto === IP_PROTO.TCP) {
    if (size >= 20) {
      const hl = (p[o + 12] >> 4) << 2;
      if (hl >= 20 && size >= hl) {
        key[W.TCP_FLAGS] = ((p[o + 12] & 0x0f) << 8) | p[o + 13];
        key[W.TP] = ((p[o] << 24) | (p[o + 1] << 16) | (p[o + 2] << 8) | p[o + 3]) >>> 0;
      }
    }
  } else if (nwProto === IP_PROTO.UDP) {
    if (size >= 8) key[W.TP] = ((p[o] << 24) | (p[o + 1] << 16) | (p[o + 2] << 8) | p[o + 3]) >>> 0;
  } else if (nwProto === IP_PROTO.SCTP) {
    if (size >= 12) key[W.TP] = ((p[o] << 24) | (p[o + 1] << 16) | (p[o + 2] << 8) | p[o + 3]) >>> 0;
  } else if (nwProto === IP_PROTO.ICMP) {
    if (size >= 8) key[W.TP] = ((p[o] << 16) | p[o + 1]) >>> 0;
  } else if (nwProto === IP_PROTO.IGMP) {
    if (size >= 8) {
      key[W.TP] = ((p[o] << 16) | p[o + 1]) >>> 0;
      key[W.ND_RESERVED] = ((p[o + 4] << 24) | (p[o + 5] << 16) | (p[o + 6] << 8) | p[o + 7]) >>> 0;
    }
  } else if (nwProto === IP_PROTO.ICMPV6) {
    if (size >= 8) {
      key[W.TP] = ((p[o] << 16) | p[o + 1]) >>> 0;
      if (p[o + 1] === 0 && (p[o] === 135 || p[o] === 136)) extractNd(p, o, end, key);
    }
  }
  return offsets;
}

/** Whether an 802.3 frame's payload at `o` is an LLC/SNAP header with Ethernet's OUI. */
function isLlcSnap(p: Uint8Array, o: number, len: number): boolean {
  return (
    len - o >= 8 &&
    p[o] === 0xaa &&
    p[o + 1] === 0xaa &&
    p[o + 2] === 0x03 &&
    p[o + 3] === 0 &&
    p[o + 4] === 0 &&
    p[o + 5] === 0
  );
}

function extractArp(p: Uint8Array, o: number, len: number, key: Uint32Array): void {
  if (len - o < 28) return;
  // Ethernet/IPv4 ARP only: hardware type 1, protocol 0x0800, lengths 6 and 4.
  if (p[o] !== 0 || p[o + 1] !== 1 || p[o + 2] !== 0x08 || p[o + 3] !== 0 || p[o + 4] !== 6 || p[o + 5] !== 4) return;
  key[W.NW_SRC] = ((p[o + 14] << 24) | (p[o + 15] << 16) | (p[o + 16] << 8) | p[o + 17]) >>> 0;
  key[W.NW_DST] = ((p[o + 24] << 24) | (p[o + 25] << 16) | (p[o + 26] << 8) | p[o + 27]) >>> 0;
  // Only the low 8 bits of the opcode are matchable; larger opcodes leave arp_op zero.
  if (p[o + 6] === 0) key[W.NW] = p[o + 7];
  key[W.ARP_SHA] = (p[o + 8] << 8) | p[o + 9];
  key[W.ARP_SHA + 1] = ((p[o + 10] << 24) | (p[o + 11] << 16) | (p[o + 12] << 8) | p[o + 13]) >>> 0;
  key[W.ARP_THA] = (p[o + 18] << 8) | p[o + 19];
  key[W.ARP_THA + 1] = ((p[o + 20] << 24) | (p[o + 21] << 16) | (p[o + 22] << 8) | p[o + 23]) >>> 0;
}

/**
 * Neighbor Solicitation/Advertisement (parse_icmpv6): target, then 8-byte options. An option of
 * length 0 or one overrunning the packet ends option parsing (what was parsed stays); a
 * repeated link-layer option invalidates the target and both link-layer addresses.
 */
function extractNd(p: Uint8Array, icmp: number, end: number, key: Uint32Array): void {
  key[W.ND_RESERVED] = ((p[icmp + 4] << 24) | (p[icmp + 5] << 16) | (p[icmp + 6] << 8) | p[icmp + 7]) >>> 0;
  let o = icmp + 8;
  if (end - o < 16) return;
  for (let i = 0; i < 4; i++) {
    const b = o + i * 4;
    key[W.ND_TARGET + i] = ((p[b] << 24) | (p[b + 1] << 16) | (p[b + 2] << 8) | p[b + 3]) >>> 0;
  }
  o += 16;
  let optType = 0;
  while (end - o >= 8) {
    const type = p[o];
    const optLen = p[o + 1] * 8;
    if (optLen === 0 || optLen > end - o) break; // stop, keeping what was parsed
    if ((type === 1 || type === 2) && optLen === 8) {
      const word = type === 1 ? W.ARP_SHA : W.ARP_THA;
      if (key[word] !== 0 || key[word + 1] !== 0) {
        invalidateNd(key);
        break;
      }
      key[word] = (p[o + 2] << 8) | p[o + 3];
      key[word + 1] = ((p[o + 4] << 24) | (p[o + 5] << 16) | (p[o + 6] << 8) | p[o + 7]) >>> 0;
      if (optType === 0) optType = type;
    }
    o += optLen;
  }
  key[W.TCP_FLAGS] = optType;
}

function invalidateNd(key: Uint32Array): void {
  for (let i = 0; i < 4; i++) key[W.ND_TARGET + i] = 0;
  key[W.ARP_SHA] = 0;
  key[W.ARP_SHA + 1] = 0;
  key[W.ARP_THA] = 0;
  key[W.ARP_THA + 1] = 0;
}
