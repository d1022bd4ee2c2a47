import {
  encodeContextFor,
  encodeInstructions,
  type FlowStats,
  type Match,
  putNxMatch,
  Writer,
} from '@softswitch/openflow';

/**
 * OpenFlow 1.5 flow and aggregate statistics: counters travel as OXS fields (class 0x8002)
 * rather than at fixed offsets, so they need their own encoding.
 */
const OXS_CLASS = 0x8002;
const OXS = { DURATION: 0, IDLE_TIME: 1, FLOW_COUNT: 3, PACKET_COUNT: 4, BYTE_COUNT: 5 } as const;

function oxsHeader(w: Writer, field: number, len: number): void {
  w.u16(OXS_CLASS)
    .u8(field << 1)
    .u8(len);
}

/** ofp_stats: reserved, length, then OXS entries, padded to 8. */
function putStats(w: Writer, put: (w: Writer) => void): void {
  const start = w.length;
  w.u16(0).u16(0);
  put(w);
  w.setU16(start + 2, w.length - start);
  w.pad(8, start);
}

function putMatch(w: Writer, m: Match): void {
  const start = w.length;
  w.u16(1).u16(0); // OFPMT_OXM
  const len = putNxMatch(w, m, 6);
  w.setU16(start + 2, len + 4);
  w.pad(8, start);
}

/** One ofp_flow_stats (OpenFlow 1.5); idleMs is the time since the flow was last used. */
export function encodeFlowStats15(f: FlowStats, importance: number, idleMs: number): Uint8Array {
  const w = new Writer(160);
  w.u16(0).zeros(2).u8(f.tableId).u8(0); // length, pad, table, reason (OFPFSR_STATS_REQUEST)
  w.u16(f.priority).u16(f.idleTimeout).u16(f.hardTimeout).u16(f.flags).u16(importance);
  w.u64(f.cookie);
  putMatch(w, f.match);
  putStats(w, (s) => {
    oxsHeader(s, OXS.DURATION, 8);
    s.u32(f.durationSec).u32(f.durationNsec);
    oxsHeader(s, OXS.IDLE_TIME, 8);
    s.u32(Math.floor(idleMs / 1000)).u32((idleMs % 1000) * 1_000_000);
    oxsHeader(s, OXS.PACKET_COUNT, 8);
    s.u64(f.packetCount);
    oxsHeader(s, OXS.BYTE_COUNT, 8);
    s.u64(f.byteCount);
  });
  encodeInstructions(w, f.actions, 6, encodeContextFor(f.match));
  w.setU16(0, w.length);
  return w.finish();
}

/** ofp_aggregate_stats_reply (OpenFlow 1.5). */
export function encodeAggregate15(packets: bigint, bytes: bigint, flows: number): Uint8Array {
  const w = new Writer(48);
  putStats(w, (s) => {
    oxsHeader(s, OXS.FLOW_COUNT, 4);
    s.u32(flows);
    oxsHeader(s, OXS.PACKET_COUNT, 8);
    s.u64(packets);
    oxsHeader(s, OXS.BYTE_COUNT, 8);
    s.u64(bytes);
  });
  return w.finish();
}
