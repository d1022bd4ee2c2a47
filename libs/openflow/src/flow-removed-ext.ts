import { decodeError, OFPBRC, OFPET } from './errors.js';
import type { Match } from './match.js';
import { pullNxMatch } from './nxm.js';
import { readOxsStats } from './oxs.js';

/**
 * The flow-removed forms the fixed-layout decoder leaves out: NXT_FLOW_REMOVED (Nicira subtype
 * 14, an NXM match, table id + 1 so that 0 means unknown) and OpenFlow 1.5's ofp15_flow_removed
 * (the counters as OXS stats after the match).
 */
/** A flow-removed message's contents, whatever its form. */
export interface FlowRemovedFields {
  version: number;
  xid: number;
  cookie: bigint;
  priority: number;
  reason: number;
  tableId: number;
  durationSec: number;
  durationNsec: number;
  idleTimeout: number;
  hardTimeout: number;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
}

export interface FlowRemovedExt extends FlowRemovedFields {
  title: 'NXT_FLOW_REMOVED' | 'OFPT_FLOW_REMOVED';
}

const NXT_FLOW_REMOVED = 14;

export function isFlowRemovedExt(b: Uint8Array): boolean {
  if (b.length < 16) return false;
  if (b[0] >= 6 && b[1] === 11) return true;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return b[0] === 1 && b[1] === 4 && v.getUint32(8) === 0x2320 && v.getUint32(12) === NXT_FLOW_REMOVED;
}

export function decodeFlowRemovedExt(b: Uint8Array): FlowRemovedExt {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const tooShort = () => decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 2, 'flow removed too short');
  const xid = v.getUint32(4);
  if (b[1] === 4) {
    if (b.length < 56) throw tooShort();
    const matchLen = v.getUint16(38);
    if (56 + matchLen > b.length) throw tooShort();
    return {
      title: 'NXT_FLOW_REMOVED',
      version: b[0],
      xid,
      cookie: v.getBigUint64(16),
      priority: v.getUint16(24),
      reason: b[26],
      tableId: b[27] === 0 ? 255 : b[27] - 1,
      durationSec: v.getUint32(28),
      durationNsec: v.getUint32(32),
      idleTimeout: v.getUint16(36),
      hardTimeout: 0,
      packetCount: v.getBigUint64(40),
      byteCount: v.getBigUint64(48),
      match: pullNxMatch(b, 56, matchLen).match,
    };
  }
  if (b.length < 28) throw tooShort();
  const mlen = v.getUint16(26);
  if (mlen < 4 || 24 + mlen > b.length) throw decodeError(OFPET.BAD_MATCH, 1, 26, 'bad match length');
  const fr: FlowRemovedExt = {
    title: 'OFPT_FLOW_REMOVED',
    version: b[0],
    xid,
    tableId: b[8],
    reason: b[9],
    priority: v.getUint16(10),
    idleTimeout: v.getUint16(12),
    hardTimeout: v.getUint16(14),
    cookie: v.getBigUint64(16),
    match: pullNxMatch(b, 28, mlen - 4).match,
    durationSec: 0,
    durationNsec: 0,
    packetCount: 0n,
    byteCount: 0n,
  };
  const stats = 24 + ((mlen + 7) & ~7);
  if (stats + 4 > b.length) throw tooShort();
  const end = Math.min(b.length, stats + v.getUint16(stats + 2));
  // Fields past the stated length are ignored, as ovs-ofctl prints what it could read.
  const st = readOxsStats(b, v, stats + 4, end);
  fr.durationSec = st.durationSec;
  fr.durationNsec = st.durationNsec;
  fr.packetCount = st.packetCount;
  fr.byteCount = st.byteCount;
  return fr;
}
