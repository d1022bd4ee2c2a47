import { OvsdbError } from './errors.js';

/** Database schemas (RFC 7047 section 3.2), parsed into checked structures. */

export type AtomicType = 'integer' | 'real' | 'boolean' | 'string' | 'uuid';
export type Atom = number | string | boolean;

export interface BaseType {
  type: AtomicType;
  /** Allowed values, sorted (RFC 7047 "enum"). */
  enum?: Atom[];
  minInteger?: number;
  maxInteger?: number;
  minReal?: number;
  maxReal?: number;
  minLength?: number;
  maxLength?: number;
  refTable?: string;
  refType?: 'strong' | 'weak';
}

export interface ColumnType {
  key: BaseType;
  value?: BaseType;
  min: number;
  /** Infinity for "unlimited". */
  max: number;
}

export interface ColumnSchema {
  name: string;
  type: ColumnType;
  ephemeral: boolean;
  mutable: boolean;
}

export interface TableSchema {
  name: string;
  columns: Map<string, ColumnSchema>;
  maxRows: number;
  isRoot: boolean;
  indexes: string[][];
}

export interface DatabaseSchema {
  name: string;
  version: string;
  cksum?: string;
  tables: Map<string, TableSchema>;
  /** RFC 7047: when no table says isRoot, every table is a root table (no garbage collection). */
  everyTableIsRoot: boolean;
}

export function isRootTable(s: DatabaseSchema, t: TableSchema): boolean {
  return t.isRoot || s.everyTableIsRoot;
}

const ATOMIC_TYPES = new Set(['integer', 'real', 'boolean', 'string', 'uuid']);
const ID_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fail(details: string): never {
  throw new OvsdbError('syntax error', details);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function compareAtoms(a: Atom, b: Atom): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function parseBaseType(json: unknown, where: string): BaseType {
  if (typeof json === 'string') {
    if (!ATOMIC_TYPES.has(json)) fail(`${where}: unknown atomic type "${json}"`);
    return { type: json as AtomicType };
  }
  if (!isObject(json) || typeof json.type !== 'string' || !ATOMIC_TYPES.has(json.type)) {
    fail(`${where}: base type must be an atomic type name or an object with "type"`);
  }
  const base: BaseType = { type: json.type as AtomicType };
  if (json.enum !== undefined) {
    const e = json.enum;
    const items = Array.isArray(e) && e[0] === 'set' ? (e[1] as unknown[]) : [e];
    base.enum = items.map((x) => {
      if (base.type === 'integer' || base.type === 'real') {
        if (typeof x !== 'number') fail(`${where}: enum value ${JSON.stringify(x)} is not a number`);
      } else if (base.type === 'boolean' && typeof x !== 'boolean') fail(`${where}: enum value is not a boolean`);
      else if (base.type === 'string' && typeof x !== 'string') fail(`${where}: enum value is not a string`);
      return x as Atom;
    });
    base.enum.sort(compareAtoms);
  }
  const num = (k: string): number | undefined => {
    const v = json[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number') fail(`${where}: "${k}" must be a number`);
    return v;
  };
  if (base.type === 'integer') {
    base.minInteger = num('minInteger');
    base.maxInteger = num('maxInteger');
  } else if (base.type === 'real') {
    base.minReal = num('minReal');
    base.maxReal = num('maxReal');
  } else if (base.type === 'string') {
    base.minLength = num('minLength');
    base.maxLength = num('maxLength');
  } else if (base.type === 'uuid') {
    if (json.refTable !== undefined) {
      if (typeof json.refTable !== 'string') fail(`${where}: "refTable" must be a string`);
      base.refTable = json.refTable;
      const rt = json.refType ?? 'strong';
      if (rt !== 'strong' && rt !== 'weak') fail(`${where}: "refType" must be "strong" or "weak"`);
      base.refType = rt;
    }
  }
  for (const k of Object.keys(base) as (keyof BaseType)[]) if (base[k] === undefined) delete base[k];
  return base;
}

export function parseColumnType(json: unknown, where: string): ColumnType {
  if (typeof json === 'string' || (isObject(json) && typeof json.type === 'string')) {
    return { key: parseBaseType(json, where), min: 1, max: 1 };
  }
  if (!isObject(json) || json.key === undefined) fail(`${where}: type must have a "key"`);
  const key = parseBaseType(json.key, where);
  const value = json.value !== undefined ? parseBaseType(json.value, where) : undefined;
  const min = json.min === undefined ? 1 : json.min;
  const max = json.max === undefined ? 1 : json.max === 'unlimited' ? Number.POSITIVE_INFINITY : json.max;
  if (typeof min !== 'number' || (min !== 0 && min !== 1)) fail(`${where}: "min" must be 0 or 1`);
  if (typeof max !== 'number' || max < 1 || max < min)
    fail(`${where}: "max" must be a positive integer or "unlimited"`);
  return value ? { key, value, min, max } : { key, min, max };
}

export function parseSchema(json: unknown): DatabaseSchema {
  if (!isObject(json)) fail('schema is not a JSON object');
  if (typeof json.name !== 'string' || !ID_RE.test(json.name)) fail('schema "name" must be an identifier');
  if (typeof json.version !== 'string' || !/^\d+\.\d+\.\d+$/.test(json.version)) {
    fail('schema "version" must be a string of the form x.y.z');
  }
  if (!isObject(json.tables)) fail('schema "tables" must be an object');
  const tables = new Map<string, TableSchema>();
  for (const [tname, tjson] of Object.entries(json.tables)) {
    if (!ID_RE.test(tname) || tname.startsWith('_')) fail(`${tname}: invalid table name`);
    if (!isObject(tjson) || !isObject(tjson.columns)) fail(`table ${tname} has no "columns" object`);
    const columns = new Map<string, ColumnSchema>();
    for (const [cname, cjson] of Object.entries(tjson.columns)) {
      if (!ID_RE.test(cname) || cname.startsWith('_')) fail(`${tname}.${cname}: invalid column name`);
      if (!isObject(cjson)) fail(`${tname}.${cname}: column is not an object`);
      columns.set(cname, {
        name: cname,
        type: parseColumnType(cjson.type, `${tname}.${cname}`),
        ephemeral: cjson.ephemeral === true,
        mutable: cjson.mutable !== false,
      });
    }
    const indexes = (Array.isArray(tjson.indexes) ? tjson.indexes : []) as unknown[];
    for (const idx of indexes) {
      if (!Array.isArray(idx) || idx.some((c) => typeof c !== 'string' || !columns.has(c))) {
        fail(`table ${tname}: index ${JSON.stringify(idx)} names an unknown column`);
      }
    }
    tables.set(tname, {
      name: tname,
      columns,
      maxRows: typeof tjson.maxRows === 'number' ? tjson.maxRows : Number.POSITIVE_INFINITY,
      isRoot: tjson.isRoot === true,
      indexes: indexes as string[][],
    });
  }
  for (const t of tables.values()) {
    for (const c of t.columns.values()) {
      for (const b of [c.type.key, c.type.value]) {
        if (b?.refTable && !tables.has(b.refTable))
          fail(`${t.name}.${c.name}: refTable "${b.refTable}" does not exist`);
      }
    }
  }
  return {
    name: json.name,
    version: json.version,
    cksum: typeof json.cksum === 'string' ? json.cksum : undefined,
    tables,
    everyTableIsRoot: [...tables.values()].every((t) => !t.isRoot),
  };
}

function baseTypeToJson(b: BaseType): unknown {
  const keys = Object.keys(b);
  if (keys.length === 1) return b.type;
  const o: Record<string, unknown> = { type: b.type };
  if (b.enum) o.enum = b.enum.length === 1 ? b.enum[0] : ['set', b.enum];
  for (const k of ['minInteger', 'maxInteger', 'minReal', 'maxReal', 'minLength', 'maxLength', 'refTable'] as const) {
    if (b[k] !== undefined) o[k] = b[k];
  }
  if (b.refTable && b.refType === 'weak') o.refType = 'weak';
  return o;
}

export function columnTypeToJson(t: ColumnType): unknown {
  const key = baseTypeToJson(t.key);
  if (t.min === 1 && t.max === 1 && !t.value && typeof key === 'string') return key;
  const o: Record<string, unknown> = { key };
  if (t.value) o.value = baseTypeToJson(t.value);
  if (t.min !== 1) o.min = t.min;
  if (t.max !== 1) o.max = t.max === Number.POSITIVE_INFINITY ? 'unlimited' : t.max;
  return o;
}

/** The schema in RFC 7047 JSON form (as get_schema returns it and the log's first record holds). */
export function schemaToJson(s: DatabaseSchema): Record<string, unknown> {
  const tables: Record<string, unknown> = {};
  for (const t of s.tables.values()) {
    const columns: Record<string, unknown> = {};
    for (const c of t.columns.values()) {
      const cj: Record<string, unknown> = { type: columnTypeToJson(c.type) };
      if (c.ephemeral) cj.ephemeral = true;
      if (!c.mutable) cj.mutable = false;
      columns[c.name] = cj;
    }
    const tj: Record<string, unknown> = { columns };
    if (t.maxRows !== Number.POSITIVE_INFINITY) tj.maxRows = t.maxRows;
    if (t.isRoot) tj.isRoot = true;
    if (t.indexes.length) tj.indexes = t.indexes;
    tables[t.name] = tj;
  }
  const o: Record<string, unknown> = { name: s.name, version: s.version };
  if (s.cksum) o.cksum = s.cksum;
  o.tables = tables;
  return o;
}

/** Versions compare numerically, component by component. */
export function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}
