import { type Clause, evalConditions, parseConditions, uuidLookup } from './condition.js';
import type { ChangeSet, Database, RowChange } from './database.js';
import {
  checkCount,
  compareDatums,
  type Datum,
  datumEquals,
  datumMatchesJson,
  datumSubtract,
  datumUnion,
  isUuid,
  parseDatum,
  parseDatumLoose,
} from './datum.js';
import { OvsdbError, syntaxError } from './errors.js';
import { columnSchema, columnValue, copyRow, newRow, newUuid, type Row, rowToJson } from './row.js';
import type { Atom, ColumnType, DatabaseSchema, TableSchema } from './schema.js';
import { forEachStrongRef, forEachStrongRefChange, RefCounts, tableInfo } from './table-info.js';

/** What the caller of `executeTransaction` supplies beyond the database. */
export interface TxnContext {
  /** True if this session holds the named lock (for "assert"). */
  ownsLock?: (name: string) => boolean;
}

export interface TxnOutcome {
  results: unknown[];
  /** Present when every operation succeeded and something is to be committed. */
  changes?: ChangeSet;
  comment?: string;
  durable: boolean;
  /** A "wait" with a timeout was not satisfied: the transaction should be retried until then. */
  waitTimeoutMs?: number;
  /**
   * How `changes` alter the strong-reference counts, worked out by the commit-time checks:
   * `Database.apply` adds it rather than counting the changes' references again.
   */
  refDelta?: RefCounts;
}

/**
 * The empty result of "wait", "commit", "comment" and "assert" (RFC 7047 5.2), one shared frozen
 * object: ovs-vsctl sends dozens of waits per run, and the reply writes it without serialising.
 */
export const NO_RESULT: Readonly<Record<string, never>> = Object.freeze({});

class WaitNotMet extends Error {
  constructor(readonly timeoutMs: number) {
    super('wait not met');
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A transaction in progress: a copy-on-write overlay over the committed database. */
class Overlay {
  readonly changes: ChangeSet = new Map();
  /**
   * Rows this transaction created or copied, which it may change in place. A set rather than a
   * flag on the row: adding and deleting a property would leave committed rows in V8's slow
   * dictionary mode.
   */
  private owned: Set<Row> | undefined;

  constructor(readonly db: Database) {}

  tableChanges(table: string): Map<string, RowChange> {
    let m = this.changes.get(table);
    if (!m) {
      m = new Map();
      this.changes.set(table, m);
    }
    return m;
  }

  get(table: string, uuid: string): Row | undefined {
    const ch = this.changes.get(table)?.get(uuid);
    if (ch) return ch.new;
    return this.db.table(table).get(uuid);
  }

  /** A row this transaction may modify in place. */
  writable(table: string, uuid: string): Row {
    const tc = this.tableChanges(table);
    const ch = tc.get(uuid);
    if (ch?.new && this.owned?.has(ch.new)) return ch.new;
    const base = ch ? ch.new : this.db.table(table).get(uuid);
    const copy = copyRow(base as Row);
    this.own(copy);
    if (ch) ch.new = copy;
    else tc.set(uuid, { old: base, new: copy });
    return copy;
  }

  private own(row: Row): void {
    if (!this.owned) this.owned = new Set();
    this.owned.add(row);
  }

  insert(table: string, row: Row): void {
    this.own(row);
    const tc = this.tableChanges(table);
    const ch = tc.get(row.uuid);
    if (ch) ch.new = row;
    else tc.set(row.uuid, { new: row });
  }

  delete(table: string, uuid: string): void {
    const tc = this.tableChanges(table);
    const ch = tc.get(uuid);
    if (ch) {
      if (ch.old) ch.new = undefined;
      else tc.delete(uuid);
    } else tc.set(uuid, { old: this.db.table(table).get(uuid) });
  }

  *rows(table: string): Iterable<Row> {
    const tc = this.changes.get(table);
    for (const row of this.db.table(table).values()) {
      if (tc?.has(row.uuid)) continue;
      yield row;
    }
    if (tc) for (const ch of tc.values()) if (ch.new) yield ch.new;
  }

  select(table: string, where: Clause[]): Row[] {
    const direct = uuidLookup(where);
    if (direct !== undefined) {
      const r = this.get(table, direct);
      // `_uuid == X` alone (every ovs-vsctl "verify"): the lookup is the whole answer.
      if (where.length === 1) return r ? [r] : [];
      return r && evalConditions(where, r) ? [r] : [];
    }
    const out: Row[] = [];
    for (const r of this.rows(table)) if (evalConditions(where, r)) out.push(r);
    return out;
  }
}

/** Where OVS's operation parser reports a problem: "Parsing ovsdb operation N of M failed: ...". */
let opIndex = 0;
let opCount = 0;

function parseFailure(op: unknown, details: string): OvsdbError {
  return syntaxError(op, `Parsing ovsdb operation ${opIndex + 1} of ${opCount} failed: ${details}`);
}

function getTable(schema: DatabaseSchema, op: Record<string, unknown>): TableSchema {
  if (typeof op.table !== 'string') throw parseFailure(op, "Required 'table' member is missing.");
  const t = schema.tables.get(op.table);
  if (!t) throw parseFailure(op, `No table named ${op.table}.`);
  return t;
}

function parseRowColumns(
  json: unknown,
  table: TableSchema,
  named: (n: string) => string,
  forUpdate: boolean,
  out = new Map<string, Datum>(),
): Map<string, Datum> {
  if (!isObject(json)) throw syntaxError(json, 'Row must be a JSON object.');
  for (const name in json) {
    const value = json[name];
    const col = table.columns.get(name);
    if (!col) {
      if (name === '_uuid' || name === '_version') {
        throw new OvsdbError('constraint violation', `Cannot update immutable column ${name} in table ${table.name}.`);
      }
      throw syntaxError(json, `No column ${name} in table ${table.name}.`, 'unknown column');
    }
    if (forUpdate && !col.mutable) {
      throw new OvsdbError('constraint violation', `Cannot update immutable column ${name} in table ${table.name}.`);
    }
    out.set(name, parseDatum(value, col.type, named));
  }
  return out;
}

function parseColumnList(json: unknown, table: TableSchema): string[] | undefined {
  if (json === undefined) return undefined;
  if (!Array.isArray(json)) throw syntaxError(json, 'Array of column names expected.');
  return json.map((c) => {
    if (typeof c !== 'string' || !columnSchema(table, c)) {
      throw syntaxError(json, `${String(c)} is not a valid column name`);
    }
    return c;
  });
}

const ARITH = new Set(['+=', '-=', '*=', '/=', '%=']);

function arith(a: number, op: string, b: number, integer: boolean): number {
  let r: number;
  switch (op) {
    case '+=':
      r = a + b;
      break;
    case '-=':
      r = a - b;
      break;
    case '*=':
      r = a * b;
      break;
    case '/=':
      if (b === 0) throw new OvsdbError('domain error', 'Division by zero.');
      r = integer ? Math.trunc(a / b) : a / b;
      break;
    default:
      if (b === 0) throw new OvsdbError('domain error', 'Division by zero.');
      r = a % b;
  }
  if (integer && !Number.isSafeInteger(r))
    throw new OvsdbError('range error', 'Result of arithmetic operation is out of range.');
  return r;
}

function mutateDatum(
  d: Datum,
  type: ColumnType,
  mutator: string,
  json: unknown,
  named: (n: string) => string,
  colName: string,
): Datum {
  if (ARITH.has(mutator)) {
    const base = type.key;
    if (type.value || (base.type !== 'integer' && base.type !== 'real')) {
      throw syntaxError(json, `Type mismatch: "${mutator}" may not be applied to column ${colName}.`, 'type mismatch');
    }
    if (mutator === '%=' && base.type !== 'integer') {
      throw syntaxError(json, `Type mismatch: "%=" may not be applied to column ${colName}.`, 'type mismatch');
    }
    const arg = parseDatumLoose(json, { key: { type: base.type }, min: 1, max: 1 });
    if (arg.keys.length !== 1) throw syntaxError(json, 'mutation argument must be a single atom');
    const keys = d.keys.map((k) => arith(k as number, mutator, arg.keys[0] as number, base.type === 'integer'));
    const sorted = keys.map((k) => k).sort((x, y) => x - y);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] === sorted[i - 1])
        throw new OvsdbError('constraint violation', 'Result of mutation has duplicate values.');
    }
    for (const k of sorted) {
      const lo = base.type === 'integer' ? base.minInteger : base.minReal;
      const hi = base.type === 'integer' ? base.maxInteger : base.maxReal;
      if ((lo !== undefined && k < lo) || (hi !== undefined && k > hi)) {
        throw new OvsdbError(
          'constraint violation',
          `${k} is not in the valid range ${lo ?? '-inf'} to ${hi ?? 'inf'} (inclusive)`,
        );
      }
    }
    return { keys: sorted };
  }
  if (mutator === 'insert') {
    if (type.min === 1 && type.max === 1) {
      throw syntaxError(json, `Type mismatch: "insert" may not be applied to column ${colName}.`, 'type mismatch');
    }
    return datumUnion(d, parseDatumLoose(json, type, named));
  }
  if (mutator === 'delete') {
    if (type.min === 1 && type.max === 1) {
      throw syntaxError(json, `Type mismatch: "delete" may not be applied to column ${colName}.`, 'type mismatch');
    }
    if (type.value && !(Array.isArray(json) && json[0] === 'map')) {
      // A set of keys deletes those keys whatever their values.
      return datumSubtract(d, parseDatumLoose(json, type, named, true), false);
    }
    return datumSubtract(d, parseDatumLoose(json, type, named), true);
  }
  throw syntaxError(mutator, `Unknown mutator "${mutator}".`, 'unknown mutator');
}

/** The "wait" rows, as column values in the order of the wait's "columns". */
type WaitRow = Datum[];

function waitRowsEqual(a: WaitRow, b: WaitRow): boolean {
  for (let i = 0; i < a.length; i++) if (!datumEquals(a[i], b[i])) return false;
  return true;
}

/** Whether two lists of rows are equal as multisets (RFC 7047 5.2.6 "wait"). */
function rowsEqualMultiset(a: WaitRow[], b: WaitRow[]): boolean {
  if (a.length !== b.length) return false;
  // The usual wait (ovs-vsctl's verify) names one row: compare directly.
  if (a.length === 1) return waitRowsEqual(a[0], b[0]);
  const unmatched = [...b];
  for (const r of a) {
    const i = unmatched.findIndex((u) => waitRowsEqual(r, u));
    if (i < 0) return false;
    unmatched.splice(i, 1);
  }
  return true;
}

/** Whether every column of `cur` holds what `old`'s does. */
function sameColumns(old: Row, cur: Row): boolean {
  // Map iteration by keys, not entries: unoptimised code (most of this runs a few times per
  // client session) pays for every [key, value] pair it destructures.
  for (const c of cur.cols.keys()) {
    const d = cur.cols.get(c) as Datum;
    const o = old.cols.get(c) as Datum;
    if (o !== d && !(o.keys.length === d.keys.length && compareDatums(o, d) === 0)) return false;
  }
  return true;
}

/** The row UUID of a `where` that is exactly `[["_uuid", "==", ["uuid", UUID]]]`, unparsed. */
function uuidOnlyWhere(where: unknown): string | undefined {
  if (!Array.isArray(where) || where.length !== 1) return undefined;
  const c = where[0];
  if (!Array.isArray(c) || c.length !== 3 || c[0] !== '_uuid' || c[1] !== '==') return undefined;
  const arg = c[2];
  if (!Array.isArray(arg) || arg.length !== 2 || arg[0] !== 'uuid' || typeof arg[1] !== 'string') return undefined;
  return arg[1];
}

/**
 * The wait every ovs-vsctl run sends once per row it read (its "verify"): `until: "=="`, one
 * row by `_uuid`, expected values equal to the row's current ones, written as we write them.
 * True if `op` is that and holds; false means "not shown this way", and the full parse decides
 * (errors, other spellings, a real difference). A match is exact, so nothing is left to check.
 */
function waitRestatesRow(ov: Overlay, table: TableSchema, op: Record<string, unknown>): boolean {
  const { rows, columns } = op;
  if (op.until !== '==' || !Array.isArray(rows) || rows.length !== 1 || !Array.isArray(columns)) return false;
  const expected = rows[0];
  if (!isObject(expected)) return false;
  const uuid = uuidOnlyWhere(op.where);
  // A row found under the text as given is named by a valid UUID in canonical form.
  const row = uuid === undefined ? undefined : ov.get(table.name, uuid);
  if (!row) return false;
  let n = 0;
  for (const _ in expected) n++;
  if (n !== columns.length) return false;
  for (let i = 0; i < columns.length; i++) {
    const name = columns[i];
    if (typeof name !== 'string') return false;
    const col = table.columns.get(name);
    const json = expected[name];
    const d = row.cols.get(name);
    if (!col || json === undefined || !d || !datumMatchesJson(d, json, col.type)) return false;
  }
  return true;
}

/**
 * Runs the operations of one "transact" request (RFC 7047 section 5.2) against `db` without
 * changing it. On success the outcome carries the change set to commit; on failure `results`
 * holds the error at the failing position (or one past the end for a commit-time failure).
 */
export function executeTransaction(db: Database, ops: unknown[], ctx: TxnContext = {}): TxnOutcome {
  const schema = db.schema;
  const ov = new Overlay(db);
  const results: unknown[] = [];
  let symbols: Map<string, { uuid: string; created: boolean }> | undefined;
  const named = (name: string): string => {
    symbols ??= new Map();
    let s = symbols.get(name);
    if (!s) {
      s = { uuid: newUuid(), created: false };
      symbols.set(name, s);
    }
    return s.uuid;
  };
  let durable = false;
  let refDelta: RefCounts | undefined;
  let comments: string[] | undefined;
  const fail = (err: unknown): TxnOutcome => {
    if (err instanceof WaitNotMet) return { results: [], durable, waitTimeoutMs: err.timeoutMs };
    const e =
      err instanceof OvsdbError
        ? err
        : new OvsdbError('internal error', err instanceof Error ? err.message : String(err));
    results.push(e.toJson());
    return { results, durable };
  };

  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    opIndex = i;
    opCount = ops.length;
    try {
      if (!isObject(op)) throw syntaxError(op, 'Operation must be a JSON object.');
      // The verify-style wait (most of an ovs-vsctl transaction) is settled here, before the
      // general dispatch; anything else about a wait is executeOp's.
      const waitTable = op.op === 'wait' && typeof op.table === 'string' ? schema.tables.get(op.table) : undefined;
      if (waitTable && waitRestatesRow(ov, waitTable, op)) results.push(NO_RESULT);
      else results.push(executeOp(op));
    } catch (err) {
      return fail(err);
    }
  }
  try {
    refDelta = finishTransaction(schema, ov);
    db.checkIndexes(ov.changes);
  } catch (err) {
    const e = err instanceof OvsdbError ? err : new OvsdbError('internal error', String(err));
    results.push(e.toJson());
    return { results, durable };
  }
  for (const t of ov.changes.keys()) {
    const m = ov.changes.get(t) as Map<string, RowChange>;
    for (const ch of m.values()) {
      const { old, new: cur } = ch;
      if (!old || !cur) continue;
      // A modification that changed nothing is no change at all (as in OVS).
      if (sameColumns(old, cur)) m.delete(cur.uuid);
      else cur.version = '';
    }
    if (m.size === 0) ov.changes.delete(t);
  }
  return { results, changes: ov.changes, comment: comments?.join('\n'), durable, refDelta };

  /**
   * The rows `where` selects. The usual where (ovs-vsctl's every update) names an existing row
   * by `_uuid` alone: that is one lookup, without the general parse (which anything else gets,
   * errors included). Selecting before the rest of the operation is parsed changes nothing.
   */
  function selected(table: TableSchema, where: unknown): Row[] {
    const uuid = uuidOnlyWhere(where);
    const row = uuid === undefined ? undefined : ov.get(table.name, uuid);
    if (row) return [row];
    return ov.select(table.name, parseConditions(where, table, false, named));
  }

  function executeOp(op: Record<string, unknown>): unknown {
    switch (op.op) {
      case 'insert': {
        const table = getTable(schema, op);
        let uuid: string;
        if (op.uuid !== undefined) {
          if (!Array.isArray(op.uuid) || op.uuid[0] !== 'uuid' || !isUuid(op.uuid[1])) {
            throw syntaxError(op.uuid, 'Expected ["uuid", UUID].');
          }
          uuid = (op.uuid[1] as string).toLowerCase();
        } else uuid = newUuid();
        if (op['uuid-name'] !== undefined) {
          const name = op['uuid-name'];
          if (typeof name !== 'string') throw syntaxError(name, '"uuid-name" must be a string');
          symbols ??= new Map();
          const s = symbols.get(name);
          if (s?.created)
            throw syntaxError(
              name,
              `This "uuid-name" appeared on an earlier "insert" operation.`,
              'duplicate uuid-name',
            );
          if (s && op.uuid === undefined) uuid = s.uuid;
          symbols.set(name, { uuid, created: true });
        }
        // A UUID this server generated (122 random bits) cannot collide: only a requested one
        // needs the (cache-unfriendly) lookup in a table that may hold millions of rows.
        if (op.uuid !== undefined && ov.get(table.name, uuid)) {
          throw new OvsdbError(
            'duplicate uuid',
            `This UUID would duplicate a UUID already present within the table or deleted within the same transaction.`,
          );
        }
        const row = newRow(table, uuid, true);
        parseRowColumns(op.row ?? {}, table, named, false, row.cols);
        ov.insert(table.name, row);
        return { uuid: ['uuid', uuid] };
      }
      case 'select': {
        const table = getTable(schema, op);
        const rows = selected(table, op.where);
        const columns = parseColumnList(op.columns, table);
        return { rows: rows.map((r) => rowToJson(r, table, columns)) };
      }
      case 'update': {
        const table = getTable(schema, op);
        const rows = selected(table, op.where);
        const cols = parseRowColumns(op.row, table, named, true);
        for (const r of rows) {
          const w = ov.writable(table.name, r.uuid);
          for (const [k, v] of cols) w.cols.set(k, v);
        }
        return { count: rows.length };
      }
      case 'mutate': {
        const table = getTable(schema, op);
        const rows = selected(table, op.where);
        if (!Array.isArray(op.mutations)) throw syntaxError(op.mutations, 'Required "mutations" member is missing.');
        const muts = op.mutations.map((m) => {
          if (!Array.isArray(m) || m.length !== 3 || typeof m[0] !== 'string' || typeof m[1] !== 'string') {
            throw syntaxError(m, 'Parse error in mutation.');
          }
          const col = table.columns.get(m[0]);
          if (!col) {
            if (m[0] === '_uuid' || m[0] === '_version') {
              throw new OvsdbError(
                'constraint violation',
                `Cannot mutate immutable column ${m[0]} in table ${table.name}.`,
              );
            }
            throw syntaxError(m, `No column ${m[0]} in table ${table.name}.`, 'unknown column');
          }
          if (!col.mutable) {
            throw new OvsdbError(
              'constraint violation',
              `Cannot mutate immutable column ${m[0]} in table ${table.name}.`,
            );
          }
          if (!ARITH.has(m[1]) && m[1] !== 'insert' && m[1] !== 'delete') {
            throw syntaxError(m, `Unknown mutator "${m[1]}".`, 'unknown mutator');
          }
          return { col, mutator: m[1] as string, arg: m[2] as unknown };
        });
        for (const r of rows) {
          const w = ov.writable(table.name, r.uuid);
          for (const m of muts) {
            const d = mutateDatum(w.cols.get(m.col.name) as Datum, m.col.type, m.mutator, m.arg, named, m.col.name);
            try {
              checkCount(
                d,
                m.col.type,
                `Attempted to store ${d.keys.length} elements in ${m.col.type.max === Number.POSITIVE_INFINITY ? 'unlimited' : m.col.type.max}-element set`,
              );
            } catch {
              throw new OvsdbError(
                'constraint violation',
                `Attempted to store ${d.keys.length} elements in ${m.col.type.min}..${m.col.type.max === Number.POSITIVE_INFINITY ? 'unlimited' : m.col.type.max}-element set (column ${m.col.name} in table ${table.name}).`,
              );
            }
            w.cols.set(m.col.name, d);
          }
        }
        return { count: rows.length };
      }
      case 'delete': {
        const table = getTable(schema, op);
        const rows = selected(table, op.where);
        for (const r of rows) ov.delete(table.name, r.uuid);
        return { count: rows.length };
      }
      case 'wait': {
        const table = getTable(schema, op);
        const where = parseConditions(op.where, table, false, named);
        const columns = parseColumnList(op.columns, table) ?? [];
        if (op.until !== '==' && op.until !== '!=') throw syntaxError(op.until, '"until" must be "==" or "!=".');
        if (!Array.isArray(op.rows)) throw syntaxError(op.rows, 'Required "rows" member is missing.');
        const expected = op.rows.map((r): WaitRow => {
          const cols = parseRowColumns(r, table, named, false);
          return columns.map((c) => {
            const d = cols.get(c);
            if (!d) throw syntaxError(r, `wait row lacks column ${c}`);
            return d;
          });
        });
        const actual = ov.select(table.name, where).map((r): WaitRow => columns.map((c) => columnValue(r, c)));
        const equal = rowsEqualMultiset(actual, expected);
        if (equal !== (op.until === '==')) {
          const timeout = typeof op.timeout === 'number' ? op.timeout : Number.POSITIVE_INFINITY;
          if (timeout > 0) throw new WaitNotMet(timeout);
          throw new OvsdbError('timed out', '"where" clause test failed');
        }
        return NO_RESULT;
      }
      case 'commit':
        if (typeof op.durable !== 'boolean') throw syntaxError(op, 'Required "durable" member is missing.');
        durable ||= op.durable;
        return NO_RESULT;
      case 'abort':
        throw new OvsdbError('aborted', 'aborted by request');
      case 'comment':
        if (typeof op.comment !== 'string') throw syntaxError(op, 'Required "comment" member is missing.');
        if (!comments) comments = [];
        comments.push(op.comment);
        return NO_RESULT;
      case 'assert':
        if (typeof op.lock !== 'string') throw syntaxError(op, 'Required "lock" member is missing.');
        if (!ctx.ownsLock?.(op.lock)) throw new OvsdbError('not owner', `Asserted lock ${op.lock} not held.`);
        return NO_RESULT;
      default:
        throw parseFailure(op, `No operation "${String(op.op)}"`);
    }
  }
}

/** Strong references must name existing rows. */
function checkResolves(
  ov: Overlay,
  refTable: string,
  atoms: Atom[],
  tname: string,
  column: string,
  uuid: string,
  /** Sorted keys the row referred to when committed: those still exist unless deleted here. */
  committed?: Atom[],
): void {
  const skip = committed && !deletesFrom(ov, refTable) ? committed : NO_ATOMS;
  let j = 0;
  for (let i = 0; i < atoms.length; i++) {
    const a = atoms[i] as string;
    // Both lists are sorted: walk the committed one alongside (a set that gained one member
    // checks that member, not every one).
    while (j < skip.length && (skip[j] as string) < a) j++;
    if (j < skip.length && skip[j] === a) continue;
    if (!ov.get(refTable, a)) {
      throw new OvsdbError(
        'referential integrity violation',
        `Table ${tname} column ${column} row ${uuid} references nonexistent row ${a} in table ${refTable}.`,
      );
    }
  }
}

const NO_ATOMS: Atom[] = [];

/** Whether this transaction deletes any row of `table`. */
function deletesFrom(ov: Overlay, table: string): boolean {
  const rows = ov.changes.get(table);
  if (rows) for (const ch of rows.values()) if (!ch.new) return true;
  return false;
}

/** Strong references unchanged (a transaction that touched no referring column). */
const NO_REF_CHANGES = new RefCounts();

function hasStrongSide(type: ColumnType): boolean {
  return (
    (type.key.refTable !== undefined && type.key.refType !== 'weak') ||
    (type.value?.refTable !== undefined && type.value.refType !== 'weak')
  );
}

/**
 * Commit-time work (RFC 7047 section 4.1.3 and OVS's semantics): garbage-collect unreferenced
 * rows of non-root tables, check strong references, drop dangling weak references, then check
 * counts and maxRows. Only the rows the transaction touched are examined: how often a row is
 * referred to comes from the database's reference counts plus this change set's difference.
 * Returns how the transaction changes strong-reference counts, or undefined if that must be
 * counted again from the changes.
 */
function finishTransaction(schema: DatabaseSchema, ov: Overlay): RefCounts | undefined {
  // As OVS: strong references of new and modified rows must resolve, before garbage collection.
  let refTables = false;
  const { changes } = ov;
  for (const tname of changes.keys()) {
    const strongRefs = tableInfo(schema, tname).strongRefs;
    if (strongRefs.length === 0) continue;
    refTables = true;
    for (const ch of (changes.get(tname) as Map<string, RowChange>).values()) {
      const cur = ch.new;
      if (!cur) continue;
      for (let i = 0; i < strongRefs.length; i++) {
        const r = strongRefs[i];
        const d = cur.cols.get(r.name) as Datum;
        const before = ch.old?.cols.get(r.name);
        if (before === d) continue;
        if (r.keyTable) checkResolves(ov, r.keyTable, d.keys, tname, r.name, cur.uuid, before?.keys);
        if (r.valueTable && d.values) checkResolves(ov, r.valueTable, d.values, tname, r.name, cur.uuid);
      }
    }
  }

  // References as the transaction leaves them: the committed counts plus this difference.
  let delta = refTables ? new RefCounts() : undefined;
  if (delta) {
    for (const tname of changes.keys()) {
      const info = tableInfo(schema, tname);
      if (info.strongRefs.length === 0) continue;
      for (const ch of (changes.get(tname) as Map<string, RowChange>).values()) delta.addChange(info, ch.old, ch.new);
    }
  }
  const committed = ov.db.strongRefs;
  const refCount = (table: string, uuid: string): number =>
    committed.get(table, uuid) + (delta ? delta.get(table, uuid) : 0);

  // Garbage collection: candidates are new rows in non-root tables and rows that lost a reference.
  const candidates: [string, string][] = [];
  const consider = (table: string, uuid: string) => {
    if (!tableInfo(schema, table).root) candidates.push([table, uuid]);
  };
  const considerDropped = (table: string, uuid: string, sign: number) => {
    if (sign < 0) consider(table, uuid);
  };
  for (const tname of changes.keys()) {
    const info = tableInfo(schema, tname);
    const refs = info.strongRefs.length > 0;
    if (info.root && !refs) continue;
    for (const ch of (changes.get(tname) as Map<string, RowChange>).values()) {
      if (ch.new && !ch.old && !info.root) candidates.push([tname, ch.new.uuid]);
      // Only references the change took away can have left a row unreferenced.
      if (ch.old && refs) forEachStrongRefChange(info, ch.old, ch.new, considerDropped);
    }
  }
  const gcDone = candidates.length ? new Set<string>() : undefined;
  while (candidates.length && gcDone) {
    const [tname, uuid] = candidates.pop() as [string, string];
    const key = `${tname}/${uuid}`;
    if (gcDone.has(key)) continue;
    const row = ov.get(tname, uuid);
    if (!row) continue;
    if (refCount(tname, uuid) > 0) continue;
    gcDone.add(key);
    ov.delete(tname, uuid);
    const info = tableInfo(schema, tname);
    if (info.strongRefs.length === 0) continue;
    if (!delta) delta = new RefCounts();
    delta.addRow(info, row, -1);
    forEachStrongRef(info, row, consider);
  }

  // Deleted rows must not remain strongly referenced; weak references to them disappear.
  // (A map pair dropped for its weak side may take a strong reference with it: then `delta`
  // no longer tells the whole change, and the caller must count again.)
  let strongPruned = false;
  let deleted: Map<string, Set<string>> | undefined;
  for (const tname of changes.keys()) {
    for (const ch of (changes.get(tname) as Map<string, RowChange>).values()) {
      if (!ch.new) {
        deleted ??= new Map();
        let s = deleted.get(tname);
        if (!s) {
          s = new Set();
          deleted.set(tname, s);
        }
        s.add((ch.old as Row).uuid);
      }
    }
  }
  for (const [tname, uuids] of deleted ?? []) {
    for (const uuid of uuids) {
      const n = refCount(tname, uuid);
      if (n > 0) {
        throw new OvsdbError(
          'referential integrity violation',
          `cannot delete ${tname} row ${uuid} because of ${n} remaining reference(s)`,
        );
      }
    }
    for (const [t, cols] of tableInfo(schema, tname).weakReferrers) {
      for (const r of [...ov.rows(t.name)]) {
        for (const c of cols) {
          const d = r.cols.get(c) as Datum;
          const type = t.columns.get(c)?.type as ColumnType;
          const pruned = pruneRefs(d, type, (u) => !uuids.has(u));
          if (pruned) {
            ov.writable(t.name, r.uuid).cols.set(c, pruned);
            strongPruned ||= hasStrongSide(type);
          }
        }
      }
    }
  }

  // Weak references of new and modified rows to rows that do not exist are dropped.
  // (Pruning may copy rows into the change set: iterate over a copy, and only where needed.)
  const exists = (u: string, refTable: string) => ov.get(refTable, u) !== undefined;
  for (const tname of changes.keys()) {
    const weakRefColumns = tableInfo(schema, tname).weakRefColumns;
    if (weakRefColumns.length === 0) continue;
    for (const ch of [...(changes.get(tname) as Map<string, RowChange>).values()]) {
      const cur = ch.new;
      if (!cur) continue;
      for (let i = 0; i < weakRefColumns.length; i++) {
        const c = weakRefColumns[i];
        const d = cur.cols.get(c.name) as Datum;
        // An unchanged column of a modified row held only rows that existed when it was committed.
        if (ch.old && ch.old.cols.get(c.name) === d && !deleted) continue;
        const pruned = pruneRefs(d, c.type, exists, true);
        if (pruned) {
          ov.writable(tname, cur.uuid).cols.set(c.name, pruned);
          strongPruned ||= hasStrongSide(c.type);
        }
      }
    }
  }

  // Counts (mutations and weak-reference removal can break them) and maxRows.
  for (const tname of changes.keys()) {
    const t = schema.tables.get(tname) as TableSchema;
    const countedColumns = tableInfo(schema, tname).countedColumns;
    let inserted = false;
    let growth = 0;
    for (const ch of (changes.get(tname) as Map<string, RowChange>).values()) {
      const cur = ch.new;
      if (!cur) {
        growth--;
        continue;
      }
      if (!ch.old) {
        inserted = true;
        growth++;
      }
      for (let i = 0; i < countedColumns.length; i++) {
        const c = countedColumns[i];
        const d = cur.cols.get(c.name) as Datum;
        if (d.keys.length < c.type.min || d.keys.length > c.type.max) {
          throw new OvsdbError(
            'constraint violation',
            `row ${cur.uuid} column ${c.name} in table ${tname} has ${d.keys.length} element(s) but the column allows ${c.type.min} to ${c.type.max === Number.POSITIVE_INFINITY ? 'unlimited' : c.type.max}`,
          );
        }
      }
    }
    if (inserted && t.maxRows !== Number.POSITIVE_INFINITY) {
      const n = ov.db.table(tname).size + growth;
      if (n > t.maxRows) {
        throw new OvsdbError(
          'constraint violation',
          `transaction causes "${tname}" table to contain ${n} rows, greater than the schema-defined limit of ${t.maxRows} row(s)`,
        );
      }
    }
  }
  return strongPruned ? undefined : (delta ?? NO_REF_CHANGES);
}

/** Removes weak references that fail `keep`; returns the pruned datum or undefined if unchanged. */
function pruneRefs(
  d: Datum,
  type: ColumnType,
  keep: (uuid: string, refTable: string) => boolean,
  weakOnly = true,
): Datum | undefined {
  const { key, value } = type;
  const weakKey = key.refTable && (!weakOnly || key.refType === 'weak');
  const weakValue = value?.refTable && (!weakOnly || value.refType === 'weak');
  if (!weakKey && !weakValue) return undefined;
  const keys: Atom[] = [];
  const values: Atom[] | undefined = d.values ? [] : undefined;
  let changed = false;
  for (let i = 0; i < d.keys.length; i++) {
    const dropKey = weakKey && !keep(d.keys[i] as string, key.refTable as string);
    const dropValue = weakValue && d.values && !keep(d.values[i] as string, value?.refTable as string);
    if (dropKey || dropValue) {
      changed = true;
      continue;
    }
    keys.push(d.keys[i]);
    if (values) values.push((d.values as Atom[])[i]);
  }
  if (!changed) return undefined;
  return values ? { keys, values } : { keys };
}
