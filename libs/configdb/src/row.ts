import { randomUUID } from 'node:crypto';
import { type Datum, datumToJson, sharedDefaultDatum } from './datum.js';
import type { ColumnSchema, ColumnType, TableSchema } from './schema.js';

/** One row: its identity, its version (changes on every modification) and its column values. */
export interface Row {
  uuid: string;
  version: string;
  cols: Map<string, Datum>;
}

export const UUID_TYPE: ColumnType = { key: { type: 'uuid' }, min: 1, max: 1 };

export function newUuid(): string {
  return randomUUID();
}

export function newRow(table: TableSchema, uuid: string): Row {
  const cols = new Map<string, Datum>();
  for (const c of table.columns.values()) cols.set(c.name, sharedDefaultDatum(c.type));
  return { uuid, version: newUuid(), cols };
}

export function copyRow(row: Row): Row {
  return { uuid: row.uuid, version: row.version, cols: new Map(row.cols) };
}

/** The value of a column, including the pseudo-columns `_uuid` and `_version`. */
export function columnValue(row: Row, column: string): Datum {
  if (column === '_uuid') return { keys: [row.uuid] };
  if (column === '_version') return { keys: [row.version] };
  return row.cols.get(column) as Datum;
}

/** The schema of a column, including `_uuid` and `_version`. */
export function columnSchema(table: TableSchema, column: string): ColumnSchema | undefined {
  if (column === '_uuid' || column === '_version') {
    return { name: column, type: UUID_TYPE, ephemeral: false, mutable: false };
  }
  return table.columns.get(column);
}

export function rowToJson(row: Row, table: TableSchema, columns?: Iterable<string>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (!columns) {
    o._uuid = ['uuid', row.uuid];
    o._version = ['uuid', row.version];
  }
  for (const name of columns ?? table.columns.keys()) {
    const c = columnSchema(table, name) as ColumnSchema;
    o[name] = datumToJson(columnValue(row, name), c.type);
  }
  return o;
}
