import { existsSync, readFileSync } from 'node:fs';
import { type Commit, Database, type RowChange } from './database.js';
import {
  applyDatumDiff,
  type Datum,
  datumDiff,
  datumEquals,
  datumJsonText,
  datumToJson,
  isDefaultDatum,
  isUuid,
  parseDatumLoose,
} from './datum.js';
import { LogWriter, readLogFile, writeLogFile } from './log.js';
import { newRow, type Row } from './row.js';
import { compareVersions, type DatabaseSchema, parseSchema, schemaToJson, type TableSchema } from './schema.js';
import { tableInfo } from './table-info.js';

/** Events worth telling an operator about while opening a database file. */
export interface OpenReport {
  /** A torn or corrupt tail was cut off and copied to this file. */
  corruptTailSavedAs?: string;
  corruptReason?: string;
  /** The file's schema version differed and its data was converted. */
  convertedFrom?: string;
  transactions: number;
}

function rowColumnsToJson(table: TableSchema, row: Row, onlyChangedFrom?: Row): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const c of table.columns.values()) {
    if (c.ephemeral) continue;
    const d = row.cols.get(c.name) as Datum;
    if (onlyChangedFrom) {
      const before = onlyChangedFrom.cols.get(c.name) as Datum;
      if (before === d || datumEquals(before, d)) continue;
      o[c.name] = datumToJson(isDefaultDatum(before, c.type) ? d : datumDiff(before, d, c.type), c.type);
      continue;
    }
    if (isDefaultDatum(d, c.type)) continue;
    o[c.name] = datumToJson(d, c.type);
  }
  return o;
}

/**
 * The log record for one commit, or undefined if it changed only ephemeral columns. As
 * ovsdb-server 3.x writes them (`_is_diff`): a modified column as what changed (datumDiff), so
 * adding a port to a bridge of n ports logs one UUID, not n + 1.
 */
export function commitToRecord(schema: DatabaseSchema, commit: Commit): Record<string, unknown> | undefined {
  const rec: Record<string, unknown> = {};
  let any = false;
  for (const [tname, rows] of commit.changes) {
    const table = schema.tables.get(tname) as TableSchema;
    const t: Record<string, unknown> = {};
    let tAny = false;
    for (const [uuid, ch] of rows) {
      if (!ch.new) t[uuid] = null;
      else if (!ch.old) t[uuid] = rowColumnsToJson(table, ch.new);
      else {
        const diff = rowColumnsToJson(table, ch.new, ch.old);
        if (Object.keys(diff).length === 0) continue;
        t[uuid] = diff;
      }
      tAny = true;
    }
    if (tAny) {
      rec[tname] = t;
      any = true;
    }
  }
  if (!any) return undefined;
  rec._is_diff = true;
  rec._date = commit.date;
  if (commit.comment) rec._comment = commit.comment;
  return rec;
}

/**
 * The log record for one commit as JSON text (what JSON.stringify(commitToRecord(...)) gives),
 * built without the intermediate objects: this is on every commit's path.
 */
export function commitToRecordText(schema: DatabaseSchema, commit: Commit): string | undefined {
  let text = '{';
  const { changes } = commit;
  // Maps walked by key or value, not by [key, value] entries: cheaper in unoptimised code.
  for (const tname of changes.keys()) {
    const logged = tableInfo(schema, tname).logged;
    let t = '';
    for (const ch of (changes.get(tname) as Map<string, RowChange>).values()) {
      const uuid = ((ch.new ?? ch.old) as Row).uuid;
      let row: string;
      if (!ch.new) row = 'null';
      else {
        row = '';
        const { old, new: cur } = ch;
        for (let i = 0; i < logged.length; i++) {
          const l = logged[i];
          const c = l.column;
          const d = cur.cols.get(c.name) as Datum;
          const def = l.defaultValue;
          let value = d;
          if (old) {
            const before = old.cols.get(c.name) as Datum;
            if (before === d || datumEquals(before, d)) continue;
            // What changed, as ovsdb-server logs it (a reader takes a diff over a default value
            // as the value itself, so from a default the value is what is written).
            if (!(before === def || (before.keys.length === def.keys.length && datumEquals(before, def))))
              value = datumDiff(before, d, c.type);
          } else if (d === def || (d.keys.length === def.keys.length && datumEquals(d, def))) continue;
          row += (row ? ',' : '') + l.keyText + datumJsonText(value, c.type);
        }
        if (old && !row) continue;
        row = `{${row}}`;
      }
      t += `${t ? ',' : ''}"${uuid}":${row}`;
    }
    if (t) text += `${text.length > 1 ? ',' : ''}${JSON.stringify(tname)}:{${t}}`;
  }
  if (text.length === 1) return undefined;
  text += `,"_is_diff":true,"_date":${commit.date}`;
  if (commit.comment) text += `,"_comment":${JSON.stringify(commit.comment)}`;
  return `${text}}`;
}

/** Applies one transaction record read from a log (either OVS format: full values or `_is_diff`). */
export function applyRecord(db: Database, rec: Record<string, unknown>): void {
  const isDiff = rec._is_diff === true;
  for (const [tname, rows] of Object.entries(rec)) {
    if (tname.startsWith('_')) continue;
    const table = db.schema.tables.get(tname);
    if (!table) throw new Error(`log record names unknown table ${tname}`);
    const store = db.table(tname);
    const changes = new Map();
    for (const [uuid, rj] of Object.entries(rows as Record<string, unknown>)) {
      if (!isUuid(uuid)) throw new Error(`log record has bad row UUID ${uuid}`);
      const old = store.get(uuid);
      if (rj === null) {
        if (old) changes.set(uuid, { old });
        continue;
      }
      const row: Row = old ? { uuid, version: '', cols: new Map(old.cols) } : newRow(table, uuid, true);
      for (const [cname, vj] of Object.entries(rj as Record<string, unknown>)) {
        const col = table.columns.get(cname);
        if (!col) throw new Error(`log record names unknown column ${tname}.${cname}`);
        const d = parseDatumLoose(vj, col.type);
        // As OVS's reader (ovsdb_file_update_row_from_json): a diff applies to a value that is not
        // the column's default; over a default (a new row's columns start there) it is the value.
        const cur = row.cols.get(cname) as Datum;
        row.cols.set(cname, isDiff && !isDefaultDatum(cur, col.type) ? applyDatumDiff(cur, d, col.type) : d);
      }
      changes.set(uuid, old ? { old, new: row } : { new: row });
    }
    db.apply(new Map([[tname, changes]]));
  }
}

/** Every row of the database as one transaction record (compaction and conversion). */
export function snapshotRecord(db: Database, comment: string): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  for (const [tname, rows] of db.tables) {
    if (rows.size === 0) continue;
    const table = db.schema.tables.get(tname) as TableSchema;
    const t: Record<string, unknown> = {};
    for (const [uuid, row] of rows) t[uuid] = rowColumnsToJson(table, row);
    rec[tname] = t;
  }
  rec._date = Date.now();
  rec._comment = comment;
  return rec;
}

/** Copies rows into a database with another schema, keeping what still fits. */
function convert(from: Database, to: DatabaseSchema): Database {
  const db = new Database(to);
  for (const [tname, rows] of from.tables) {
    const newTable = to.tables.get(tname);
    const oldTable = from.schema.tables.get(tname) as TableSchema;
    if (!newTable) continue;
    const changes = new Map();
    for (const [uuid, row] of rows) {
      const nr = newRow(newTable, uuid);
      for (const c of newTable.columns.values()) {
        const oc = oldTable.columns.get(c.name);
        if (!oc) continue;
        try {
          const d = parseDatumLoose(datumToJson(row.cols.get(c.name) as Datum, oc.type), c.type);
          if (d.keys.length >= c.type.min && d.keys.length <= c.type.max) nr.cols.set(c.name, d);
        } catch {
          // Values the new type rejects fall back to the column's default.
        }
      }
      changes.set(uuid, { new: nr });
    }
    db.apply(new Map([[tname, changes]]));
  }
  return db;
}

/** A database backed by an OVS-format file. */
export class FileStorage {
  private constructor(
    readonly db: Database,
    private writer: LogWriter,
    readonly report: OpenReport,
  ) {}

  /**
   * Opens `path` (creating it from `schema` if missing). If `schema` is given and the file holds
   * another version, the data is converted and the file rewritten with the given schema.
   */
  static open(path: string, schema?: DatabaseSchema): FileStorage {
    if (!existsSync(path)) {
      if (!schema) throw new Error(`${path}: database file does not exist and no schema was given`);
      writeLogFile(path, [schemaToJson(schema)]);
    }
    const log = readLogFile(path);
    if (log.records.length === 0)
      throw new Error(`${path}: no schema record (${log.corruption?.reason ?? 'empty file'})`);
    const fileSchema = parseSchema(log.records[0]);
    let db = new Database(fileSchema);
    for (let i = 1; i < log.records.length; i++) applyRecord(db, log.records[i] as Record<string, unknown>);
    const report: OpenReport = { transactions: log.records.length - 1 };
    if (log.savedAs) {
      report.corruptTailSavedAs = log.savedAs;
      report.corruptReason = `${log.corruption?.reason} at offset ${log.corruption?.offset}`;
    }
    const writer = new LogWriter(path, log.goodBytes, log.records.length);
    const storage = new FileStorage(db, writer, report);
    if (schema && (schema.name !== fileSchema.name || compareVersions(schema.version, fileSchema.version) !== 0)) {
      db = convert(db, schema);
      report.convertedFrom = fileSchema.version;
      const converted = new FileStorage(db, writer, report);
      writer.replace([schemaToJson(schema), snapshotRecord(db, `converted from schema version ${fileSchema.version}`)]);
      return converted;
    }
    return storage;
  }

  /** Appends the commit's record; returns once write(2) returned (and fsync, if durable). */
  write(commit: Commit): void {
    this.writeMany([commit]);
  }

  /** Appends several commits' records with a single write(2) (and one fsync if any is durable). */
  writeMany(commits: Commit[]): void {
    const texts: string[] = [];
    let durable = false;
    for (let i = 0; i < commits.length; i++) {
      const c = commits[i];
      const text = commitToRecordText(this.db.schema, c);
      if (text) texts.push(text);
      durable ||= c.durable;
    }
    if (texts.length) this.writer.appendTexts(texts, durable);
    if (this.shouldCompact()) this.compact();
  }

  /** OVS compacts when the log has grown well past its last snapshot; so do we. */
  private shouldCompact(): boolean {
    return (
      this.writer.records > 1000 &&
      this.writer.bytes > 4 * 1024 * 1024 &&
      this.writer.records > 4 * (this.db.rowCount() + 1)
    );
  }

  compact(): void {
    this.writer.replace([schemaToJson(this.db.schema), snapshotRecord(this.db, 'compacting database online')]);
  }

  get fileBytes(): number {
    return this.writer.bytes;
  }

  close(): void {
    this.writer.close();
  }
}

export function loadSchemaFile(path: string): DatabaseSchema {
  return parseSchema(JSON.parse(readFileSync(path, 'utf8')));
}
