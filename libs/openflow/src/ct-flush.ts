// Nicira's conntrack flush messages: NXT_CT_FLUSH_ZONE (a zone) and OVS 3.1's NXT_CT_FLUSH (an
// optional zone and original/reply 5-tuples as nested properties), with ovs-ofctl's tuple syntax
// and print format (lib/ofp-ct.c).
import { putProp, readUint, Writer } from './bytes.js';
import { NX_VENDOR_ID } from './error-table.js';
import { parseCInteger, parseIpv4, parseIpv6 } from './field-parse.js';
import { formatIpv4, formatIpv6 } from './format-values.js';
import { parseKeyValues } from './group-meter-parse.js';

export const NXT_CT_FLUSH_ZONE = 29;
export const NXT_CT_FLUSH = 32;

/** Properties of NXT_CT_FLUSH, and the ones nested in a tuple property. */
const PROP_ORIG_TUPLE = 0;
const PROP_REPLY_TUPLE = 1;
const PROP_ZONE_ID = 2;
const TUPLE_SRC = 0;
const TUPLE_DST = 1;
const TUPLE_SRC_PORT = 2;
const TUPLE_DST_PORT = 3;
const TUPLE_ICMP_ID = 4;
const TUPLE_ICMP_TYPE = 5;
const TUPLE_ICMP_CODE = 6;
const PROP_EXPERIMENTER = 0xffff;

const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;

/**
 * One direction's tuple as OVS holds it: addresses as IPv6 (IPv4 mapped), and two 16-bit words
 * shared by ports and ICMP (`srcPort` is the ICMP id; `dstPort`'s first byte is the ICMP code,
 * its second the type).
 */
export interface CtTuple {
  src: bigint;
  dst: bigint;
  srcPort: number;
  dstPort: number;
}

/** What NXT_CT_FLUSH selects; `l3` is 4 or 6 once an address fixes it, else 0. */
export interface CtMatch {
  ipProto: number;
  l3: 0 | 4 | 6;
  orig: CtTuple;
  reply: CtTuple;
}

const emptyCtTuple = (): CtTuple => ({ src: 0n, dst: 0n, srcPort: 0, dstPort: 0 });
export const emptyCtMatch = (): CtMatch => ({ ipProto: 0, l3: 0, orig: emptyCtTuple(), reply: emptyCtTuple() });

const V4_MAPPED = 0xffffn << 32n;
const isV4Mapped = (a: bigint) => a >> 32n === 0xffffn;
const isIcmp = (proto: number) => proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
const ctIcmpType = (t: CtTuple) => t.dstPort & 0xff;
const ctIcmpCode = (t: CtTuple) => t.dstPort >> 8;

/** A C integer for str_to_u8/str_to_u16: strtol base 0, the whole string, within `max`. */
function parseUint(text: string, max: number): number | undefined {
  const v = parseCInteger(text);
  return v !== undefined && v >= 0n && v <= BigInt(max) ? Number(v) : undefined;
}

/** inet_pton(AF_INET): four decimal parts without leading zeros. */
function parseDottedQuad(text: string): bigint | undefined {
  return /(^|\.)0\d/.test(text) ? undefined : parseIpv4(text);
}

/**
 * ofp_ct_tuple_parse: reads one tuple argument (`ct_nw_src=…,ct_tp_dst=…`) into `tuple`; the
 * protocol and L3 type are shared with the other tuple, through `match`. Returns OVS's error
 * text, or undefined.
 */
export function parseCtTuple(text: string, tuple: CtTuple, match: CtMatch): string | undefined {
  for (const { key, value } of parseKeyValues(text)) {
    if (!value) return `field ${key} missing value`;
    const failed = `failed to parse field ${key}`;
    if (key === 'ct_nw_src' || key === 'ct_nw_dst' || key === 'ct_ipv6_src' || key === 'ct_ipv6_dst') {
      const v6 = key.startsWith('ct_ipv6');
      const which = key.endsWith('src') ? 'src' : 'dst';
      if (match.l3 && match.l3 !== (v6 ? 6 : 4)) return `the L3 protocol does not match ${value}`;
      if (tuple[which]) return `${key} is set multiple times`;
      const addr = v6 ? parseIpv6(value) : parseDottedQuad(value);
      if (addr === undefined) return failed;
      tuple[which] = v6 ? addr : V4_MAPPED | addr;
      match.l3 = v6 ? 6 : 4;
    } else if (key === 'ct_nw_proto') {
      // OVS notes a second ct_nw_proto but goes on (the message is never shown).
      const v = parseUint(value, 0xff);
      if (v === undefined) return failed;
      match.ipProto = v;
    } else if (key === 'ct_tp_src' || key === 'ct_tp_dst') {
      const v = parseUint(value, 0xffff);
      if (v === undefined) return failed;
      if (key === 'ct_tp_src') tuple.srcPort = v;
      else tuple.dstPort = v;
    } else if (key === 'icmp_type' || key === 'icmp_code' || key === 'icmp_id') {
      if (!isIcmp(match.ipProto)) return 'invalid L4 fields';
      const v = parseUint(value, key === 'icmp_id' ? 0xffff : 0xff);
      if (v === undefined) return failed;
      if (key === 'icmp_id') tuple.srcPort = v;
      else if (key === 'icmp_type') tuple.dstPort = (tuple.dstPort & 0xff00) | v;
      else tuple.dstPort = (tuple.dstPort & 0xff) | (v << 8);
    } else {
      return `invalid conntrack tuple field: ${key}`;
    }
  }
  if (!match.ipProto && (tuple.srcPort || tuple.dstPort)) return 'port is set without protocol';
  return undefined;
}

function putTuple(w: Writer, type: number, t: CtTuple, ipProto: number): void {
  const inner = new Writer(96);
  if (t.src) putProp(inner, TUPLE_SRC, (x) => x.uint(t.src, 16));
  if (t.dst) putProp(inner, TUPLE_DST, (x) => x.uint(t.dst, 16));
  // 16-bit values go in 32-bit fields (ofpprop_put_be16).
  if (isIcmp(ipProto)) {
    putProp(inner, TUPLE_ICMP_ID, (x) => x.u16(t.srcPort).u16(0));
    putProp(inner, TUPLE_ICMP_TYPE, (x) => x.u8(ctIcmpType(t)));
    putProp(inner, TUPLE_ICMP_CODE, (x) => x.u8(ctIcmpCode(t)));
  } else {
    if (t.srcPort) putProp(inner, TUPLE_SRC_PORT, (x) => x.u16(t.srcPort).u16(0));
    if (t.dstPort) putProp(inner, TUPLE_DST_PORT, (x) => x.u16(t.dstPort).u16(0));
  }
  const nested = inner.finish();
  // A nested property's contents start 8 bytes in (ofpprop_start_nested).
  if (nested.length) putProp(w, type, (x) => x.zeros(4).bytes(nested));
}

/** ofp_ct_match_encode: NXT_CT_FLUSH for `match`, with the zone property only when given. */
export function encodeCtFlush(match: CtMatch, zone: number | undefined, version: number, xid: number): Uint8Array {
  const w = new Writer(128);
  w.u8(version).u8(4).u16(0).u32(xid).u32(NX_VENDOR_ID).u32(NXT_CT_FLUSH);
  w.u8(match.ipProto).zeros(7);
  putTuple(w, PROP_ORIG_TUPLE, match.orig, match.ipProto);
  putTuple(w, PROP_REPLY_TUPLE, match.reply, match.ipProto);
  if (zone !== undefined) putProp(w, PROP_ZONE_ID, (x) => x.u16(zone).u16(0));
  w.setU16(2, w.length);
  return w.finish();
}

/** A malformed NXT_CT_FLUSH, with the OpenFlow error name OVS answers (and prints) for it. */
export class CtFlushDecodeError extends Error {
  constructor(readonly errorName: 'OFPBPC_BAD_LEN' | 'OFPBPC_BAD_VALUE' | 'NXBRC_MUST_BE_ZERO') {
    super(errorName);
  }
}

/** ofpprop_pull: each property of `b` as [type, value bytes] (experimenter ones skipped). */
function* properties(b: Uint8Array): Generator<[number, Uint8Array]> {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let off = 0;
  while (off < b.length) {
    if (b.length - off < 4) throw new CtFlushDecodeError('OFPBPC_BAD_LEN');
    const type = v.getUint16(off);
    const len = v.getUint16(off + 2);
    const padded = (len + 7) & ~7;
    if (len < 4 || padded > b.length - off) throw new CtFlushDecodeError('OFPBPC_BAD_LEN');
    if (type === PROP_EXPERIMENTER) {
      if (len < 12) throw new CtFlushDecodeError('OFPBPC_BAD_LEN');
    } else {
      yield [type, b.subarray(off + 4, off + len)];
    }
    off += padded;
  }
}

/** ofpprop_parse_u8/be16: the value at the start of a field at least its size (OVS allows padding). */
function smallValue(value: Uint8Array, size: 1 | 2): number {
  if (value.length < size) throw new CtFlushDecodeError('OFPBPC_BAD_LEN');
  return size === 1 ? value[0] : (value[0] << 8) | value[1];
}

function decodeTuple(value: Uint8Array, tuple: CtTuple, match: CtMatch): void {
  // The nested properties start 8 bytes into the property (4 after its value begins).
  if (value.length < 4) throw new CtFlushDecodeError('OFPBPC_BAD_LEN');
  for (const [type, v] of properties(value.subarray(4))) {
    switch (type) {
      case TUPLE_SRC:
      case TUPLE_DST: {
        if (v.length < 16) throw new CtFlushDecodeError('OFPBPC_BAD_LEN');
        const a = readUint(v, 0, 16);
        const l3 = a === 0n ? 0 : isV4Mapped(a) ? 4 : 6;
        if (match.l3 && l3 && match.l3 !== l3) throw new CtFlushDecodeError('OFPBPC_BAD_VALUE');
        match.l3 = l3;
        tuple[type === TUPLE_SRC ? 'src' : 'dst'] = a;
        break;
      }
      case TUPLE_SRC_PORT:
      case TUPLE_ICMP_ID:
        tuple.srcPort = smallValue(v, 2);
        break;
      case TUPLE_DST_PORT:
        tuple.dstPort = smallValue(v, 2);
        break;
      case TUPLE_ICMP_TYPE:
        tuple.dstPort = (tuple.dstPort & 0xff00) | smallValue(v, 1);
        break;
      case TUPLE_ICMP_CODE:
        tuple.dstPort = (tuple.dstPort & 0xff) | (smallValue(v, 1) << 8);
        break;
    }
  }
}

/** ofp_ct_match_decode over a whole NXT_CT_FLUSH message (its length already checked). */
export function decodeCtFlush(b: Uint8Array): { match: CtMatch; zone: number | undefined } {
  if (b.subarray(17, 24).some((x) => x !== 0)) throw new CtFlushDecodeError('NXBRC_MUST_BE_ZERO');
  const match = emptyCtMatch();
  match.ipProto = b[16];
  let zone: number | undefined;
  for (const [type, v] of properties(b.subarray(24))) {
    if (type === PROP_ORIG_TUPLE) decodeTuple(v, match.orig, match);
    else if (type === PROP_REPLY_TUPLE) decodeTuple(v, match.reply, match);
    else if (type === PROP_ZONE_ID) zone = smallValue(v, 2);
  }
  return { match, zone };
}

/** ipv6_format_mapped: a mapped IPv4 address as a dotted quad. */
function formatMapped(a: bigint): string {
  return isV4Mapped(a) ? formatIpv4(a & 0xffffffffn) : formatIpv6(a);
}

function formatTuple(t: CtTuple, match: CtMatch): string {
  const [src, dst] = match.l3 === 4 ? ['ct_nw_src', 'ct_nw_dst'] : ['ct_ipv6_src', 'ct_ipv6_dst'];
  const l4 = isIcmp(match.ipProto)
    ? `icmp_id=${t.srcPort},icmp_type=${ctIcmpType(t)},icmp_code=${ctIcmpCode(t)}`
    : `ct_tp_src=${t.srcPort},ct_tp_dst=${t.dstPort}`;
  return `${src}=${formatMapped(t.src)},${dst}=${formatMapped(t.dst)},${l4}`;
}

/** The body of ovs-ofctl's NXT_CT_FLUSH print: the zone (0 when absent) and both tuples. */
export function formatCtFlush(match: CtMatch, zone: number | undefined): string {
  return ` zone=${zone ?? 0} '${formatTuple(match.orig, match)},ct_nw_proto=${match.ipProto}' '${formatTuple(match.reply, match)}'`;
}
