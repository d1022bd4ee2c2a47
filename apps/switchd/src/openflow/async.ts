import { type AsyncConfig, type AsyncMasks, decodeAsyncConfig, emptyAsyncMasks } from '@softswitch/openflow';

/**
 * A connection's asynchronous message configuration as Open vSwitch's connmgr keeps it
 * (struct ofputil_async_cfg): masks for the primary/equal role and for the secondary role. The
 * packet-in masks use ofproto's internal reasons: 0-5 OpenFlow 1.4's OFPR_*, 6 an explicit miss
 * (a controller action in a table-miss flow) and 7 an implicit miss (no flow matched).
 */
export type AsyncState = AsyncConfig;

export const OFPR_EXPLICIT_MISS = 6;
export const OFPR_IMPLICIT_MISS = 7;
const OFPR14_BITS = 0x3f;
const OFPR_INVALID_TTL = 2;
const OFPPR_BITS = 0x7;
/** Flow-removed reasons each version knows: 1.0-1.2 idle/hard/delete, 1.3 adds group_delete, 1.4 the rest. */
const OFPRR10_BITS = 0x7;
const OFPRR13_BITS = 0xf;
const OFPRR14_BITS = 0x3f;

/** OVS's ofputil_async_cfg_default(version). */
export function defaultAsync(version: number): AsyncState {
  let pin = (OFPR14_BITS & ~(1 << OFPR_INVALID_TTL)) | (1 << OFPR_EXPLICIT_MISS);
  // OpenFlow 1.3 drops table misses by default: only 1.0-1.2 controllers get implicit misses.
  if (version <= 3) pin |= 1 << OFPR_IMPLICIT_MISS;
  const primary = emptyAsyncMasks();
  const secondary = emptyAsyncMasks();
  primary.packetIn = pin;
  primary.portStatus = OFPPR_BITS;
  secondary.portStatus = OFPPR_BITS;
  primary.flowRemoved = version >= 5 ? OFPRR14_BITS : version === 4 ? OFPRR13_BITS : OFPRR10_BITS;
  return { primary, secondary };
}

/** OVS's OFPUTIL_ASYNC_CFG_INIT: nothing, for a controller with enable_async_messages=false. */
export function noAsync(): AsyncState {
  return { primary: emptyAsyncMasks(), secondary: emptyAsyncMasks() };
}

/** The masks as a get-async reply carries them in `version` (misses are OFPR_NO_MATCH on the wire). */
export function asyncToWire(c: AsyncState, version: number): AsyncConfig {
  const one = (m: AsyncMasks): AsyncMasks => {
    let pin = m.packetIn & OFPR14_BITS;
    if (m.packetIn & ((1 << OFPR_EXPLICIT_MISS) | (1 << OFPR_IMPLICIT_MISS))) pin |= 1;
    if (version <= 4) pin &= 0x7;
    return { ...m, packetIn: pin };
  };
  return { primary: one(c.primary), secondary: one(c.secondary) };
}

/** A wire mask for packet-ins → internal reasons (OFPR_NO_MATCH means both kinds of miss before 1.3). */
function pinFromWire(mask: number, version: number): number {
  let pin = mask & OFPR14_BITS;
  if (mask & 1) {
    pin |= 1 << OFPR_EXPLICIT_MISS;
    if (version <= 3) pin |= 1 << OFPR_IMPLICIT_MISS;
  }
  return pin;
}

/**
 * Applies an OFPT_SET_ASYNC (`b`, the whole message) to `current`: OpenFlow 1.3's fixed form
 * replaces the three masks it has; 1.4+ properties change only the masks they name. Throws
 * OpenFlowDecodeError as the decoder does.
 */
export function applySetAsync(current: AsyncState, b: Uint8Array, version: number): AsyncState {
  const named: [boolean, keyof AsyncMasks][] = [];
  const decoded = decodeAsyncConfig(b, version, true, (primary, key) => named.push([primary, key]));
  const next: AsyncState = { primary: { ...current.primary }, secondary: { ...current.secondary } };
  const set = (primary: boolean, key: keyof AsyncMasks, mask: number) => {
    (primary ? next.primary : next.secondary)[key] = key === 'packetIn' ? pinFromWire(mask, version) : mask;
  };
  if (version <= 4) {
    for (const key of ['packetIn', 'portStatus', 'flowRemoved'] as const) {
      set(true, key, decoded.primary[key]);
      set(false, key, decoded.secondary[key]);
    }
    return next;
  }
  for (const [primary, key] of named) set(primary, key, (primary ? decoded.primary : decoded.secondary)[key]);
  return next;
}

/** NXT_SET_ASYNC_CONFIG (Nicira, OpenFlow 1.0): OpenFlow 1.3's three pairs of masks after the 16-byte header. */
export function applyNxSetAsync(current: AsyncState, b: Uint8Array, version: number): AsyncState {
  const as13 = new Uint8Array(32);
  as13.set(b.subarray(0, 8));
  as13.set(b.subarray(16, 40), 8);
  as13[0] = 4;
  const decoded = decodeAsyncConfig(as13, 4, false);
  const next: AsyncState = { primary: { ...current.primary }, secondary: { ...current.secondary } };
  for (const key of ['packetIn', 'portStatus', 'flowRemoved'] as const) {
    next.primary[key] = key === 'packetIn' ? pinFromWire(decoded.primary[key], version) : decoded.primary[key];
    next.secondary[key] = key === 'packetIn' ? pinFromWire(decoded.secondary[key], version) : decoded.secondary[key];
  }
  return next;
}
