import { type FieldDef, SLOT_BITS, type Slot } from './fields.js';

/** Well-known constants the match logic needs. */
export const ETH_TYPE = {
  IP: 0x0800,
  ARP: 0x0806,
  RARP: 0x8035,
  IPV6: 0x86dd,
  MPLS: 0x8847,
  MPLS_MCAST: 0x8848,
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

const ONES: bigint[] = [];
for (let i = 0; i <= 128; i++) ONES.push((1n << BigInt(i)) - 1n);
const ones = (bits: number): bigint => ONES[bits];

/**
 * A flow match: for each slot of the flow (OVS's struct flow), a value and a mask; a slot that
 * is absent is fully wildcarded. Values are always kept masked (OVS's match_zero_wildcarded).
 */
export class Match {
  readonly slots = new Map<Slot, SlotValue>();

  get(slot: Slot): SlotValue | undefined {
    return this.slots.get(slot);
  }

  value(slot: Slot): bigint {
    return this.slots.get(slot)?.value ?? 0n;
  }

  mask(slot: Slot): bigint {
    return this.slots.get(slot)?.mask ?? 0n;
  }

  /** Number view of a slot value (slots up to 32 bits). */
  num(slot: Slot): number {
    return Number(this.value(slot));
  }

  numMask(slot: Slot): number {
    return Number(this.mask(slot));
  }

  /** Sets bits `mask` of a slot to `value` (both already positioned within the slot). */
  setBits(slot: Slot, value: bigint, mask: bigint, range: bigint = mask): void {
    // Bits in `range` are replaced (a field set again forgets its old mask); others are kept.
    const cur = this.slots.get(slot);
    const m = ((cur?.mask ?? 0n) & ~range) | mask;
    const v = (((cur?.value ?? 0n) & ~range) | (value & mask)) & m;
    if (m === 0n) this.slots.delete(slot);
    else this.slots.set(slot, { value: v, mask: m });
  }

  /** Replaces a whole slot. */
  setSlot(slot: Slot, value: bigint, mask: bigint): void {
    const full = ones(SLOT_BITS[slot]);
    mask &= full;
    if (mask === 0n) this.slots.delete(slot);
    else this.slots.set(slot, { value: value & mask, mask });
  }

  clear(slot: Slot): void {
    this.slots.delete(slot);
  }

  clone(): Match {
    const m = new Match();
    for (const [k, v] of this.slots) m.slots.set(k, { value: v.value, mask: v.mask });
    return m;
  }

  equals(other: Match): boolean {
    if (other.slots.size !== this.slots.size) return false;
    for (const [k, v] of this.slots) {
      const o = other.slots.get(k);
      if (!o || o.value !== v.value || o.mask !== v.mask) return false;
    }
    return true;
  }

  /** Sets a field (as ovs-fields(7) names it) to value/mask, OVS's mf_set_value/mf_set. */
  setField(f: FieldDef, value: bigint, mask: bigint): void {
    switch (f.name) {
      case 'dl_vlan': {
        if (value === 0xffffn) {
          // OFP10_VLAN_NONE: only packets without a tag.
          this.setSlot('vlan_tci', 0n, 0xffffn);
          return;
        }
        this.setBits('vlan_tci', (value & BigInt(VLAN_VID_MASK)) | BigInt(VLAN_CFI), BigInt(VLAN_VID_MASK | VLAN_CFI));
        return;
      }
      case 'dl_vlan_pcp':
      case 'vlan_pcp':
        this.setBits('vlan_tci', ((value & 7n) << 13n) | BigInt(VLAN_CFI), BigInt(VLAN_PCP_MASK | VLAN_CFI));
        return;
      case 'vlan_tci':
        // vlan_tci replaces the whole TCI match (OVS's match_set_dl_tci_masked).
        this.setSlot('vlan_tci', value & mask, mask);
        return;
      case 'vlan_vid': {
        const m = mask & BigInt(VLAN_VID_MASK | VLAN_CFI);
        this.setBits('vlan_tci', value & m, m);
        return;
      }
      case 'ip_dscp':
        this.setBits('nw_tos', (value << 2n) & 0xfcn, 0xfcn);
        return;
      case 'nw_tos':
        this.setBits('nw_tos', value & 0xfcn, 0xfcn);
        return;
      case 'nw_ecn':
        this.setBits('nw_tos', value & 3n, 3n);
        return;
      case 'icmp_type':
      case 'icmpv6_type':
        // ICMP type and code occupy the whole 16-bit transport port slots (match_set_icmp_type).
        this.setSlot('tp_src', value & 0xffn, 0xffffn);
        return;
      case 'icmp_code':
      case 'icmpv6_code':
        this.setSlot('tp_dst', value & 0xffn, 0xffffn);
        return;
      case 'arp_op':
        this.setBits('nw_proto', value & 0xffn, 0xffn);
        return;
      default: {
        if (f.name.startsWith('xreg')) {
          const i = Number(f.name.slice(4));
          this.setBits(`reg${2 * i}`, (value >> 32n) & 0xffffffffn, (mask >> 32n) & 0xffffffffn, 0xffffffffn);
          this.setBits(`reg${2 * i + 1}`, value & 0xffffffffn, mask & 0xffffffffn, 0xffffffffn);
          return;
        }
        const fm = ones(f.bits);
        const shift = BigInt(f.shift);
        this.setBits(f.slot, (value & fm) << shift, (mask & fm) << shift, fm << shift);
      }
    }
  }

  /** Reads a field's value and mask back (inverse of setField for the simple fields). */
  getField(f: FieldDef): SlotValue {
    const shift = BigInt(f.shift);
    const fm = ones(f.bits);
    return { value: (this.value(f.slot) >> shift) & fm, mask: (this.mask(f.slot) >> shift) & fm };
  }

  dlType(): number {
    return this.numMask('dl_type') ? this.num('dl_type') : 0;
  }

  nwProto(): number {
    return this.num('nw_proto');
  }

  isIpAny(): boolean {
    const t = this.dlType();
    return t === ETH_TYPE.IP || t === ETH_TYPE.IPV6;
  }
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
  const proto = match.numMask('nw_proto') ? match.nwProto() : 0;
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
      const type = match.num('tp_src');
      if (type === 135) ndTarget = arpSha = true;
      else if (type === 136) ndTarget = arpTha = true;
    }
  } else if (dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP) {
    nwProto = nwAddr = arpSha = arpTha = true;
  } else if (isMplsType(dlType)) {
    mpls = true;
  }
  const before = match.slots.size;
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
  return match.slots.size !== before;
}
