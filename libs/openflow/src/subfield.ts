import { onesBig } from './bigint-bits.js';
import { type FieldDef, fieldByName, fieldByNxmName, subfieldName, tunMdField } from './fields.js';

/** A bit range of a field, as in `NXM_NX_REG0[0..7]`. */
export interface Subfield {
  field: FieldDef;
  ofs: number;
  nBits: number;
}

/** Bits a subfield may address: the field's wire width (OVS's mf->n_bits). */
export function fieldWidth(f: FieldDef): number {
  if (f.format === 'mac') return 48;
  if (f.format === 'ipv6') return 128;
  return f.bits;
}

/**
 * The mask of a whole value of `f` in set_field: its addressable bits, or its bytes for a field
 * OVS matches and sets whole although it names fewer bits (ERSPAN, GTP-U: FieldDef.allOnes).
 */
export function fieldValueOnes(f: FieldDef): bigint {
  const width = onesBig(fieldWidth(f));
  // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take
  return f.allOnes > width ? f.allOnes : width;
}

/**
 * Parses `NAME[]`, `NAME[N]`, `NAME[A..B]` or `NAME` (NAME an NXM/OXM name or a field name, up to
 * the first `[` or `-` as OVS's mf_parse_subfield reads it); tun_metadataN only `withTunMd` (move
 * and load know them, the other actions here do not). Errors quote `full`, the text OVS was
 * parsing (a move's source error quotes the whole `SRC->DST`).
 */
export function parseSubfield(s: string, withTunMd = false, full = s): Subfield {
  const sf = subfieldOrError(s, withTunMd, full);
  if (typeof sf === 'string') throw new Error(sf);
  return sf;
}

/** OVS's message for text after a complete subfield (a move's `->DST` is such text to it). */
const TRAILING_INPUT = 'unexpected input following field syntax';

/** parseSubfield's result, or its error message (for callers that try other readings next, without a throw). */
export function subfieldOrError(s: string, withTunMd = false, full = s): Subfield | string {
  // Scanned by hand (this runs for every load, move and register output): NAME then `[...]`.
  const t = s.trim();
  let nameEnd = 0;
  while (nameEnd < t.length && t.charCodeAt(nameEnd) !== 91 && t.charCodeAt(nameEnd) !== 45) nameEnd++;
  const name = t.slice(0, nameEnd);
  const field = fieldByNxmName(name) ?? fieldByName(name) ?? (withTunMd ? tunMdField(name) : undefined);
  if (!field) return `${full}: unknown field \`${name}'`;
  const width = fieldWidth(field);
  if (nameEnd === t.length || (nameEnd + 2 === t.length && t.charCodeAt(nameEnd + 1) === 93)) {
    return { field, ofs: 0, nBits: width };
  }
  // Text after the name that is not `[...]`, or after `NAME[]` (OVS's "unexpected input
  // following field syntax").
  if (t.charCodeAt(nameEnd) !== 91 || t.startsWith('[]', nameEnd)) return TRAILING_INPUT;
  // `[A]` or `[A..B]`, A and B decimal; else OVS's mf_parse_subfield__ message.
  const aEnd = digitsEnd(t, nameEnd + 1);
  let bEnd = aEnd;
  if (aEnd > nameEnd + 1 && t.startsWith('..', aEnd)) bEnd = digitsEnd(t, aEnd + 2);
  if (aEnd === nameEnd + 1 || bEnd === aEnd + 2 || t.charCodeAt(bEnd) !== 93) {
    return `${full}: syntax error expecting [] or [<bit>] or [<start>..<end>]`;
  }
  const start = digitsValue(t, nameEnd + 1, aEnd);
  const end = bEnd > aEnd ? digitsValue(t, aEnd + 2, bEnd) : start;
  if (start > end) return `${full}: starting bit ${start} is after ending bit ${end}`;
  if (start >= width) return `${full}: starting bit ${start} is not valid because field is only ${width} bits wide`;
  if (end >= width) return `${full}: ending bit ${end} is not valid because field is only ${width} bits wide`;
  if (bEnd + 1 !== t.length) return TRAILING_INPUT;
  return { field, ofs: start, nBits: end - start + 1 };
}

/**
 * `SRC->DST` as OVS's nxm_parse_reg_move reads it (move, and learn's load of a field): the source
 * from the whole text (its errors quote all of it), then `->`, then the destination from the
 * rest; both as wide.
 */
export function parseRegMove(a: string): { src: Subfield; dst: Subfield } {
  const arrow = a.indexOf('->');
  const src = subfieldOrError(arrow < 0 ? a : a.slice(0, arrow), true, a);
  const unexpected = src === TRAILING_INPUT;
  if (typeof src === 'string' && !unexpected) throw new Error(src);
  if (unexpected || arrow < 0) throw new Error(`${a}: missing \`->' following source`);
  const dst = parseSubfield(a.slice(arrow + 2), true);
  if (src.nBits !== dst.nBits) {
    throw new Error(`${a}: source field is ${src.nBits} bits wide but destination is ${dst.nBits} bits wide`);
  }
  return { src, dst };
}

/** The decimal number `s[from, to)` (all digits), read in place rather than sliced. */
function digitsValue(s: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) v = v * 10 + (s.charCodeAt(i) - 48);
  return v;
}

/** End of the run of decimal digits starting at `i`. */
function digitsEnd(s: string, i: number): number {
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
  }
  return i;
}

export function formatSubfield(sf: Subfield): string {
  const name = subfieldName(sf.field);
  if (sf.ofs === 0 && sf.nBits === fieldWidth(sf.field)) return `${name}[]`;
  if (sf.nBits === 1) return `${name}[${sf.ofs}]`;
  return `${name}[${sf.ofs}..${sf.ofs + sf.nBits - 1}]`;
}
