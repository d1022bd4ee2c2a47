import { type Datum, sharedDefaultDatum } from './datum.js';
import type { Row } from './row.js';
import { type Atom, type ColumnSchema, type DatabaseSchema, isRootTable, type TableSchema } from './schema.js';

/** A column holding references, with the table each side refers to (undefined: not that side). */
export interface RefColumn {
  column: ColumnSchema;
  name: string;
  keyTable?: string;
  valueTable?: string;
}

/**
 * What the commit path needs to know about a table, computed once per schema: which columns
 * refer where, which have count limits, which are written to the log and under which key.
 */
export interface TableInfo {
  table: TableSchema;
  /** A root table (or every table is, in a schema without roots): never garbage-collected. */
  root: boolean;
  /** Columns whose key or value is a strong reference. */
  strongRefColumns: ColumnSchema[];
  /** The same, with the referred tables (strong sides only). */
  strongRefs: RefColumn[];
  /** Columns whose key or value is a weak reference. */
  weakRefColumns: ColumnSchema[];
  /** Columns whose element count can be out of bounds (min > 0 or a finite max). */
  countedColumns: ColumnSchema[];
  /**
   * Non-ephemeral columns (what the log records), with their member name as JSON (`"name":`)
   * and their default value (what an inserted row's record leaves out).
   */
  logged: { column: ColumnSchema; keyText: string; defaultValue: Datum }[];
  /** Tables with a strong reference to this one, with those columns. */
  strongReferrers: [TableSchema, string[]][];
  /** Tables with a weak reference to this one, with those columns. */
  weakReferrers: [TableSchema, string[]][];
}

const cache = new WeakMap<DatabaseSchema, Map<string, TableInfo>>();

function referrers(schema: DatabaseSchema, target: string, strong: boolean): [TableSchema, string[]][] {
  const out: [TableSchema, string[]][] = [];
  for (const t of schema.tables.values()) {
    const cols: string[] = [];
    for (const c of t.columns.values()) {
      for (const b of [c.type.key, c.type.value]) {
        if (b?.refTable === target && (b.refType !== 'weak') === strong) {
          cols.push(c.name);
          break;
        }
      }
    }
    if (cols.length) out.push([t, cols]);
  }
  return out;
}

function build(schema: DatabaseSchema): Map<string, TableInfo> {
  const bySchema = new Map<string, TableInfo>();
  for (const t of schema.tables.values()) {
    const columns = [...t.columns.values()];
    const refOf = (c: ColumnSchema, weak: boolean) =>
      [c.type.key, c.type.value].some((b) => b?.refTable && (b.refType === 'weak') === weak);
    const strongRefColumns = columns.filter((c) => refOf(c, false));
    bySchema.set(t.name, {
      table: t,
      root: isRootTable(schema, t),
      strongRefColumns,
      strongRefs: strongRefColumns.map((c) => {
        const { key, value } = c.type;
        return {
          column: c,
          name: c.name,
          keyTable: key.refTable && key.refType !== 'weak' ? key.refTable : undefined,
          valueTable: value?.refTable && value.refType !== 'weak' ? value.refTable : undefined,
        };
      }),
      weakRefColumns: columns.filter((c) => refOf(c, true)),
      countedColumns: columns.filter((c) => c.type.min > 0 || c.type.max !== Number.POSITIVE_INFINITY),
      logged: columns
        .filter((c) => !c.ephemeral)
        .map((c) => ({ column: c, keyText: `${JSON.stringify(c.name)}:`, defaultValue: sharedDefaultDatum(c.type) })),
      strongReferrers: referrers(schema, t.name, true),
      weakReferrers: referrers(schema, t.name, false),
    });
  }
  return bySchema;
}

export function tableInfo(schema: DatabaseSchema, table: string): TableInfo {
  let bySchema = cache.get(schema);
  if (!bySchema) {
    bySchema = build(schema);
    cache.set(schema, bySchema);
  }
  return bySchema.get(table) as TableInfo;
}

/**
 * Calls `fn(table, uuid)` for every strong reference out of `row`: once per referring atom, as
 * Open vSwitch counts references.
 */
export function forEachStrongRef(info: TableInfo, row: Row, fn: (table: string, uuid: string) => void): void {
  const refs = info.strongRefs;
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i];
    const d = row.cols.get(r.name) as Datum;
    if (r.keyTable) for (let k = 0; k < d.keys.length; k++) fn(r.keyTable, d.keys[k] as string);
    if (r.valueTable && d.values) for (let k = 0; k < d.values.length; k++) fn(r.valueTable, d.values[k] as string);
  }
}

/**
 * Calls `fn(table, uuid, sign)` for each strong reference that differs between `old` and `row`
 * (either may be absent): -1 for one only `old` makes, +1 for one only `row` makes. Columns
 * holding the same datum are skipped, and a changed column's keys (sorted, as every datum's are)
 * are merged rather than counted out and back in: a bridge that gains a port costs one call,
 * not one per port it has. Map values, which may repeat, are counted out and in one by one.
 */
export function forEachStrongRefChange(
  info: TableInfo,
  old: Row | undefined,
  row: Row | undefined,
  fn: (table: string, uuid: string, sign: number) => void,
): void {
  const refs = info.strongRefs;
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i];
    const before = old?.cols.get(r.name);
    const after = row?.cols.get(r.name);
    if (before === after) continue;
    if (r.keyTable) mergeKeyChanges(r.keyTable, before?.keys, after?.keys, fn);
    if (r.valueTable) {
      const t = r.valueTable;
      const was = before?.values;
      const now = after?.values;
      if (was) for (let k = 0; k < was.length; k++) fn(t, was[k] as string, -1);
      if (now) for (let k = 0; k < now.length; k++) fn(t, now[k] as string, 1);
    }
  }
}

/** Walks two sorted, duplicate-free key lists together, reporting keys only one of them has. */
function mergeKeyChanges(
  table: string,
  was: Atom[] | undefined,
  now: Atom[] | undefined,
  fn: (table: string, uuid: string, sign: number) => void,
): void {
  const a = was ?? NO_KEYS;
  const b = now ?? NO_KEYS;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && (a[i] as string) < (b[j] as string))) fn(table, a[i++] as string, -1);
    else if (i >= a.length || (a[i] as string) > (b[j] as string)) fn(table, b[j++] as string, 1);
    else {
      i++;
      j++;
    }
  }
}

const NO_KEYS: Atom[] = [];

/** Strong-reference counts by referred table and row: what committed rows (or a change) refer to. */
export class RefCounts {
  readonly byTable = new Map<string, Map<string, number>>();

  get(table: string, uuid: string): number {
    return this.byTable.get(table)?.get(uuid) ?? 0;
  }

  add(table: string, uuid: string, n: number): void {
    let m = this.byTable.get(table);
    if (!m) {
      m = new Map();
      this.byTable.set(table, m);
    }
    const v = (m.get(uuid) ?? 0) + n;
    if (v === 0) m.delete(uuid);
    else m.set(uuid, v);
  }

  /** Adds every count of `other`. */
  addAll(other: RefCounts): void {
    for (const [table, counts] of other.byTable) for (const [uuid, n] of counts) this.add(table, uuid, n);
  }

  /** Adds `sign` for every strong reference out of `row`. */
  addRow(info: TableInfo, row: Row, sign: number): void {
    forEachStrongRef(info, row, (t, u) => this.add(t, u, sign));
  }

  /** Accounts for one row change: references of the old row go, those of the new one come. */
  addChange(info: TableInfo, old: Row | undefined, row: Row | undefined): void {
    forEachStrongRefChange(info, old, row, this.addSigned);
  }

  private readonly addSigned = (table: string, uuid: string, sign: number): void => this.add(table, uuid, sign);
}
