// Nicira's IPFIX statistics (NXST_IPFIX_BRIDGE, NXST_IPFIX_FLOW): vendor multipart messages in
// every OpenFlow version, with a bodiless request and 88-byte statistics entries in the reply
// (lib/ofp-ipfix.c). The bridge reply holds exactly one entry; the flow reply one per collector set.
import { Writer } from './bytes.js';
import { NX_VENDOR_ID } from './error-table.js';

export const NXST_IPFIX_BRIDGE = 3;
export const NXST_IPFIX_FLOW = 4;

/** Vendor multipart header: OpenFlow header, type 0xffff and flags (plus 4 pad bytes from 1.1), vendor, subtype (plus 4 pad bytes in 1.0). */
const HEADER_LEN = 24;
const ENTRY_LEN = 88;
const OFPMP_VENDOR = 0xffff;
const UNKNOWN = 0xffffffffffffffffn;

export type IpfixKind = 'bridge' | 'flow';

/** What an IPFIX statistics message is, from its header. */
export interface IpfixMessageKind {
  kind: IpfixKind;
  reply: boolean;
}

/** One entry of an IPFIX statistics reply; a counter of 2^64-1 means "unknown" (printed `?`). */
export interface IpfixStats {
  collectorSetId: number;
  totalFlows: bigint;
  currentFlows: bigint;
  pkts: bigint;
  ipv4Pkts: bigint;
  ipv6Pkts: bigint;
  errorPkts: bigint;
  ipv4ErrorPkts: bigint;
  ipv6ErrorPkts: bigint;
  txPkts: bigint;
  txErrors: bigint;
}

/** The counters in wire order (collector_set_id follows them). */
const COUNTERS = [
  'totalFlows',
  'currentFlows',
  'pkts',
  'ipv4Pkts',
  'ipv6Pkts',
  'errorPkts',
  'ipv4ErrorPkts',
  'ipv6ErrorPkts',
  'txPkts',
  'txErrors',
] as const;

/** Where the vendor id sits: after the 1.0 stats header (4 bytes) or the 1.1+ one (8 bytes). */
const vendorOffset = (version: number) => (version === 1 ? 12 : 16);

/** Whether `b` is an NXST_IPFIX_* request or reply (in any version), and which. */
export function ipfixMessageKind(b: Uint8Array): IpfixMessageKind | undefined {
  // Checked on every message a switch receives: bytes first, a DataView only for vendor stats.
  const request = b[0] === 1 ? 16 : 18;
  if (b.length < HEADER_LEN || (b[1] !== request && b[1] !== request + 1)) return undefined;
  if (((b[8] << 8) | b[9]) !== OFPMP_VENDOR) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const at = vendorOffset(b[0]);
  if (v.getUint32(at) !== NX_VENDOR_ID) return undefined;
  const subtype = v.getUint32(at + 4);
  if (subtype !== NXST_IPFIX_BRIDGE && subtype !== NXST_IPFIX_FLOW) return undefined;
  return { kind: subtype === NXST_IPFIX_BRIDGE ? 'bridge' : 'flow', reply: b[1] !== request };
}

/** The message's name as ovs-ofctl prints it, e.g. `NXST_IPFIX_FLOW reply`. */
export function ipfixTitle(k: IpfixMessageKind): string {
  return `NXST_IPFIX_${k.kind.toUpperCase()} ${k.reply ? 'reply' : 'request'}`;
}

function writeHeader(w: Writer, kind: IpfixKind, reply: boolean, version: number, xid: number, flags = 0): void {
  const type = (version === 1 ? 16 : 18) + (reply ? 1 : 0);
  w.u8(version).u8(type).u16(0).u32(xid).u16(OFPMP_VENDOR).u16(flags);
  if (version > 1) w.zeros(4);
  w.u32(NX_VENDOR_ID).u32(kind === 'bridge' ? NXST_IPFIX_BRIDGE : NXST_IPFIX_FLOW);
  if (version === 1) w.zeros(4);
}

/** The request ovs-ofctl dump-ipfix-bridge / dump-ipfix-flow sends. */
export function encodeIpfixRequest(kind: IpfixKind, version: number, xid: number): Uint8Array {
  const w = new Writer(HEADER_LEN);
  writeHeader(w, kind, false, version, xid);
  w.setU16(2, w.length);
  return w.finish();
}

/** A reply with these entries (a bridge reply takes exactly one). */
export function encodeIpfixReply(
  kind: IpfixKind,
  version: number,
  xid: number,
  entries: IpfixStats[],
  flags = 0,
): Uint8Array {
  const w = new Writer(HEADER_LEN + ENTRY_LEN * entries.length);
  writeHeader(w, kind, true, version, xid, flags);
  for (const e of entries) {
    for (const name of COUNTERS) w.u64(e[name]);
    w.u32(e.collectorSetId).zeros(4);
  }
  w.setU16(2, w.length);
  return w.finish();
}

/** The entries of a reply whose length is already checked. */
export function decodeIpfixReply(b: Uint8Array): IpfixStats[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: IpfixStats[] = [];
  for (let off = HEADER_LEN; off + ENTRY_LEN <= b.length; off += ENTRY_LEN) {
    const e = { collectorSetId: v.getUint32(off + 80) } as IpfixStats;
    COUNTERS.forEach((name, i) => {
      e[name] = v.getBigUint64(off + 8 * i);
    });
    out.push(e);
  }
  return out;
}

/** ofpraw's length rule: a bodiless request, a bridge reply of one entry, a flow reply of whole entries. */
export function ipfixLengthOk(b: Uint8Array, k: IpfixMessageKind): boolean {
  if (!k.reply) return b.length === HEADER_LEN;
  if (k.kind === 'bridge') return b.length === HEADER_LEN + ENTRY_LEN;
  return (b.length - HEADER_LEN) % ENTRY_LEN === 0;
}

const stat = (v: bigint) => (v === UNKNOWN ? '?' : v.toString());

/** print_ipfix_stat's two lines; `indent` lines the second up under the first. */
function formatCounters(e: IpfixStats, indent: number): string {
  return (
    `flows=${stat(e.totalFlows)}, current flows=${stat(e.currentFlows)}, sampled pkts=${stat(e.pkts)}, ` +
    `ipv4 ok=${stat(e.ipv4Pkts)}, ipv6 ok=${stat(e.ipv6Pkts)}, tx pkts=${stat(e.txPkts)}\n` +
    `${' '.repeat(indent)}pkts errs=${stat(e.errorPkts)}, ipv4 errs=${stat(e.ipv4ErrorPkts)}, ` +
    `ipv6 errs=${stat(e.ipv6ErrorPkts)}, tx errs=${stat(e.txErrors)}`
  );
}

/**
 * The text after the message's title, as ovs-ofctl ofp-print gives it for a message of the
 * right length: the stats flags, then the entries.
 */
export function formatIpfixBody(b: Uint8Array, k: IpfixMessageKind): string {
  let s = b[11] & 1 ? ' flags=[more]' : '';
  if (!k.reply) return s;
  const entries = decodeIpfixReply(b);
  if (k.kind === 'flow') {
    s += ` ${entries.length} ids`;
    for (const e of entries) s += `\n  id ${String(e.collectorSetId).padStart(3)}: ${formatCounters(e, 10)}`;
  } else {
    for (const e of entries) s += `\n  bridge ipfix: ${formatCounters(e, 16)}`;
  }
  return s;
}
