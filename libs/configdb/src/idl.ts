import { EventEmitter } from 'node:events';
import { type Connection, connectRemote, type JsonValue } from '@softswitch/jsonrpc';
import { type ClusterMemory, remember, type ServerDbState, unsuitableReason, watchServerDbState } from './cluster.js';
import { applyDatumDiff, type Datum, parseDatumLoose } from './datum.js';
import { newRow, type Row } from './row.js';
import { type Atom, type ColumnType, type DatabaseSchema, parseSchema, type TableSchema } from './schema.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** One change the replica saw, for change tracking. */
export interface IdlChange {
  table: string;
  uuid: string;
  kind: 'insert' | 'modify' | 'delete';
  old?: Row;
  new?: Row;
}

export interface IdlOptions {
  /** Active remotes (`unix:PATH`, `tcp:IP:PORT`), tried in turn; with a cluster, the leader is preferred. */
  remotes: string[];
  database: string;
  /** Tables (and optionally columns) to replicate; default every table and column. */
  tables?: Record<string, string[] | undefined>;
  /** Reconnect after a lost connection (default true). */
  reconnect?: boolean;
  /** Only accept a clustered server that is the leader (default true, as ovs-vsctl and ovs-vswitchd). */
  leaderOnly?: boolean;
}

/** The JavaScript value of a datum: scalar, optional (undefined), array for sets, Map for maps. */
export type JsValue = Atom | undefined | Atom[] | Map<Atom, Atom>;

export function datumToJs(d: Datum, type: ColumnType): JsValue {
  if (type.value) return new Map(d.keys.map((k, i) => [k, (d.values as Atom[])[i]]));
  if (type.max === 1) return d.keys[0];
  return [...d.keys];
}

/**
 * A replicated, monitor-driven in-memory view of one database (OVS's IDL): after `connect()`
 * the `tables` hold every row; 'change' events carry what each update did. On a lost connection
 * it reconnects (trying each remote) and resumes with monitor_cond_since from the last
 * transaction it saw, so only the missed changes travel.
 */
export class Idl extends EventEmitter {
  schema!: DatabaseSchema;
  readonly tables = new Map<string, Map<string, Row>>();
  private conn: Connection | undefined;
  private lastTxnId = ZERO_UUID;
  private remoteIndex = 0;
  private closed = false;
  private monitorSeq = 0;
  /** Cluster id and newest raft index seen, so a failover never goes to older data. */
  private readonly cluster: ClusterMemory = { minIndex: 0 };

  constructor(readonly options: IdlOptions) {
    super();
  }

  get connection(): Connection | undefined {
    return this.conn;
  }

  /** Connects (trying each remote once) and resolves when the initial contents are in. */
  async connect(): Promise<void> {
    let lastErr: unknown;
    for (let i = 0; i < this.options.remotes.length; i++) {
      const position = (this.remoteIndex + i) % this.options.remotes.length;
      try {
        await this.session(this.options.remotes[position]);
        this.remoteIndex = position;
        return;
      } catch (err) {
        lastErr = err;
      }
    }
    throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
  }

  /**
   * The server's `_Server` row for the database is monitored for the whole session (as ovsdb-cs
   * does, even with a single remote): a server that is (or becomes) unsuitable — not the leader,
   * cut off from its cluster, another cluster, older data than already seen — is dropped for the
   * next remote.
   */
  private async session(remote: string): Promise<void> {
    const conn = await connectRemote(remote);
    try {
      const check = (state: ServerDbState | undefined): string | undefined =>
        state ? unsuitableReason(state, this.cluster, this.options.leaderOnly !== false) : undefined;
      const state = await watchServerDbState(conn, this.options.database, `idl-server${this.monitorSeq++}`, (s) => {
        const reason = check(s);
        if (!reason) return remember(this.cluster, s);
        this.emit('unsuitable', remote, reason);
        conn.close();
      }).catch(() => undefined); // No _Server database: an old or foreign standalone server.
      const reason = check(state);
      if (reason) {
        this.emit('unsuitable', remote, reason);
        throw new Error(`${remote}: ${reason}`);
      }
      remember(this.cluster, state);
      if (!this.schema) this.schema = parseSchema(await conn.request('get_schema', [this.options.database]));
      const requests: Record<string, JsonValue> = {};
      for (const t of this.schema.tables.values()) {
        if (this.options.tables && !(t.name in this.options.tables)) continue;
        const cols = this.options.tables?.[t.name];
        requests[t.name] = [cols ? { columns: cols } : {}];
        if (!this.tables.has(t.name)) this.tables.set(t.name, new Map());
      }
      const id = `idl${this.monitorSeq++}`;
      conn.on('notification', (method: string, params: JsonValue[]) => {
        if (params[0] !== id) return;
        if (method === 'update3') this.applyUpdates(params[2], params[1] as string, false);
        else if (method === 'update2') this.applyUpdates(params[1], undefined, false);
      });
      const reply = (await conn.request('monitor_cond_since', [
        this.options.database,
        id,
        requests,
        this.lastTxnId,
      ])) as [boolean, string, JsonValue];
      const [found, txnId, updates] = reply;
      this.applyUpdates(updates, txnId, !found);
    } catch (err) {
      conn.close();
      throw err;
    }
    if (conn.isClosed) throw new Error(`${remote}: connection closed`);
    this.conn = conn;
    conn.on('close', () => this.onClose(conn));
    this.emit('connected', remote);
  }

  private onClose(conn: Connection): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    this.emit('disconnected');
    if (this.closed || this.options.reconnect === false) return;
    let delay = 100;
    const retry = () => {
      if (this.closed) return;
      this.remoteIndex = (this.remoteIndex + 1) % this.options.remotes.length;
      this.connect().catch(() => {
        delay = Math.min(delay * 2, 1000);
        setTimeout(retry, delay);
      });
    };
    setTimeout(retry, delay);
  }

  /** Applies update2-format contents; `replace` drops rows the server no longer reported. */
  private applyUpdates(json: JsonValue, txnId: string | undefined, replace: boolean): void {
    const changes: IdlChange[] = [];
    const seen = replace ? new Map<string, Set<string>>() : undefined;
    for (const [tname, rows] of Object.entries(
      (json ?? {}) as Record<string, Record<string, Record<string, JsonValue>>>,
    )) {
      const table = this.schema.tables.get(tname) as TableSchema;
      const store = this.tables.get(tname) as Map<string, Row>;
      const s = new Set<string>();
      seen?.set(tname, s);
      for (const [uuid, u] of Object.entries(rows)) {
        s.add(uuid);
        const old = store.get(uuid);
        if ('delete' in u) {
          if (old) {
            store.delete(uuid);
            changes.push({ table: tname, uuid, kind: 'delete', old });
          }
          continue;
        }
        const body = (u.initial ?? u.insert ?? u.modify) as Record<string, JsonValue>;
        const isDiff = 'modify' in u;
        const row: Row = old && isDiff ? { uuid, version: old.version, cols: new Map(old.cols) } : newRow(table, uuid);
        for (const [c, v] of Object.entries(body)) {
          const col = table.columns.get(c);
          if (!col) continue;
          const d = parseDatumLoose(v, col.type);
          row.cols.set(c, isDiff ? applyDatumDiff(row.cols.get(c) as Datum, d, col.type) : d);
        }
        store.set(uuid, row);
        changes.push({ table: tname, uuid, kind: old ? 'modify' : 'insert', old, new: row });
      }
    }
    if (seen) {
      for (const [tname, store] of this.tables) {
        const s = seen.get(tname);
        for (const [uuid, old] of [...store]) {
          if (s?.has(uuid)) continue;
          store.delete(uuid);
          changes.push({ table: tname, uuid, kind: 'delete', old });
        }
      }
    }
    if (txnId) this.lastTxnId = txnId;
    if (changes.length) this.emit('change', changes);
  }

  rows(table: string): Row[] {
    return [...(this.tables.get(table)?.values() ?? [])];
  }

  /** A column's value as a JavaScript value (typed by the schema). */
  get(table: string, row: Row, column: string): JsValue {
    const col = this.schema.tables.get(table)?.columns.get(column);
    if (!col) throw new Error(`no column ${column} in table ${table}`);
    return datumToJs(row.cols.get(column) as Datum, col.type);
  }

  /** Sends a transaction on the current connection; resolves with the results array. */
  async transact(ops: unknown[]): Promise<unknown[]> {
    if (!this.conn) throw new Error('not connected');
    return (await this.conn.request('transact', [this.options.database, ...(ops as JsonValue[])])) as unknown[];
  }

  close(): void {
    this.closed = true;
    this.conn?.close();
  }
}
