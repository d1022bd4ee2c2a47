import {
  type Atom,
  type ColumnType,
  type DatabaseSchema,
  type Datum,
  datumEquals,
  defaultDatum,
  parseDatumLoose,
  type TableSchema,
} from '@softswitch/configdb/values';
import { datumToJsonText } from './value.js';

/**
 * A UUID for a row or symbol this run creates, replaced by the server's before anything is
 * printed. It only has to be unique within the run, so Math.random does: loading node:crypto
 * would cost every invocation a few milliseconds of start-up.
 */
export function provisionalUuid(): string {
  const hex = (n: number) =>
    Math.floor(Math.random() * 16 ** n)
      .toString(16)
      .padStart(n, '0');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + Math.floor(Math.random() * 4)).toString(16)}${hex(3)}-${hex(6)}${hex(6)}`;
}

export interface VRow {
  uuid: string;
  table: string;
  cols: Map<string, Datum>;
}

/**
 * vsctl's working copy of the database: every row as read at the start, changed in place by the
 * commands, remembering what changed so one transaction can carry it all. New rows get a
 * provisional UUID that is sent as a named-uuid and swapped for the real one afterwards.
 */
export class Model {
  readonly tables = new Map<string, Map<string, VRow>>();
  private readonly inserted = new Map<string, string>(); // provisional uuid -> uuid-name
  private readonly deleted = new Map<string, string>(); // uuid -> table
  private readonly modified = new Map<string, Map<string, Datum>>(); // uuid -> column -> value as read

  constructor(readonly schema: DatabaseSchema) {
    for (const t of schema.tables.keys()) this.tables.set(t, new Map());
  }

  /** Loads the result of a select of every table. */
  load(table: string, rows: Record<string, unknown>[]): void {
    const t = this.tableSchema(table);
    const store = this.tables.get(table) as Map<string, VRow>;
    for (const r of rows) {
      const uuid = (r._uuid as [string, string])[1];
      const cols = new Map<string, Datum>();
      for (const c of t.columns.values()) {
        cols.set(c.name, r[c.name] === undefined ? defaultDatum(c.type) : parseDatumLoose(r[c.name], c.type));
      }
      store.set(uuid, { uuid, table, cols });
    }
  }

  tableSchema(name: string): TableSchema {
    return this.schema.tables.get(name) as TableSchema;
  }

  columnType(table: string, column: string): ColumnType {
    return (this.tableSchema(table).columns.get(column) as { type: ColumnType }).type;
  }

  rows(table: string): VRow[] {
    return [...(this.tables.get(table) as Map<string, VRow>).values()];
  }

  get(table: string, uuid: string): VRow | undefined {
    return this.tables.get(table)?.get(uuid);
  }

  find(uuid: string): VRow | undefined {
    for (const t of this.tables.values()) {
      const r = t.get(uuid);
      if (r) return r;
    }
    return undefined;
  }

  insert(table: string, values: Record<string, Datum> = {}, uuid: string = provisionalUuid()): VRow {
    const t = this.tableSchema(table);
    const cols = new Map<string, Datum>();
    for (const c of t.columns.values()) cols.set(c.name, values[c.name] ?? defaultDatum(c.type));
    const row = { uuid, table, cols };
    (this.tables.get(table) as Map<string, VRow>).set(uuid, row);
    this.inserted.set(uuid, `row${uuid.replace(/-/g, '_')}`);
    return row;
  }

  isNew(uuid: string): boolean {
    return this.inserted.has(uuid);
  }

  set(row: VRow, column: string, value: Datum): void {
    const before = row.cols.get(column) as Datum;
    if (datumEquals(before, value)) return;
    row.cols.set(column, value);
    if (this.inserted.has(row.uuid)) return;
    let m = this.modified.get(row.uuid);
    if (!m) {
      m = new Map();
      this.modified.set(row.uuid, m);
    }
    if (!m.has(column)) m.set(column, before);
  }

  delete(row: VRow): void {
    this.tables.get(row.table)?.delete(row.uuid);
    if (this.inserted.delete(row.uuid)) return;
    this.modified.delete(row.uuid);
    this.deleted.set(row.uuid, row.table);
  }

  get changed(): boolean {
    return this.inserted.size + this.deleted.size + this.modified.size > 0;
  }

  /** Provisional UUID -> uuid-name for rows this run created. */
  get insertedNames(): ReadonlyMap<string, string> {
    return this.inserted;
  }

  private datumJson(d: Datum, type: ColumnType): unknown {
    const ref = (a: Atom) =>
      this.inserted.has(a as string) ? ['named-uuid', this.inserted.get(a as string)] : ['uuid', a];
    const atom = (a: Atom, isUuid: boolean) => (isUuid ? ref(a) : a);
    const ku = type.key.type === 'uuid';
    if (type.value) {
      const vu = type.value.type === 'uuid';
      return ['map', d.keys.map((k, i) => [atom(k, ku), atom((d.values as Atom[])[i], vu)])];
    }
    if (!ku) return datumToJsonText(d, type);
    if (d.keys.length === 1) return ref(d.keys[0]);
    return ['set', d.keys.map((k) => ref(k))];
  }

  /**
   * "wait" operations (timeout 0) asserting that every column this run modifies still holds the
   * value it was read with, as ovs-vsctl verifies what it read: two concurrent runs that both
   * rewrite, say, a bridge's ports cannot both commit; the loser fails with "timed out" and
   * retries on a fresh snapshot. They must come first in the transaction.
   */
  verifications(): unknown[] {
    const ops: unknown[] = [];
    for (const [uuid, cols] of this.modified) {
      const row = this.find(uuid);
      if (!row) continue;
      const expected: Record<string, unknown> = {};
      for (const [c, before] of cols) expected[c] = this.datumJson(before, this.columnType(row.table, c));
      ops.push({
        op: 'wait',
        timeout: 0,
        table: row.table,
        where: [['_uuid', '==', ['uuid', uuid]]],
        columns: [...cols.keys()],
        until: '==',
        rows: [expected],
      });
    }
    return ops;
  }

  /** The operations that turn the database as read into the working copy. */
  operations(): unknown[] {
    const ops: unknown[] = [];
    for (const [uuid, name] of this.inserted) {
      const row = this.find(uuid) as VRow;
      const t = this.tableSchema(row.table);
      const r: Record<string, unknown> = {};
      for (const c of t.columns.values()) {
        const d = row.cols.get(c.name) as Datum;
        if (!datumEquals(d, defaultDatum(c.type))) r[c.name] = this.datumJson(d, c.type);
      }
      ops.push({ op: 'insert', table: row.table, row: r, 'uuid-name': name });
    }
    for (const [uuid, cols] of this.modified) {
      const row = this.find(uuid);
      if (!row) continue;
      const r: Record<string, unknown> = {};
      for (const c of cols.keys()) r[c] = this.datumJson(row.cols.get(c) as Datum, this.columnType(row.table, c));
      ops.push({ op: 'update', table: row.table, where: [['_uuid', '==', ['uuid', uuid]]], row: r });
    }
    for (const [uuid, table] of this.deleted) {
      ops.push({ op: 'delete', table, where: [['_uuid', '==', ['uuid', uuid]]] });
    }
    return ops;
  }
}
