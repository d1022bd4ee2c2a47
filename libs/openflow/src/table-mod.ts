import type { Writer } from './bytes.js';
import { decodeError, OFPBRC, OFPET } from './errors.js';

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
