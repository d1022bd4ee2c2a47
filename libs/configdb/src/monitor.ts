import { type Clause, evalConditions, parseConditions } from './condition.js';
import type { ChangeSet, Database, RowChange } from './database.js';
import { type Datum, datumDiff, datumEquals, datumJsonText, isDefaultDatum } from './datum.js';
import { OvsdbError, syntaxError } from './errors.js';
import type { Row } from './row.js';
import type { ColumnSchema, TableSchema } from './schema.js';

/** 1 = "monitor" (update), 2 = "monitor_cond" (update2), 3 = "monitor_cond_since" (update3). */
export type MonitorVersion = 1 | 2 | 3;

interface TableMonitor {
  table: TableSchema;
  columns: string[];
  initial: boolean;
  insert: boolean;
  delete: boolean;
  modify: boolean;
  where?: Clause[];
  /** The conditions as the client sent them (part of the share key). */
  whereJson?: unknown;
}

/**
 * Rows' JSON texts by table, for monitors with the same `initialKey`: committed rows are never
 * changed in place (a transaction writes a copy), so a row's text stays valid as long as the row.
 */
export type RowTextCache = Map<string, WeakMap<Row, string>>;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** One monitor a client set up: which tables and columns, under which conditions. */
export class Monitor {
  readonly tables = new Map<string, TableMonitor>();
  /**
   * Equal for monitors that see every change alike (version, tables, columns, selections and
   * conditions): their updates are the same and can be serialised once for all of them.
   */
  shareKey = '';
  /** Equal for monitors whose initial contents are the same (the share key plus "initial"). */
  initialKey = '';

  constructor(
    readonly id: unknown,
    readonly dbName: string,
    readonly version: MonitorVersion,
    db: Database,
    requests: unknown,
  ) {
    if (!isObject(requests)) throw syntaxError(requests, 'monitor requests must be a JSON object');
    // for-in rather than Object.entries: no [key, value] pairs to build and take apart in the
    // unoptimised code this mostly is (a client session sets up one or two monitors).
    for (const tname in requests) {
      const reqJson = requests[tname];
      const table = db.schema.tables.get(tname);
      if (!table) throw syntaxError(tname, `no table named ${tname}`, 'unknown table');
      const reqs = Array.isArray(reqJson) ? reqJson : [reqJson];
      const tm: TableMonitor = { table, columns: [], initial: false, insert: false, delete: false, modify: false };
      const cols = new Set<string>();
      for (const req of reqs) {
        if (!isObject(req)) throw syntaxError(req, 'monitor request must be a JSON object');
        const columns = req.columns === undefined ? [...table.columns.keys()] : req.columns;
        if (!Array.isArray(columns)) throw syntaxError(req, '"columns" must be an array');
        for (const c of columns) {
          if (typeof c !== 'string' || !table.columns.has(c)) {
            throw syntaxError(c, `${String(c)} is not a valid column name`, 'unknown column');
          }
          cols.add(c);
        }
        const sel = isObject(req.select) ? req.select : {};
        tm.initial ||= sel.initial !== false;
        tm.insert ||= sel.insert !== false;
        tm.delete ||= sel.delete !== false;
        tm.modify ||= sel.modify !== false;
        if (req.where !== undefined) {
          if (version === 1) throw syntaxError(req, '"where" is not allowed in a "monitor" request');
          tm.where = parseConditions(req.where, table, true);
          tm.whereJson = req.where;
        }
      }
      tm.columns = [...cols];
      this.tables.set(tname, tm);
    }
    this.computeShareKey();
  }

  private computeShareKey(): void {
    const spec: unknown[] = [];
    const initial: boolean[] = [];
    for (const tm of this.tables.values()) {
      spec.push([tm.table.name, tm.columns, tm.insert, tm.delete, tm.modify, tm.where ? (tm.whereJson ?? null) : null]);
      initial.push(tm.initial);
    }
    this.shareKey = `${this.version} ${JSON.stringify(spec)}`;
    this.initialKey = `${this.shareKey} ${JSON.stringify(initial)}`;
  }

  /** Replaces the conditions (monitor_cond_change). */
  changeConditions(requests: unknown): void {
    if (!isObject(requests)) throw syntaxError(requests, 'monitor-cond-change requests must be a JSON object');
    for (const [tname, reqJson] of Object.entries(requests)) {
      const tm = this.tables.get(tname);
      if (!tm) throw new OvsdbError('syntax error', `table ${tname} is not monitored`);
      const reqs = Array.isArray(reqJson) ? reqJson : [reqJson];
      for (const req of reqs) {
        if (isObject(req) && req.where !== undefined) {
          tm.where = parseConditions(req.where, tm.table, true);
          tm.whereJson = req.where;
        }
      }
    }
    this.computeShareKey();
  }

  private matches(tm: TableMonitor, row: Row | undefined): boolean {
    return row !== undefined && (!tm.where || evalConditions(tm.where, row));
  }

  /**
   * The initial contents (monitor reply) in this monitor's format, as JSON text. Each row's
   * text is taken from `cache` when that row was serialised before, so a client that connects
   * after a commit (every ovs-vsctl run) costs only the rows that commit changed.
   */
  initialText(db: Database, cache: RowTextCache): string {
    const wrapper = this.version === 1 ? '":{"new":' : '":{"initial":';
    let out = '';
    // Maps are walked by value, not by [key, value] entries: this runs a few times per client
    // session, mostly as unoptimised code, which pays for every pair it destructures.
    for (const tm of this.tables.values()) {
      if (!tm.initial) continue;
      const tname = tm.table.name;
      const texts = rowTexts(cache, tname);
      let t = '';
      for (const row of db.table(tname).values()) {
        if (!this.matches(tm, row)) continue;
        let text = texts.get(row);
        if (text === undefined) {
          text = this.rowText(tm, row);
          texts.set(row, text);
        }
        t += `${t === '' ? '"' : ',"'}${row.uuid}${wrapper}${text}}`;
      }
      if (t !== '') out += `${out === '' ? '' : ','}${JSON.stringify(tname)}:{${t}}`;
    }
    return `{${out}}`;
  }

  /**
   * The row's monitored columns as a JSON object, in the monitor's column order. From update2 on,
   * ovsdb-server leaves default values out of "initial" and "insert" (the receiver knows them
   * from the schema); "update" sends every column.
   */
  private rowText(tm: TableMonitor, row: Row): string {
    let text = '';
    const all = this.version === 1;
    for (const c of tm.columns) {
      const type = (tm.table.columns.get(c) as ColumnSchema).type;
      const d = row.cols.get(c) as Datum;
      if (!all && isDefaultDatum(d, type)) continue;
      text += `${text === '' ? '' : ','}${JSON.stringify(c)}:${datumJsonText(d, type)}`;
    }
    return `{${text}}`;
  }

  /**
   * The update for one commit (or several merged) as JSON text, or undefined if this monitor
   * sees nothing. Inserted rows' texts go through `cache` when given: the initial contents the
   * next client of this kind asks for need the same texts.
   */
  updateText(changes: ChangeSet, cache?: RowTextCache): string | undefined {
    let out = '';
    for (const tname of changes.keys()) {
      const tm = this.tables.get(tname);
      if (!tm) continue;
      const texts = cache ? rowTexts(cache, tname) : undefined;
      let t = '';
      for (const ch of (changes.get(tname) as Map<string, RowChange>).values()) {
        const u = this.rowUpdateText(tm, ch, texts);
        if (u !== undefined) t += `${t === '' ? '"' : ',"'}${((ch.new ?? ch.old) as Row).uuid}":${u}`;
      }
      if (t !== '') out += `${out === '' ? '' : ','}${JSON.stringify(tname)}:{${t}}`;
    }
    return out === '' ? undefined : `{${out}}`;
  }

  private rowUpdateText(tm: TableMonitor, ch: RowChange, texts?: WeakMap<Row, string>): string | undefined {
    const was = this.matches(tm, ch.old);
    const is = this.matches(tm, ch.new);
    if (was && is) {
      if (!tm.modify) return undefined;
      const old = ch.old as Row;
      const row = ch.new as Row;
      // The changed columns: their old values ("update") or the difference ("update2/3").
      let diff = '';
      for (const c of tm.columns) {
        const o = old.cols.get(c) as Datum;
        const n = row.cols.get(c) as Datum;
        if (datumEquals(o, n)) continue;
        const type = (tm.table.columns.get(c) as ColumnSchema).type;
        const d = this.version === 1 ? o : datumDiff(o, n, type);
        diff += `${diff === '' ? '' : ','}${JSON.stringify(c)}:${datumJsonText(d, type)}`;
      }
      if (diff === '') return undefined;
      return this.version === 1 ? `{"old":{${diff}},"new":${this.rowText(tm, row)}}` : `{"modify":{${diff}}}`;
    }
    if (is) {
      if (!tm.insert) return undefined;
      const row = ch.new as Row;
      let text = texts?.get(row);
      if (text === undefined) {
        text = this.rowText(tm, row);
        texts?.set(row, text);
      }
      return this.version === 1 ? `{"new":${text}}` : `{"insert":${text}}`;
    }
    if (was) {
      if (!tm.delete) return undefined;
      return this.version === 1 ? `{"old":${this.rowText(tm, ch.old as Row)}}` : '{"delete":null}';
    }
    return undefined;
  }
}

/** The texts of `table`'s rows in `cache`. */
function rowTexts(cache: RowTextCache, table: string): WeakMap<Row, string> {
  let texts = cache.get(table);
  if (!texts) {
    texts = new WeakMap();
    cache.set(table, texts);
  }
  return texts;
}

/** Folds consecutive change sets into one (first old, last new per row). */
export function mergeChanges(sets: ChangeSet[]): ChangeSet {
  const out: ChangeSet = new Map();
  for (const s of sets) {
    for (const [t, rows] of s) {
      let m = out.get(t);
      if (!m) {
        m = new Map();
        out.set(t, m);
      }
      for (const [uuid, ch] of rows) {
        const prev = m.get(uuid);
        if (prev) {
          if (!prev.old && !ch.new) m.delete(uuid);
          else m.set(uuid, { old: prev.old, new: ch.new });
        } else m.set(uuid, { old: ch.old, new: ch.new });
      }
    }
  }
  return out;
}
