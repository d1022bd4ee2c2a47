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
 * Parses `NAME[]`, `NAME[N]`, `NAME[A..B]` (NAME an NXM/OXM name or a field name); tun_metadataN
 * only `withTunMd` (move and load know them, the other actions here do not).
 */
export function parseSubfield(s: string, withTunMd = false): Subfield {
  const t = s.trim();
  const m = /^([A-Za-z0-9_]+)(\[.*)?$/.exec(t);
  if (!m) throw new Error(`${s}: unknown field`);
  const field = fieldByNxmName(m[1]) ?? fieldByName(m[1]) ?? (withTunMd ? tunMdField(m[1]) : undefined);
  if (!field) throw new Error(`${s}: unknown field \`${m[1]}'`);
  const width = fieldWidth(field);
  if (m[2] === undefined || m[2] === '[]') return { field, ofs: 0, nBits: width };
  // OVS's mf_parse_subfield__ messages.
  const r = /^\[(\d+)(?:\.\.(\d+))?\]$/.exec(m[2]);
  if (!r) throw new Error(`${s}: syntax error expecting [] or [<bit>] or [<start>..<end>]`);
  const start = Number(r[1]);
  const end = r[2] !== undefined ? Number(r[2]) : start;
  if (start >= width)
    throw new Error(`${s}: starting bit ${start} is not valid because field is only ${width} bits wide`);
  if (end >= width) throw new Error(`${s}: ending bit ${end} is not valid because field is only ${width} bits wide`);
  if (start > end) throw new Error(`${s}: starting bit ${start} is after ending bit ${end}`);
  return { field, ofs: start, nBits: end - start + 1 };
}

export function formatSubfield(sf: Subfield): string {
  const name = subfieldName(sf.field);
  if (sf.ofs === 0 && sf.nBits === fieldWidth(sf.field)) return `${name}[]`;
  if (sf.nBits === 1) return `${name}[${sf.ofs}]`;
  return `${name}[${sf.ofs}..${sf.ofs + sf.nBits - 1}]`;
}
