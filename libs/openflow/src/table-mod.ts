import type { Writer } from './bytes.js';
import { bodyDecodeError, decodeError, OFPBRC, OFPET } from './errors.js';

/**
 * OpenFlow 1.4+ table-mod properties (after table_id, pad and config): eviction flags and the
 * vacancy thresholds, as OVS encodes them.
 */

export interface TableModProps {
  evictionFlags?: number;
  vacancy?: { down: number; up: number };
}

const PROP_EVICTION = 2;
const PROP_VACANCY = 3;
/** OFPBPC_BAD_VALUE: a vacancy range whose "up" is below its "down". */
const OFPET_BAD_PROPERTY = 13;
const OFPBPC_BAD_VALUE = 4;

export function encodeTableModProps(w: Writer, p: TableModProps): void {
  if (p.evictionFlags !== undefined) w.u16(PROP_EVICTION).u16(8).u32(p.evictionFlags);
  if (p.vacancy) w.u16(PROP_VACANCY).u16(8).u8(p.vacancy.down).u8(p.vacancy.up).u8(0).u8(0);
}

export function decodeTableModProps(b: Uint8Array, off: number): TableModProps {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: TableModProps = {};
  for (let q = off; q < b.length; ) {
    if (b.length - q < 4) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, q, 'truncated table-mod property');
    const type = v.getUint16(q);
    const len = v.getUint16(q + 2);
    if (len < 4 || q + len > b.length)
      throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, q, 'bad table-mod property length');
    if (type === PROP_EVICTION && len === 8) out.evictionFlags = v.getUint32(q + 4);
    else if (type === PROP_VACANCY && len === 8) {
      out.vacancy = { down: b[q + 4], up: b[q + 5] };
      if (out.vacancy.down > out.vacancy.up)
        throw decodeError(OFPET_BAD_PROPERTY, OFPBPC_BAD_VALUE, q, 'vacancy down above vacancy up');
    }
    q += (len + 7) & ~7;
  }
  return out;
}

const OFPBPC_BAD_LEN = 3;
const TABLE_MISS_NAMES = ['controller', 'continue', 'drop', 'controller'];
/** ofputil_table_eviction: 0 is "default" (not printed); anything else than on/off prints as an error. */
const EVICTION_NAMES: Record<number, string> = { 1: 'on', 2: 'off' };

/**
 * ofp-print's text for a table_mod after its header, as OVS 3.1's ofputil_decode_table_mod and
 * ofputil_table_mod_format give it. OVS stores an eviction property's flags in the eviction
 * mode itself, so flags other than 0-2 print as "eviction=***error***"; this copies that.
 */
export function formatTableMod(b: Uint8Array): string {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = b[0];
  const config = v.getUint32(12);
  // (Its length is checked by the caller, as OVS checks it before decoding.)
  let s = b[8] === 255 ? ' table_id: ALL_TABLES' : ` table_id=${b[8]}`;
  // OpenFlow 1.1 and 1.2 carry the table-miss behaviour in the config.
  if (version === 2 || version === 3) s += `, flow_miss_config=${TABLE_MISS_NAMES[config & 3]}`;
  if (version < 5) return s;
  let eviction = config & 4 ? 1 : 2;
  let down = 0;
  let up = 0;
  const badProp = (code: number, at: number, msg: string) => bodyDecodeError(OFPET_BAD_PROPERTY, code, at, msg);
  for (let q = 16; q < b.length; ) {
    const type = v.getUint16(q);
    const len = v.getUint16(q + 2);
    const padded = (len + 7) & ~7;
    if (len < 4 || q + padded > b.length) throw badProp(OFPBPC_BAD_LEN, q, 'bad table-mod property length');
    if (type === 0xffff && len < 12) throw badProp(OFPBPC_BAD_LEN, q, 'short experimenter property');
    if (type === PROP_EVICTION) {
      if (len !== 8) throw badProp(OFPBPC_BAD_LEN, q, 'bad eviction property length');
      eviction = v.getUint32(q + 4);
    } else if (type === PROP_VACANCY) {
      if (len !== 8) throw badProp(OFPBPC_BAD_LEN, q, 'bad vacancy property length');
      [down, up] = [b[q + 4], b[q + 5]];
      if (down > up || up > 100 || b[q + 6]) throw badProp(OFPBPC_BAD_VALUE, q, 'bad vacancy property');
    } else throw bodyDecodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_TYPE, q, 'unknown table-mod property');
    q += padded;
  }
  if (eviction) s += `, eviction=${EVICTION_NAMES[eviction] ?? '***error***'}`;
  return s + (config & 8 ? `, vacancy=on vacancy:${down},${up}` : ', vacancy=off');
}
