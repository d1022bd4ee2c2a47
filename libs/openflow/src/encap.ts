import type { Writer } from './bytes.js';
import { decodeError, NXBAC, OFPBAC, OFPET } from './errors.js';
import { parseCInteger } from './field-parse.js';

/**
 * The encap action's header types and properties (OVS's ofp-ed-props): parsing their text,
 * printing them as ovs-ofctl does, and their wire form inside NXAST_ENCAP.
 */

/** Packet types (namespace << 16 | type) that encap and decap name. */
export const PT = {
  ETH: 0,
  /** decap()'s default: take the next protocol from the removed header. */
  USE_NEXT_PROTO: 0xfffe,
  NSH: 0x1894f,
  MPLS: 0x18847,
  MPLS_MC: 0x18848,
  /** What decap leaves when the decapsulated packet's type is known only at run time. */
  UNKNOWN: 0xffffffff,
} as const;

/** OFPHTN_ETHERTYPE: a packet type whose type is an Ethertype. */
export const PT_NS_ETHERTYPE = 1;

/** An NSH property: the MD type, or one metadata TLV (value padded to 8 bytes, as OVS keeps it). */
export type EdProp =
  | { type: 'md_type'; mdType: number }
  | { type: 'tlv'; tlvClass: number; tlvType: number; len: number; data: Uint8Array };

export interface Encap {
  type: 'encap';
  packetType: number;
  /** Header size in bytes (0: unspecified); only the wire form sets it. */
  hdrSize: number;
  props: EdProp[];
}

const HEADER_TYPES: Record<string, number> = {
  ethernet: PT.ETH,
  nsh: PT.NSH,
  mpls: PT.MPLS,
  mpls_mc: PT.MPLS_MC,
};

/** OFPPPC_NSH and its property types. */
const CLASS_NSH = 4;
const PROP_MD_TYPE = 1;
const PROP_TLV = 2;
/** The longest hex value OVS scans for a TLV (its "%251[0-9a-fA-F]"). */
const TLV_HEX_MAX = 251;

/** parse_encap_header: the packet type of `encap(NAME...)`, undefined if unsupported. */
export function encapHeaderType(name: string): number | undefined {
  return Object.hasOwn(HEADER_TYPES, name) ? HEADER_TYPES[name] : undefined;
}

/** One `key=value` of `encap(HEADER(...))` (parse_ed_props); only nsh has properties. */
export function parseEdProp(header: string, key: string, value: string): EdProp {
  if (header !== 'nsh' || (key !== 'md_type' && key !== 'tlv')) throw new Error(`Invalid property: ${key}`);
  if (!value) throw new Error('Value missing for encap property');
  if (key === 'md_type') {
    // str_to_u8: strtoll in base 0 over the whole string.
    const v = parseCInteger(value);
    if (v === undefined || v < 0n || v > 255n) throw new Error(`invalid md_type "${value}"`);
    if (v < 1n || v > 2n) throw new Error('invalid md_type');
    return { type: 'md_type', mdType: Number(v) };
  }
  return parseTlv(value);
}

/** `tlv(0xCLASS,TYPE,0xHEX)`, scanned as OVS's ovs_scan("0x%hx,%hhu,0x%251[0-9a-fA-F]"). */
function parseTlv(s: string): EdProp {
  const invalid = () => new Error(`Invalid NSH TLV header: ${s}`);
  if (!s.startsWith('0x')) throw invalid();
  const cls = scanInt(s, 2, 16, 0x10000);
  if (!cls || s[cls.end] !== ',') throw invalid();
  const type = scanInt(s, cls.end + 1, 10, 0x100);
  if (!type || !s.startsWith(',0x', type.end)) throw invalid();
  const from = type.end + 3;
  let to = from;
  while (to < s.length && to - from < TLV_HEX_MAX && isHexDigit(s.charCodeAt(to))) to++;
  if (to === from) throw invalid();
  // Whole pairs only: ofpbuf_put_hex stops at a lone last digit.
  const len = (to - from) >> 1;
  const data = new Uint8Array(padded(len));
  for (let i = 0; i < len; i++) data[i] = Number.parseInt(s.slice(from + 2 * i, from + 2 * i + 2), 16);
  return { type: 'tlv', tlvClass: cls.value, tlvType: type.value, len, data };
}

/**
 * ovs_scan's integer conversion at `i`: spaces, a sign, "0x" in base 16, then digits; the value
 * wraps modulo `mod` (the destination's width), as OVS stores an out-of-range value.
 */
function scanInt(s: string, i: number, base: number, mod: number): { value: number; end: number } | undefined {
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const negative = s[i] === '-';
  if (s[i] === '-' || s[i] === '+') i++;
  if (base === 16 && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) i += 2;
  let value = 0;
  const start = i;
  for (; i < s.length; i++) {
    const d = Number.parseInt(s[i], 16);
    if (Number.isNaN(d) || d >= base) break;
    value = (value * base + d) % mod;
  }
  if (i === start) return undefined;
  return { value: negative ? (mod - value) % mod : value, end: i };
}

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isHexDigit = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const padded = (n: number) => (n + 7) & ~7;

// ---------------------------------------------------------------- printing

const HEADER_NAMES = new Map<number, string>(Object.entries(HEADER_TYPES).map(([k, v]) => [v, k]));

/** format_ENCAP: `encap(nsh(md_type=1,tlv(0x1000,10,0x12)))`. */
export function formatEncap(a: Encap): string {
  const name = HEADER_NAMES.get(a.packetType) ?? 'UNKNOWN';
  if (!a.props.length) return `encap(${name})`;
  return `encap(${name}(${a.props.map(formatEdProp).join(',')}))`;
}

function formatEdProp(p: EdProp): string {
  if (p.type === 'md_type') return `md_type=${p.mdType}`;
  return `tlv(0x${p.tlvClass.toString(16).padStart(4, '0')},${p.tlvType},${hexValue(p.data, p.len)})`;
}

/** OVS's ds_put_hex: leading zero bytes skipped, the first printed byte without its leading 0. */
function hexValue(data: Uint8Array, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    if (s) s += data[i].toString(16).padStart(2, '0');
    else if (data[i]) s = `0x${data[i].toString(16)}`;
  }
  return s || '0';
}

// ---------------------------------------------------------------- wire

/** The properties after NXAST_ENCAP's fixed part (encode_ed_prop). */
export function putEdProps(w: Writer, props: readonly EdProp[]): void {
  for (const p of props) {
    if (p.type === 'md_type') {
      // Its length stops before the padding (offsetof(struct ofp_ed_prop_nsh_md_type, pad)).
      w.u16(CLASS_NSH).u8(PROP_MD_TYPE).u8(5).u8(p.mdType).zeros(3);
    } else {
      w.u16(CLASS_NSH)
        .u8(PROP_TLV)
        .u8(8 + padded(p.len))
        .u16(p.tlvClass)
        .u8(p.tlvType)
        .u8(p.len);
      w.bytes(p.data.subarray(0, padded(p.len)));
    }
  }
}

const nxError = (code: number, off: number, msg: string) => decodeError(OFPET.EXPERIMENTER, code, off, msg);

/** decode_ed_prop over `b[q, end)` (a multiple of 8 bytes): the properties, or OVS's error. */
export function decodeEdProps(b: Uint8Array, v: DataView, q: number, end: number): EdProp[] {
  const props: EdProp[] = [];
  while (q < end) {
    const cls = v.getUint16(q);
    const type = b[q + 2];
    const len = b[q + 3];
    const remaining = end - q;
    if (len < 4 || padded(len) > remaining)
      throw decodeError(OFPET.BAD_ACTION, OFPBAC.BAD_LEN, q, 'bad property length');
    if (cls !== CLASS_NSH || (type !== PROP_MD_TYPE && type !== PROP_TLV))
      throw nxError(NXBAC.UNKNOWN_ED_PROP, q, `unknown encap property ${cls}/${type}`);
    if (type === PROP_MD_TYPE) {
      if (len > 8) throw nxError(NXBAC.BAD_ED_PROP, q, 'md_type property too long');
      props.push({ type: 'md_type', mdType: b[q + 4] });
    } else {
      const tlvLen = b[q + 7];
      if (len !== 8 + padded(tlvLen)) throw nxError(NXBAC.BAD_ED_PROP, q, 'tlv property length mismatch');
      props.push({
        type: 'tlv',
        tlvClass: v.getUint16(q + 4),
        tlvType: b[q + 6],
        len: tlvLen,
        data: b.slice(q + 8, q + len),
      });
    }
    q += padded(len);
  }
  return props;
}

/** decode_NXAST_RAW_ENCAP's header check: the packet types OVS can encapsulate in. */
export function checkEncapType(packetType: number, off: number): void {
  if (!HEADER_NAMES.has(packetType)) throw nxError(NXBAC.BAD_HEADER_TYPE, off, 'unsupported encap header type');
}
