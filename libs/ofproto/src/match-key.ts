import { type FieldDef, Match, NARROW_SLOTS, registerSpan, S, SLOT_LIST, type Slot } from '@softswitch/openflow';
import { FLOW_WORDS, W } from '@softswitch/packet';

/**
 * Where each OpenFlow match slot (libs/openflow's `Match`, OVS's struct flow) lives in the packet
 * flow key (libs/packet's 64-word layout): `words` consecutive words, most significant first, the
 * lowest one holding its bits at `shift`. Slots absent here (recirc_id, dp_hash, actset_output,
 * NSH, ERSPAN, GTP-U, a packet_type other than Ethernet's) have no place in a packet key and are
 * refused. `conj_id` is a pseudo-field one word past the
 * packet key (CONJ_ID_WORD): table keys are TABLE_WORDS long, and it is zero in every packet.
 */
interface SlotPlace {
  readonly word: number;
  readonly words: number;
  readonly shift: number;
  readonly bits: number;
}

/** The conj_id pseudo-field's word, just past the 64-word packet key (the classifier's conjIdWord). */
export const CONJ_ID_WORD = FLOW_WORDS;
/** Words of a flow-table key: the packet key plus the conj_id word. */
export const TABLE_WORDS = FLOW_WORDS + 1;

const place = (word: number, bits: number, shift = 0): SlotPlace => ({
  word,
  words: Math.max(1, Math.ceil(bits / 32)),
  shift,
  bits,
});

const PLACES: Partial<Record<Slot, SlotPlace>> = {
  in_port: place(W.IN_PORT, 16),
  pkt_mark: place(W.PKT_MARK, 32),
  metadata: place(W.METADATA, 64),
  tun_id: place(W.TUN_ID, 64),
  tun_src: place(W.TUN_SRC, 32),
  tun_dst: place(W.TUN_DST, 32),
  ct_state: place(W.CT_STATE, 32),
  ct_zone: place(W.CT_ZONE, 16),
  ct_mark: place(W.CT_MARK, 32),
  ct_label: place(W.CT_LABEL, 128),
  dl_dst: place(W.DL_DST, 48),
  dl_src: place(W.DL_SRC, 48),
  dl_type: place(W.DL_TYPE, 16),
  vlan_tci: place(W.VLAN0, 16),
  mpls_lse: place(W.MPLS0, 32),
  nw_src: place(W.NW_SRC, 32),
  nw_dst: place(W.NW_DST, 32),
  ipv6_src: place(W.IPV6_SRC, 128),
  ipv6_dst: place(W.IPV6_DST, 128),
  ipv6_label: place(W.IPV6_LABEL, 20),
  nw_frag: place(W.NW, 8, 24),
  nw_tos: place(W.NW, 8, 16),
  nw_ttl: place(W.NW, 8, 8),
  nw_proto: place(W.NW, 8),
  tp_src: place(W.TP, 16, 16),
  tp_dst: place(W.TP, 16),
  tcp_flags: place(W.TCP_FLAGS, 12),
  arp_sha: place(W.ARP_SHA, 48),
  arp_tha: place(W.ARP_THA, 48),
  nd_target: place(W.ND_TARGET, 128),
  conj_id: place(CONJ_ID_WORD, 32),
};
for (let i = 0; i < 16; i++) PLACES[`reg${i}` as Slot] = place(W.REG0 + i, 32);

/** PLACES by Match slot number. */
const PLACE_AT: (SlotPlace | undefined)[] = SLOT_LIST.map((slot) => PLACES[slot]);
/** The slots that map into the key, in a fixed order (for key → Match). */
const MAPPED = (Object.entries(PLACES) as [Slot, SlotPlace][]).filter(([slot]) => slot !== 'conj_id');

export class UnsupportedMatchError extends Error {}

/** A match as key-shaped value/mask arrays (the classifier's rule shape). */
export interface KeyMatch {
  value: Uint32Array;
  mask: Uint32Array;
}

function scatter(out: Uint32Array, p: SlotPlace, v: bigint): void {
  if (p.words === 1) {
    const m = p.bits === 32 ? 0xffffffff : ((1 << p.bits) - 1) << p.shift;
    out[p.word] = (out[p.word] & ~m) | ((Number(v) << p.shift) & m);
    out[p.word] >>>= 0;
    return;
  }
  for (let i = p.words - 1; i >= 0; i--) {
    out[p.word + i] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
}

function gather(key: Uint32Array, p: SlotPlace): bigint {
  if (p.words === 1) {
    const v = key[p.word] >>> p.shift;
    return BigInt(p.bits === 32 ? v >>> 0 : v & ((1 << p.bits) - 1));
  }
  let v = 0n;
  for (let i = 0; i < p.words; i++) v = (v << 32n) | BigInt(key[p.word + i]);
  return v;
}

/**
 * OpenFlow match → key value/mask. Prerequisites need no extra work: the openflow lib's parser
 * already puts `dl_type`/`nw_proto` in the match for `tcp`, `nw_src=...` and so on.
 */
export function matchToKey(match: Match): KeyMatch {
  return matchToKeyInto(match, { value: new Uint32Array(TABLE_WORDS), mask: new Uint32Array(TABLE_WORDS) });
}

/**
 * matchToKey into `out` (TABLE_WORDS words each, overwritten): for a key that is only looked up
 * or handed to the classifier, which copies what it keeps. Arrays of this size live outside the
 * JS heap, so a fresh pair per flow-mod cost an allocation and a GC finalization each.
 */
export function matchToKeyInto(match: Match, out: KeyMatch): KeyMatch {
  const value = out.value;
  const mask = out.mask;
  value.fill(0);
  mask.fill(0);
  // By slot number through the number API: no bigint and no Map for the narrow slots.
  for (let i = 0; i < SLOT_LIST.length; i++) {
    if (!match.has(i)) continue;
    // packet_type (0,0), Ethernet: what every packet of this datapath is.
    if (i === S.packet_type && match.nv(i) === 0) continue;
    const p = PLACE_AT[i];
    if (p === undefined)
      throw new UnsupportedMatchError(`match field ${SLOT_LIST[i]} is not supported by the pipeline`);
    if (i < NARROW_SLOTS && p.words === 1) {
      const m = match.nm(i);
      const w = p.bits === 32 ? m : m << p.shift;
      mask[p.word] |= w;
      value[p.word] |= (match.nv(i) << p.shift) & w;
      continue;
    }
    const m = match.wideMask(i);
    scatter(mask, p, m);
    scatter(value, p, match.wideValue(i) & m);
  }
  return out;
}

/** Key value/mask → OpenFlow match (for printing a megaflow in OVS match syntax). */
export function keyToMatch(key: Uint32Array, mask: Uint32Array): Match {
  const m = new Match();
  for (const [slot, p] of MAPPED) {
    const mv = gather(mask, p);
    if (mv === 0n) continue;
    m.setSlot(slot, gather(key, p) & mv, mv);
  }
  return m;
}

/** Reads a slot's value from a key (bigint, as the openflow lib's Match holds it). */
export function readSlot(key: Uint32Array, slot: Slot): bigint {
  const p = PLACES[slot];
  if (p === undefined) throw new UnsupportedMatchError(`field ${slot} is not supported by the pipeline`);
  return gather(key, p);
}

/**
 * Where a field lives in the key: its slot's place, except for xregN/xxregN, which span 2/4
 * consecutive registers (their slot names only the first).
 */
const REG_SPAN_PLACES = new Map<string, SlotPlace>();
function fieldPlace(field: FieldDef): SlotPlace {
  const regs = registerSpan(field);
  let p: SlotPlace | undefined;
  if (regs === 1) p = PLACES[field.slot];
  else {
    p = REG_SPAN_PLACES.get(field.name);
    if (!p) {
      p = place(W.REG0 + Number(field.slot.slice(3)), 32 * regs);
      REG_SPAN_PLACES.set(field.name, p);
    }
  }
  if (p === undefined) throw new UnsupportedMatchError(`field ${field.name} is not supported by the pipeline`);
  return p;
}

/** Whether the packet key has a place for a field (the pipeline can match, read and write it). */
export function pipelineHasField(field: FieldDef): boolean {
  return registerSpan(field) > 1 || PLACES[field.slot] !== undefined;
}

/** A field's value (unshifted within its place) read from a key. */
export function readField(key: Uint32Array, field: FieldDef): bigint {
  return gather(key, fieldPlace(field));
}

/** Replaces the `mask` bits of a field's place in a key with `value`'s. */
export function writeField(key: Uint32Array, field: FieldDef, value: bigint, mask: bigint): void {
  const p = fieldPlace(field);
  scatter(key, p, (gather(key, p) & ~mask) | (value & mask));
}

/** ORs `mask` (positioned as in the field's place) into a key-shaped wildcard mask. */
export function orFieldMask(wc: Uint32Array, field: FieldDef, mask: bigint): void {
  const p = fieldPlace(field);
  scatter(wc, p, gather(wc, p) | mask);
}

/** Replaces the `mask` bits of a slot in a key with `value`'s. */
export function writeSlot(key: Uint32Array, slot: Slot, value: bigint, mask: bigint): void {
  const p = PLACES[slot];
  if (p === undefined) throw new UnsupportedMatchError(`field ${slot} is not supported by the pipeline`);
  scatter(key, p, (gather(key, p) & ~mask) | (value & mask));
}

/** ORs `mask` (slot-positioned) into a key-shaped wildcard mask. */
export function orSlotMask(wc: Uint32Array, slot: Slot, mask: bigint): void {
  const p = PLACES[slot];
  if (p === undefined) throw new UnsupportedMatchError(`field ${slot} is not supported by the pipeline`);
  scatter(wc, p, gather(wc, p) | mask);
}
