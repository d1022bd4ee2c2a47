import { randomFillSync } from 'node:crypto';
import { type Datum, datumToJson, sharedDefaultDatum } from './datum.js';
import type { ColumnSchema, ColumnType, TableSchema } from './schema.js';

/**
 * One row: its identity, its version (changes on every modification) and its column values.
 * The server leaves `version` empty until someone asks for `_version` (see `rowVersion`): most
 * rows' versions are never looked at, and a UUID per commit is not free.
 */
export interface Row {
  uuid: string;
  version: string;
  cols: Map<string, Datum>;
}

/** The row's `_version`, drawn on first use (and again after each modification). */
export function rowVersion(row: Row): string {
  if (row.version === '') row.version = newUuid();
  return row.version;
}

export const UUID_TYPE: ColumnType = { key: { type: 'uuid' }, min: 1, max: 1 };

/** Random bytes drawn 16 at a time for version-4 UUIDs (one getrandom call per 256 UUIDs). */
const pool = Buffer.alloc(16 * 256);
let poolUsed = pool.length;
/** The UUID's text is assembled here and decoded once: no intermediate strings. */
const text = Buffer.alloc(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Where each of the 16 bytes goes in the 36-character text (dashes at 8, 13, 18, 23). */
const TEXT_OFFSET = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
text[8] = text[13] = text[18] = text[23] = 0x2d;

/** A random (version 4) UUID, as randomUUID() but cheaper: this is on every commit's path. */
export function newUuid(): string {
  if (poolUsed === pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  for (let i = 0; i < 16; i++) {
    let b = pool[poolUsed + i];
    if (i === 6) b = (b & 0x0f) | 0x40;
    else if (i === 8) b = (b & 0x3f) | 0x80;
    const o = TEXT_OFFSET[i];
    text[o] = HEX[b >> 4];
    text[o + 1] = HEX[b & 0x0f];
  }
  poolUsed += 16;
  return text.toString('latin1', 0, 36);
}

/** Each table's columns at their defaults, copied by `newRow` (one builtin copy, not a set per column). */
const defaultColumns = new WeakMap<TableSchema, Map<string, Datum>>();

/** A row with every column at its default; `lazyVersion` leaves the version to `rowVersion`. */
export function newRow(table: TableSchema, uuid: string, lazyVersion = false): Row {
  let defaults = defaultColumns.get(table);
  if (!defaults) {
    defaults = new Map();
    for (const c of table.columns.values()) defaults.set(c.name, sharedDefaultDatum(c.type));
    defaultColumns.set(table, defaults);
  }
  return { uuid, version: lazyVersion ? '' : newUuid(), cols: new Map(defaults) };
}

export function copyRow(row: Row): Row {
  return { uuid: row.uuid, version: row.version, cols: new Map(row.cols) };
}

/** The value of a column, including the pseudo-columns `_uuid` and `_version`. */
export function columnValue(row: Row, column: string): Datum {
  if (column === '_uuid') return { keys: [row.uuid] };
  if (column === '_version') return { keys: [rowVersion(row)] };
  return row.cols.get(column) as Datum;
}

const UUID_COLUMN: ColumnSchema = { name: '_uuid', type: UUID_TYPE, ephemeral: false, mutable: false };
const VERSION_COLUMN: ColumnSchema = { name: '_version', type: UUID_TYPE, ephemeral: false, mutable: false };

/** The schema of a column, including `_uuid` and `_version`. */
export function columnSchema(table: TableSchema, column: string): ColumnSchema | undefined {
  if (column === '_uuid') return UUID_COLUMN;
  if (column === '_version') return VERSION_COLUMN;
  return table.columns.get(column);
}

export function rowToJson(row: Row, table: TableSchema, columns?: Iterable<string>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (!columns) {
    o._uuid = ['uuid', row.uuid];
    o._version = ['uuid', rowVersion(row)];
  }
  for (const name of columns ?? table.columns.keys()) {
    const c = columnSchema(table, name) as ColumnSchema;
    o[name] = datumToJson(columnValue(row, name), c.type);
  }
  return o;
}
