import {
  type Atom,
  type ColumnType,
  compareAtoms,
  type Datum,
  datumEquals,
  defaultDatum,
  isUuid,
  type TableSchema,
} from '@softswitch/configdb/values';
import type { Context } from './context.js';
import { UserError } from './errors.js';
import { provisionalUuid, type VRow } from './model.js';
import { type Cell, renderRows } from './output.js';
import { atomToString, datumToString, parseAtom, parseDatum, parsePartialDatum } from './value.js';

/** How vsctl finds a record by name in each table (ovs-vsctl's row ids). */
const ROW_IDS: Record<string, { table: string; name?: string; ref?: string }[]> = {
  Open_vSwitch: [],
  Bridge: [{ table: 'Bridge', name: 'name' }],
  Port: [{ table: 'Port', name: 'name' }],
  Interface: [{ table: 'Interface', name: 'name' }],
  Controller: [{ table: 'Bridge', name: 'name', ref: 'controller' }],
  Manager: [{ table: 'Manager', name: 'target' }],
  Mirror: [{ table: 'Mirror', name: 'name' }],
  NetFlow: [{ table: 'Bridge', name: 'name', ref: 'netflow' }],
  sFlow: [{ table: 'Bridge', name: 'name', ref: 'sflow' }],
  IPFIX: [{ table: 'Bridge', name: 'name', ref: 'ipfix' }],
  QoS: [{ table: 'Port', name: 'name', ref: 'qos' }],
  Queue: [],
  SSL: [],
  Flow_Table: [{ table: 'Flow_Table', name: 'name' }],
  Flow_Sample_Collector_Set: [],
  AutoAttach: [{ table: 'Bridge', name: 'name', ref: 'auto_attach' }],
  Datapath: [],
  CT_Zone: [],
  CT_Timeout_Policy: [],
};

export function findTable(ctx: Context, name: string): TableSchema {
  const tables = [...ctx.model.schema.tables.values()];
  const exact = tables.find((t) => t.name.toLowerCase() === name.toLowerCase());
  if (exact) return exact;
  const prefix = tables.filter((t) => t.name.toLowerCase().startsWith(name.toLowerCase()));
  if (prefix.length === 1) return prefix[0];
  if (prefix.length > 1) throw new UserError(`multiple table names match "${name}"`);
  throw new UserError(`unknown table "${name}"`);
}

export function findColumn(table: TableSchema, name: string): string {
  const norm = (s: string) => s.toLowerCase().replace(/-/g, '_');
  if (name === '_uuid') return name;
  for (const c of table.columns.keys()) if (norm(c) === norm(name)) return c;
  const prefix = [...table.columns.keys()].filter((c) => norm(c).startsWith(norm(name)));
  if (prefix.length === 1) return prefix[0];
  if (prefix.length > 1)
    throw new UserError(`${table.name} contains more than one column whose name matches "${name}"`);
  throw new UserError(`${table.name} does not contain a column whose name matches "${name}"`);
}

export function resolveSymbol(ctx: Context): (name: string) => string {
  return (name) => {
    let s = ctx.symbols.get(name);
    if (!s) {
      // Checked once all commands ran: every referenced id must be created by some command.
      s = { uuid: provisionalUuid(), created: false, referenced: true };
      ctx.symbols.set(name, s);
    }
    s.referenced = true;
    return s.uuid;
  };
}

/** Finds a record by UUID, "." for single-row tables, or its name (ovs-vsctl's get_row). */
export function findRecord(ctx: Context, table: TableSchema, id: string, mustExist: boolean): VRow | undefined {
  const rows = ctx.model.rows(table.name);
  if (isUuid(id)) {
    const r = ctx.model.get(table.name, id.toLowerCase());
    if (r) return r;
  }
  if (id.startsWith('@')) {
    const s = ctx.symbols.get(id);
    const r = s ? ctx.model.get(table.name, s.uuid) : undefined;
    if (r) return r;
  }
  if (id === '.' && table.maxRows === 1 && rows.length === 1) return rows[0];
  let found: VRow | undefined;
  for (const rid of ROW_IDS[table.name] ?? []) {
    for (const r of ctx.model.rows(rid.table)) {
      if (rid.name && r.cols.get(rid.name)?.keys[0] !== id) continue;
      let target: VRow | undefined = r;
      if (rid.ref) {
        const refs = r.cols.get(rid.ref)?.keys ?? [];
        if (refs.length !== 1) {
          if (refs.length > 1) throw new UserError(`multiple rows in ${table.name} match "${id}"`);
          continue;
        }
        target = ctx.model.get(table.name, refs[0] as string);
      }
      if (!target) continue;
      if (found && found !== target) throw new UserError(`multiple rows in ${table.name} match "${id}"`);
      found = target;
    }
  }
  if (!found && mustExist) throw new UserError(`no row "${id}" in table ${table.name}`);
  return found;
}

function splitColumnKey(arg: string): { column: string; key?: string } {
  const colon = arg.indexOf(':');
  if (colon < 0) return { column: arg };
  return { column: arg.slice(0, colon), key: arg.slice(colon + 1) };
}

/** Parses `COLUMN[:KEY]=VALUE` into the column and the datum it should get on `row`. */
function parseSetting(ctx: Context, table: TableSchema, row: VRow, arg: string): { column: string; value: Datum } {
  const m = /^([^:=]+)(?::([^=]*))?=(.*)$/s.exec(arg);
  if (!m) throw new UserError(`${arg}: argument does not end in "=" followed by a value.`);
  const column = findColumn(table, m[1]);
  if (column === '_uuid') throw new UserError(`cannot modify read-only column _uuid`);
  const type = ctx.columnType(table.name, column);
  const sym = resolveSymbol(ctx);
  if (m[2] !== undefined) {
    if (!type.value) throw new UserError(`cannot specify key to set for non-map column ${column}`);
    const key = parseAtom(m[2], type.key, sym);
    const value = parseAtom(m[3], type.value, sym);
    const cur = row.cols.get(column) as Datum;
    const keys = [...cur.keys];
    const values = [...(cur.values ?? [])];
    const i = keys.findIndex((k) => compareAtoms(k, key) === 0);
    if (i >= 0) values[i] = value;
    else {
      keys.push(key);
      values.push(value);
      const idx = keys.map((_, n) => n).sort((a, b) => compareAtoms(keys[a], keys[b]));
      return { column, value: { keys: idx.map((n) => keys[n]), values: idx.map((n) => values[n]) } };
    }
    return { column, value: { keys, values } };
  }
  return { column, value: parseDatum(m[3], type, sym) };
}

export function setColumnArgs(ctx: Context, tableName: string, row: VRow, args: string[]): void {
  const table = ctx.tableSchema(tableName);
  for (const a of args) {
    const { column, value } = parseSetting(ctx, table, row, a);
    ctx.model.set(row, column, value);
  }
}

function checkMutable(table: TableSchema, column: string, row: VRow, ctx: Context): void {
  const c = table.columns.get(column);
  if (c && !c.mutable && !ctx.model.isNew(row.uuid)) {
    throw new UserError(`cannot modify read-only column ${column} in table ${table.name}`);
  }
}

function rowCells(ctx: Context, table: TableSchema, row: VRow, columns: string[]): Cell[] {
  return columns.map((c) =>
    c === '_uuid'
      ? { datum: { keys: [row.uuid] }, type: { key: { type: 'uuid' }, min: 1, max: 1 } as ColumnType }
      : { datum: row.cols.get(c) as Datum, type: ctx.columnType(table.name, c) },
  );
}

function listColumns(ctx: Context, table: TableSchema): string[] {
  if (ctx.columns) return ctx.columns.map((c) => findColumn(table, c));
  return ['_uuid', ...[...table.columns.keys()].sort()];
}

function printRows(ctx: Context, table: TableSchema, rows: VRow[]): void {
  const cols = listColumns(ctx, table);
  ctx.isTable = true;
  ctx.output += renderRows(
    cols,
    rows.map((r) => rowCells(ctx, table, r, cols)),
    ctx.out,
  );
}

export function cmdList(ctx: Context, args: string[]): void {
  const table = findTable(ctx, args[0]);
  let rows: VRow[];
  if (args.length > 1) {
    rows = [];
    for (const id of args.slice(1)) {
      const r = findRecord(ctx, table, id, !ctx.has('--if-exists'));
      if (r) rows.push(r);
    }
  } else rows = ctx.model.rows(table.name).sort((a, b) => (a.uuid < b.uuid ? -1 : 1));
  printRows(ctx, table, rows);
}

type Relop = '=' | '!=' | '<' | '>' | '<=' | '>=' | '{=}' | '{!=}' | '{<}' | '{>}' | '{<=}' | '{>=}';
const RELOPS: Relop[] = ['{!=}', '{<=}', '{>=}', '{=}', '{<}', '{>}', '!=', '<=', '>=', '=', '<', '>'];

function parseCondition(ctx: Context, table: TableSchema, arg: string): (row: VRow) => boolean {
  let best: { at: number; op: Relop } | undefined;
  for (const op of RELOPS) {
    const at = arg.indexOf(op);
    if (at > 0 && (!best || at < best.at || (at === best.at && op.length > best.op.length))) best = { at, op };
  }
  if (!best) throw new UserError(`${arg}: argument does not end in "=" followed by a value.`);
  const left = arg.slice(0, best.at);
  const right = arg.slice(best.at + best.op.length);
  const { column: cname, key } = splitColumnKey(left);
  const column = findColumn(table, cname);
  const type: ColumnType =
    column === '_uuid' ? { key: { type: 'uuid' }, min: 1, max: 1 } : ctx.columnType(table.name, column);
  const sym = resolveSymbol(ctx);
  let get: (row: VRow) => Datum;
  let want: Datum;
  if (key !== undefined) {
    if (!type.value) throw new UserError(`cannot specify key to check for non-map column ${column}`);
    const k = parseAtom(key, type.key, sym);
    want = { keys: [parseAtom(right, type.value, sym)] };
    get = (row) => {
      const d = row.cols.get(column) as Datum;
      const i = d.keys.findIndex((x) => compareAtoms(x, k) === 0);
      return i >= 0 ? { keys: [(d.values as Atom[])[i]] } : { keys: [] };
    };
  } else {
    want = parsePartialDatum(right, type, sym);
    get = (row) => (column === '_uuid' ? { keys: [row.uuid] } : (row.cols.get(column) as Datum));
  }
  const contains = (a: Datum, b: Datum) =>
    b.keys.every((k, i) => {
      const j = a.keys.findIndex((x) => compareAtoms(x, k) === 0);
      return j >= 0 && (!a.values || !b.values || compareAtoms(a.values[j], b.values[i]) === 0);
    });
  const cmp = (a: Datum, b: Datum) => {
    const n = Math.min(a.keys.length, b.keys.length);
    for (let i = 0; i < n; i++) {
      const c = compareAtoms(a.keys[i], b.keys[i]);
      if (c) return c;
    }
    return a.keys.length - b.keys.length;
  };
  const op = best.op;
  return (row) => {
    const have = get(row);
    switch (op) {
      case '=':
        return datumEquals(have, want);
      case '!=':
        return !datumEquals(have, want);
      case '<':
        return have.keys.length > 0 && cmp(have, want) < 0;
      case '<=':
        return have.keys.length > 0 && cmp(have, want) <= 0;
      case '>':
        return have.keys.length > 0 && cmp(have, want) > 0;
      case '>=':
        return have.keys.length > 0 && cmp(have, want) >= 0;
      case '{=}':
        return datumEquals(have, want);
      case '{!=}':
        return !datumEquals(have, want);
      case '{<}':
        return contains(want, have) && !datumEquals(have, want);
      case '{<=}':
        return contains(want, have);
      case '{>}':
        return contains(have, want) && !datumEquals(have, want);
      default:
        return contains(have, want);
    }
  };
}

export function cmdFind(ctx: Context, args: string[]): void {
  const table = findTable(ctx, args[0]);
  const conds = args.slice(1).map((a) => parseCondition(ctx, table, a));
  const rows = ctx.model
    .rows(table.name)
    .filter((r) => conds.every((c) => c(r)))
    .sort((a, b) => (a.uuid < b.uuid ? -1 : 1));
  printRows(ctx, table, rows);
}

export function cmdGet(ctx: Context, args: string[]): void {
  const table = findTable(ctx, args[0]);
  const row = findRecord(ctx, table, args[1], !ctx.has('--if-exists'));
  if (!row) return;
  const id = ctx.options.get('--id');
  if (typeof id === 'string') {
    if (ctx.symbols.has(id))
      throw new UserError(`row id "${id}" specified on "get" command was used before it was defined`);
    ctx.symbols.set(id, { uuid: row.uuid, created: false });
  }
  for (const a of args.slice(2)) {
    const { column: cname, key } = splitColumnKey(a);
    const column = findColumn(table, cname);
    if (column === '_uuid') {
      ctx.print(row.uuid);
      continue;
    }
    const type = ctx.columnType(table.name, column);
    const d = row.cols.get(column) as Datum;
    if (key !== undefined) {
      if (!type.value) throw new UserError(`cannot specify key to get for non-map column ${column}`);
      const k = parseAtom(key, type.key, resolveSymbol(ctx));
      const i = d.keys.findIndex((x) => compareAtoms(x, k) === 0);
      if (i < 0) {
        if (ctx.has('--if-exists')) {
          ctx.print('');
          continue;
        }
        throw new UserError(`no key "${key}" in ${table.name} record "${args[1]}" column ${column}`);
      }
      ctx.print(atomToString((d.values as Atom[])[i], type.value));
    } else ctx.print(datumToString(d, type));
  }
}

export function cmdSet(ctx: Context, args: string[]): void {
  const table = findTable(ctx, args[0]);
  const row = findRecord(ctx, table, args[1], !ctx.has('--if-exists'));
  if (!row) return;
  for (const a of args.slice(2)) {
    const { column, value } = parseSetting(ctx, table, row, a);
    checkMutable(table, column, row, ctx);
    ctx.model.set(row, column, value);
  }
}

function checkCount(d: Datum, type: ColumnType, table: TableSchema, column: string, op: string): void {
  if (d.keys.length > type.max) {
    throw new UserError(
      `"${op}" operation would put ${d.keys.length} values in column ${column} of table ${table.name} but the maximum number is ${type.max}`,
    );
  }
  if (d.keys.length < type.min) {
    throw new UserError(
      `"${op}" operation would put ${d.keys.length} ${d.keys.length === 1 ? 'value' : 'values'} in column ${column} of table ${table.name} but the minimum number is ${type.min}`,
    );
  }
}

export function cmdAdd(ctx: Context, args: string[]): void {
  const table = findTable(ctx, args[0]);
  const row = findRecord(ctx, table, args[1], !ctx.has('--if-exists'));
  if (!row) return;
  const column = findColumn(table, args[2]);
  checkMutable(table, column, row, ctx);
  const type = ctx.columnType(table.name, column);
  let d = row.cols.get(column) as Datum;
  for (const v of args.slice(3)) {
    const add = parsePartialDatum(v, type, resolveSymbol(ctx));
    const keys = [...d.keys];
    const values = d.values ? [...d.values] : undefined;
    add.keys.forEach((k, i) => {
      const j = keys.findIndex((x) => compareAtoms(x, k) === 0);
      if (j >= 0) {
        if (values && add.values) values[j] = add.values[i];
        return;
      }
      keys.push(k);
      if (values && add.values) values.push(add.values[i]);
    });
    const idx = keys.map((_, n) => n).sort((a, b) => compareAtoms(keys[a], keys[b]));
    d = values
      ? { keys: idx.map((n) => keys[n]), values: idx.map((n) => values[n]) }
      : { keys: idx.map((n) => keys[n]) };
  }
  checkCount(d, type, table, column, 'add');
  ctx.model.set(row, column, d);
}

export function cmdRemove(ctx: Context, args: string[]): void {
  const table = findTable(ctx, args[0]);
  const row = findRecord(ctx, table, args[1], !ctx.has('--if-exists'));
  if (!row) return;
  const column = findColumn(table, args[2]);
  checkMutable(table, column, row, ctx);
  const type = ctx.columnType(table.name, column);
  let d = row.cols.get(column) as Datum;
  for (const v of args.slice(3)) {
    let rm: Datum;
    let pairs = true;
    try {
      rm = parsePartialDatum(v, type, resolveSymbol(ctx));
    } catch (err) {
      if (!type.value) throw err;
      rm = parsePartialDatum(v, type, resolveSymbol(ctx), true);
      pairs = false;
    }
    const keys: Atom[] = [];
    const values: Atom[] = [];
    d.keys.forEach((k, i) => {
      const j = rm.keys.findIndex((x) => compareAtoms(x, k) === 0);
      const match = j >= 0 && (!pairs || !d.values || !rm.values || compareAtoms(d.values[i], rm.values[j]) === 0);
      if (match) return;
      keys.push(k);
      if (d.values) values.push(d.values[i]);
    });
    d = d.values ? { keys, values } : { keys };
  }
  checkCount(d, type, table, column, 'remove');
  ctx.model.set(row, column, d);
}

export function cmdClear(ctx: Context, args: string[]): void {
  const table = findTable(ctx, args[0]);
  const row = findRecord(ctx, table, args[1], !ctx.has('--if-exists'));
  if (!row) return;
  for (const a of args.slice(2)) {
    const column = findColumn(table, a);
    checkMutable(table, column, row, ctx);
    const type = ctx.columnType(table.name, column);
    if (type.min > 0) {
      throw new UserError(
        `"clear" operation cannot be applied to column ${column} of table ${table.name}, which is not allowed to be empty`,
      );
    }
    ctx.model.set(row, column, defaultDatum(type));
  }
}

export function cmdCreate(ctx: Context, args: string[]): void {
  const table = findTable(ctx, args[0]);
  const id = ctx.options.get('--id');
  let uuid: string | undefined;
  if (typeof id === 'string') {
    const s = ctx.symbols.get(id);
    if (s?.created) throw new UserError(`row id "${id}" may only be specified on one --id option`);
    // A row referenced before its create (forward reference) takes the UUID already handed out.
    if (s) s.created = true;
    else ctx.symbols.set(id, { uuid: provisionalUuid(), created: true });
    uuid = (ctx.symbols.get(id) as { uuid: string }).uuid;
  }
  const row = ctx.model.insert(table.name, {}, uuid);
  setColumnArgs(ctx, table.name, row, args.slice(1));
  ctx.print(row.uuid);
}

export function cmdDestroy(ctx: Context, args: string[]): void {
  const table = findTable(ctx, args[0]);
  if (ctx.has('--all')) {
    for (const r of ctx.model.rows(table.name)) ctx.model.delete(r);
    return;
  }
  for (const id of args.slice(1)) {
    const r = findRecord(ctx, table, id, !ctx.has('--if-exists'));
    if (r) ctx.model.delete(r);
  }
}

/** True when every condition of wait-until holds (the caller polls). */
export function waitUntilSatisfied(ctx: Context, args: string[]): boolean {
  const table = findTable(ctx, args[0]);
  const row = findRecord(ctx, table, args[1], false);
  if (!row) return false;
  return args.slice(2).every((a) => parseCondition(ctx, table, a)(row));
}
