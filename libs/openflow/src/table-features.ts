import { Writer } from './bytes.js';
import { bodyDecodeError, decodeError, OFPBMC, OFPBRC, OFPET, OpenFlowDecodeError } from './errors.js';

/**
 * OFPMP_TABLE_FEATURES (OpenFlow 1.3-1.5): a request is empty (read the features) or carries
 * ofp_table_features entries to set; a reply carries one entry per table. Each entry is a 64-byte
 * fixed part and a list of properties padded to 8 bytes; the ids inside the lists are not padded
 * (instruction and action ids are 4 bytes or longer, OXM ids 4 or 8). These functions work on the
 * wire form only: which ids mean what is the printer's business (table-features-print.ts).
 */
export const OFPMP_TABLE_FEATURES = 12;
export const TABLE_FEATURES_FIXED_LEN = 64;

/** Property types (ofp_table_feature_prop_type); a `_MISS` type is its base plus one. */
export const OFPTFPT = {
  INSTRUCTIONS: 0,
  INSTRUCTIONS_MISS: 1,
  NEXT_TABLES: 2,
  NEXT_TABLES_MISS: 3,
  WRITE_ACTIONS: 4,
  WRITE_ACTIONS_MISS: 5,
  APPLY_ACTIONS: 6,
  APPLY_ACTIONS_MISS: 7,
  MATCH: 8,
  WILDCARDS: 10,
  WRITE_SETFIELD: 12,
  WRITE_SETFIELD_MISS: 13,
  APPLY_SETFIELD: 14,
  APPLY_SETFIELD_MISS: 15,
  EXPERIMENTER: 0xfffe,
  EXPERIMENTER_MISS: 0xffff,
} as const;

/** Every entry of OpenFlow 1.3/1.4 (and of 1.5 once it has any property) must carry these. */
export const REQUIRED_PROPERTY_TYPES = [0, 2, 4, 6, 8, 10, 12, 14] as const;

/** OpenFlow 1.5's per-entry command (`ofp_table_features.command`). */
export const OFPTFC = { REPLACE: 0, MODIFY: 1, ENABLE: 2, DISABLE: 3 } as const;
/** OpenFlow 1.4+ capabilities bits. */
export const OFPTC = { EVICTION: 1 << 2, VACANCY_EVENTS: 1 << 3 } as const;

/**
 * Errors, numbered as OpenFlow 1.3 numbers them (OFPET_TABLE_FEATURES_FAILED, whose codes 2-4 OVS
 * names OFPBPC_*); BAD_FEATURES and BAD_COMMAND are OpenFlow 1.5's.
 */
export const OFPTFFC = {
  BAD_TABLE: 0,
  BAD_METADATA: 1,
  BAD_TYPE: 2,
  BAD_LEN: 3,
  BAD_ARGUMENT: 4,
  EPERM: 5,
  BAD_FEATURES: 8,
  BAD_COMMAND: 9,
} as const;

/** An instruction or action id: its type and whatever follows the 4-byte header (experimenter). */
export interface FeatureId {
  type: number;
  data: Uint8Array;
}

/** An OXM id: the 32-bit header as sent (has-mask bit and length included), plus an experimenter. */
export interface OxmId {
  header: number;
  experimenter?: number;
}

export type IdListKind = 'instructions' | 'write_actions' | 'apply_actions';
export type OxmListKind = 'match' | 'wildcards' | 'write_setfield' | 'apply_setfield';

/** One property, by `kind`; `miss` marks the `_MISS` variant (table-miss flows). */
export type TableFeatureProp =
  | { kind: IdListKind; miss: boolean; ids: FeatureId[] }
  | { kind: 'next_tables'; miss: boolean; tables: number[] }
  | { kind: OxmListKind; miss: boolean; oxms: OxmId[] }
  | { kind: 'experimenter'; miss: boolean; experimenter: number; expType: number; data: Uint8Array }
  /** A type this codec does not know, kept as bytes so that it re-encodes unchanged. */
  | { kind: 'unknown'; type: number; data: Uint8Array };

export interface TableFeatures {
  tableId: number;
  /** OpenFlow 1.5 only (OFPTFC_*); 0 (replace) before. */
  command: number;
  /** OpenFlow 1.5 only (OFPTFF_* bits); 0 before. */
  features: number;
  name: string;
  metadataMatch: bigint;
  metadataWrite: bigint;
  /** OpenFlow 1.4+ (OFPTC_*); 1.3 calls this field config and OVS sends 0. */
  capabilities: number;
  maxEntries: number;
  properties: TableFeatureProp[];
}

const KIND_BY_BASE: Record<number, Exclude<TableFeatureProp['kind'], 'experimenter' | 'unknown'>> = {
  0: 'instructions',
  2: 'next_tables',
  4: 'write_actions',
  6: 'apply_actions',
  8: 'match',
  10: 'wildcards',
  12: 'write_setfield',
  14: 'apply_setfield',
};
const BASE_BY_KIND: Record<string, number> = Object.fromEntries(
  Object.entries(KIND_BY_BASE).map(([t, k]) => [k, Number(t)]),
);
/** match and wildcards have no `_MISS` twin: type 9 and 11 are unassigned. */
const HAS_MISS = new Set([0, 2, 4, 6, 12, 14]);

/** The wire type of a property. */
export function propertyType(p: TableFeatureProp): number {
  if (p.kind === 'unknown') return p.type;
  if (p.kind === 'experimenter') return p.miss ? OFPTFPT.EXPERIMENTER_MISS : OFPTFPT.EXPERIMENTER;
  return BASE_BY_KIND[p.kind] + (p.miss ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// Encoding

export function encodeTableFeatureProp(w: Writer, p: TableFeatureProp): void {
  const start = w.length;
  w.u16(propertyType(p)).u16(0);
  switch (p.kind) {
    case 'instructions':
    case 'write_actions':
    case 'apply_actions':
      for (const id of p.ids)
        w.u16(id.type)
          .u16(4 + id.data.length)
          .bytes(id.data);
      break;
    case 'next_tables':
      for (const t of p.tables) w.u8(t);
      break;
    case 'match':
    case 'wildcards':
    case 'write_setfield':
    case 'apply_setfield':
      for (const o of p.oxms) {
        w.u32(o.header);
        if (o.experimenter !== undefined) w.u32(o.experimenter);
      }
      break;
    case 'experimenter':
      w.u32(p.experimenter).u32(p.expType).bytes(p.data);
      break;
    case 'unknown':
      w.bytes(p.data);
      break;
  }
  // The length covers the payload; the padding to 8 that follows does not.
  w.setU16(start + 2, w.length - start);
  w.pad(8, start);
}

/** One ofp_table_features entry for wire `version` (4 = 1.3, 5 = 1.4, 6 = 1.5). */
export function encodeTableFeatures(w: Writer, tf: TableFeatures, version: number): void {
  const start = w.length;
  w.u16(0).u8(tf.tableId);
  if (version >= 6) w.u8(tf.command).u32(tf.features);
  else w.zeros(5);
  const name = new TextEncoder().encode(tf.name).subarray(0, 31);
  w.bytes(name).zeros(32 - name.length);
  w.u64(tf.metadataMatch).u64(tf.metadataWrite);
  w.u32(tf.capabilities).u32(tf.maxEntries);
  for (const p of tf.properties) encodeTableFeatureProp(w, p);
  w.setU16(start, w.length - start);
}

/** One entry as bytes (switches pack these into multipart replies of at most 64 KiB). */
export function encodeTableFeaturesEntry(tf: TableFeatures, version: number): Uint8Array {
  const w = new Writer(1024);
  encodeTableFeatures(w, tf, version);
  return w.finish();
}

/**
 * A whole OFPMP_TABLE_FEATURES request (`reply` false) or reply message: header, multipart
 * header (flags: 1 = more), then the entries. A request without entries asks for the features.
 */
export function encodeTableFeaturesMessage(
  version: number,
  xid: number,
  entries: readonly TableFeatures[],
  options: { reply?: boolean; more?: boolean } = {},
): Uint8Array {
  const w = new Writer(1024);
  w.u8(version)
    .u8(options.reply ? 19 : 18)
    .u16(0)
    .u32(xid);
  w.u16(OFPMP_TABLE_FEATURES)
    .u16(options.more ? 1 : 0)
    .zeros(4);
  for (const tf of entries) encodeTableFeatures(w, tf, version);
  w.setU16(2, w.length);
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Whether `b` is an OFPMP_TABLE_FEATURES request or reply (OpenFlow 1.3+). */
export function isTableFeaturesMessage(b: Uint8Array): boolean {
  return b.length >= 16 && b[0] >= 4 && b[0] <= 6 && (b[1] === 18 || b[1] === 19) && ((b[8] << 8) | b[9]) === 12;
}

function tffError(code: number, offset: number, what: string): OpenFlowDecodeError {
  return bodyDecodeError(OFPET.TABLE_FEATURES_FAILED, code, offset, `table features: ${what}`);
}

function lenError(offset: number, what: string): OpenFlowDecodeError {
  return tffError(OFPTFFC.BAD_LEN, offset, what);
}

/** Instruction/action ids: a 4-byte header whose length (≥ 4, unpadded) covers any payload. */
function decodeIds(b: Uint8Array, v: DataView, p: number, end: number): FeatureId[] {
  const ids: FeatureId[] = [];
  while (p < end) {
    if (end - p < 4) throw lenError(p, 'truncated id');
    const len = v.getUint16(p + 2);
    if (len < 4 || p + len > end) throw lenError(p, `id length ${len}`);
    ids.push({ type: v.getUint16(p), data: b.slice(p + 4, p + len) });
    p += len;
  }
  return ids;
}

/** OXM ids: 4-byte headers, 8 with an experimenter (class 0xffff); short ones are OFPBMC_BAD_LEN. */
function decodeOxms(v: DataView, p: number, end: number): OxmId[] {
  const oxms: OxmId[] = [];
  while (p < end) {
    if (end - p < 4) throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, p, 'table features: truncated OXM id');
    const header = v.getUint32(p);
    if (header >>> 16 === 0xffff) {
      if (end - p < 8)
        throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, p, 'table features: truncated experimenter OXM id');
      // An experimenter header's length counts the experimenter id.
      if ((header & 0xff) < 4)
        throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, p, 'table features: experimenter OXM length under 4');
      oxms.push({ header, experimenter: v.getUint32(p + 4) });
      p += 8;
    } else {
      oxms.push({ header });
      p += 4;
    }
  }
  return oxms;
}

function decodeProp(b: Uint8Array, v: DataView, type: number, p: number, end: number): TableFeatureProp {
  if (type === OFPTFPT.EXPERIMENTER || type === OFPTFPT.EXPERIMENTER_MISS) {
    if (end - p < 8) throw lenError(p - 4, 'experimenter property shorter than 12 bytes');
    return {
      kind: 'experimenter',
      miss: type === OFPTFPT.EXPERIMENTER_MISS,
      experimenter: v.getUint32(p),
      expType: v.getUint32(p + 4),
      data: b.slice(p + 8, end),
    };
  }
  const base = HAS_MISS.has(type & ~1) ? type & ~1 : type;
  const kind = KIND_BY_BASE[base];
  const miss = type !== base;
  switch (kind) {
    case 'instructions':
    case 'write_actions':
    case 'apply_actions':
      return { kind, miss, ids: decodeIds(b, v, p, end) };
    case 'next_tables':
      return { kind, miss, tables: Array.from(b.subarray(p, end)) };
    case 'match':
    case 'wildcards':
    case 'write_setfield':
    case 'apply_setfield':
      return { kind, miss, oxms: decodeOxms(v, p, end) };
    default:
      return { kind: 'unknown', type, data: b.slice(p, end) };
  }
}

/**
 * Decodes one entry at `off` in `b` (which ends at `end`) and returns it with its length. Lengths
 * that lie are OFPBPC_BAD_LEN at the offending byte, as OVS's decoder finds them: an entry shorter
 * than its fixed part, not a multiple of 8 or past the end; a property whose length is under 4 or
 * whose padded length runs past the entry; an id longer than its property. As OVS, it also refuses
 * table 255 (BAD_TABLE), an unknown 1.5 command (BAD_COMMAND), a repeated property or a missing
 * required one (BAD_FEATURES).
 */
export function decodeTableFeaturesAt(
  b: Uint8Array,
  off: number,
  end: number,
  version: number,
): { tf: TableFeatures; length: number } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (end - off < TABLE_FEATURES_FIXED_LEN) throw lenError(off, 'entry shorter than 64 bytes');
  const len = v.getUint16(off);
  if (len < TABLE_FEATURES_FIXED_LEN || len % 8 || off + len > end) {
    throw lenError(off, `entry length ${len}`);
  }
  const nameBytes = b.subarray(off + 8, off + 40);
  const nul = nameBytes.indexOf(0);
  const tf: TableFeatures = {
    tableId: b[off + 2],
    command: version >= 6 ? b[off + 3] : 0,
    features: version >= 6 ? v.getUint32(off + 4) : 0,
    name: new TextDecoder().decode(nameBytes.subarray(0, nul < 0 ? 32 : nul)),
    metadataMatch: v.getBigUint64(off + 40),
    metadataWrite: v.getBigUint64(off + 48),
    capabilities: v.getUint32(off + 56),
    maxEntries: v.getUint32(off + 60),
    properties: [],
  };
  // OVS checks the command and the table before the properties.
  if (version >= 6 && tf.command > OFPTFC.DISABLE) throw tffError(OFPTFFC.BAD_COMMAND, off + 3, 'bad command');
  if (tf.tableId === 0xff) throw tffError(OFPTFFC.BAD_TABLE, off + 2, 'table 255 (all tables)');
  const entryEnd = off + len;
  let seen = 0;
  for (let p = off + TABLE_FEATURES_FIXED_LEN; p < entryEnd; ) {
    if (entryEnd - p < 4) throw lenError(p, 'truncated property header');
    const type = v.getUint16(p);
    const plen = v.getUint16(p + 2);
    const padded = (plen + 7) & ~7;
    if (plen < 4 || p + padded > entryEnd) throw lenError(p, `property length ${plen}`);
    if (type < 32) {
      if (seen & (1 << type)) throw tffError(OFPTFFC.BAD_FEATURES, p, `duplicate property ${type}`);
      seen |= 1 << type;
    }
    tf.properties.push(decodeProp(b, v, type, p + 4, p + plen));
    p += padded;
  }
  // 1.3 and 1.4 require every base property; 1.5 only once there is any property.
  if ((tf.properties.length || version < 6) && REQUIRED_PROPERTY_TYPES.some((t) => !(seen & (1 << t)))) {
    throw tffError(OFPTFFC.BAD_FEATURES, off, 'missing required properties');
  }
  return { tf, length: len };
}

/**
 * All entries of a table-features request or reply body starting at `off`: the entries decoded
 * before any error, and the error (undefined when the whole body decoded).
 */
export function decodeTableFeaturesEntries(
  b: Uint8Array,
  off: number,
  version: number,
): { entries: TableFeatures[]; error?: OpenFlowDecodeError } {
  const entries: TableFeatures[] = [];
  const end = b.length;
  try {
    for (let p = off; p < end; ) {
      const { tf, length } = decodeTableFeaturesAt(b, p, end, version);
      entries.push(tf);
      p += length;
    }
    return { entries };
  } catch (e) {
    if (!(e instanceof OpenFlowDecodeError)) throw e;
    return { entries, error: e };
  }
}

export interface TableFeaturesMessage {
  version: number;
  xid: number;
  reply: boolean;
  /** The multipart flags (1 = more to follow). */
  flags: number;
  entries: TableFeatures[];
}

/** A whole table-features request or reply; throws OpenFlowDecodeError on a bad body. */
export function decodeTableFeaturesMessage(b: Uint8Array): TableFeaturesMessage {
  if (!isTableFeaturesMessage(b))
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_TYPE, 0, 'not a table-features message');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const declared = v.getUint16(2);
  if (declared !== b.length) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 2, 'message length');
  const { entries, error } = decodeTableFeaturesEntries(b, 16, b[0]);
  if (error) throw error;
  return { version: b[0], xid: v.getUint32(4), reply: b[1] === 19, flags: v.getUint16(10), entries };
}
