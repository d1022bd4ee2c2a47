import type { Writer } from './bytes.js';
import { decodeError, OFPBRC, OFPET } from './errors.js';
import { formatPort, portFromOf11, portToOf11 } from './format-values.js';
import { formatQueueGetConfigReply, type QueueConfig, RATE_ABSENT } from './queue-config.js';

/**
 * Queue statistics (OFPMP_QUEUE, multipart type 5): the request names a port (OFPP_ALL on 1.0,
 * OFPP_ANY on 1.1+, both read as 0xffff here) and a queue (0xffffffff: all); each reply entry
 * counts one queue. Counters a switch cannot read are all ones and print as "?".
 */

export const OFPMP_QUEUE = 5;
export const OFPQ_ALL = 0xffffffff;
const OFPP_ALL_10 = 0xfffc;
const UNKNOWN = 0xffffffffffffffffn;

export interface QueueStatsRequest {
  portNo: number;
  queueId: number;
}

export interface QueueStats {
  portNo: number;
  queueId: number;
  txBytes: bigint;
  txPackets: bigint;
  txErrors: bigint;
  /** 0xffffffff: unknown (and always so before OpenFlow 1.3). */
  durationSec: number;
  durationNsec: number;
}

export function encodeQueueStatsRequest(w: Writer, r: QueueStatsRequest, version: number): void {
  if (version === 1) w.u16(r.portNo === 0xffff ? OFPP_ALL_10 : r.portNo).zeros(2);
  else w.u32(portToOf11(r.portNo));
  w.u32(r.queueId);
}

export function decodeQueueStatsRequest(b: Uint8Array, off: number, version: number): QueueStatsRequest {
  if (b.length - off !== 8)
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, off, 'queue stats request body must be 8 bytes');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const raw = version === 1 ? v.getUint16(off) : portFromOf11(v.getUint32(off)) & 0xffff;
  return { portNo: version === 1 && raw === OFPP_ALL_10 ? 0xffff : raw, queueId: v.getUint32(off + 4) };
}

const entryLen = (version: number) => (version >= 5 ? 48 : version === 4 ? 40 : 32);

export function encodeQueueStats(w: Writer, stats: QueueStats[], version: number): void {
  for (const q of stats) {
    if (version >= 5) w.u16(48).zeros(6);
    if (version === 1) w.u16(q.portNo).zeros(2);
    else w.u32(portToOf11(q.portNo));
    w.u32(q.queueId).u64(q.txBytes).u64(q.txPackets).u64(q.txErrors);
    if (version >= 4) w.u32(q.durationSec).u32(q.durationNsec);
  }
}

export function decodeQueueStats(b: Uint8Array, off: number, version: number): QueueStats[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: QueueStats[] = [];
  for (let p = off; p < b.length; ) {
    // OpenFlow 1.4+ entries lead with their length (and may carry properties).
    const len = version >= 5 && b.length - p >= 2 ? v.getUint16(p) : entryLen(version);
    if (len < entryLen(version) || p + len > b.length)
      throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, p, 'truncated queue stats entry');
    const q = version >= 5 ? p + 8 : p;
    const portNo = version === 1 ? v.getUint16(q) : portFromOf11(v.getUint32(q)) & 0xffff;
    const at = q + 4; // after the port (1.0: u16 and padding; 1.1+: u32)
    out.push({
      portNo,
      queueId: v.getUint32(at),
      txBytes: v.getBigUint64(at + 4),
      txPackets: v.getBigUint64(at + 12),
      txErrors: v.getBigUint64(at + 20),
      durationSec: version >= 4 ? v.getUint32(at + 28) : 0xffffffff,
      durationNsec: version >= 4 ? v.getUint32(at + 32) : 0xffffffff,
    });
    p += len;
  }
  return out;
}

/** What follows the request title (OVS: " port=PORT queue=ID|ALL"). */
export function formatQueueStatsRequest(r: QueueStatsRequest, version: number): string {
  void version; // OVS reads 1.0's OFPP_ALL as OFPP_ANY: "ANY" either way
  return ` port=${formatPort(r.portNo)} queue=${r.queueId === OFPQ_ALL ? 'ALL' : r.queueId}`;
}

/** What follows the reply title: the count, then a line per queue as ovs-ofctl prints it. */
export function formatQueueStats(stats: QueueStats[], formatDuration: (sec: number, nsec: number) => string): string {
  const n = (x: bigint) => (x === UNKNOWN ? '?' : String(x));
  let s = ` ${stats.length} queues`;
  for (const q of stats) {
    const duration = q.durationSec === 0xffffffff ? '?' : formatDuration(q.durationSec, q.durationNsec);
    s += `\n  port ${formatPort(q.portNo)} queue ${q.queueId}: bytes=${n(q.txBytes)}, pkts=${n(q.txPackets)}, errors=${n(q.txErrors)}, duration=${duration}`;
  }
  return s;
}

/**
 * Queue descriptions (OFPMP_QUEUE_DESC, OpenFlow 1.4+; earlier versions use
 * OFPT_QUEUE_GET_CONFIG): the request names a port and a queue, each reply entry one queue of
 * one port (port, queue, length, then properties, of which only the rates are read).
 */
export const OFPMP_QUEUE_DESC = 15;
const OFPQDPT_MIN_RATE = 1;
const OFPQDPT_MAX_RATE = 2;

export function encodeQueueDescRequest(w: Writer, r: QueueStatsRequest): void {
  w.u32(portToOf11(r.portNo)).u32(r.queueId);
}

export function decodeQueueDescRequest(b: Uint8Array, off: number): QueueStatsRequest {
  if (b.length - off !== 8)
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, off, 'queue desc request body must be 8 bytes');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { portNo: portFromOf11(v.getUint32(off)) & 0xffff, queueId: v.getUint32(off + 4) };
}

export function encodeQueueDescs(w: Writer, queues: QueueConfig[]): void {
  for (const q of queues) {
    const start = w.length;
    w.u32(portToOf11(q.port)).u32(q.queueId).u16(0).zeros(6);
    if (q.minRate !== RATE_ABSENT) w.u16(OFPQDPT_MIN_RATE).u16(8).u16(q.minRate).zeros(2);
    if (q.maxRate !== RATE_ABSENT) w.u16(OFPQDPT_MAX_RATE).u16(8).u16(q.maxRate).zeros(2);
    w.setU16(start + 8, w.length - start);
  }
}

export function decodeQueueDescs(b: Uint8Array, off: number): QueueConfig[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: QueueConfig[] = [];
  for (let p = off; p < b.length; ) {
    const len = b.length - p >= 16 ? v.getUint16(p + 8) : 0;
    if (len < 16 || p + len > b.length)
      throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, p, 'truncated queue desc entry');
    const q: QueueConfig = {
      port: portFromOf11(v.getUint32(p)) & 0xffff,
      queueId: v.getUint32(p + 4),
      minRate: RATE_ABSENT,
      maxRate: RATE_ABSENT,
    };
    for (let r = p + 16; r + 8 <= p + len; ) {
      const type = v.getUint16(r);
      const plen = v.getUint16(r + 2);
      if (plen < 4 || r + plen > p + len) break;
      if (type === OFPQDPT_MIN_RATE && plen >= 6) q.minRate = v.getUint16(r + 4);
      if (type === OFPQDPT_MAX_RATE && plen >= 6) q.maxRate = v.getUint16(r + 4);
      r += (plen + 7) & ~7;
    }
    out.push(q);
    p += len;
  }
  return out;
}

/** What follows the request title: the port, and the queue unless all. */
export function formatQueueDescRequest(r: QueueStatsRequest): string {
  return ` port=${formatPort(r.portNo)}${r.queueId === OFPQ_ALL ? '' : ` queue=${r.queueId}`}`;
}

/** The queues grouped by port, ports in order, as ovs-ofctl prints a queue-desc reply. */
export function formatQueueDescs(queues: QueueConfig[]): string {
  const ports = [...new Set(queues.map((q) => q.port))].sort((a, b) => a - b);
  return ports
    .map((port, i) => {
      const text = formatQueueGetConfigReply(
        port,
        queues.filter((q) => q.port === port),
      );
      return i === 0 ? text : `\n${text.slice(1)}`;
    })
    .join('');
}
