import type { Writer } from './bytes.js';
import { decodeError, OFPBRC, OFPET } from './errors.js';
import { formatPort, portFromOf11, portToOf11 } from './format-values.js';
import { formatDuration } from './multipart.js';

/**
 * Port statistics entries (ofp_port_stats) of every version. OpenFlow 1.4+ entries carry their
 * length and properties: Ethernet (frame/over/crc errors, collisions) and, as OVS sends them,
 * Intel experimenter properties with RFC 2819 size buckets and a netdev's custom counters.
 */
export interface PortStats {
  portNo: number;
  counters: bigint[]; // rx_packets, tx_packets, rx_bytes, tx_bytes, rx_dropped, tx_dropped, rx_errors, tx_errors, rx_frame_err, rx_over_err, rx_crc_err, collisions
  durationSec: number;
  durationNsec: number;
  /** RFC 2819 counters in intel_port_stats_rfc2819 order (1.4+; all-ones when unknown). */
  rfc2819?: bigint[];
  /** A netdev's own named counters (1.4+). */
  custom?: { name: string; value: bigint }[];
}

const UNKNOWN = 0xffffffffffffffffn;
const INTEL_VENDOR_ID = 0x0000aa01;
const INTEL_RFC2819 = 1;
const INTEL_CUSTOM = 2;
const RFC2819_COUNT = 21;
/** ofp14_port_stats before its properties; the Ethernet property; the RFC 2819 property. */
const STATS14_LEN = 80;
const ETHERNET_PROP_LEN = 40;
const RFC2819_PROP_LEN = 16 + 8 * RFC2819_COUNT;

const badLen = (at: number, msg: string) => decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, at, msg);

/** Fixed entry size before OpenFlow 1.4 (1.3 adds the duration). */
function fixedSize(version: number): number {
  return version >= 4 ? 112 : 104;
}

export function encodePortStatsEntry(w: Writer, p: PortStats, version: number): void {
  const [rxp, txp, rxb, txb, rxd, txd, rxe, txe, ...eth] = p.counters;
  if (version >= 5) {
    const start = w.length;
    w.u16(0).zeros(2).u32(portToOf11(p.portNo)).u32(p.durationSec).u32(p.durationNsec);
    for (const c of [rxp, txp, rxb, txb, rxd, txd, rxe, txe]) w.u64(c);
    w.u16(0).u16(ETHERNET_PROP_LEN).zeros(4);
    for (const c of eth) w.u64(c);
    if (p.rfc2819) {
      w.u16(0xffff).u16(RFC2819_PROP_LEN).u32(INTEL_VENDOR_ID).u32(INTEL_RFC2819).zeros(4);
      for (const c of p.rfc2819) w.u64(c);
    }
    if (p.custom?.length) encodeCustom(w, p.custom);
    w.view.setUint16(start, w.length - start);
    return;
  }
  if (version === 1) w.u16(p.portNo).zeros(6);
  else w.u32(portToOf11(p.portNo)).zeros(4);
  for (const c of p.counters) w.u64(c);
  if (version >= 4) w.u32(p.durationSec).u32(p.durationNsec);
}

/** intel_port_custom_stats: a count, then (name length, name, be64 value) packed, padded to 8. */
function encodeCustom(w: Writer, custom: { name: string; value: bigint }[]): void {
  const start = w.length;
  w.u16(0xffff).u16(0).u32(INTEL_VENDOR_ID).u32(INTEL_CUSTOM).zeros(2).u16(custom.length);
  for (const c of custom) {
    const name = new TextEncoder().encode(c.name);
    w.u8(name.length).bytes(name).u64(c.value);
  }
  w.view.setUint16(start + 2, w.length - start);
  w.zeros((8 - ((w.length - start) % 8)) % 8);
}

export function decodePortStatsEntries(b: Uint8Array, off: number, end: number, version: number): PortStats[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ports: PortStats[] = [];
  if (version < 5) {
    const size = fixedSize(version);
    if ((end - off) % size) throw badLen(off, 'port stats reply is not a whole number of entries');
    for (let p = off; p < end; p += size) {
      const counters: bigint[] = [];
      for (let i = 0; i < 12; i++) counters.push(v.getBigUint64(p + 8 + 8 * i));
      ports.push({
        portNo: version === 1 ? v.getUint16(p) : portFromOf11(v.getUint32(p)) & 0xffff,
        counters,
        durationSec: version >= 4 ? v.getUint32(p + 104) : 0,
        durationNsec: version >= 4 ? v.getUint32(p + 108) : 0,
      });
    }
    return ports;
  }
  for (let p = off; p < end; ) {
    const len = p + 2 <= end ? v.getUint16(p) : 0;
    if (len < STATS14_LEN || p + len > end) throw badLen(p, 'bad port stats entry length');
    const counters: bigint[] = [];
    for (let i = 0; i < 8; i++) counters.push(v.getBigUint64(p + 16 + 8 * i));
    // Without an Ethernet property these are unknown.
    counters.push(UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN);
    const entry: PortStats = {
      portNo: portFromOf11(v.getUint32(p + 4)) & 0xffff,
      counters,
      durationSec: v.getUint32(p + 8),
      durationNsec: v.getUint32(p + 12),
    };
    decodeProperties(b, v, p + STATS14_LEN, p + len, entry);
    ports.push(entry);
    p += len;
  }
  return ports;
}

function decodeProperties(b: Uint8Array, v: DataView, off: number, end: number, entry: PortStats): void {
  for (let p = off; p < end; ) {
    if (p + 4 > end) throw badLen(p, 'truncated port stats property');
    const type = v.getUint16(p);
    const len = v.getUint16(p + 2);
    if (len < 4 || p + len > end) throw badLen(p, 'bad port stats property length');
    if (type === 0) {
      if (len !== ETHERNET_PROP_LEN) throw badLen(p, 'bad Ethernet port stats property length');
      for (let i = 0; i < 4; i++) entry.counters[8 + i] = v.getBigUint64(p + 8 + 8 * i);
    } else if (type === 0xffff && len >= 12 && v.getUint32(p + 4) === INTEL_VENDOR_ID) {
      const expType = v.getUint32(p + 8);
      if (expType === INTEL_RFC2819) {
        if (len !== RFC2819_PROP_LEN) throw badLen(p, 'bad RFC 2819 port stats property length');
        entry.rfc2819 = [];
        for (let i = 0; i < RFC2819_COUNT; i++) entry.rfc2819.push(v.getBigUint64(p + 16 + 8 * i));
      } else if (expType === INTEL_CUSTOM) entry.custom = decodeCustom(b, v, p, p + len);
    }
    // Optical and unknown properties are skipped, as OVS does.
    p += (len + 7) & ~7;
  }
}

function decodeCustom(b: Uint8Array, v: DataView, off: number, end: number): { name: string; value: bigint }[] {
  if (off + 16 > end) throw badLen(off, 'truncated custom port stats property');
  const count = v.getUint16(off + 14);
  const out: { name: string; value: bigint }[] = [];
  let p = off + 16;
  for (let i = 0; i < count; i++) {
    const n = p < end ? b[p] : 0;
    if (p + 1 + n + 8 > end) throw badLen(p, 'truncated custom port counter');
    out.push({ name: new TextDecoder().decode(b.subarray(p + 1, p + 1 + n)), value: v.getBigUint64(p + 1 + n) });
    p += 1 + n + 8;
  }
  return out;
}

const RFC2819_RX = ['1_to_64_packets', '65_to_127_packets', '128_to_255_packets', '256_to_511_packets'];

/** ovs-ofctl's text for port statistics entries after the "N ports" count. */
export function formatPortStatsEntries(ports: PortStats[], version: number): string {
  const c = (x: bigint) => (x === UNKNOWN ? '?' : String(x));
  let s = '';
  for (const p of ports) {
    const [rxp, txp, rxb, txb, rxd, txd, rxe, txe, frame, over, crc, coll] = p.counters;
    s += `\n  port ${p.portNo < 10 ? ' ' : ''}${formatPort(p.portNo)}: rx pkts=${c(rxp)}, bytes=${c(rxb)}, drop=${c(rxd)}, errs=${c(rxe)}, frame=${c(frame)}, over=${c(over)}, crc=${c(crc)}`;
    s += `\n           tx pkts=${c(txp)}, bytes=${c(txb)}, drop=${c(txd)}, errs=${c(txe)}, coll=${c(coll)}`;
    if (version >= 4 && p.durationSec !== 0xffffffff)
      s += `\n           duration=${formatDuration(p.durationSec, p.durationNsec)}`;
    if (p.custom?.length) s += formatCustom(p.custom);
  }
  void RFC2819_RX;
  return s;
}

/** Three counters a line, each followed by a comma, as OVS prints a netdev's custom statistics. */
function formatCustom(custom: { name: string; value: bigint }[]): string {
  let s = '\n           CUSTOM Statistics';
  custom.forEach((c, i) => {
    if (!c.name) return;
    s += i % 3 === 0 ? '\n                      ' : ' ';
    s += `${c.name}=${c.value},`;
  });
  return s;
}
