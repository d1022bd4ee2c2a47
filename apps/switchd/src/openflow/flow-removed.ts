import type { RemovedFlow } from '@softswitch/ofproto';
import { encodeMessage, type Match, OXS, oxsHeader, putNxMatch, putOxsStats, Writer } from '@softswitch/openflow';

/** OFPRR_*: why a flow went (OpenFlow 1.4 numbering; ofproto's reasons). */
export const OFPRR = { IDLE_TIMEOUT: 0, HARD_TIMEOUT: 1, DELETE: 2, GROUP_DELETE: 3, METER_DELETE: 4 } as const;

const NXT_FLOW_REMOVED = 14;

/**
 * One flow-removed message in the form a connection speaks, as OVS's ofputil_encode_flow_removed:
 * OpenFlow 1.0 (OFPT_FLOW_REMOVED with the 1.0 match), NXM (NXT_FLOW_REMOVED, when the 1.0
 * connection set the NXM flow format), OpenFlow 1.1-1.4 (ofp12_flow_removed with an OXM match) and
 * OpenFlow 1.5 (counters as OXS stats). A meter deletion is reported as a plain delete before 1.4.
 */
export function encodeFlowRemoved(removed: RemovedFlow, version: number, nxm: boolean, now: number): Uint8Array {
  const { entry } = removed;
  let reason = removed.reason;
  if (reason === OFPRR.METER_DELETE && version < 5) reason = OFPRR.DELETE;
  const ms = Math.max(0, now - entry.created);
  const durationSec = Math.floor(ms / 1000);
  const durationNsec = (ms % 1000) * 1_000_000;
  if (version === 1 && nxm) {
    const w = new Writer(128);
    w.u8(1).u8(4).u16(0).u32(0).u32(0x2320).u32(NXT_FLOW_REMOVED);
    w.u64(entry.cookie)
      .u16(entry.priority)
      .u8(reason)
      .u8(entry.tableId + 1);
    w.u32(durationSec).u32(durationNsec).u16(entry.idleTimeout);
    const matchLenAt = w.length;
    w.u16(0).u64(entry.packets).u64(entry.bytes);
    const matchLen = putNxMatch(w, entry.match as Match, 0);
    w.setU16(matchLenAt, matchLen);
    w.pad(8);
    w.setU16(2, w.length);
    return w.finish();
  }
  if (version >= 6) {
    const w = new Writer(160);
    w.u8(version).u8(11).u16(0).u32(0);
    // ofp15_flow_removed: table_id, reason, priority, idle and hard timeouts, cookie.
    w.u8(entry.tableId).u8(reason).u16(entry.priority);
    w.u16(entry.idleTimeout).u16(entry.hardTimeout).u64(entry.cookie);
    const matchAt = w.length;
    w.u16(1).u16(0); // OFPMT_OXM
    const len = putNxMatch(w, entry.match as Match, version);
    w.setU16(matchAt + 2, len + 4);
    w.pad(8, matchAt);
    putOxsStats(w, (st) => {
      oxsHeader(st, OXS.DURATION, 8);
      st.u32(durationSec).u32(durationNsec);
      oxsHeader(st, OXS.PACKET_COUNT, 8);
      st.u64(entry.packets);
      oxsHeader(st, OXS.BYTE_COUNT, 8);
      st.u64(entry.bytes);
    });
    w.setU16(2, w.length);
    return w.finish();
  }
  return encodeMessage({
    type: 'flow_removed',
    version,
    xid: 0,
    cookie: entry.cookie,
    priority: entry.priority,
    reason,
    tableId: entry.tableId,
    durationSec,
    durationNsec,
    idleTimeout: entry.idleTimeout,
    hardTimeout: entry.hardTimeout,
    packetCount: entry.packets,
    byteCount: entry.bytes,
    match: entry.match,
  });
}
