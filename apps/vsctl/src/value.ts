import {
  type Atom,
  type BaseType,
  type ColumnType,
  compareAtoms,
  type Datum,
  isUuid,
} from '@softswitch/configdb/values';
import { UserError } from './errors.js';

/**
 * ovs-vsctl's text syntax for atoms and data (ovsdb-data's *_from_string / *_to_string):
 * strings are bare when they look like identifiers, else double-quoted with JSON escapes;
 * sets are `[a, b]`, maps `{k=v, k2=v2}`.
 */

const BARE_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function stringNeedsQuotes(s: string): boolean {
  return !BARE_RE.test(s) || s === 'true' || s === 'false' || UUID_RE.test(s);
}

export function atomToString(a: Atom, base: BaseType): string {
  if (base.type === 'string') return stringNeedsQuotes(a as string) ? JSON.stringify(a) : (a as string);
  if (base.type === 'real') return formatReal(a as number);
  return String(a);
}

function formatReal(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(17)));
}

export function datumToString(d: Datum, type: ColumnType): string {
  if (type.value) {
    const v = type.value;
    return `{${d.keys.map((k, i) => `${atomToString(k, type.key)}=${atomToString((d.values as Atom[])[i], v)}`).join(', ')}}`;
  }
  // As OVS: brackets only for sets that may hold several values, or when empty.
  if (type.max === 1 && d.keys.length === 1) return atomToString(d.keys[0], type.key);
  return `[${d.keys.map((k) => atomToString(k, type.key)).join(', ')}]`;
}

/** `--data=bare` / `--bare`: no quotes, no brackets, elements separated by spaces. */
export function datumToBare(d: Datum, type: ColumnType): string {
  const bare = (a: Atom) => String(a);
  if (type.value) return d.keys.map((k, i) => `${bare(k)}=${bare((d.values as Atom[])[i])}`).join(' ');
  return d.keys.map(bare).join(' ');
}

export function atomToJson(a: Atom, base: BaseType): unknown {
  return base.type === 'uuid' ? ['uuid', a] : a;
}

export function datumToJsonText(d: Datum, type: ColumnType): unknown {
  if (type.value) {
    return [
      'map',
      d.keys.map((k, i) => [atomToJson(k, type.key), atomToJson((d.values as Atom[])[i], type.value as BaseType)]),
    ];
  }
  if (type.min === 1 && type.max === 1) return atomToJson(d.keys[0], type.key);
  if (d.keys.length === 1) return atomToJson(d.keys[0], type.key);
  return ['set', d.keys.map((k) => atomToJson(k, type.key))];
}

/** Resolves `@name` row references made with `--id=@name` (or fails as ovs-vsctl does). */
export type SymbolResolver = (name: string) => string;

/** Parses one atom from its text; `whole` says the entire string is the atom (COLUMN:KEY=VALUE). */
export function parseAtom(text: string, base: BaseType, symbols?: SymbolResolver): Atom {
  let s = text;
  if (base.type === 'string') {
    if (s.startsWith('"')) {
      try {
        s = JSON.parse(s) as string;
      } catch {
        throw new UserError(`${text}: missing quote at end of quoted string`);
      }
    }
    checkEnum(s, base);
    return s;
  }
  if (base.type === 'integer') {
    if (!/^[-+]?\d+$/.test(s)) throw new UserError(`"${text}" is not a valid integer`);
    const n = Number(s);
    checkRange(n, base);
    checkEnum(n, base);
    return n;
  }
  if (base.type === 'real') {
    const n = Number(s);
    if (s.trim() === '' || Number.isNaN(n)) throw new UserError(`"${text}" is not a valid real number`);
    return n;
  }
  if (base.type === 'boolean') {
    if (s === 'true') return true;
    if (s === 'false') return false;
    throw new UserError(`"${text}" is not a valid boolean (use "true" or "false")`);
  }
  if (s.startsWith('@') && symbols) return symbols(s);
  if (isUuid(s)) return s.toLowerCase();
  throw new UserError(`"${text}" is not a valid UUID`);
}

function checkRange(n: number, base: BaseType): void {
  const lo = base.minInteger;
  const hi = base.maxInteger;
  if ((lo !== undefined && n < lo) || (hi !== undefined && n > hi)) {
    if (lo !== undefined && hi !== undefined)
      throw new UserError(`constraint violation: ${n} is not in the valid range ${lo} to ${hi} (inclusive)`);
    if (lo !== undefined) throw new UserError(`constraint violation: ${n} is less than minimum allowed value ${lo}`);
    throw new UserError(`constraint violation: ${n} is greater than maximum allowed value ${hi}`);
  }
}

function checkEnum(a: Atom, base: BaseType): void {
  if (!base.enum) return;
  if (base.enum.some((e) => compareAtoms(e, a) === 0)) return;
  const show = (x: Atom) => (typeof x === 'string' && stringNeedsQuotes(x) ? JSON.stringify(x) : String(x));
  throw new UserError(
    `constraint violation: ${show(a)} is not one of the allowed values ([${base.enum.map(show).join(', ')}])`,
  );
}

/** Splits a datum's text into tokens: quoted strings, bare words, and the delimiters , = [ ] { }. */
function tokenize(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
      continue;
    }
    if (',=[]{}'.includes(c)) {
      out.push(c);
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out.push(text.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !' \t\n,=[]{}"'.includes(text[j])) j++;
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

function typeDescription(type: ColumnType): string {
  const atomName = (b: BaseType) => b.type;
  if (type.value) return `map of ${atomName(type.key)}-${atomName(type.value)} pairs`;
  if (type.min === 1 && type.max === 1) return atomName(type.key);
  const plural = `${atomName(type.key)}s`;
  if (type.max === Number.POSITIVE_INFINITY) return `set of ${type.min === 0 ? '' : '1 or more '}${plural}`;
  if (type.min === 0 && type.max === 1) return `optional ${atomName(type.key)}`;
  return `set of up to ${type.max} ${plural}`;
}

/** Parses a whole datum (`COLUMN=VALUE`), sorted and deduplicated, with count checks. */
export function parseDatum(text: string, type: ColumnType, symbols?: SymbolResolver): Datum {
  const toks = tokenize(text);
  let p = 0;
  const isMap = type.value !== undefined;
  const open = isMap ? '{' : '[';
  const close = isMap ? '}' : ']';
  let bracketed = false;
  if (toks[0] === open) {
    bracketed = true;
    p = 1;
  }
  const keys: Atom[] = [];
  const values: Atom[] = [];
  while (p < toks.length) {
    if (bracketed && toks[p] === close) {
      p++;
      break;
    }
    const k = toks[p++];
    if (k === undefined || ',=[]{}'.includes(k)) throw new UserError(`${text}: syntax error at "${k ?? ''}"`);
    keys.push(parseAtom(k, type.key, symbols));
    if (isMap) {
      if (toks[p] !== '=') throw new UserError(`${text}: syntax error at "${toks[p] ?? ''}" (expected "=")`);
      p++;
      const v = toks[p++];
      if (v === undefined || ',=[]{}'.includes(v)) throw new UserError(`${text}: syntax error at "${v ?? ''}"`);
      values.push(parseAtom(v, type.value as BaseType, symbols));
    } else if (toks[p] === '=') {
      throw new UserError(`${text}: unexpected "=" parsing ${typeDescription(type)}`);
    }
    if (toks[p] === ',') p++;
  }
  if (p < toks.length) throw new UserError(`${text}: trailing garbage`);
  const idx = keys.map((_, i) => i).sort((a, b) => compareAtoms(keys[a], keys[b]));
  const sk: Atom[] = [];
  const sv: Atom[] = [];
  for (const i of idx) {
    if (sk.length && compareAtoms(sk[sk.length - 1], keys[i]) === 0) {
      if (isMap) throw new UserError(`${text}: map contains duplicate key`);
      continue;
    }
    sk.push(keys[i]);
    sv.push(values[i]);
  }
  if (sk.length < type.min || sk.length > type.max) {
    if (sk.length > type.max)
      throw new UserError(`${text}: ${sk.length} value(s) specified but the maximum number is ${type.max}`);
    throw new UserError(`${text}: ${sk.length} value(s) specified but the minimum number is ${type.min}`);
  }
  return isMap ? { keys: sk, values: sv } : { keys: sk };
}

/** Parses elements for add/remove (no count check; maps accept bare keys when `keysOnly`). */
export function parsePartialDatum(text: string, type: ColumnType, symbols?: SymbolResolver, keysOnly = false): Datum {
  const loose: ColumnType = keysOnly
    ? { key: type.key, min: 0, max: Number.POSITIVE_INFINITY }
    : { ...type, min: 0, max: Number.POSITIVE_INFINITY };
  return parseDatum(text, loose, symbols);
}
