import { existsSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import {
  type ByteStream,
  Connection,
  DEFERRED,
  type Id,
  type JsonValue,
  listenPipe,
  type Payload,
  type PipeServer,
  RawJson,
  RpcError,
} from '@softswitch/jsonrpc';
import { type Commit, Database } from './database.js';
import { OvsdbError } from './errors.js';
import { CommitHistory } from './history.js';
import { Monitor, type MonitorVersion, mergeChanges, type RowTextCache } from './monitor.js';
import { newRow, newUuid } from './row.js';
import { type DatabaseSchema, schemaToJson } from './schema.js';
import { SERVER_SCHEMA } from './server-db.js';
import { FileStorage, type OpenReport } from './storage.js';
import { executeTransaction, NO_RESULT, type TxnOutcome } from './transaction.js';
import { loadVswitchSchema } from './vswitch-schema.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** One database the server serves, with its storage and recent history for monitor_cond_since. */
class ServedDatabase {
  lastTxnId = ZERO_UUID;
  readonly history = new CommitHistory();
  /** Every monitor of this database, with its session: whom a commit concerns. */
  readonly monitors = new Map<Monitor, Session>();
  private schemaJson: RawJson | undefined;
  /**
   * Initial monitor contents already serialised, by the monitors' initial key, valid while
   * `lastTxnId` is the one they were made at: clients of one kind (every ovs-vsctl) ask alike.
   */
  private readonly initialTexts = new Map<string, { txnId: string; text: string }>();
  /** Rows' texts by initial key, kept across commits (see `Monitor.initialText`). */
  private readonly rowTexts = new Map<string, RowTextCache>();

  constructor(
    readonly name: string,
    readonly db: Database,
    readonly storage?: FileStorage,
    readonly readOnly = false,
  ) {}

  /** The initial contents `m` reports, as JSON text. */
  initialText(m: Monitor): string {
    const cached = this.initialTexts.get(m.initialKey);
    if (cached && cached.txnId === this.lastTxnId) return cached.text;
    const text = m.initialText(this.db, this.rowTextCache(m));
    if (this.initialTexts.size >= 32) this.initialTexts.clear();
    if (text.length <= 1024 * 1024) this.initialTexts.set(m.initialKey, { txnId: this.lastTxnId, text });
    return text;
  }

  /** The row texts kept for monitors of `m`'s kind. */
  rowTextCache(m: Monitor): RowTextCache {
    let rows = this.rowTexts.get(m.initialKey);
    if (!rows) {
      if (this.rowTexts.size >= 32) this.rowTexts.clear();
      rows = new Map();
      this.rowTexts.set(m.initialKey, rows);
    }
    return rows;
  }

  /** The schema as get_schema returns it, serialised once. */
  get schemaReply(): RawJson {
    this.schemaJson ??= new RawJson(JSON.stringify(schemaToJson(this.db.schema)));
    return this.schemaJson;
  }
}

/**
 * A transaction's results as JSON text: an insert's result (the usual one) is written from a
 * template, anything else by JSON.stringify.
 */
function resultsJson(results: JsonValue[]): RawJson {
  let text = '[';
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as { uuid?: [string, string] } | null;
    if (i) text += ',';
    // Only an insert's result has "uuid": ["uuid", <generated or checked UUID>].
    if (r === NO_RESULT) text += '{}';
    else text += r?.uuid ? `{"uuid":["uuid","${r.uuid[1]}"]}` : JSON.stringify(r);
  }
  return new RawJson(`${text}]`);
}

/**
 * A transaction's reply that must wait for the turn's group commit: the session's request
 * (`conn`, `id`) or an in-process caller (`resolve`) is told once the log record is written.
 */
class PendingReply {
  conn?: Connection;
  id?: Id;
  resolve?: (v: JsonValue) => void;

  constructor(
    readonly results: JsonValue,
    readonly commit?: Commit,
    readonly db?: ServedDatabase,
  ) {}

  settle(results: JsonValue): void {
    if (this.conn) this.conn.reply(this.id as Id, resultsJson(results as JsonValue[]));
    else this.resolve?.(results);
  }
}

interface PendingWait {
  session: Session;
  db: ServedDatabase;
  ops: unknown[];
  /** The transact request's id, as JSON text (what "cancel" names). */
  requestId: string;
  resolve: (v: JsonValue) => void;
  reject: (err: Error) => void;
  deadline: number;
  timer?: NodeJS.Timeout;
}

class Session {
  readonly monitors = new Map<string, Monitor>();
  readonly locks = new Set<string>();
  changeAware = false;
  readonly txnContext = { ownsLock: (name: string) => this.locks.has(name) };

  constructor(readonly conn: Connection) {}
}

export interface ConfigDbServerOptions {
  /** Database file in OVS's format; created from `schema` if missing. */
  dbFile: string;
  /**
   * Schema to create the file with or convert it to. Default: the file's own schema, or for a
   * new file softswitch's Open_vSwitch schema.
   */
  schema?: DatabaseSchema;
  /** Make sure the root Open_vSwitch row exists (what `vsctl init` does), as switchd needs it. */
  initialize?: boolean;
  /** `punix:PATH`, `ptcp:PORT[:IP]`. */
  remotes?: string[];
  maxMessageBytes?: number;
  /** Told about torn tails, conversions. */
  log?: (message: string) => void;
}

/** An OVSDB server (RFC 7047 plus Open vSwitch's extensions). */
export class OvsdbServer {
  readonly serverId = newUuid();
  private readonly dbs = new Map<string, ServedDatabase>();
  private readonly sessions = new Set<Session>();
  private readonly lockQueues = new Map<string, Session[]>();
  private readonly listeners: PipeServer[] = [];
  private readonly pendingWaits = new Set<PendingWait>();
  private commitsThisTurn = 0;
  private unflushed: PendingReply[] = [];
  private readonly serverDb = new ServedDatabase('_Server', new Database(SERVER_SCHEMA), undefined, true);
  readonly openReport: OpenReport;

  constructor(
    storage: FileStorage,
    private readonly options: { maxMessageBytes?: number; onFatal?: (err: unknown) => void } = {},
  ) {
    const served = new ServedDatabase(storage.db.schema.name, storage.db, storage);
    this.dbs.set(served.name, served);
    this.dbs.set('_Server', this.serverDb);
    this.openReport = storage.report;
    const t = SERVER_SCHEMA.tables.get('Database');
    const changes = new Map();
    for (const d of [served, this.serverDb]) {
      const row = newRow(t as never, newUuid());
      row.cols.set('name', { keys: [d.name] });
      row.cols.set('model', { keys: ['standalone'] });
      row.cols.set('connected', { keys: [true] });
      row.cols.set('leader', { keys: [true] });
      row.cols.set('schema', { keys: [JSON.stringify(schemaToJson(d.db.schema))] });
      changes.set(row.uuid, { new: row });
    }
    this.serverDb.db.apply(new Map([['Database', changes]]));
  }

  /** Runs a transaction in-process (as if from a client without locks); resolves with the results. */
  async transactLocal(dbName: string, ops: unknown[]): Promise<unknown[]> {
    const d = this.lookupDb(dbName);
    const outcome = executeTransaction(d.db, ops);
    if (outcome.waitTimeoutMs !== undefined) throw new Error('in-process transactions cannot wait');
    return (await this.finish(d, outcome)) as unknown[];
  }

  get database(): Database {
    return [...this.dbs.values()][0].db;
  }

  /** The passive remotes served, and whether each runs on libuv's pipe handle (see listenPipe). */
  readonly remotes: { remote: string; onPipeHandle: boolean }[] = [];

  /** Starts serving on a passive remote: `punix:PATH` or `ptcp:PORT[:IP]`. Resolves to the bound port for TCP. */
  listen(remote: string): Promise<number | undefined> {
    if (remote.startsWith('punix:')) {
      const path = remote.slice(6);
      try {
        // As before, a failed unlink rejects rather than throws.
        if (existsSync(path)) unlinkSync(path);
        if (this.listenOnPipeHandle(path)) {
          this.remotes.push({ remote, onPipeHandle: true });
          return Promise.resolve(undefined);
        }
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const server = createServer((socket) => this.accept(socket));
    this.listeners.push(server);
    this.remotes.push({ remote, onPipeHandle: false });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      if (remote.startsWith('punix:')) {
        server.listen(remote.slice(6), () => resolve(undefined));
      } else if (remote.startsWith('ptcp:')) {
        const [port, ip] = remote.slice(5).split(':');
        server.listen(Number(port), ip || '0.0.0.0', () => {
          const addr = server.address();
          resolve(typeof addr === 'object' && addr ? addr.port : undefined);
        });
      } else reject(new Error(`${remote}: unsupported remote (expected punix:PATH or ptcp:PORT[:IP])`));
    });
  }

  /**
   * Serves a Unix socket on libuv's pipe handle, without net.Socket, if this Node offers it
   * (false: use net.Server). Every ovs-vsctl run is a connection of its own with four requests;
   * net.Socket's stream machinery was ~30% of the server's CPU per such session (see listenPipe).
   */
  private listenOnPipeHandle(path: string): boolean {
    const pipe = listenPipe(path, (stream) => {
      this.accept(stream);
      stream.start();
    });
    if (pipe) this.listeners.push(pipe);
    return pipe !== undefined;
  }

  /** Serves one already-connected stream (also used by tests and embedded callers). */
  accept(socket: ByteStream): Session {
    const conn = new Connection(socket, { maxMessageBytes: this.options.maxMessageBytes });
    const session = new Session(conn);
    this.sessions.add(session);
    conn.handler = (method, params, _conn, id) => this.handle(session, method, params, id);
    conn.on('notification', (method: string, params: JsonValue[]) => {
      if (method === 'cancel') this.cancel(session, params);
    });
    conn.on('close', () => this.dropSession(session));
    return session;
  }

  async close(): Promise<void> {
    if (this.unflushed.length) this.flush();
    for (const s of this.sessions) s.conn.close();
    for (const w of this.pendingWaits) clearTimeout(w.timer);
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    for (const d of this.dbs.values()) d.storage?.close();
  }

  private dropSession(session: Session): void {
    this.sessions.delete(session);
    for (const m of session.monitors.values()) this.dbs.get(m.dbName)?.monitors.delete(m);
    for (const name of [...this.lockQueues.keys()]) this.releaseLock(session, name);
    for (const w of this.pendingWaits) {
      if (w.session === session) {
        clearTimeout(w.timer);
        this.pendingWaits.delete(w);
      }
    }
  }

  private lookupDb(name: unknown): ServedDatabase {
    const d = typeof name === 'string' ? this.dbs.get(name) : undefined;
    if (!d)
      throw new RpcError({
        error: 'unknown database',
        details: `${JSON.stringify(name)} is not a valid database name`,
      });
    return d;
  }

  /**
   * RFC 7047 4.1.4: a "cancel" notification names a "transact" request still waiting (on a
   * "wait" operation); that request gets the error "canceled". Others are done already.
   */
  private cancel(session: Session, params: JsonValue[]): void {
    if (params.length !== 1) return;
    const requestId = JSON.stringify(params[0]);
    for (const w of this.pendingWaits) {
      if (w.session !== session || w.requestId !== requestId) continue;
      clearTimeout(w.timer);
      this.pendingWaits.delete(w);
      w.reject(new RpcError('canceled'));
    }
  }

  private handle(
    session: Session,
    method: string,
    params: JsonValue[],
    id: Id,
  ): Payload | Promise<Payload> | typeof DEFERRED {
    switch (method) {
      case 'list_dbs':
        return [...this.dbs.keys()];
      case 'get_schema':
        return this.lookupDb(params[0]).schemaReply;
      case 'get_server_id':
        return this.serverId;
      case 'set_db_change_aware':
        session.changeAware = params[0] === true;
        return {};
      case 'transact':
        return this.transact(session, params, id);
      case 'monitor':
        return this.monitor(session, params, 1);
      case 'monitor_cond':
        return this.monitor(session, params, 2);
      case 'monitor_cond_since':
        return this.monitor(session, params, 3);
      case 'monitor_cond_change': {
        const m = session.monitors.get(JSON.stringify(params[0]));
        if (!m) throw new RpcError({ error: 'unknown monitor' });
        m.changeConditions(params[2]);
        return {};
      }
      case 'monitor_cancel': {
        const key = JSON.stringify(params[0]);
        const m = session.monitors.get(key);
        if (!m) throw new RpcError({ error: 'unknown monitor' });
        session.monitors.delete(key);
        this.dbs.get(m.dbName)?.monitors.delete(m);
        return {};
      }
      case 'lock':
      case 'steal':
      case 'unlock':
        return this.lockOp(session, method, params);
      case 'echo':
        return params;
      default:
        throw new RpcError({ error: 'unknown method' });
    }
  }

  private lockOp(session: Session, method: string, params: JsonValue[]): JsonValue {
    const name = params[0];
    if (params.length !== 1 || typeof name !== 'string')
      throw new RpcError({ error: 'syntax error', details: 'lock name expected' });
    let q = this.lockQueues.get(name);
    if (method === 'unlock') {
      this.releaseLock(session, name);
      return {};
    }
    if (q?.includes(session)) {
      throw new RpcError({ error: 'duplicate lock', details: `Lock ${name} already requested` });
    }
    if (!q) {
      q = [];
      this.lockQueues.set(name, q);
    }
    if (method === 'lock') {
      q.push(session);
      if (q[0] === session) session.locks.add(name);
      return { locked: q[0] === session };
    }
    const victim = q[0];
    q.unshift(session);
    session.locks.add(name);
    if (victim) {
      victim.locks.delete(name);
      // The victim loses the lock and its request (RFC 7047 4.1.10).
      q.splice(q.indexOf(victim), 1);
      victim.conn.notify('stolen', [name]);
    }
    return { locked: true };
  }

  private releaseLock(session: Session, name: string): void {
    const q = this.lockQueues.get(name);
    if (!q) return;
    const i = q.indexOf(session);
    if (i < 0) return;
    q.splice(i, 1);
    session.locks.delete(name);
    if (i === 0 && q.length) {
      q[0].locks.add(name);
      q[0].conn.notify('locked', [name]);
    }
    if (q.length === 0) this.lockQueues.delete(name);
  }

  private transact(session: Session, params: JsonValue[], id: Id): Payload | Promise<JsonValue> | typeof DEFERRED {
    const d = this.lookupDb(params[0]);
    const ops = params.slice(1);
    if (
      d.readOnly &&
      ops.some((o) => ['insert', 'update', 'mutate', 'delete'].includes((o as { op?: string })?.op ?? ''))
    ) {
      return [new OvsdbError('not allowed', `Database ${d.name} is read-only.`).toJson()] as JsonValue;
    }
    const outcome = this.execute(session, d, ops);
    if (outcome.waitTimeoutMs === undefined) {
      const r = this.commit(d, outcome);
      if (!(r instanceof PendingReply)) return resultsJson(r as JsonValue[]);
      r.conn = session.conn;
      r.id = id;
      return DEFERRED;
    }
    return new Promise((resolve, reject) => {
      const w: PendingWait = {
        session,
        db: d,
        ops,
        requestId: JSON.stringify(id),
        resolve,
        reject,
        deadline: Date.now() + outcome.waitTimeoutMs!,
      };
      if (Number.isFinite(outcome.waitTimeoutMs)) {
        w.timer = setTimeout(() => {
          this.pendingWaits.delete(w);
          const results: unknown[] = [];
          // Re-run once so the reply names the wait that is still unmet.
          const again = executeTransaction(d.db, ops.map((o) => ({ ...(o as object), timeout: 0 })) as unknown[], {
            ownsLock: (n) => session.locks.has(n),
          });
          results.push(...again.results);
          if (again.changes) void Promise.resolve(this.finish(d, again)).then(resolve);
          else resolve(results as JsonValue);
        }, outcome.waitTimeoutMs);
      }
      this.pendingWaits.add(w);
    });
  }

  private execute(session: Session, d: ServedDatabase, ops: unknown[]): TxnOutcome {
    return executeTransaction(d.db, ops, session.txnContext);
  }

  /** Commits a successful outcome (see `commit`); resolves with the results once acknowledged. */
  private finish(d: ServedDatabase, outcome: TxnOutcome): JsonValue | Promise<JsonValue> {
    const r = this.commit(d, outcome);
    if (!(r instanceof PendingReply)) return r;
    return new Promise((resolve) => {
      r.resolve = resolve;
    });
  }

  /**
   * Commits a successful outcome. The change is applied in memory at once (later transactions
   * build on it) but acknowledged, and shown to monitors, only after its log record is written:
   * records of all transactions committed in the same turn of the event loop go out in one
   * write(2) (group commit), before any of their replies. Returns the results if they may be
   * sent now, or the queued PendingReply to complete (whom to tell) if they must wait.
   */
  private commit(d: ServedDatabase, outcome: TxnOutcome): JsonValue | PendingReply {
    const results = outcome.results as JsonValue;
    if (!outcome.changes || outcome.changes.size === 0) {
      // A read must not reveal a commit that is not yet on disk: answer after the pending flush.
      return this.unflushed.length ? this.queue(new PendingReply(results)) : results;
    }
    const commit: Commit = {
      changes: outcome.changes,
      comment: outcome.comment,
      durable: outcome.durable,
      txnId: newUuid(),
      date: Date.now(),
    };
    d.db.apply(commit.changes, outcome.refDelta);
    d.lastTxnId = commit.txnId;
    d.history.add(commit.txnId, commit.changes, d.db.rowCount());
    // The first commit of a turn is written at once (no added latency for a lone client); more
    // commits in the same turn wait for one shared write at the end of the turn.
    if (this.commitsThisTurn++ === 0) {
      if (!this.turnEndScheduled) {
        this.turnEndScheduled = true;
        setImmediate(this.endTurn);
      }
      if (this.unflushed.length === 0) {
        try {
          d.storage?.writeMany([commit]);
        } catch (err) {
          this.options.onFatal?.(err);
          return [new OvsdbError('I/O error', String(err)).toJson()] as JsonValue;
        }
        this.notifyMonitors(d, commit);
        if (this.pendingWaits.size) this.retryWaits(d);
        return results;
      }
    }
    return this.queue(new PendingReply(results, commit, d));
  }

  private turnEndScheduled = false;

  /** At the end of a turn (one setImmediate for both): the group commit, then a new turn. */
  private readonly endTurn = (): void => {
    this.turnEndScheduled = false;
    if (this.unflushed.length) this.flush();
    this.commitsThisTurn = 0;
  };

  private queue(p: PendingReply): PendingReply {
    this.unflushed.push(p);
    if (!this.turnEndScheduled) {
      this.turnEndScheduled = true;
      setImmediate(this.endTurn);
    }
    return p;
  }

  private flush(): void {
    const batch = this.unflushed;
    this.unflushed = [];
    const byDb = new Map<ServedDatabase, Commit[]>();
    let lastDb: ServedDatabase | undefined;
    let lastList: Commit[] = [];
    for (const p of batch) {
      if (!p.commit || !p.db) continue;
      // Usually every commit is to the same database: skip the map lookup then.
      if (p.db !== lastDb) {
        lastDb = p.db;
        lastList = byDb.get(p.db) ?? [];
        byDb.set(p.db, lastList);
      }
      lastList.push(p.commit);
    }
    let failure: unknown;
    for (const [d, commits] of byDb) {
      try {
        d.storage?.writeMany(commits);
      } catch (err) {
        failure = err;
      }
    }
    if (failure) {
      // Memory is ahead of the disk now: refuse to go on rather than serve what may vanish.
      for (const p of batch) p.settle([new OvsdbError('I/O error', String(failure)).toJson()] as JsonValue);
      this.options.onFatal?.(failure);
      return;
    }
    for (const p of batch) {
      if (p.commit && p.db) {
        this.notifyMonitors(p.db, p.commit);
      }
      p.settle(p.results);
    }
    if (this.pendingWaits.size) for (const d of byDb.keys()) this.retryWaits(d);
  }

  private retryWaits(d: ServedDatabase): void {
    for (const w of [...this.pendingWaits]) {
      if (w.db !== d || !this.pendingWaits.has(w)) continue;
      const outcome = this.execute(w.session, d, w.ops);
      if (outcome.waitTimeoutMs !== undefined) continue;
      clearTimeout(w.timer);
      this.pendingWaits.delete(w);
      void Promise.resolve(this.finish(d, outcome)).then(w.resolve);
    }
  }

  /**
   * Sends each monitor of `d` its update for `commit`. Monitors alike (same version, tables,
   * columns and conditions: many clients of one kind) share one serialised update.
   */
  private notifyMonitors(d: ServedDatabase, commit: Commit): void {
    if (d.monitors.size === 0) return;
    const shared = new Map<string, RawJson | null>();
    // Monitors walked by key, not by [key, value] entries: cheaper in unoptimised code, which
    // this mostly is (it runs once per commit).
    for (const m of d.monitors.keys()) {
      const s = d.monitors.get(m) as Session;
      let u = shared.get(m.shareKey);
      if (u === undefined) {
        const text = m.updateText(commit.changes, d.rowTextCache(m));
        u = text === undefined ? null : new RawJson(text);
        shared.set(m.shareKey, u);
      }
      if (u === null) continue;
      if (m.version === 1) s.conn.notify('update', [m.id as JsonValue, u]);
      else if (m.version === 2) s.conn.notify('update2', [m.id as JsonValue, u]);
      else s.conn.notify('update3', [m.id as JsonValue, commit.txnId, u]);
    }
  }

  private monitor(session: Session, params: JsonValue[], version: MonitorVersion): Payload {
    const d = this.lookupDb(params[0]);
    const key = JSON.stringify(params[1] ?? null);
    if (session.monitors.has(key)) throw new RpcError({ error: 'duplicate monitor ID' });
    let m: Monitor;
    try {
      m = new Monitor(params[1], d.name, version, d.db, params[2]);
    } catch (err) {
      if (err instanceof OvsdbError) throw new RpcError(err.toJson());
      throw err;
    }
    session.monitors.set(key, m);
    d.monitors.set(m, session);
    if (version !== 3) return new RawJson(d.initialText(m));
    const since = params[3];
    if (since === d.lastTxnId && since !== ZERO_UUID) return [true, d.lastTxnId, {}];
    const missed = typeof since === 'string' && since !== ZERO_UUID ? d.history.since(since) : undefined;
    if (missed) {
      const merged = mergeChanges(missed);
      return new RawJson(`[true,"${d.lastTxnId}",${m.updateText(merged) ?? '{}'}]`);
    }
    return new RawJson(`[false,"${d.lastTxnId}",${d.initialText(m)}]`);
  }
}

export interface ConfigDbServerHandle {
  server: OvsdbServer;
  /** TCP ports bound, in the order of `remotes` (undefined for Unix sockets). */
  ports: (number | undefined)[];
  report: OpenReport;
  close(): Promise<void>;
}

/**
 * Opens (or creates) a database file and serves it on the given remotes. This is the entry
 * point for `switchd --db-only` and the embedded config DB.
 */
export async function startConfigDbServer(options: ConfigDbServerOptions): Promise<ConfigDbServerHandle> {
  const schema = options.schema ?? (existsSync(options.dbFile) ? undefined : loadVswitchSchema());
  const storage = FileStorage.open(options.dbFile, schema);
  const report = storage.report;
  if (report.corruptTailSavedAs) {
    options.log?.(`${options.dbFile}: ${report.corruptReason}; discarded tail kept in ${report.corruptTailSavedAs}`);
  }
  if (report.convertedFrom) options.log?.(`${options.dbFile}: converted from schema version ${report.convertedFrom}`);
  const server: OvsdbServer = new OvsdbServer(storage, {
    maxMessageBytes: options.maxMessageBytes,
    onFatal: (err) => {
      options.log?.(`${options.dbFile}: cannot write the log (${String(err)}); closing`);
      void server.close();
    },
  });
  if (
    options.initialize &&
    storage.db.schema.tables.has('Open_vSwitch') &&
    storage.db.table('Open_vSwitch').size === 0
  ) {
    await server.transactLocal(storage.db.schema.name, [{ op: 'insert', table: 'Open_vSwitch', row: {} }]);
  }
  const ports: (number | undefined)[] = [];
  try {
    for (const r of options.remotes ?? []) ports.push(await server.listen(r));
  } catch (err) {
    await server.close();
    throw err;
  }
  return { server, ports, report, close: () => server.close() };
}
