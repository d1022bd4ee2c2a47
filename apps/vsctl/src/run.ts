import { join } from 'node:path';
// The run directory alone: cli-kit's index pulls in oclif, which vsctl never runs.
import { resolveRunDir } from '@softswitch/cli-kit/rundir';
import { type ClusterMemory, connectSuitable, NoSuitableServerError, splitRemotes } from '@softswitch/configdb/cluster';
import { type DatabaseSchema, parseSchema } from '@softswitch/configdb/values';
import { type Connection, ConnectionClosedError, type JsonValue, RpcError } from '@softswitch/jsonrpc';
import { type GlobalOptions, type ParsedCommand, parseArgv } from './argv.js';
import { COMMANDS } from './commands.js';
import { waitUntilSatisfied } from './commands-db.js';
import { Context, type VsctlSymbol } from './context.js';
import { UnreachableError, UserError } from './errors.js';
import { Model } from './model.js';

const DB = 'Open_vSwitch';

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export const HELP = `vsctl: softswitch configuration utility (ovs-vsctl compatible)
usage: vsctl [OPTIONS] COMMAND [ARG...] [-- [OPTIONS] COMMAND [ARG...]]...

Open vSwitch commands:
  init, show, emer-reset

Bridge commands:
  add-br BRIDGE [PARENT VLAN], del-br BRIDGE, list-br, br-exists BRIDGE,
  br-to-vlan BRIDGE, br-to-parent BRIDGE, br-set-external-id BRIDGE KEY [VALUE],
  br-get-external-id BRIDGE [KEY]

Port and interface commands:
  list-ports BRIDGE, add-port BRIDGE PORT, add-bond BRIDGE PORT IFACE...,
  del-port [BRIDGE] PORT, port-to-br PORT, list-ifaces BRIDGE, iface-to-br IFACE

Controller, fail-mode and manager commands:
  get-controller BRIDGE, del-controller BRIDGE, set-controller BRIDGE TARGET...,
  get-fail-mode BRIDGE, del-fail-mode BRIDGE, set-fail-mode BRIDGE MODE,
  get-manager, del-manager, set-manager TARGET...

Database commands:
  list TBL [REC], find TBL CONDITION..., get TBL REC COL[:KEY],
  set TBL REC COL[:KEY]=VALUE, add TBL REC COL [KEY=]VALUE,
  remove TBL REC COL [KEY=]VALUE, clear TBL REC COL, create TBL COL[:KEY]=VALUE,
  destroy TBL REC, wait-until TBL REC [COL[:KEY]=VALUE]

Options:
  --db=DATABASE      connect to DATABASE (default: unix:<rundir>/db.sock)
  --no-wait          do not wait for switchd to reconfigure
  --retry            keep trying to connect to the database (until --timeout)
  --no-leader-only   accept a clustered server that is not the leader
  --oneline          print each command's output on one line
  -t, --timeout=SECS wait at most SECS seconds
  -f, --format=FORMAT  list, table, csv or json (for list/find)
  -d, --data=FORMAT    string, bare or json (cell format)
  --no-headings, --bare, --columns=COL,...
  -h, --help, -V, --version
`;

function deadlineOf(g: GlobalOptions): number {
  return g.timeoutSec ? Date.now() + g.timeoutSec * 1000 : Number.POSITIVE_INFINITY;
}

async function snapshot(conn: Connection, schema: DatabaseSchema): Promise<Model> {
  const tables = [...schema.tables.keys()];
  const res = (await conn.request('transact', [DB, ...tables.map((t) => ({ op: 'select', table: t, where: [] }))])) as {
    rows: Record<string, unknown>[];
  }[];
  const model = new Model(schema);
  for (const [i, t] of tables.entries()) model.load(t, res[i].rows);
  return model;
}

/** A committed run: what to print, and the `next_cfg` to wait for unless --no-wait. */
interface Committed {
  result: RunResult;
  nextCfg?: number;
}

/**
 * One attempt: run every command on a fresh snapshot. Returns 'changed' to retry after the next
 * change (wait-until), 'conflict' to retry at once (a verification failed).
 */
async function attempt(
  conn: Connection,
  schema: DatabaseSchema,
  g: GlobalOptions,
  commands: ParsedCommand[],
): Promise<Committed | 'changed' | 'conflict'> {
  const model = await snapshot(conn, schema);
  const symbols = new Map<string, VsctlSymbol>();
  const out = { format: g.format, data: g.data, headings: g.headings };
  const outputs: Context[] = [];
  let exitStatus: number | undefined;
  for (const cmd of commands) {
    const cols = cmd.options.get('--columns');
    const ctx = new Context(model, cmd.options, symbols, out, typeof cols === 'string' ? cols.split(',') : undefined);
    if (cmd.name === 'wait-until') {
      if (!waitUntilSatisfied(ctx, cmd.args)) return 'changed';
      continue;
    }
    COMMANDS[cmd.name].run(ctx, cmd.args);
    outputs.push(ctx);
    if (ctx.exitStatus !== undefined) exitStatus ??= ctx.exitStatus;
  }
  for (const [name, s] of symbols) {
    if (!s.created)
      throw new UserError(`row id "${name}" is referenced but never created (e.g. with "-- --id=${name} create ...")`);
  }
  let nextCfg: number | undefined;
  let stdout = outputs.map((c) => (g.oneline && !c.isTable ? onelineText(c.output) : c.output)).join('');
  if (model.changed && !g.dryRun) {
    const verifications = model.verifications();
    const ops = [...verifications, ...model.operations()];
    const wait = !g.noWait;
    if (wait) {
      ops.push({ op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['next_cfg', '+=', 1]] });
      ops.push({ op: 'select', table: 'Open_vSwitch', where: [], columns: ['next_cfg'] });
    }
    ops.push({ op: 'comment', comment: `vsctl: ${process.argv.slice(2).join(' ')}` });
    const results = (await conn.request('transact', [DB, ...(ops as JsonValue[])])) as ({
      error?: string;
      uuid?: [string, string];
      rows?: { next_cfg: number }[];
    } | null)[];
    // A verification failed: another client changed what this run read. Start over.
    if (results.slice(0, verifications.length).some((r) => r?.error === 'timed out')) return 'conflict';
    const err = results.find((r) => r?.error);
    if (err) throw new UserError(`transaction error: ${JSON.stringify(sortKeys(err))}`);
    // Swap provisional UUIDs for the ones the server assigned.
    let i = verifications.length;
    for (const provisional of model.insertedNames.keys()) {
      const real = results[i++]?.uuid?.[1];
      if (real) stdout = stdout.split(provisional).join(real);
    }
    if (wait) nextCfg = results[ops.length - 2]?.rows?.[0]?.next_cfg;
  }
  return { result: { status: exitStatus ?? 0, stdout, stderr: '' }, nextCfg };
}

/** ovs-vsctl --oneline: drop one trailing newline, escape the rest and backslashes, end the line. */
function onelineText(output: string): string {
  const body = output.endsWith('\n') ? output.slice(0, -1) : output;
  return `${body.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n`;
}

function sortKeys(o: object): object {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Without --no-wait: wait until switchd reports cur_cfg >= next_cfg. */
async function waitForCurCfg(conn: Connection, nextCfg: number, deadline: number): Promise<void> {
  const changed = monitorChanges(conn, { Open_vSwitch: [{ columns: ['cur_cfg'] }] });
  for (;;) {
    const r = (await conn.request('transact', [
      DB,
      { op: 'select', table: 'Open_vSwitch', where: [], columns: ['cur_cfg'] },
    ])) as {
      rows: { cur_cfg: number }[];
    }[];
    if ((r[0].rows[0]?.cur_cfg ?? 0) >= nextCfg) return;
    await changed.next(deadline);
  }
}

let monitorSeq = 0;

/** A monitor whose updates wake a waiter (wait-until, --wait); a lost connection fails the wait. */
function monitorChanges(conn: Connection, requests: Record<string, JsonValue>) {
  let wake: ((err?: Error) => void) | undefined;
  let pending = false;
  let lost: Error | undefined;
  const id = `vsctl-wait-${monitorSeq++}`;
  conn.on('notification', (m: string, p: JsonValue[]) => {
    if ((m === 'update2' || m === 'update') && p[0] === id) {
      pending = true;
      wake?.();
    }
  });
  conn.once('close', () => {
    lost = new ConnectionClosedError('connection closed');
    wake?.(lost);
  });
  const started = conn.request('monitor_cond', [DB, id, requests]);
  started.catch(() => {}); // Reported by next(), if anyone waits.
  return {
    async ready(): Promise<void> {
      await started;
    },
    async next(deadline: number): Promise<void> {
      await started;
      if (pending) {
        pending = false;
        return;
      }
      if (lost) throw lost;
      await new Promise<void>((resolve, reject) => {
        const ms = deadline - Date.now();
        const timer = Number.isFinite(ms)
          ? setTimeout(() => reject(new UserError('timeout expired')), Math.max(0, ms))
          : undefined;
        wake = (err) => {
          clearTimeout(timer);
          wake = undefined;
          pending = false;
          if (err) reject(err);
          else resolve();
        };
      });
    },
  };
}

/**
 * Connects to the first suitable server among `remotes` (with several, a clustered one must be
 * the leader unless --no-leader-only), or with --retry keeps trying (backing off from 100 ms to
 * 1 s) until the deadline, as ovs-vsctl --retry does while ovsdb-server is starting or a
 * cluster is electing a leader.
 */
async function connectDb(
  remotes: string[],
  g: GlobalOptions,
  memory: ClusterMemory,
  start: number,
  deadline: number,
): Promise<{ conn: Connection; position: number }> {
  for (let backoffMs = 100; ; backoffMs = Math.min(backoffMs * 2, 1000)) {
    try {
      return await connectSuitable(remotes, { database: DB, leaderOnly: g.leaderOnly, memory, start });
    } catch (err) {
      const e = err as NoSuitableServerError;
      const where = remotes.length === 1 ? remotes[0] : remotes.join(',');
      const why = err instanceof NoSuitableServerError ? (remotes.length === 1 ? e.reason : e.message) : String(err);
      if (!g.retry) throw new UnreachableError(`${where}: database connection failed (${why})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new UnreachableError(`${where}: timeout expired while connecting (${why})`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(backoffMs, left)));
    }
  }
}

/** Runs vsctl with `argv`; never throws, never exits: returns what to print and the status. */
export async function runVsctl(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  let conn: Connection | undefined;
  try {
    const { global: g, commands } = parseArgv(argv);
    if (g.help) return { status: 0, stdout: HELP, stderr: '' };
    if (g.version) return { status: 0, stdout: `vsctl (softswitch) 0.1.0\nDB Schema 8.3.1\n`, stderr: '' };
    if (commands.length === 0) throw new UserError('missing command name (use --help for help)');
    const remotes = g.db ? splitRemotes(g.db) : [`unix:${join(resolveRunDir(g.rundir, env), 'db.sock')}`];
    const deadline = deadlineOf(g);
    const memory: ClusterMemory = { minIndex: 0 };
    let position = 0;
    /** A lost server (a killed cluster leader, say): on to the next suitable one. */
    const reconnect = async (): Promise<Connection> => {
      conn?.close();
      const next = await connectDb(remotes, g, memory, position, deadline);
      position = next.position;
      conn = next.conn;
      return conn;
    };
    const first = await reconnect();
    const schema = parseSchema(await first.request('get_schema', [DB]));
    let changes: ReturnType<typeof monitorChanges> | undefined;
    for (;;) {
      const c = conn as Connection;
      let r: Awaited<ReturnType<typeof attempt>>;
      try {
        r = await attempt(c, schema, g, commands);
      } catch (err) {
        if (!(err instanceof ConnectionClosedError)) throw err;
        // As ovs-vsctl (TXN_TRY_AGAIN): the outcome is unknown, so run again on a fresh snapshot.
        position++;
        await reconnect();
        changes = undefined;
        continue;
      }
      if (r === 'conflict') continue;
      if (r !== 'changed') {
        if (r.nextCfg !== undefined)
          await waitForCurCfgAnywhere(r.nextCfg, deadline, () => conn as Connection, reconnect);
        return r.result;
      }
      try {
        if (!changes) {
          // Watch first, then look again: a change between the snapshot and the monitor would
          // otherwise go unseen and the wait would never end.
          const all: Record<string, JsonValue> = {};
          for (const t of schema.tables.keys()) all[t] = [{}];
          changes = monitorChanges(c, all);
          await changes.ready();
          continue;
        }
        await changes.next(deadline);
      } catch (err) {
        if (!(err instanceof ConnectionClosedError)) throw err;
        position++;
        await reconnect();
        changes = undefined;
      }
    }
  } catch (err) {
    const e = err as Error & { exitCode?: number };
    const status = err instanceof RpcError ? 1 : (e.exitCode ?? 1);
    return { status, stdout: '', stderr: `vsctl: ${e.message}\n` };
  } finally {
    conn?.close();
  }
}

/** The commit is in: wait for switchd, moving to another server if this one goes away. */
async function waitForCurCfgAnywhere(
  nextCfg: number,
  deadline: number,
  current: () => Connection,
  reconnect: () => Promise<Connection>,
): Promise<void> {
  for (;;) {
    try {
      await waitForCurCfg(current(), nextCfg, deadline);
      return;
    } catch (err) {
      if (!(err instanceof ConnectionClosedError)) throw err;
      await reconnect();
    }
  }
}
