import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './switchd.js';

const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

/** One member of a real OVSDB Raft cluster: its own database file, sockets and pid file. */
export interface ClusterMember {
  /** Client remote, e.g. `unix:/tmp/.../db2.sock`. */
  remote: string;
  /** The member's unixctl socket (ovs-appctl -t). */
  ctl: string;
  pid(): number;
  alive(): boolean;
}

/**
 * A real three-server (by default) OVSDB Raft cluster of the Open_vSwitch database, every file
 * in one temporary directory: `ovsdb-tool create-cluster` for the first member, `join-cluster`
 * for the others, unix: raft addresses. `stop()` kills whatever is left and removes the dir.
 */
export interface OvsdbCluster {
  dir: string;
  members: ClusterMember[];
  /** `REMOTE,REMOTE,...` for `--db`. */
  remotes: string;
  /** Index of the member that says it is the leader (polls until one does). */
  leader(timeoutMs?: number): Promise<number>;
  /** SIGKILLs one member and waits until it is gone. */
  kill(i: number): Promise<void>;
  /** What `_Server` says about the Open_vSwitch database on member i (ovsdb-client query). */
  serverRow(i: number): Record<string, unknown> | undefined;
  stop(): void;
}

function run(tool: string, args: string[]): string {
  const r = spawnSync(tool, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export async function startOvsdbCluster(size = 3): Promise<OvsdbCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-cluster-'));
  const path = (name: string) => join(dir, name);
  const members: ClusterMember[] = [];
  const start = (n: number) => {
    run('ovsdb-server', [
      path(`s${n}.db`),
      `--remote=punix:${path(`db${n}.sock`)}`,
      `--unixctl=${path(`s${n}.ctl`)}`,
      `--pidfile=${path(`s${n}.pid`)}`,
      `--log-file=${path(`s${n}.log`)}`,
      '--detach',
      '--no-chdir',
    ]);
    const pid = Number(readFileSync(path(`s${n}.pid`), 'utf8'));
    // Gone, or a zombie nobody has reaped yet (the detached daemon is not our child).
    const alive = () => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    members.push({ remote: `unix:${path(`db${n}.sock`)}`, ctl: path(`s${n}.ctl`), pid: () => pid, alive });
  };
  try {
    run('ovsdb-tool', ['create-cluster', path('s1.db'), SCHEMA, `unix:${path('r1.raft')}`]);
    start(1);
    for (let n = 2; n <= size; n++) {
      run('ovsdb-tool', [
        'join-cluster',
        path(`s${n}.db`),
        'Open_vSwitch',
        `unix:${path(`r${n}.raft`)}`,
        `unix:${path('r1.raft')}`,
      ]);
      start(n);
    }
  } catch (err) {
    for (const m of members) if (m.alive()) process.kill(m.pid(), 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const serverRow = (i: number) => {
    const r = spawnSync(
      'ovsdb-client',
      [
        'query',
        members[i].remote,
        '["_Server",{"op":"select","table":"Database","where":[["name","==","Open_vSwitch"]]}]',
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    if (r.status !== 0) return undefined;
    return (JSON.parse(r.stdout) as { rows: Record<string, unknown>[] }[])[0]?.rows[0];
  };
  const cluster: OvsdbCluster = {
    dir,
    members,
    remotes: members.map((m) => m.remote).join(','),
    async leader(timeoutMs = 20_000) {
      let found = -1;
      await waitFor(
        'a cluster leader',
        () => {
          found = members.findIndex((m, i) => {
            if (!m.alive()) return false;
            const row = serverRow(i);
            return row?.leader === true && row?.connected === true;
          });
          return found >= 0;
        },
        timeoutMs,
      );
      return found;
    },
    async kill(i) {
      process.kill(members[i].pid(), 'SIGKILL');
      await waitFor(`cluster member ${i + 1} to die`, () => !members[i].alive());
    },
    serverRow,
    stop() {
      for (const m of members) if (m.alive()) process.kill(m.pid(), 'SIGKILL');
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
  // Every member has joined once each answers as a connected member.
  await waitFor('every member to join the cluster', () => members.every((_, i) => serverRow(i)?.connected === true));
  return cluster;
}
