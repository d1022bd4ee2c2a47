import type { Writer } from './bytes.js';
import { NX_VENDOR_ID } from './error-table.js';
import { decodeError, OFPBRC, OFPET } from './errors.js';
import { hexAlt } from './format-values.js';

/**
 * OVS's Geneve option ↔ tun_metadata field map: NXT_TLV_TABLE_MOD (add, delete, clear),
 * NXT_TLV_TABLE_REQUEST and NXT_TLV_TABLE_REPLY, the ovs-ofctl syntax
 * `{class=C,type=T,len=L}->tun_metadataN,...`, and ofp-print's text for them.
 */

export const NXT_TLV_TABLE_MOD = 24;
export const NXT_TLV_TABLE_REQUEST = 25;
export const NXT_TLV_TABLE_REPLY = 26;
export const NXTTMC = { ADD: 0, DELETE: 1, CLEAR: 2 } as const;
/** What ovs-vswitchd offers: option bytes and tun_metadata fields. */
export const TLV_MAX_OPTION_SPACE = 256;
export const TLV_MAX_FIELDS = 64;
const MAX_OPTION_LEN = 124;

export interface TlvMapping {
  optionClass: number;
  optionType: number;
  optionLen: number;
  /** N of tun_metadataN. */
  index: number;
}

export interface TlvTableReply {
  maxOptionSpace: number;
  maxFields: number;
  mappings: TlvMapping[];
}

function nxHeader(w: Writer, version: number, xid: number, subtype: number): void {
  w.u8(version).u8(4).u16(0).u32(xid).u32(NX_VENDOR_ID).u32(subtype);
}

function putMappings(w: Writer, mappings: readonly TlvMapping[]): void {
  for (const m of mappings) w.u16(m.optionClass).u8(m.optionType).u8(m.optionLen).u16(m.index).zeros(2);
}

export function encodeTlvTableMod(
  w: Writer,
  version: number,
  xid: number,
  command: number,
  mappings: readonly TlvMapping[],
): void {
  const start = w.length;
  nxHeader(w, version, xid, NXT_TLV_TABLE_MOD);
  w.u16(command).zeros(6);
  putMappings(w, mappings);
  w.setU16(start + 2, w.length - start);
}

export function encodeTlvTableRequest(w: Writer, version: number, xid: number): void {
  const start = w.length;
  nxHeader(w, version, xid, NXT_TLV_TABLE_REQUEST);
  w.setU16(start + 2, w.length - start);
}

export function encodeTlvTableReply(w: Writer, version: number, xid: number, reply: TlvTableReply): void {
  const start = w.length;
  nxHeader(w, version, xid, NXT_TLV_TABLE_REPLY);
  w.u32(reply.maxOptionSpace).u16(reply.maxFields).zeros(10);
  putMappings(w, reply.mappings);
  w.setU16(start + 2, w.length - start);
}

/** The Nicira subtype of a vendor message `b`, or undefined. */
export function nxSubtype(b: Uint8Array): number | undefined {
  if (b.length < 16 || b[1] !== 4) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return v.getUint32(8) === NX_VENDOR_ID ? v.getUint32(12) : undefined;
}

/** A TLV table request refused with one of OVS's NXTTMFC_* errors (by name: they are Nicira errors). */
export class TlvTableError extends Error {
  constructor(readonly errorName: string) {
    super(errorName);
  }
}

function pullMappings(b: Uint8Array, off: number, checkLen: boolean): TlvMapping[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if ((b.length - off) % 8) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, off, 'tlv map is not whole entries');
  const out: TlvMapping[] = [];
  for (let p = off; p < b.length; p += 8) {
    const m = { optionClass: v.getUint16(p), optionType: b[p + 2], optionLen: b[p + 3], index: v.getUint16(p + 4) };
    // OVS's ofputil_pull_tlv_map.
    if (checkLen && (m.optionLen % 4 || m.optionLen > MAX_OPTION_LEN)) throw new TlvTableError('NXTTMFC_BAD_OPT_LEN');
    if (m.index >= TLV_MAX_FIELDS) throw new TlvTableError('NXTTMFC_BAD_FIELD_IDX');
    out.push(m);
  }
  return out;
}

/** An NXT_TLV_TABLE_MOD's command and mappings (TlvTableError for what OVS refuses while decoding). */
export function decodeTlvTableMod(b: Uint8Array): { command: number; mappings: TlvMapping[] } {
  if (b.length < 24) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 2, 'tlv table mod too short');
  const command = (b[16] << 8) | b[17];
  if (command > NXTTMC.CLEAR) throw new TlvTableError('NXTTMFC_BAD_COMMAND');
  return { command, mappings: pullMappings(b, 24, true) };
}

/** `checkLen`: refuse option lengths OVS's decoder refuses (ofp-print does; dump-tlv-map need not). */
export function decodeTlvTableReply(b: Uint8Array, checkLen = false): TlvTableReply {
  if (b.length < 32) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 2, 'tlv table reply too short');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { maxOptionSpace: v.getUint32(16), maxFields: v.getUint16(20), mappings: pullMappings(b, 32, checkLen) };
}

/** OVS's print_tlv_table: the header lines, then one line per mapping. */
export function formatTlvMappings(mappings: readonly TlvMapping[]): string {
  let s = ' mapping table:\n  class  type  length  match field\n ------  ----  ------  --------------';
  for (const m of mappings) {
    s += `\n ${hexAlt(m.optionClass).padStart(6)}  ${hexAlt(m.optionType).padStart(4)}  ${String(m.optionLen).padStart(6)}  tun_metadata${m.index}`;
  }
  return s;
}

/** ofp-print's body of an NXT_TLV_TABLE_REPLY. */
export function formatTlvTableReply(r: TlvTableReply): string {
  const allocated = r.mappings.reduce((n, m) => n + m.optionLen, 0);
  return `\n max option space=${r.maxOptionSpace} max fields=${r.maxFields}\n allocated option space=${allocated}\n\n${formatTlvMappings(r.mappings)}`;
}

/** ovs-ofctl's parse_ofp_tlv_table_mod_str: `{class=C,type=T,len=L}->tun_metadataN`, comma-separated. */
export function parseTlvMappings(text: string): TlvMapping[] {
  const out: TlvMapping[] = [];
  const num = '([+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*))';
  const re = new RegExp(
    `^\\s*\\{\\s*class\\s*=\\s*${num}\\s*,\\s*type\\s*=\\s*${num}\\s*,\\s*len\\s*=\\s*${num}\\s*\\}\\s*->\\s*tun_metadata${num}`,
  );
  const cInt = (t: string) => {
    const neg = t.startsWith('-');
    const d = t.replace(/^[+-]/, '');
    const n = /^0[xX]/.test(d) ? Number(d) : d.length > 1 && d[0] === '0' ? Number.parseInt(d, 8) : Number(d);
    return neg ? -n : n;
  };
  let s = text;
  while (s.length) {
    if (s[0] === ',') s = s.slice(1);
    const m = re.exec(s);
    if (!m) throw new Error('invalid tlv mapping');
    out.push({
      optionClass: cInt(m[1]) & 0xffff,
      optionType: cInt(m[2]) & 0xff,
      optionLen: cInt(m[3]) & 0xff,
      index: cInt(m[4]) & 0xffff,
    });
    s = s.slice(m[0].length);
  }
  return out;
}
