import { compareDatums, type Datum, findKey, type NamedUuidResolver, parseDatumLoose } from './datum.js';
import { OvsdbError, syntaxError } from './errors.js';
import { columnSchema, columnValue, type Row } from './row.js';
import { compareAtoms, type TableSchema } from './schema.js';

/** One parsed clause of a "where" (RFC 7047 5.1) or a monitor condition (true/false allowed). */
export type Clause = { kind: 'const'; value: boolean } | { kind: 'cmp'; column: string; fn: string; arg: Datum };

const FUNCTIONS = new Set(['<', '<=', '==', '!=', '>=', '>', 'includes', 'excludes']);

export function parseConditions(
  json: unknown,
  table: TableSchema,
  allowBooleans = false,
  named?: NamedUuidResolver,
): Clause[] {
  if (!Array.isArray(json)) throw syntaxError(json, 'Parse error in condition: expected array');
  const out: Clause[] = [];
  for (let i = 0; i < json.length; i++) out.push(parseClause(json[i], table, allowBooleans, named));
  return out;
}

function parseClause(json: unknown, table: TableSchema, allowBooleans: boolean, named?: NamedUuidResolver): Clause {
  if (typeof json === 'boolean' && allowBooleans) return { kind: 'const', value: json };
  if (!Array.isArray(json) || json.length !== 3 || typeof json[0] !== 'string' || typeof json[1] !== 'string') {
    throw syntaxError(json, 'Parse error in condition.');
  }
  const column = json[0] as string;
  const fn = json[1] as string;
  const value = json[2] as unknown;
  const col = columnSchema(table, column);
  if (!col) throw syntaxError(json, `No column ${column} in table ${table.name}.`, 'unknown column');
  if (!FUNCTIONS.has(fn)) throw new OvsdbError('unknown function', `No function named ${fn}.`);
  const t = col.type;
  if (
    (fn === '<' || fn === '<=' || fn === '>' || fn === '>=') &&
    !(t.min === 1 && t.max === 1 && !t.value && (t.key.type === 'integer' || t.key.type === 'real'))
  ) {
    throw syntaxError(
      json,
      `Type mismatch: "${fn}" operator may not be applied to column ${column} of type ${t.key.type}.`,
      'type mismatch',
    );
  }
  return { kind: 'cmp', column, fn, arg: parseDatumLoose(value, t, named) };
}

function includes(have: Datum, want: Datum): boolean {
  for (let i = 0; i < want.keys.length; i++) {
    const p = findKey(have, want.keys[i]);
    if (p < 0) return false;
    if (have.values && want.values && compareAtoms(have.values[p], want.values[i]) !== 0) return false;
  }
  return true;
}

function excludes(have: Datum, want: Datum): boolean {
  for (let i = 0; i < want.keys.length; i++) {
    const p = findKey(have, want.keys[i]);
    if (p < 0) continue;
    if (!have.values || !want.values || compareAtoms(have.values[p], want.values[i]) === 0) return false;
  }
  return true;
}

export function evalClause(c: Clause, row: Row): boolean {
  if (c.kind === 'const') return c.value;
  const v = columnValue(row, c.column);
  switch (c.fn) {
    case '==':
      return compareDatums(v, c.arg) === 0 && v.keys.length === c.arg.keys.length;
    case '!=':
      return !(compareDatums(v, c.arg) === 0 && v.keys.length === c.arg.keys.length);
    case 'includes':
      return includes(v, c.arg);
    case 'excludes':
      return excludes(v, c.arg);
    default: {
      if (v.keys.length === 0 || c.arg.keys.length === 0) return false;
      const d = compareAtoms(v.keys[0], c.arg.keys[0]);
      if (c.fn === '<') return d < 0;
      if (c.fn === '<=') return d <= 0;
      if (c.fn === '>') return d > 0;
      return d >= 0;
    }
  }
}

export function evalConditions(clauses: Clause[], row: Row): boolean {
  for (const c of clauses) if (!evalClause(c, row)) return false;
  return true;
}

/** A `_uuid == X` clause lets a scan become one lookup. */
export function uuidLookup(clauses: Clause[]): string | undefined {
  for (const c of clauses) {
    if (c.kind === 'cmp' && c.column === '_uuid' && c.fn === '==' && c.arg.keys.length === 1)
      return c.arg.keys[0] as string;
  }
  return undefined;
}

export function unknownColumn(table: TableSchema, column: string): OvsdbError {
  return new OvsdbError('unknown column', `No column ${column} in table ${table.name}.`);
}
