import { type Connection, connectRemote, type JsonValue } from '@softswitch/jsonrpc';

/**
 * Choosing a server among several remotes, as Open vSwitch's clients do (ovsdb-cs): each server
 * describes its copy of a database in the `_Server` database's `Database` table; a clustered copy
 * will only do if it is connected to the cluster, is the leader (unless the client accepts
 * followers), belongs to the cluster seen before, and is not older than data already seen.
 */

/** What `_Server`'s `Database` row says about one database on one server. */
export interface ServerDbState {
  model: string;
  connected: boolean;
  leader: boolean;
  /** Cluster id (clustered only). */
  cid?: string;
  /** Raft log index of the server's copy (clustered only). */
  index?: number;
}

/** What the client has seen so far, carried from server to server. */
export interface ClusterMemory {
  cid?: string;
  minIndex: number;
}

/** Splits OVS's `REMOTE[,REMOTE...]` syntax. */
export function splitRemotes(spec: string): string[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function optional(v: JsonValue | undefined): JsonValue | undefined {
  // An optional column is the bare atom or ["set", []] when empty.
  if (Array.isArray(v) && v[0] === 'set') return (v[1] as JsonValue[])[0];
  return v;
}

/** Parses one `_Server` `Database` row (wire format) into its state. */
export function parseServerDbRow(row: Record<string, JsonValue>): ServerDbState {
  const cid = optional(row.cid);
  const index = optional(row.index);
  return {
    model: String(row.model),
    connected: row.connected === true,
    leader: row.leader === true,
    cid: Array.isArray(cid) ? String(cid[1]) : undefined,
    index: typeof index === 'number' ? index : undefined,
  };
}

/** Why this server's copy won't do, in ovsdb-cs's words, or undefined when it will. */
export function unsuitableReason(
  state: ServerDbState | undefined,
  memory: ClusterMemory,
  leaderOnly: boolean,
): string | undefined {
  if (!state) return 'database not served';
  if (state.model !== 'clustered') return undefined;
  if (!state.connected) return 'clustered database server is disconnected from cluster';
  if (leaderOnly && !state.leader) return 'clustered database server is not cluster leader';
  if (memory.cid && state.cid && memory.cid !== state.cid) return 'clustered database server is in the wrong cluster';
  if (state.index !== undefined && state.index < memory.minIndex) return 'clustered database server has stale data';
  return undefined;
}

/** Records what a suitable server said, so later servers are held to it. */
export function remember(memory: ClusterMemory, state: ServerDbState | undefined): void {
  if (state?.model !== 'clustered') return;
  memory.cid ??= state.cid;
  if (state.index !== undefined && state.index > memory.minIndex) memory.minIndex = state.index;
}

const COLUMNS = ['name', 'model', 'connected', 'leader', 'cid', 'index'];

/** One look at the server's `_Server` row for `database` (undefined: no such row). */
export async function readServerDbState(conn: Connection, database: string): Promise<ServerDbState | undefined> {
  const r = (await conn.request('transact', [
    '_Server',
    { op: 'select', table: 'Database', where: [['name', '==', database]], columns: COLUMNS },
  ])) as { rows?: Record<string, JsonValue>[] }[];
  const row = r[0]?.rows?.[0];
  return row ? parseServerDbRow(row) : undefined;
}

/**
 * Monitors the server's `_Server` row for `database`: resolves with the current state and calls
 * `onChange` with every later one (a lost leadership, a disconnection from the cluster).
 */
export async function watchServerDbState(
  conn: Connection,
  database: string,
  monitorId: string,
  onChange: (state: ServerDbState | undefined) => void,
): Promise<ServerDbState | undefined> {
  // Plain "monitor" sends whole new rows, so no set-diff bookkeeping for cid and index.
  const rows = new Map<string, Record<string, JsonValue>>();
  const mine = () => [...rows.values()].find((r) => r.name === database);
  const apply = (updates: JsonValue) => {
    const t = (updates as Record<string, Record<string, { new?: Record<string, JsonValue> }>>)?.Database ?? {};
    for (const [uuid, u] of Object.entries(t)) {
      if (u.new) rows.set(uuid, { ...rows.get(uuid), ...u.new });
      else rows.delete(uuid);
    }
  };
  let ready = false;
  conn.on('notification', (method: string, params: JsonValue[]) => {
    if (method !== 'update' || params[0] !== monitorId) return;
    apply(params[1]);
    if (ready) {
      const row = mine();
      onChange(row ? parseServerDbRow(row) : undefined);
    }
  });
  apply(await conn.request('monitor', ['_Server', monitorId, { Database: { columns: COLUMNS } }]));
  ready = true;
  const row = mine();
  return row ? parseServerDbRow(row) : undefined;
}

export interface SuitableConnection {
  conn: Connection;
  remote: string;
  /** Position of `remote` in the list. */
  position: number;
  state: ServerDbState | undefined;
}

/** No remote would do: `remote` is the last one tried and `reason` why it failed (errno code or words). */
export class NoSuitableServerError extends Error {
  constructor(
    readonly remote: string,
    readonly reason: string,
  ) {
    super(`${remote}: ${reason}`);
  }
}

/**
 * Tries each remote once, from `start` on, and returns the first suitable server's connection.
 * A single remote is checked too: ovs-vsctl refuses a lone follower just the same.
 */
export async function connectSuitable(
  remotes: string[],
  options: { database: string; leaderOnly: boolean; memory: ClusterMemory; start?: number },
): Promise<SuitableConnection> {
  let last: NoSuitableServerError | undefined;
  for (let i = 0; i < remotes.length; i++) {
    const position = ((options.start ?? 0) + i) % remotes.length;
    const remote = remotes[position];
    let conn: Connection | undefined;
    try {
      conn = await connectRemote(remote);
      // A server without _Server (old or foreign) is taken as standalone.
      const state = await readServerDbState(conn, options.database).catch(() => undefined);
      const reason = state === undefined ? undefined : unsuitableReason(state, options.memory, options.leaderOnly);
      if (reason) throw new NoSuitableServerError(remote, reason);
      remember(options.memory, state);
      return { conn, remote, position, state };
    } catch (err) {
      conn?.close();
      const e = err as NodeJS.ErrnoException;
      last = err instanceof NoSuitableServerError ? err : new NoSuitableServerError(remote, e.code ?? e.message);
    }
  }
  throw last ?? new NoSuitableServerError('', 'no remotes');
}
