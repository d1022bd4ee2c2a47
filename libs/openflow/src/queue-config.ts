import type { Writer } from './bytes.js';
import { decodeError, OFPBRC, OFPET } from './errors.js';
import { formatPort, portFromOf11, portToOf11 } from './format-values.js';

/**
 * OFPT_QUEUE_GET_CONFIG request and reply (OpenFlow 1.0 types 20/21, 1.1-1.3 types 22/23; 1.4
 * moved them to the queue-desc multipart). Rates are tenths of a percent; 0xffff means the
 * property is absent (OVS's UINT16_MAX), values above 1000 mean "disabled".
 */

export interface QueueConfig {
  queueId: number;
  /** The queue's port (OpenFlow 1.1+ entries carry it; 1.0 entries take the reply's). */
  port: number;
  minRate: number;
  maxRate: number;
}

export const RATE_ABSENT = 0xffff;
const OFPP_MAX = 0xff00;
const OFPP_ANY = 0xffff;
const OFPQOFC_BAD_PORT = 0;
const OFPBAC_BAD_OUT_PORT = 4;
const OFPQT_MIN_RATE = 1;
const OFPQT_MAX_RATE = 2;

/** The message type numbers of request and reply for wire `version`, or undefined (1.4+). */
export function queueGetConfigTypes(version: number): [number, number] | undefined {
  if (version === 1) return [20, 21];
  if (version >= 2 && version <= 4) return [22, 23];
  return undefined;
}

export function encodeQueueGetConfigRequest(w: Writer, port: number, version: number): void {
  if (version === 1) w.u16(port).zeros(2);
  else w.u32(portToOf11(port)).zeros(4);
}

export function decodeQueueGetConfigRequest(b: Uint8Array, version: number): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const want = version === 1 ? 12 : 16;
  if (b.length !== want)
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 2, `queue config request must be ${want} bytes`);
  const badPort = () =>
    decodeError(OFPET.QUEUE_OP_FAILED, OFPQOFC_BAD_PORT, 8, 'queue config request for a reserved port');
  if (version === 1) {
    const port = v.getUint16(8);
    // OpenFlow 1.0 asks about one physical port at a time.
    if (port >= OFPP_MAX) throw badPort();
    return port;
  }
  const raw = v.getUint32(8);
  if (raw === 0xffffffff) return OFPP_ANY;
  if (raw >= 0xffffff00) throw badPort();
  if (raw >= OFPP_MAX) throw decodeError(OFPET.BAD_ACTION, OFPBAC_BAD_OUT_PORT, 8, `port ${raw} out of range`);
  return raw;
}

function putRate(w: Writer, type: number, rate: number): void {
  if (rate !== RATE_ABSENT) w.u16(type).u16(16).zeros(4).u16(rate).zeros(6);
}

export function encodeQueueGetConfigReply(w: Writer, port: number, queues: QueueConfig[], version: number): void {
  if (version === 1) w.u16(port).zeros(6);
  else w.u32(portToOf11(port)).zeros(4);
  for (const q of queues) {
    const props = (q.minRate !== RATE_ABSENT ? 16 : 0) + (q.maxRate !== RATE_ABSENT ? 16 : 0);
    if (version <= 2)
      w.u32(q.queueId)
        .u16(8 + props)
        .zeros(2);
    else
      w.u32(q.queueId)
        .u32(portToOf11(q.port))
        .u16(16 + props)
        .zeros(6);
    putRate(w, OFPQT_MIN_RATE, q.minRate);
    putRate(w, OFPQT_MAX_RATE, q.maxRate);
  }
}

export function decodeQueueGetConfigReply(b: Uint8Array, version: number): { port: number; queues: QueueConfig[] } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // Errors inside the queues come after the message is recognized (ovs-ofctl names it first).
  const badLen = (at: number, msg: string) => {
    const e = decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, at, msg);
    e.inBody = at >= 16;
    return e;
  };
  if (b.length < 16 || b.length % 8) throw badLen(2, `queue config reply of ${b.length} bytes`);
  const port = version === 1 ? v.getUint16(8) : portFromOf11(v.getUint32(8)) & 0xffff;
  const queues: QueueConfig[] = [];
  // OpenFlow 1.2 added the port to each queue; 1.0 and 1.1 queues have an 8-byte header.
  const withPort = version >= 3;
  const fixed = withPort ? 16 : 8;
  for (let p = 16; p < b.length; ) {
    if (b.length - p < fixed) throw badLen(p, 'truncated queue');
    const len = v.getUint16(p + (withPort ? 8 : 4));
    if (len < fixed || len > b.length - p) throw badLen(p, `queue length ${len} overruns the reply`);
    const q: QueueConfig = {
      queueId: v.getUint32(p),
      port: withPort ? portFromOf11(v.getUint32(p + 4)) & 0xffff : port,
      minRate: RATE_ABSENT,
      maxRate: RATE_ABSENT,
    };
    for (let r = p + fixed; r < p + len; ) {
      if (p + len - r < 8) throw badLen(r, 'truncated queue property');
      const type = v.getUint16(r);
      const plen = v.getUint16(r + 2);
      if (plen < 8 || plen > p + len - r) throw badLen(r, `queue property length ${plen}`);
      if (type === OFPQT_MIN_RATE || type === OFPQT_MAX_RATE) {
        if (plen !== 16) throw badLen(r, `rate property of ${plen} bytes`);
        if (type === OFPQT_MIN_RATE) q.minRate = v.getUint16(r + 8);
        else q.maxRate = v.getUint16(r + 8);
      }
      // Unknown properties are skipped, as OVS does (it only logs them).
      r += plen;
    }
    queues.push(q);
    p += len;
  }
  return { port, queues };
}

function formatRate(name: string, rate: number): string {
  if (rate <= 1000) return ` ${name}:${(rate / 10).toFixed(1)}%`;
  return rate < RATE_ABSENT ? ` ${name}:(disabled)` : '';
}

/** What follows the message title (OVS's ofp_print_queue_get_config_reply). */
export function formatQueueGetConfigReply(port: number, queues: QueueConfig[]): string {
  // OVS names the port only when there is a queue to show.
  let s = queues.length ? ` port=${formatPort(port)}` : '';
  // ovs-ofctl lists the queues by id.
  const sorted = [...queues].sort((a, b) => a.queueId - b.queueId);
  for (const q of sorted)
    s += `\nqueue ${q.queueId}:${formatRate('min_rate', q.minRate)}${formatRate('max_rate', q.maxRate)}`;
  return s;
}
