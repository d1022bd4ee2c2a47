import { type Datum, datumToJson } from './datum.js';
import { OvsdbError } from './errors.js';
import type { Row } from './row.js';
import type { ColumnSchema, DatabaseSchema, TableSchema } from './schema.js';
import { RefCounts, tableInfo } from './table-info.js';

/** What one committed transaction did to one row: absent `old` = insert, absent `new` = delete. */
export interface RowChange {
  old?: Row;
  new?: Row;
}

/** Everything a transaction changed, grouped by table then row UUID. */
export type ChangeSet = Map<string, Map<string, RowChange>>;

export interface Commit {
  changes: ChangeSet;
  comment?: string;
  durable: boolean;
  /** Identifies the database state after this commit (monitor_cond_since's last-txn-id). */
  txnId: string;
  date: number;
}

/**
 * A row's key in one unique index. The usual index (a "name") is one column holding one string:
 * its key is the string itself behind a mark no JSON text starts with; anything else is the
 * JSON of the columns' values.
 */
function indexKey(table: TableSchema, row: Row, columns: string[]): string {
  if (columns.length === 1) {
    const d = row.cols.get(columns[0]) as Datum;
    if (d.keys.length === 1 && !d.values && typeof d.keys[0] === 'string') return `=${d.keys[0]}`;
  }
  return JSON.stringify(indexValues(table, row, columns));
}

function indexValues(table: TableSchema, row: Row, columns: string[]): unknown[] {
  return columns.map((c) => datumToJson(row.cols.get(c) as Datum, (table.columns.get(c) as ColumnSchema).type));
}

/** Whether a modification left the indexed columns as they were (the same datum objects). */
function sameIndexed(old: Row, row: Row, columns: string[]): boolean {
  for (let i = 0; i < columns.length; i++) if (old.cols.get(columns[i]) !== row.cols.get(columns[i])) return false;
  return true;
}

/** The committed contents of one database, plus the unique indexes the schema declares. */
export class Database {
  readonly tables = new Map<string, Map<string, Row>>();
  private readonly indexes = new Map<string, Map<string, string>[]>();
  /**
   * How many times committed rows strongly refer to each row (by atom, as OVS counts), kept up
   * to date by `apply`: commit-time checks then look at the rows a transaction touched only.
   */
  readonly strongRefs = new RefCounts();

  constructor(readonly schema: DatabaseSchema) {
    for (const t of schema.tables.values()) {
      this.tables.set(t.name, new Map());
      this.indexes.set(
        t.name,
        t.indexes.map(() => new Map()),
      );
    }
  }

  table(name: string): Map<string, Row> {
    return this.tables.get(name) as Map<string, Row>;
  }

  /**
   * Checks that the changed rows keep every index unique; `view` says whether a row (by UUID)
   * still exists once the transaction commits.
   */
  checkIndexes(changes: ChangeSet): void {
    // Maps walked by key or value, not by [key, value] entries: cheaper in unoptimised code.
    for (const tname of changes.keys()) {
      const table = this.schema.tables.get(tname) as TableSchema;
      if (table.indexes.length === 0) continue;
      const rows = changes.get(tname) as Map<string, RowChange>;
      const idx = this.indexes.get(tname) as Map<string, string>[];
      for (let i = 0; i < table.indexes.length; i++) {
        const columns = table.indexes[i];
        let seen: Map<string, string> | undefined;
        for (const ch of rows.values()) {
          const row = ch.new;
          if (!row || (ch.old && sameIndexed(ch.old, row, columns))) continue;
          const uuid = row.uuid;
          const key = indexKey(table, row, columns);
          let other = seen?.get(key);
          if (other === undefined) {
            const holder = idx[i].get(key);
            // The committed holder only conflicts if the transaction leaves it holding that key.
            if (holder !== undefined && holder !== uuid) {
              const hc = rows.get(holder);
              if (!hc || (hc.new && indexKey(table, hc.new, columns) === key)) other = holder;
            }
          }
          if (other !== undefined) {
            const values = indexValues(table, row, columns);
            throw new OvsdbError(
              'constraint violation',
              `Transaction causes multiple rows in "${tname}" table to have identical values (${values.map((v) => JSON.stringify(v)).join(', ')}) for index on ${columns.length === 1 ? 'column' : 'columns'} ${columns.map((c) => `"${c}"`).join(', ')}.  First row, with UUID ${other}, ${rows.has(other) ? 'was inserted by this transaction' : 'existed in the database before this transaction and was not modified by the transaction'}.  Second row, with UUID ${uuid}, was inserted by this transaction.`,
            );
          }
          seen ??= new Map();
          seen.set(key, uuid);
        }
      }
    }
  }

  /**
   * Applies a validated change set; `refDelta`, when known (see `TxnOutcome.refDelta`), is how
   * it changes the strong-reference counts, which are otherwise counted from the changes.
   */
  apply(changes: ChangeSet, refDelta?: RefCounts): void {
    if (refDelta) this.strongRefs.addAll(refDelta);
    const countRefs = refDelta === undefined;
    // Maps walked by key or value, not by [key, value] entries: cheaper in unoptimised code.
    for (const tname of changes.keys()) {
      const rows = changes.get(tname) as Map<string, RowChange>;
      const table = this.schema.tables.get(tname) as TableSchema;
      const store = this.table(tname);
      const info = tableInfo(this.schema, tname);
      const refs = countRefs && info.strongRefs.length > 0;
      if (table.indexes.length === 0 && !refs) {
        for (const ch of rows.values()) {
          if (ch.new) store.set(ch.new.uuid, ch.new);
          else store.delete((ch.old as Row).uuid);
        }
        continue;
      }
      const idx = this.indexes.get(tname) as Map<string, string>[];
      for (const ch of rows.values()) {
        const { old, new: row } = ch;
        const uuid = ((row ?? old) as Row).uuid;
        if (row) store.set(uuid, row);
        else store.delete(uuid);
        for (let i = 0; i < table.indexes.length; i++) {
          const cols = table.indexes[i];
          // A modification that keeps the indexed columns keeps its index entry.
          if (old && row && sameIndexed(old, row, cols)) continue;
          if (old) {
            const k = indexKey(table, old, cols);
            if (idx[i].get(k) === uuid) idx[i].delete(k);
          }
          if (row) idx[i].set(indexKey(table, row, cols), uuid);
        }
        if (refs) this.strongRefs.addChange(info, old, row);
      }
    }
  }

  rowCount(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.size;
    return n;
  }
}
