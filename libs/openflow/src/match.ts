import { onesBig } from './bigint-bits.js';
import { type FieldDef, NARROW_SLOTS, SLOT_BITS, SLOT_INDEX, SLOT_LIST, type Slot } from './fields.js';
import { type TunMd, tunMdEqual } from './tun-metadata.js';

/** Well-known constants the match logic needs. */
export const ETH_TYPE = {
  IP: 0x0800,
  ARP: 0x0806,
  RARP: 0x8035,
  IPV6: 0x86dd,
  MPLS: 0x8847,
  MPLS_MCAST: 0x8848,
  NSH: 0x894f,
} as const;
export const IPPROTO = { ICMP: 1, IGMP: 2, TCP: 6, UDP: 17, ICMPV6: 58, SCTP: 132 } as const;
export const VLAN_VID_MASK = 0x0fff;
export const VLAN_CFI = 0x1000;
export const VLAN_PCP_MASK = 0xe000;
export const FRAG_ANY = 1;
export const FRAG_LATER = 2;

export interface SlotValue {
  value: bigint;
  mask: bigint;
}

const ones = onesBig;

/** Slot numbers the hot paths use directly (no name lookup). */
export const S = {
  in_port: SLOT_INDEX.in_port,
  dl_type: SLOT_INDEX.dl_type,
  vlan_tci: SLOT_INDEX.vlan_tci,
  mpls_lse: SLOT_INDEX.mpls_lse,
  nw_src: SLOT_INDEX.nw_src,
  nw_dst: SLOT_INDEX.nw_dst,
  ipv6_label: SLOT_INDEX.ipv6_label,
  nw_proto: SLOT_INDEX.nw_proto,
  nw_tos: SLOT_INDEX.nw_tos,
  nw_ttl: SLOT_INDEX.nw_ttl,
  nw_frag: SLOT_INDEX.nw_frag,
  tp_src: SLOT_INDEX.tp_src,
  tp_dst: SLOT_INDEX.tp_dst,
  tcp_flags: SLOT_INDEX.tcp_flags,
  tun_src: SLOT_INDEX.tun_src,
  tun_dst: SLOT_INDEX.tun_dst,
  pkt_mark: SLOT_INDEX.pkt_mark,
  conj_id: SLOT_INDEX.conj_id,
  ct_state: SLOT_INDEX.ct_state,
  ct_zone: SLOT_INDEX.ct_zone,
  ct_mark: SLOT_INDEX.ct_mark,
  dp_hash: SLOT_INDEX.dp_hash,
  recirc_id: SLOT_INDEX.recirc_id,
  tun_gbp_id: SLOT_INDEX.tun_gbp_id,
  tun_gbp_flags: SLOT_INDEX.tun_gbp_flags,
  tun_flags: SLOT_INDEX.tun_flags,
  actset_output: SLOT_INDEX.actset_output,
  tun_erspan_idx: SLOT_INDEX.tun_erspan_idx,
  tun_erspan_ver: SLOT_INDEX.tun_erspan_ver,
  tun_erspan_dir: SLOT_INDEX.tun_erspan_dir,
  tun_erspan_hwid: SLOT_INDEX.tun_erspan_hwid,
  tun_gtpu_flags: SLOT_INDEX.tun_gtpu_flags,
  tun_gtpu_msgtype: SLOT_INDEX.tun_gtpu_msgtype,
  nd_reserved: SLOT_INDEX.nd_reserved,
  packet_type: SLOT_INDEX.packet_type,
  nsh_flags: SLOT_INDEX.nsh_flags,
  nsh_ttl: SLOT_INDEX.nsh_ttl,
  nsh_mdtype: SLOT_INDEX.nsh_mdtype,
  nsh_np: SLOT_INDEX.nsh_np,
  nsh_spi: SLOT_INDEX.nsh_spi,
  nsh_si: SLOT_INDEX.nsh_si,
  nsh_c1: SLOT_INDEX.nsh_c1,
  ct_nw_proto: SLOT_INDEX.ct_nw_proto,
  ct_nw_src: SLOT_INDEX.ct_nw_src,
  ct_nw_dst: SLOT_INDEX.ct_nw_dst,
  ct_tp_src: SLOT_INDEX.ct_tp_src,
  ct_tp_dst: SLOT_INDEX.ct_tp_dst,
  reg0: SLOT_INDEX.reg0,
  dl_src: SLOT_INDEX.dl_src,
  dl_dst: SLOT_INDEX.dl_dst,
  ipv6_src: SLOT_INDEX.ipv6_src,
  ipv6_dst: SLOT_INDEX.ipv6_dst,
  arp_sha: SLOT_INDEX.arp_sha,
  arp_tha: SLOT_INDEX.arp_tha,
  nd_target: SLOT_INDEX.nd_target,
  metadata: SLOT_INDEX.metadata,
  tun_id: SLOT_INDEX.tun_id,
  ct_label: SLOT_INDEX.ct_label,
  tun_ipv6_src: SLOT_INDEX.tun_ipv6_src,
  tun_ipv6_dst: SLOT_INDEX.tun_ipv6_dst,
  ct_ipv6_src: SLOT_INDEX.ct_ipv6_src,
  ct_ipv6_dst: SLOT_INDEX.ct_ipv6_dst,
} as const;

/** All narrow slots absent; kept as a packed double array so that copies stay one. */
const EMPTY_NARROW: number[] = [0.5];
for (let i = 1; i < 2 * NARROW_SLOTS; i++) EMPTY_NARROW.push(0);
EMPTY_NARROW[0] = 0;

function slotIndex(slot: Slot): number {
  const i = SLOT_INDEX[slot];
  if (i === undefined) throw new Error(`unknown match slot ${slot}`);
  return i;
}

/**
 * A flow match: for each slot of the flow (OVS's struct flow), a value and a mask; a slot that
 * is absent (zero mask) is fully wildcarded. Values are always kept masked (OVS's
 * match_zero_wildcarded).
 *
 * Slots of up to 32 bits live as numbers in one typed array (value, mask pairs); wider ones
 * (Ethernet and IPv6 addresses, metadata, tun_id, ct_label) as bigints. The bigint/name API
 * (`get`, `value`, `setSlot`, `slots`...) stays for callers; the parser, codecs and printer use
 * the number API by slot number (`S`, `FieldDef.slotIndex`).
 */
export class Match {
  /** Narrow slots: value at 2i, mask at 2i+1 (unsigned 32-bit numbers). */
  private readonly n: number[];
  /** Wide slots by (index - NARROW_SLOTS), created on first use. */
  private w: (SlotValue | undefined)[] | undefined;
  private view: Map<Slot, SlotValue> | undefined;
  /**
   * tun_metadata0..63 (variable-length, see tun-metadata.ts), created on first use: most
   * matches have none, and the fixed slots above stay numbers.
   */
  tunMd: TunMd | undefined;
  /**
   * One past the highest narrow slot ever set since the last reset: every pair at or above
   * 2 * top is zero, so reset, copyFrom and equals walk only up to it (the rare slots come last).
   */
  private top: number;

  constructor(n?: number[], w?: (SlotValue | undefined)[], tunMd?: TunMd, top?: number) {
    // A copy of a packed double array: much cheaper than creating a typed array per match.
    this.n = n ?? EMPTY_NARROW.slice();
    this.w = w;
    this.tunMd = tunMd;
    this.top = n ? (top ?? NARROW_SLOTS) : 0;
  }

  /** Whether any narrow slot from `i` up may be set (false: all of them are absent). */
  hasSlotsFrom(i: number): boolean {
    return this.top > i;
  }

  /**
   * The present slots as a map (a snapshot rebuilt after a change; changing the map does not
   * change the match).
   */
  get slots(): ReadonlyMap<Slot, SlotValue> {
    if (this.view) return this.view;
    const map = new Map<Slot, SlotValue>();
    for (let i = 0; i < NARROW_SLOTS; i++) {
      const mask = this.n[2 * i + 1];
      if (mask) map.set(SLOT_LIST[i], { value: BigInt(this.n[2 * i]), mask: BigInt(mask) });
    }
    if (this.w)
      for (let i = 0; i < this.w.length; i++) {
        const sv = this.w[i];
        if (sv) map.set(SLOT_LIST[NARROW_SLOTS + i], { value: sv.value, mask: sv.mask });
      }
    this.view = map;
    return map;
  }

  /** Number of matched slots. */
  get size(): number {
    let c = 0;
    for (let i = 1; i < 2 * NARROW_SLOTS; i += 2) if (this.n[i]) c++;
    if (this.w) for (const sv of this.w) if (sv) c++;
    if (this.tunMd) for (const e of this.tunMd) if (e) c++;
    return c;
  }

  get(slot: Slot): SlotValue | undefined {
    return this.getAt(slotIndex(slot));
  }

  getAt(i: number): SlotValue | undefined {
    if (i < NARROW_SLOTS) {
      const mask = this.n[2 * i + 1];
      return mask ? { value: BigInt(this.n[2 * i]), mask: BigInt(mask) } : undefined;
    }
    return this.w?.[i - NARROW_SLOTS];
  }

  /** Whether slot number `i` is matched at all. */
  has(i: number): boolean {
    return i < NARROW_SLOTS ? this.n[2 * i + 1] !== 0 : this.w?.[i - NARROW_SLOTS] !== undefined;
  }

  value(slot: Slot): bigint {
    const i = slotIndex(slot);
    return i < NARROW_SLOTS ? BigInt(this.n[2 * i]) : (this.w?.[i - NARROW_SLOTS]?.value ?? 0n);
  }

  mask(slot: Slot): bigint {
    const i = slotIndex(slot);
    return i < NARROW_SLOTS ? BigInt(this.n[2 * i + 1]) : (this.w?.[i - NARROW_SLOTS]?.mask ?? 0n);
  }

  /** Bigint value/mask by slot number. */
  wideValue(i: number): bigint {
    return i < NARROW_SLOTS ? BigInt(this.n[2 * i]) : (this.w?.[i - NARROW_SLOTS]?.value ?? 0n);
  }

  wideMask(i: number): bigint {
    return i < NARROW_SLOTS ? BigInt(this.n[2 * i + 1]) : (this.w?.[i - NARROW_SLOTS]?.mask ?? 0n);
  }

  /** Number view of a slot value (slots up to 32 bits). */
  num(slot: Slot): number {
    const i = slotIndex(slot);
    return i < NARROW_SLOTS ? this.n[2 * i] : Number(this.w?.[i - NARROW_SLOTS]?.value ?? 0n);
  }

  numMask(slot: Slot): number {
    const i = slotIndex(slot);
    return i < NARROW_SLOTS ? this.n[2 * i + 1] : Number(this.w?.[i - NARROW_SLOTS]?.mask ?? 0n);
  }

  /** Value of narrow slot number `i` (no bigint, no name lookup). */
  nv(i: number): number {
    return this.n[2 * i];
  }

  /** Mask of narrow slot number `i`. */
  nm(i: number): number {
    return this.n[2 * i + 1];
  }

  /** Replaces narrow slot `i` with value/mask (numbers, already within the slot's width). */
  setNum(i: number, value: number, mask: number): void {
    this.view = undefined;
    if (i >= this.top) this.top = i + 1;
    this.n[2 * i] = (value & mask) >>> 0;
    this.n[2 * i + 1] = mask >>> 0;
  }

  /** setBits for a narrow slot, in numbers. */
  setBitsNum(i: number, value: number, mask: number, range: number = mask): void {
    this.view = undefined;
    if (i >= this.top) this.top = i + 1;
    const m = ((this.n[2 * i + 1] & ~range) | mask) >>> 0;
    this.n[2 * i] = (((this.n[2 * i] & ~range) | (value & mask)) & m) >>> 0;
    this.n[2 * i + 1] = m;
  }

  /** Sets bits `mask` of a slot to `value` (both already positioned within the slot). */
  setBits(slot: Slot, value: bigint, mask: bigint, range: bigint = mask): void {
    const i = slotIndex(slot);
    if (i < NARROW_SLOTS) {
      this.setBitsNum(i, Number(value & 0xffffffffn), Number(mask & 0xffffffffn), Number(range & 0xffffffffn));
      return;
    }
    this.setBitsWide(i, value, mask, range);
  }

  private setBitsWide(i: number, value: bigint, mask: bigint, range: bigint): void {
    // Bits in `range` are replaced (a field set again forgets its old mask); others are kept.
    this.view = undefined;
    const w = this.wide();
    const cur = w[i - NARROW_SLOTS];
    const m = ((cur?.mask ?? 0n) & ~range) | mask;
    const v = (((cur?.value ?? 0n) & ~range) | (value & mask)) & m;
    w[i - NARROW_SLOTS] = m === 0n ? undefined : { value: v, mask: m };
  }

  private wide(): (SlotValue | undefined)[] {
    if (!this.w) this.w = new Array(SLOT_LIST.length - NARROW_SLOTS).fill(undefined);
    return this.w;
  }

  /** Replaces a whole slot. */
  setSlot(slot: Slot, value: bigint, mask: bigint): void {
    this.setSlotAt(slotIndex(slot), value, mask);
  }

  setSlotAt(i: number, value: bigint, mask: bigint): void {
    const full = ones(SLOT_BITS[SLOT_LIST[i]]);
    mask &= full;
    if (i < NARROW_SLOTS) {
      this.setNum(i, Number(value & mask), Number(mask));
      return;
    }
    this.view = undefined;
    this.wide()[i - NARROW_SLOTS] = mask === 0n ? undefined : { value: value & mask, mask };
  }

  clear(slot: Slot): void {
    this.clearAt(slotIndex(slot));
  }

  clearAt(i: number): void {
    this.view = undefined;
    if (i < NARROW_SLOTS) {
      this.n[2 * i] = 0;
      this.n[2 * i + 1] = 0;
    } else if (this.w) this.w[i - NARROW_SLOTS] = undefined;
  }

  clone(): Match {
    return new Match(this.n.slice(), this.w?.slice(), this.tunMd?.slice(), this.top);
  }

  /** Becomes a copy of `other` (as clone() makes), reusing this match's slot array. */
  copyFrom(other: Match): void {
    const n = this.n;
    const o = other.n;
    const end = 2 * Math.max(this.top, other.top);
    for (let i = 0; i < end; i++) n[i] = o[i];
    this.top = other.top;
    this.w = other.w?.slice();
    this.view = undefined;
    this.tunMd = other.tunMd?.slice();
  }

  /**
   * Back to an empty match, for a caller that reuses one per flow (parse-flows): refilling the
   * hot slot array costs less than allocating a fresh one in cold young-generation memory.
   */
  reset(): void {
    // A loop, not fill(0): fill on this array of doubles runs in V8's C++ runtime, and it ran
    // twice per flow (parse, print), about 2% of a parse-flows run.
    const n = this.n;
    const end = 2 * this.top;
    for (let i = 0; i < end; i++) n[i] = 0;
    this.top = 0;
    this.w = undefined;
    this.view = undefined;
    this.tunMd = undefined;
  }

  equals(other: Match): boolean {
    const end = 2 * Math.max(this.top, other.top);
    for (let i = 0; i < end; i++) if (this.n[i] !== other.n[i]) return false;
    for (let i = 0; i < SLOT_LIST.length - NARROW_SLOTS; i++) {
      const a = this.w?.[i];
      const b = other.w?.[i];
      if (a === b) continue;
      if (!a || !b || a.value !== b.value || a.mask !== b.mask) return false;
    }
    return this.tunMd === other.tunMd || tunMdEqual(this.tunMd, other.tunMd);
  }

  /** Sets a field (as ovs-fields(7) names it) to value/mask, OVS's mf_set_value/mf_set. */
  setField(f: FieldDef, value: bigint, mask: bigint): void {
    if (f.bits <= 32 && f.slotIndex < NARROW_SLOTS) {
      this.setFieldNum(f, Number(value & 0xffffffffn), Number(mask & 0xffffffffn));
      return;
    }
    const regs = registerSpan(f);
    if (regs > 1) {
      // xregN/xxregN: consecutive 32-bit registers, the first one most significant.
      for (let k = 0; k < regs; k++) {
        const at = BigInt(32 * (regs - 1 - k));
        const v = Number((value >> at) & 0xffffffffn);
        this.setBitsNum(f.slotIndex + k, v, Number((mask >> at) & 0xffffffffn), 0xffffffff);
      }
      return;
    }
    const fm = ones(f.bits);
    const shift = BigInt(f.shift);
    this.setBitsWide(f.slotIndex, (value & fm) << shift, (mask & fm) << shift, fm << shift);
  }

  /** setField for a field of up to 32 bits in a narrow slot, in numbers. */
  setFieldNum(f: FieldDef, value: number, mask: number): void {
    switch (f.name) {
      case 'dl_vlan': {
        if (value === 0xffff) {
          // OFP10_VLAN_NONE: only packets without a tag.
          this.setNum(S.vlan_tci, 0, 0xffff);
          return;
        }
        this.setBitsNum(S.vlan_tci, (value & VLAN_VID_MASK) | VLAN_CFI, VLAN_VID_MASK | VLAN_CFI);
        return;
      }
      case 'dl_vlan_pcp':
      case 'vlan_pcp':
        this.setBitsNum(S.vlan_tci, ((value & 7) << 13) | VLAN_CFI, VLAN_PCP_MASK | VLAN_CFI);
        return;
      case 'vlan_tci':
        // vlan_tci replaces the whole TCI match (OVS's match_set_dl_tci_masked).
        this.setNum(S.vlan_tci, value & mask & 0xffff, mask & 0xffff);
        return;
      case 'vlan_vid': {
        const m = mask & (VLAN_VID_MASK | VLAN_CFI);
        this.setBitsNum(S.vlan_tci, value & m, m);
        return;
      }
      case 'tun_erspan_ver':
      case 'tun_erspan_dir':
      case 'tun_erspan_hwid':
      case 'tun_gtpu_flags':
      case 'tun_gtpu_msgtype':
        // OVS 3.1's match_set_tun_erspan_*_masked and match_set_tun_gtpu_*_masked keep the value
        // as the mask: reproduced, since it decides what is printed and sent.
        this.setNum(f.slotIndex, value & mask & 0xff, value & 0xff);
        return;
      case 'ip_dscp':
        this.setBitsNum(S.nw_tos, (value << 2) & 0xfc, 0xfc);
        return;
      case 'nw_tos':
        this.setBitsNum(S.nw_tos, value & 0xfc, 0xfc);
        return;
      case 'nw_ecn':
        this.setBitsNum(S.nw_tos, value & 3, 3);
        return;
      case 'icmp_type':
      case 'icmpv6_type':
        // ICMP type and code occupy the whole 16-bit transport port slots (match_set_icmp_type).
        this.setNum(S.tp_src, value & 0xff, 0xffff);
        return;
      case 'icmp_code':
      case 'icmpv6_code':
        this.setNum(S.tp_dst, value & 0xff, 0xffff);
        return;
      case 'arp_op':
        this.setBitsNum(S.nw_proto, value & 0xff, 0xff);
        return;
      default: {
        // allOnesNum, not the named bits: ERSPAN and GTP-U fields match their whole bytes.
        const fm = f.allOnesNum;
        const sh = f.shift;
        this.setBitsNum(f.slotIndex, ((value & fm) << sh) >>> 0, ((mask & fm) << sh) >>> 0, (fm << sh) >>> 0);
      }
    }
  }

  /** Reads a field's value and mask back (inverse of setField for the simple fields). */
  getField(f: FieldDef): SlotValue {
    const shift = BigInt(f.shift);
    const fm = f.allOnes;
    return { value: (this.wideValue(f.slotIndex) >> shift) & fm, mask: (this.wideMask(f.slotIndex) >> shift) & fm };
  }

  /**
   * The Ethernet type the packet has, as OVS's get_dl_type: the eth_type match of an Ethernet
   * packet, the type of a packet_type in the Ethernet-type namespace (1, type), else 0.
   */
  dlType(): number {
    if (this.n[2 * S.packet_type + 1]) {
      const pt = this.n[2 * S.packet_type];
      if (pt !== 0) return pt >>> 16 === 1 ? pt & 0xffff : 0;
    }
    return this.n[2 * S.dl_type + 1] ? this.n[2 * S.dl_type] : 0;
  }

  nwProto(): number {
    return this.n[2 * S.nw_proto];
  }

  isIpAny(): boolean {
    const t = this.dlType();
    return t === ETH_TYPE.IP || t === ETH_TYPE.IPV6;
  }
}

/**
 * How many 32-bit registers a field covers: 2 for xregN, 4 for xxregN, else 1. Such a field's
 * slot is its first (most significant) register.
 */
export function registerSpan(f: FieldDef): number {
  return f.slot.startsWith('reg') && f.bits > 32 ? f.bits / 32 : 1;
}

export function isMplsType(t: number): boolean {
  return t === ETH_TYPE.MPLS || t === ETH_TYPE.MPLS_MCAST;
}

/**
 * OpenFlow 1.0 match normalization (OVS's ofputil_normalize_match): fields whose protocol is not
 * established by dl_type/nw_proto are wildcarded.
 */
export function normalizeMatch(match: Match): boolean {
  const dlType = match.dlType();
  const proto = match.nm(S.nw_proto) ? match.nwProto() : 0;
  let nwAddr = false;
  let tpAddr = false;
  let nwProto = false;
  let ipvx = false;
  let arpSha = false;
  let arpTha = false;
  let ipv6 = false;
  let ndTarget = false;
  let mpls = false;
  if (dlType === ETH_TYPE.IP) {
    nwProto = ipvx = nwAddr = true;
    if (proto === IPPROTO.TCP || proto === IPPROTO.UDP || proto === IPPROTO.SCTP || proto === IPPROTO.ICMP)
      tpAddr = true;
  } else if (dlType === ETH_TYPE.IPV6) {
    nwProto = ipvx = ipv6 = true;
    if (proto === IPPROTO.TCP || proto === IPPROTO.UDP || proto === IPPROTO.SCTP) tpAddr = true;
    else if (proto === IPPROTO.ICMPV6) {
      tpAddr = true;
      const type = match.nv(S.tp_src);
      if (type === 135) ndTarget = arpSha = true;
      else if (type === 136) ndTarget = arpTha = true;
    }
  } else if (dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP) {
    nwProto = nwAddr = arpSha = arpTha = true;
  } else if (isMplsType(dlType)) {
    mpls = true;
  }
  const before = match.size;
  const drop: Slot[] = [];
  if (!nwAddr) drop.push('nw_src', 'nw_dst');
  if (!tpAddr) drop.push('tp_src', 'tp_dst');
  if (!nwProto) drop.push('nw_proto');
  if (!ipvx) drop.push('nw_tos', 'nw_ttl');
  if (!arpSha) drop.push('arp_sha');
  if (!arpTha) drop.push('arp_tha');
  if (!ipv6) drop.push('ipv6_src', 'ipv6_dst', 'ipv6_label');
  if (!ndTarget) drop.push('nd_target');
  if (!mpls) drop.push('mpls_lse');
  for (const s of drop) match.clear(s);
  return match.size !== before;
}
