/**
 * The flow key: a fixed layout of 32-bit words in a `Uint32Array`, so that masking, hashing and
 * comparing are plain word loops (the classifier works on generic word arrays plus masks).
 *
 * Multi-word fields are big-endian across words: the first word holds the most significant bits
 * (a MAC address is `hi` = bytes 0-1 in the low 16 bits, `lo` = bytes 2-5). Small fields that
 * are always extracted together share a word, as in Open vSwitch's `struct flow`:
 * `NW` = nw_frag<<24 | nw_tos<<16 | nw_ttl<<8 | nw_proto, `TP` = tp_src<<16 | tp_dst,
 * `VLANn` = TPID<<16 | TCI (the TCI has the CFI bit set when the tag is present, as OVS does).
 * The word map is documented in README.md; keep the two in step.
 */
export const W = {
  IN_PORT: 0,
  PKT_MARK: 1,
  METADATA: 2, // 2 words
  TUN_ID: 4, // 2 words
  TUN_SRC: 6,
  TUN_DST: 7,
  CT_STATE: 8,
  CT_ZONE: 9,
  CT_MARK: 10,
  CT_LABEL: 11, // 4 words
  REG0: 15, // 16 words, reg0..reg15
  DL_DST: 31, // 2 words
  DL_SRC: 33, // 2 words
  DL_TYPE: 35,
  VLAN0: 36,
  VLAN1: 37,
  MPLS0: 38, // 3 words, label stack entries as on the wire
  NW_SRC: 41,
  NW_DST: 42,
  IPV6_SRC: 43, // 4 words
  IPV6_DST: 47, // 4 words
  IPV6_LABEL: 51,
  NW: 52,
  ARP_SHA: 53, // 2 words; also nd_sll
  ARP_THA: 55, // 2 words; also nd_tll
  ND_TARGET: 57, // 4 words
  TP: 61,
  TCP_FLAGS: 62, // TCP flags (12 bits); for ND, the first link-layer option's type
  ND_RESERVED: 63, // ND reserved word; for IGMP, the group address
} as const;

/** Number of 32-bit words in a flow key. */
export const FLOW_WORDS = 64;
/** First word that packet parsing writes (everything before it is metadata). */
export const FIRST_PACKET_WORD = W.DL_DST;

export const MAX_VLAN_HEADERS = 2;
export const MAX_MPLS_LABELS = 3;

/** `nw_frag` bits, as OVS's FLOW_NW_FRAG_ANY / FLOW_NW_FRAG_LATER. */
export const NW_FRAG_ANY = 1;
export const NW_FRAG_LATER = 2;

export const ETH_TYPE = {
  IP: 0x0800,
  ARP: 0x0806,
  RARP: 0x8035,
  VLAN: 0x8100,
  VLAN_8021AD: 0x88a8,
  IPV6: 0x86dd,
  MPLS: 0x8847,
  MPLS_MCAST: 0x8848,
  /** What OVS stores for 802.3 frames that are not LLC/SNAP-encapsulated Ethernet II. */
  NONE: 0x05ff,
  MIN: 0x0600,
} as const;

export const IP_PROTO = {
  HOPOPTS: 0,
  ICMP: 1,
  IGMP: 2,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  FRAGMENT: 44,
  GRE: 47,
  AH: 51,
  ICMPV6: 58,
  DSTOPTS: 60,
  SCTP: 132,
} as const;

export const VLAN_CFI = 0x1000;

export function createFlowKey(): Uint32Array {
  return new Uint32Array(FLOW_WORDS);
}

/** A field of the key: `bits` wide, right-aligned at `shift` within `words` consecutive words. */
export interface FlowField {
  /** Open vSwitch's name for the field (`ovs-ofctl` flow syntax). */
  readonly name: string;
  readonly word: number;
  readonly words: number;
  readonly shift: number;
  readonly bits: number;
}

function field(name: string, word: number, bits: number, shift = 0): FlowField {
  return { name, word, words: Math.max(1, Math.ceil(bits / 32)), shift, bits };
}

const regs = Array.from({ length: 16 }, (_, i) => field(`reg${i}`, W.REG0 + i, 32));

/** Every field of the key, by OVS name. Aliases (nd_sll = arp_sha, ...) share words. */
export const FLOW_FIELDS: readonly FlowField[] = [
  field('in_port', W.IN_PORT, 32),
  field('pkt_mark', W.PKT_MARK, 32),
  field('metadata', W.METADATA, 64),
  field('tun_id', W.TUN_ID, 64),
  field('tun_src', W.TUN_SRC, 32),
  field('tun_dst', W.TUN_DST, 32),
  field('ct_state', W.CT_STATE, 32),
  field('ct_zone', W.CT_ZONE, 16),
  field('ct_mark', W.CT_MARK, 32),
  field('ct_label', W.CT_LABEL, 128),
  ...regs,
  field('dl_dst', W.DL_DST, 48),
  field('dl_src', W.DL_SRC, 48),
  field('dl_type', W.DL_TYPE, 16),
  field('vlan_tci', W.VLAN0, 16),
  field('dl_vlan', W.VLAN0, 12),
  field('dl_vlan_pcp', W.VLAN0, 3, 13),
  field('vlan_tpid', W.VLAN0, 16, 16),
  field('vlan_tci1', W.VLAN1, 16),
  field('mpls_lse0', W.MPLS0, 32),
  field('mpls_label', W.MPLS0, 20, 12),
  field('mpls_tc', W.MPLS0, 3, 9),
  field('mpls_bos', W.MPLS0, 1, 8),
  field('mpls_ttl', W.MPLS0, 8),
  field('mpls_lse1', W.MPLS0 + 1, 32),
  field('mpls_lse2', W.MPLS0 + 2, 32),
  field('nw_src', W.NW_SRC, 32),
  field('nw_dst', W.NW_DST, 32),
  field('arp_spa', W.NW_SRC, 32),
  field('arp_tpa', W.NW_DST, 32),
  field('ipv6_src', W.IPV6_SRC, 128),
  field('ipv6_dst', W.IPV6_DST, 128),
  field('ipv6_label', W.IPV6_LABEL, 20),
  field('nw_frag', W.NW, 8, 24),
  field('nw_tos', W.NW, 8, 16),
  field('ip_dscp', W.NW, 6, 18),
  field('nw_ecn', W.NW, 2, 16),
  field('nw_ttl', W.NW, 8, 8),
  field('nw_proto', W.NW, 8),
  field('arp_op', W.NW, 8),
  field('arp_sha', W.ARP_SHA, 48),
  field('arp_tha', W.ARP_THA, 48),
  field('nd_sll', W.ARP_SHA, 48),
  field('nd_tll', W.ARP_THA, 48),
  field('nd_target', W.ND_TARGET, 128),
  field('tp_src', W.TP, 16, 16),
  field('tp_dst', W.TP, 16),
  field('icmp_type', W.TP, 16, 16),
  field('icmp_code', W.TP, 16),
  field('tcp_flags', W.TCP_FLAGS, 12),
  field('nd_options_type', W.TCP_FLAGS, 8),
  field('nd_reserved', W.ND_RESERVED, 32),
];

const byName = new Map(FLOW_FIELDS.map((f) => [f.name, f]));

export function flowField(name: string): FlowField | undefined {
  return byName.get(name);
}

/** Sets every bit of `f` in `mask` (a key-shaped array). */
export function maskField(mask: Uint32Array, f: FlowField): void {
  if (f.words === 1) {
    const m = f.bits === 32 ? 0xffffffff : ((1 << f.bits) - 1) << f.shift;
    mask[f.word] = (mask[f.word] | m) >>> 0;
    return;
  }
  const topBits = f.bits - 32 * (f.words - 1);
  mask[f.word] = topBits === 32 ? 0xffffffff : (1 << topBits) - 1;
  for (let i = 1; i < f.words; i++) mask[f.word + i] = 0xffffffff;
}

/** Reads a field of up to 32 bits. */
export function getField(key: Uint32Array, f: FlowField): number {
  const v = key[f.word] >>> f.shift;
  return f.bits === 32 ? v >>> 0 : v & ((1 << f.bits) - 1);
}

/** Writes a field of up to 32 bits, leaving the other bits of its word alone. */
export function setField(key: Uint32Array, f: FlowField, value: number): void {
  if (f.bits === 32) {
    key[f.word] = value >>> 0;
    return;
  }
  const m = ((1 << f.bits) - 1) << f.shift;
  key[f.word] = ((key[f.word] & ~m) | ((value << f.shift) & m)) >>> 0;
}

export function keysEqual(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < FLOW_WORDS; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** (a & mask) == (b & mask), word by word. */
export function keysEqualMasked(a: Uint32Array, b: Uint32Array, mask: Uint32Array): boolean {
  for (let i = 0; i < FLOW_WORDS; i++) if (((a[i] ^ b[i]) & mask[i]) !== 0) return false;
  return true;
}

/** out = key & mask. */
export function applyMask(key: Uint32Array, mask: Uint32Array, out: Uint32Array): void {
  for (let i = 0; i < FLOW_WORDS; i++) out[i] = key[i] & mask[i];
}

/**
 * Miniflow-style bitmap of the non-zero words of a key: bit i of word i>>5. Lets a cache store
 * only present words and skip absent ones when comparing.
 */
export function presentWords(key: Uint32Array, out: Uint32Array = new Uint32Array(2)): Uint32Array {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 32; i++) if (key[i] !== 0) lo |= 1 << i;
  for (let i = 32; i < FLOW_WORDS; i++) if (key[i] !== 0) hi |= 1 << (i - 32);
  out[0] = lo;
  out[1] = hi;
  return out;
}

// Convenience accessors for the packed words.
export const nwFrag = (k: Uint32Array): number => k[W.NW] >>> 24;
export const nwTos = (k: Uint32Array): number => (k[W.NW] >>> 16) & 0xff;
export const nwTtl = (k: Uint32Array): number => (k[W.NW] >>> 8) & 0xff;
export const nwProto = (k: Uint32Array): number => k[W.NW] & 0xff;
export const tpSrc = (k: Uint32Array): number => k[W.TP] >>> 16;
export const tpDst = (k: Uint32Array): number => k[W.TP] & 0xffff;
export const dlType = (k: Uint32Array): number => k[W.DL_TYPE];
export const vlanTci = (k: Uint32Array, i = 0): number => k[W.VLAN0 + i] & 0xffff;
