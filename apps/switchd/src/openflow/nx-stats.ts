import {
  decodeError,
  encodeActions10,
  encodeContextFor,
  type FlowStats,
  type FlowStatsRequest,
  type Match,
  OFPBRC,
  OFPET,
  pullNxMatch,
  putNxMatch,
  Writer,
} from '@softswitch/openflow';

/**
 * Nicira vendor statistics (NXST_FLOW, NXST_AGGREGATE): what ovs-ofctl asks an OpenFlow 1.0
 * switch for once it has switched the connection to the NXM flow format.
 */
export const NX_VENDOR_ID = 0x2320;
export const NXST_FLOW = 0;
export const NXST_AGGREGATE = 1;
const OFPST_VENDOR = 0xffff;
/** ofp10_stats_msg (12) + vendor (4) + subtype (4) + pad (4). */
const NX_STATS_HEADER = 24;

export interface NxStatsRequest {
  subtype: number;
  request: FlowStatsRequest;
}

/** True if `b` is an OpenFlow 1.0 Nicira vendor stats request. */
export function isNxStatsRequest(b: Uint8Array): boolean {
  if (b[0] !== 1 || b[1] !== 16 || b.length < 16) return false;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return v.getUint16(8) === OFPST_VENDOR && v.getUint32(12) === NX_VENDOR_ID;
}

/** Decodes an NXST_FLOW or NXST_AGGREGATE request (nx_flow_stats_request + nx_match). */
export function decodeNxStatsRequest(b: Uint8Array): NxStatsRequest {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < NX_STATS_HEADER) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 2, 'NXST request too short');
  const subtype = v.getUint32(16);
  if (subtype !== NXST_FLOW && subtype !== NXST_AGGREGATE) {
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_EXP_TYPE, 16, `unknown NXST subtype ${subtype}`);
  }
  const off = NX_STATS_HEADER;
  if (b.length < off + 8) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, off, 'nx_flow_stats_request too short');
  const outPort = v.getUint16(off);
  const matchLen = v.getUint16(off + 2);
  const tableId = b[off + 4];
  if (off + 8 + ((matchLen + 7) & ~7) !== b.length) {
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, off + 2, 'nx_match length does not fill the request');
  }
  const { match } = pullNxMatch(b, off + 8, matchLen, 0);
  return {
    subtype,
    request: { match, tableId, outPort, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n },
  };
}

/** The 12 bytes after ofp10_stats_msg in every NXST reply: vendor, subtype, pad. */
export function nxStatsPrefix(subtype: number): Uint8Array {
  return new Writer(12).u32(NX_VENDOR_ID).u32(subtype).zeros(4).finish();
}

/** One nx_flow_stats entry; ages in seconds (OVS sends age + 1, 0 meaning unknown). */
export function encodeNxFlowStats(f: FlowStats, idleAge: number, hardAge: number): Uint8Array {
  const w = new Writer(128);
  w.u16(0).u8(f.tableId).u8(0).u32(f.durationSec).u32(f.durationNsec);
  w.u16(f.priority).u16(f.idleTimeout).u16(f.hardTimeout);
  const matchLenAt = w.length;
  w.u16(0)
    .u16(Math.min(idleAge + 1, 0xffff))
    .u16(Math.min(hardAge + 1, 0xffff));
  w.u64(f.cookie).u64(f.packetCount).u64(f.byteCount);
  const matchLen = putNxMatch(w, f.match as Match, 0);
  w.setU16(matchLenAt, matchLen);
  w.pad(8);
  encodeActions10(w, f.actions, encodeContextFor(f.match));
  w.setU16(0, w.length);
  return w.finish();
}

export function encodeNxAggregate(packets: bigint, bytes: bigint, flows: number): Uint8Array {
  return new Writer(24).u64(packets).u64(bytes).u32(flows).zeros(4).finish();
}
