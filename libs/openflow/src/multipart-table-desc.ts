import type { Writer } from './bytes.js';
import { bodyDecodeError, OFPBRC, OFPET } from './errors.js';
import { formatFlags } from './format-values.js';

/**
 * OpenFlow 1.4+ table descriptions (OFPMP_TABLE_DESC): each table's config flags and its
 * eviction and vacancy properties, as OVS encodes and prints them.
 */

export const OFPMP_TABLE_DESC = 14;
/** ofp14_table_mod_config bits. */
export const OFPTC14_EVICTION = 1 << 2;
export const OFPTC14_VACANCY_EVENTS = 1 << 3;
const PROP_EVICTION = 2;
const PROP_VACANCY = 3;
/** OVS's only eviction flags: OTHER | IMPORTANCE | LIFETIME. */
export const OVS_EVICTION_FLAGS = 7;

export interface TableVacancy {
  /** Percentages. */
  down: number;
  up: number;
  vacancy: number;
}

export interface TableDesc {
  tableId: number;
  config: number;
  /** The eviction property, when present. */
  evictionFlags?: number;
  /** The vacancy property, when present (OVS sends it while vacancy events are on). */
  vacancy?: TableVacancy;
}

export function encodeTableDescs(w: Writer, descs: readonly TableDesc[]): void {
  for (const d of descs) {
    const start = w.length;
    w.u16(0).u8(d.tableId).u8(0).u32(d.config);
    if (d.evictionFlags !== undefined) w.u16(PROP_EVICTION).u16(8).u32(d.evictionFlags);
    if (d.vacancy) w.u16(PROP_VACANCY).u16(8).u8(d.vacancy.down).u8(d.vacancy.up).u8(d.vacancy.vacancy).u8(0);
    w.setU16(start, w.length - start);
  }
}

const badLen = (at: number, msg: string) => bodyDecodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, at, msg);

/** OFPET_BAD_PROPERTY's BAD_LEN, which OVS's property parsing reports. */
const badProp = (code: number, at: number, msg: string) => bodyDecodeError(13, code, at, msg);
const OFPBPC_BAD_LEN = 3;

/** OVS's ofputil_decode_table_desc, entry by entry; unknown properties are ignored as OVS does. */
export function decodeTableDescs(b: Uint8Array, off: number, end: number): TableDesc[] {
  const out: TableDesc[] = [];
  decodeTableDescsInto(out, b, off, end);
  return out;
}

/** The entries before the first bad one (for ofp-print, which prints those before the error). */
export function decodeTableDescsPrefix(b: Uint8Array, off: number, end: number): TableDesc[] {
  const out: TableDesc[] = [];
  try {
    decodeTableDescsInto(out, b, off, end);
  } catch {
    // `out` holds the good entries.
  }
  return out;
}

function decodeTableDescsInto(out: TableDesc[], b: Uint8Array, off: number, end: number): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let p = off; p < end; ) {
    if (end - p < 8) throw badLen(p, 'table desc reply has leftover bytes');
    const len = v.getUint16(p);
    if (len < 8 || p + len > end) throw badLen(p, `table desc claims invalid length ${len}`);
    const d: TableDesc = { tableId: b[p + 2], config: v.getUint32(p + 4) };
    for (let q = p + 8; q < p + len; ) {
      if (p + len - q < 4) throw badProp(OFPBPC_BAD_LEN, q, 'truncated table desc property');
      const type = v.getUint16(q);
      const plen = v.getUint16(q + 2);
      if (plen < 4 || q + ((plen + 7) & ~7) > p + len) throw badProp(OFPBPC_BAD_LEN, q, 'bad property length');
      if (type === 0xffff && plen < 12) throw badProp(OFPBPC_BAD_LEN, q, 'short experimenter property');
      if ((type === PROP_EVICTION || type === PROP_VACANCY) && plen !== 8)
        throw badProp(OFPBPC_BAD_LEN, q, 'bad table desc property length');
      if (type === PROP_EVICTION) d.evictionFlags = v.getUint32(q + 4);
      else if (type === PROP_VACANCY) d.vacancy = { down: b[q + 4], up: b[q + 5], vacancy: b[q + 6] };
      q += (plen + 7) & ~7;
    }
    out.push(d);
    p += len;
  }
}

/** OFPTMPEF14_* names by bit. */
const EVICTION_FLAG_NAMES: Record<number, string> = { 1: 'OTHER', 2: 'IMPORTANCE', 4: 'LIFETIME' };
/** OVS's ofp_print_bit_names: known names, then any other bits as one hex number; "0" for none. */
const evictionFlagNames = (flags: number): string => formatFlags(flags, (bit) => EVICTION_FLAG_NAMES[bit], '|');

/** OVS's ofputil_table_desc_format for each table, a blank line between tables. */
export function formatTableDescs(descs: readonly TableDesc[]): string {
  return descs
    .map((d) => {
      let s = `\n  table ${d.tableId}:\n`;
      s += `   eviction=${d.config & OFPTC14_EVICTION ? 'on' : 'off'} eviction_flags=`;
      s += d.evictionFlags === undefined ? '(default)' : evictionFlagNames(d.evictionFlags);
      s += `\n   vacancy=${d.config & OFPTC14_VACANCY_EVENTS ? 'on' : 'off'}`;
      if (d.config & OFPTC14_VACANCY_EVENTS) {
        const t = d.vacancy ?? { down: 0, up: 0, vacancy: 0 };
        s += ` vacancy_down=${t.down}% vacancy_up=${t.up}% vacancy=${t.vacancy}%`;
      }
      return `${s}\n`;
    })
    .join('')
    .replace(/\n$/, '');
}
