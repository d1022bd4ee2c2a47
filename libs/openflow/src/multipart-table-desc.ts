import type { Writer } from './bytes.js';
import { bodyDecodeError, OFPBRC, OFPET } from './errors.js';

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

export function decodeTableDescs(b: Uint8Array, off: number, end: number): TableDesc[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: TableDesc[] = [];
  for (let p = off; p < end; ) {
    if (end - p < 8) throw badLen(p, 'table desc reply has leftover bytes');
    const len = v.getUint16(p);
    if (len < 8 || p + len > end) throw badLen(p, `table desc claims invalid length ${len}`);
    const d: TableDesc = { tableId: b[p + 2], config: v.getUint32(p + 4) };
    for (let q = p + 8; q < p + len; ) {
      if (p + len - q < 4) throw badLen(q, 'truncated table desc property');
      const type = v.getUint16(q);
      const plen = v.getUint16(q + 2);
      if (plen < 4 || q + plen > p + len) throw badLen(q, 'bad table desc property length');
      if (type === PROP_EVICTION && plen === 8) d.evictionFlags = v.getUint32(q + 4);
      else if (type === PROP_VACANCY && plen === 8) d.vacancy = { down: b[q + 4], up: b[q + 5], vacancy: b[q + 6] };
      q += (plen + 7) & ~7;
    }
    out.push(d);
    p += len;
  }
  return out;
}

const EVICTION_FLAG_NAMES = ['OTHER', 'IMPORTANCE', 'LIFETIME'];

function evictionFlagNames(flags: number): string {
  const names: string[] = [];
  for (let i = 0; i < 32; i++) {
    if (flags & (1 << i)) names.push(EVICTION_FLAG_NAMES[i] ?? `0x${(1 << i).toString(16)}`);
  }
  return names.join('|');
}

/** OVS's ofputil_table_desc_format for each table, a blank line between tables. */
export function formatTableDescs(descs: readonly TableDesc[]): string {
  return descs
    .map((d) => {
      let s = `\n  table ${d.tableId}:\n`;
      s += `   eviction=${d.config & OFPTC14_EVICTION ? 'on' : 'off'}`;
      if (d.evictionFlags !== undefined) s += ` eviction_flags=${evictionFlagNames(d.evictionFlags)}`;
      s += `\n   vacancy=${d.config & OFPTC14_VACANCY_EVENTS ? 'on' : 'off'}`;
      if (d.config & OFPTC14_VACANCY_EVENTS && d.vacancy) {
        s += ` vacancy_down=${d.vacancy.down}% vacancy_up=${d.vacancy.up}% vacancy=${d.vacancy.vacancy}%`;
      }
      return `${s}\n`;
    })
    .join('')
    .replace(/\n$/, '');
}
