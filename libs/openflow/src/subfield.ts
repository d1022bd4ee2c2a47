import { type FieldDef, fieldByName, fieldByNxmName, subfieldName } from './fields.js';

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

/** Parses `NAME[]`, `NAME[N]`, `NAME[A..B]` (NAME an NXM/OXM name or a field name). */
export function parseSubfield(s: string): Subfield {
  const m = /^([A-Za-z0-9_]+)(?:\[(\d*)(?:\.\.(\d+))?\])?$/.exec(s.trim());
  if (!m) throw new Error(`${s}: unknown field`);
  const field = fieldByNxmName(m[1]) ?? fieldByName(m[1]);
  if (!field) throw new Error(`${s}: unknown field \`${m[1]}'`);
  const width = fieldWidth(field);
  if (m[2] === undefined || (m[2] === '' && m[3] === undefined)) return { field, ofs: 0, nBits: width };
  const start = Number(m[2]);
  const end = m[3] !== undefined ? Number(m[3]) : start;
  if (m[2] === '' || end < start) throw new Error(`${s}: syntax error expecting field bit range`);
  if (end >= width) {
    throw new Error(`${s}: bits ${start}..${end} exceeds width ${width} of ${subfieldName(field)}`);
  }
  return { field, ofs: start, nBits: end - start + 1 };
}

export function formatSubfield(sf: Subfield): string {
  const name = subfieldName(sf.field);
  if (sf.ofs === 0 && sf.nBits === fieldWidth(sf.field)) return `${name}[]`;
  if (sf.nBits === 1) return `${name}[${sf.ofs}]`;
  return `${name}[${sf.ofs}..${sf.ofs + sf.nBits - 1}]`;
}
