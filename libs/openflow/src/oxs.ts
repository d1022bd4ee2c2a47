import type { Writer } from './bytes.js';

/**
 * OpenFlow 1.5's OXS statistics (class 0x8002): the counters that flow stats, aggregate replies
 * and flow-removed carry as a list of fields in an ofp_stats (reserved, length, fields, padded
 * to 8) instead of at fixed offsets.
 */
export const OXS_STATS_CLASS = 0x8002;
export const OXS = { DURATION: 0, IDLE_TIME: 1, FLOW_COUNT: 3, PACKET_COUNT: 4, BYTE_COUNT: 5 } as const;

export function oxsHeader(w: Writer, field: number, len: number): void {
  w.u16(OXS_STATS_CLASS)
    .u8(field << 1)
    .u8(len);
}

/** An ofp_stats whose fields `put` writes: reserved, length, the fields, padded to 8. */
export function putOxsStats(w: Writer, put: (w: Writer) => void): void {
  const start = w.length;
  w.u16(0).u16(0);
  put(w);
  w.setU16(start + 2, w.length - start);
  w.pad(8, start);
}

/** What an ofp_stats said; fields it did not carry stay zero (idleAge undefined). */
export interface OxsStats {
  durationSec: number;
  durationNsec: number;
  idleAge: number | undefined;
  flowCount: number;
  packetCount: bigint;
  byteCount: bigint;
  /** Offset of the field that ran past `end`, or -1 when every field fit. */
  overrunAt: number;
}

/** Reads the OXS fields in [start, end) (the fields after ofp_stats' 4-byte header). */
export function readOxsStats(b: Uint8Array, v: DataView, start: number, end: number): OxsStats {
  const s: OxsStats = {
    durationSec: 0,
    durationNsec: 0,
    idleAge: undefined,
    flowCount: 0,
    packetCount: 0n,
    byteCount: 0n,
    overrunAt: -1,
  };
  for (let q = start; q + 4 <= end; ) {
    const field = b[q + 2] >> 1;
    const len = b[q + 3];
    if (q + 4 + len > end) {
      s.overrunAt = q;
      break;
    }
    if (v.getUint16(q) === OXS_STATS_CLASS) {
      if (len === 8) {
        if (field === OXS.DURATION) {
          s.durationSec = v.getUint32(q + 4);
          s.durationNsec = v.getUint32(q + 8);
        } else if (field === OXS.IDLE_TIME) s.idleAge = v.getUint32(q + 4);
        else if (field === OXS.PACKET_COUNT) s.packetCount = v.getBigUint64(q + 4);
        else if (field === OXS.BYTE_COUNT) s.byteCount = v.getBigUint64(q + 4);
      } else if (len === 4 && field === OXS.FLOW_COUNT) s.flowCount = v.getUint32(q + 4);
    }
    q += 4 + len;
  }
  return s;
}
