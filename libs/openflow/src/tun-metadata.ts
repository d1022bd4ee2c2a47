import type { Writer } from './bytes.js';
import { readUint } from './bytes.js';
import { parseIntegerText } from './field-parse.js';
import { TLV_MAX_FIELDS, TLV_MAX_OPTION_SPACE } from './tlv-table.js';

/**
 * tun_metadata0..63 (Geneve options as OpenFlow fields, NXM_NX_TUN_METADATA0..63): values of
 * up to 124 bytes whose length is part of the match. Offline (no TLV map), Open vSwitch gives a
 * field the length of its value (or of its mask, when longer), and all fields of one match share
 * 256 bytes. A match keeps them in `Match.tunMd`, allocated only when one is present, so that the
 * common fixed-width path stays as it is.
 */

const TUN_METADATA_FIELDS = TLV_MAX_FIELDS;
/** The widest option value (OVS's mf_field n_bytes for tun_metadataN). */
export const TUN_METADATA_MAX_BYTES = 124;
/** Room for all options of one match (OVS's TUN_METADATA_TOT_OPT_SIZE, as a TLV map's). */
const TUN_METADATA_TOTAL_BYTES = TLV_MAX_OPTION_SPACE;
/** NXM class and first field number: NXM_NX_TUN_METADATA0 is (0x0001, 40). */
const NXM_CLASS = 0x0001;
const FIRST_FIELD = 40;

/** One matched option: `len` bytes of value and mask (value kept masked). */
export interface TunMdEntry {
  len: number;
  value: bigint;
  mask: bigint;
  /** Written with a mask on the wire (a mask not all-ones over 124 bytes, or a masked entry). */
  masked: boolean;
}

/** Per-match options by index; undefined where not matched. */
export type TunMd = (TunMdEntry | undefined)[];

/** All-ones values of 0..124 bytes (bigint shifts are slow). */
const BYTE_ONES: readonly bigint[] = Array.from({ length: 125 }, (_, len) => (1n << BigInt(8 * len)) - 1n);
const byteOnes = (len: number): bigint => BYTE_ONES[len];
const MAX_VALUE = byteOnes(TUN_METADATA_MAX_BYTES);

/** Index N of a `tun_metadataN` name (N in 0..63, no leading zeros), else -1. */
export function tunMdIndex(name: string): number {
  if (name.length < 13 || name.length > 14 || !name.startsWith('tun_metadata')) return -1;
  const digits = name.slice(12);
  if (!/^(0|[1-9][0-9]?)$/.test(digits)) return -1;
  const n = Number(digits);
  return n < TUN_METADATA_FIELDS ? n : -1;
}

/** Index N of an NXM_NX_TUN_METADATAN header (class 1, field 40+N), else -1. */
export function tunMdIndexOfHeader(header: number): number {
  if (header >>> 16 !== NXM_CLASS) return -1;
  const field = (header >>> 9) & 0x7f;
  return field >= FIRST_FIELD && field < FIRST_FIELD + TUN_METADATA_FIELDS ? field - FIRST_FIELD : -1;
}

/** The NXM header of option `idx` with payload length `payload` (and the has-mask bit). */
export function tunMdHeader(idx: number, payload: number, masked = false): number {
  return ((NXM_CLASS << 16) | ((FIRST_FIELD + idx) << 9) | (masked ? 0x100 : 0) | payload) >>> 0;
}

/** An option's length for `value` (and `mask`, when masked): OVS's mf_field_len. */
export function tunMdLength(value: bigint, mask?: bigint): number {
  return mask === undefined ? significantBytes(value) : Math.max(significantBytes(value), significantBytes(mask));
}

/** Bytes needed to hold `v` without leading zero bytes (OVS's field_len): 0 for 0. */
function significantBytes(v: bigint): number {
  // From the hex digits: one conversion instead of a bigint shift per byte.
  return v === 0n ? 0 : (v.toString(16).length + 1) >> 1;
}

/** Parses `VALUE[/MASK]` of tun_metadataN as ovs-ofctl (numbers of up to 124 bytes); an empty text is `0/0`. */
export function parseTunMdValue(name: string, text: string): { value: bigint; mask: bigint | undefined } {
  if (!text) return { value: 0n, mask: 0n };
  return parseIntegerText(name, TUN_METADATA_MAX_BYTES, text);
}

/**
 * Adds option `idx` to `md` as OVS's tun_metadata_set_match does without a TLV map: the length
 * is the value's (or the mask's, if masked and longer); a second setting of the same option and
 * overflowing the 252 bytes are errors with OVS's texts.
 */
export function addTunMd(md: TunMd, idx: number, value: bigint, mask: bigint | undefined): void {
  const name = `tun_metadata${idx}`;
  const masked = mask !== undefined && mask !== MAX_VALUE;
  const len = tunMdLength(value, masked ? mask : undefined);
  let used = 0;
  for (const e of md) if (e) used += e.len;
  if (used + len > TUN_METADATA_TOTAL_BYTES) {
    throw new Error(
      `field ${name} exceeds maximum size for tunnel metadata (used ${used + len}, max ${TUN_METADATA_TOTAL_BYTES})`,
    );
  }
  if (md[idx]) throw new Error(`field ${name} set multiple times`);
  const all = byteOnes(len);
  const m = mask === undefined ? all : mask & all;
  md[idx] = { len, value: value & m, mask: m, masked };
}

/** A new, empty option table. */
export function newTunMd(): TunMd {
  return new Array(TUN_METADATA_FIELDS).fill(undefined);
}

export function tunMdEqual(a: TunMd | undefined, b: TunMd | undefined): boolean {
  if (a === b) return true;
  for (let i = 0; i < TUN_METADATA_FIELDS; i++) {
    const x = a?.[i];
    const y = b?.[i];
    if (x === y) continue;
    if (!x || !y || x.len !== y.len || x.value !== y.value || x.mask !== y.mask || x.masked !== y.masked) return false;
  }
  return true;
}

/** OVS's ds_put_hex: `0x` and the value without leading zeros, or `0`. */
function hexOf(v: bigint): string {
  return v === 0n ? '0' : `0x${v.toString(16)}`;
}

/**
 * The options as match_format prints them: `tun_metadataN=VALUE[/MASK]`, the mask only when not
 * all-ones over the option's length, and the bare name for a masked option with a zero mask.
 */
export function formatTunMd(md: TunMd, out: string[]): void {
  for (let i = 0; i < TUN_METADATA_FIELDS; i++) {
    const e = md[i];
    if (!e) continue;
    if (e.masked && e.mask === 0n) out.push(`tun_metadata${i}`);
    else if (e.mask === byteOnes(e.len)) out.push(`tun_metadata${i}=${hexOf(e.value)}`);
    else out.push(`tun_metadata${i}=${hexOf(e.value)}/${hexOf(e.mask)}`);
  }
}

/** The options as NXM/OXM entries (NXM class 1 headers in OXM too, as OVS writes them). */
export function putTunMd(w: Writer, md: TunMd): void {
  for (let i = 0; i < TUN_METADATA_FIELDS; i++) {
    const e = md[i];
    if (!e) continue;
    w.u32(tunMdHeader(i, e.masked ? 2 * e.len : e.len, e.masked));
    w.uint(e.value, e.len);
    if (e.masked) w.uint(e.mask, e.len);
  }
}

/**
 * Option `idx` from an entry of `bytes` value bytes at `q` (mask after it when `hasMask`). OVS
 * sets it as parsed text is set (mf_set without a TLV map): the length becomes the value's
 * significant bytes, not the entry's. Throws addTunMd's errors.
 */
export function pullTunMdEntry(
  md: TunMd,
  idx: number,
  b: Uint8Array,
  q: number,
  bytes: number,
  hasMask: boolean,
): void {
  const value = readUint(b, q, bytes);
  addTunMd(md, idx, value, hasMask ? readUint(b, q + bytes, bytes) : undefined);
}
