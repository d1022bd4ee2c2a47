import type { FlowStats, FlowStatsRequest } from '@softswitch/openflow';

type Of = typeof import('@softswitch/openflow');

/**
 * Nicira vendor statistics (NXST_FLOW, NXST_AGGREGATE): what ovs-ofctl asks an OpenFlow 1.0
 * switch for once the connection uses the NXM flow format, so that every field shows.
 */
const NX_VENDOR_ID = 0x2320;
export const NXST_FLOW = 0;
export const NXST_AGGREGATE = 1;
/** ofp10_stats_msg (12) + vendor (4) + subtype (4) + pad (4). */
const NX_STATS_HEADER = 24;
/** Fixed part of nx_flow_stats. */
const NX_FLOW_STATS_LEN = 48;

export function encodeNxStatsRequest(of: Of, subtype: number, r: FlowStatsRequest, xid: number): Uint8Array {
  const w = new of.Writer(256);
  w.u8(1).u8(16).u16(0).u32(xid).u16(0xffff).u16(0).u32(NX_VENDOR_ID).u32(subtype).zeros(4);
  const matchLenAt = w.length + 2;
  w.u16(r.outPort).u16(0).u8(r.tableId).zeros(3);
  const matchStart = w.length;
  const len = of.putNxMatch(w, r.match, 0, r.cookie, r.cookieMask);
  w.pad(8, matchStart);
  w.setU16(matchLenAt, len);
  w.setU16(2, w.length);
  return w.finish();
}

export interface NxFlowStats extends FlowStats {
  /** Seconds since last use / last modification; -1 when the switch did not say. */
  idleAge: number;
  hardAge: number;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** The entries of one NXST_FLOW reply message; throws OpenFlowDecodeError on a malformed entry. */
export function decodeNxFlowStatsReply(of: Of, b: Uint8Array): NxFlowStats[] {
  const v = view(b);
  const out: NxFlowStats[] = [];
  let p = NX_STATS_HEADER;
  while (p < b.length) {
    if (b.length - p < NX_FLOW_STATS_LEN) throw new Error(`truncated nx_flow_stats at byte ${p}`);
    const len = v.getUint16(p);
    if (len < NX_FLOW_STATS_LEN || len > b.length - p) throw new Error(`nx_flow_stats length ${len} at byte ${p}`);
    const matchLen = v.getUint16(p + 18);
    const { match } = of.pullNxMatch(b, p + NX_FLOW_STATS_LEN, matchLen, 0);
    const actionsAt = p + NX_FLOW_STATS_LEN + ((matchLen + 7) & ~7);
    const idle = v.getUint16(p + 20);
    const hard = v.getUint16(p + 22);
    out.push({
      tableId: b[p + 2],
      durationSec: v.getUint32(p + 4),
      durationNsec: v.getUint32(p + 8),
      priority: v.getUint16(p + 12),
      idleTimeout: v.getUint16(p + 14),
      hardTimeout: v.getUint16(p + 16),
      flags: 0,
      idleAge: idle - 1,
      hardAge: hard - 1,
      cookie: v.getBigUint64(p + 24),
      packetCount: v.getBigUint64(p + 32),
      byteCount: v.getBigUint64(p + 40),
      match,
      actions: of.decodeActions(b, actionsAt, p + len - actionsAt, 1),
    });
    p += len;
  }
  return out;
}

/** packet_count, byte_count, flow_count of an NXST_AGGREGATE reply. */
export function decodeNxAggregateReply(b: Uint8Array): { packetCount: bigint; byteCount: bigint; flowCount: number } {
  if (b.length < NX_STATS_HEADER + 24) throw new Error('NXST_AGGREGATE reply too short');
  const v = view(b);
  return {
    packetCount: v.getBigUint64(NX_STATS_HEADER),
    byteCount: v.getBigUint64(NX_STATS_HEADER + 8),
    flowCount: v.getUint32(NX_STATS_HEADER + 16),
  };
}
