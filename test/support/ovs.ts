import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private instance of real Open vSwitch (ovsdb-server and, optionally, ovs-vswitchd with the
 * dummy datapath, so no kernel module is needed), used as an oracle by differential tests.
 * Everything lives in one temporary directory given as OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR, so
 * instances never see each other or a system Open vSwitch.
 */
export interface OvsSandbox {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Path of the database socket, for `--db=unix:...`. */
  dbSocket: string;
  vsctl(...args: string[]): string;
  ofctl(...args: string[]): string;
  appctl(...args: string[]): string;
  /** Runs any Open vSwitch tool with the sandbox's environment; throws with stderr on failure. */
  run(tool: string, args: string[], input?: string): string;
  /** Same, but returns status, stdout and stderr instead of throwing. */
  tryRun(tool: string, args: string[], input?: string): { status: number; stdout: string; stderr: string };
  stop(): void;
}

export interface OvsSandboxOptions {
  /** Start ovs-vswitchd too (default true). */
  vswitchd?: boolean;
  /** Schema file (default: the installed vswitch.ovsschema). */
  schema?: string;
}

const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

export function startOvsSandbox(options: OvsSandboxOptions = {}): OvsSandbox {
  const dir = mkdtempSync(join(tmpdir(), 'ovs-sandbox-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OVS_RUNDIR: dir,
    OVS_DBDIR: dir,
    OVS_LOGDIR: dir,
    OVS_SYSCONFDIR: dir,
  };
  const tryRun = (tool: string, args: string[], input?: string) => {
    const r = spawnSync(tool, args, { env, input, encoding: 'utf8', maxBuffer: 1 << 30, timeout: 120_000 });
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
  };
  const run = (tool: string, args: string[], input?: string) => {
    const r = tryRun(tool, args, input);
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
    return r.stdout;
  };
  const dbSocket = join(dir, 'db.sock');
  const db = join(dir, 'conf.db');
  execFileSync('ovsdb-tool', ['create', db, options.schema ?? SCHEMA], { env });
  run('ovsdb-server', [
    db,
    `--remote=punix:${dbSocket}`,
    '--pidfile',
    '--detach',
    `--log-file=${join(dir, 'ovsdb-server.log')}`,
    '--no-chdir',
  ]);
  const daemons = ['ovsdb-server'];
  run('ovs-vsctl', [`--db=unix:${dbSocket}`, '--no-wait', 'init']);
  if (options.vswitchd !== false) {
    run('ovs-vswitchd', [
      `unix:${dbSocket}`,
      '--enable-dummy=override',
      '--disable-system',
      '--disable-system-route',
      '--pidfile',
      '--detach',
      `--log-file=${join(dir, 'ovs-vswitchd.log')}`,
      '--no-chdir',
    ]);
    daemons.push('ovs-vswitchd');
  }
  const stop = () => {
    for (const d of daemons.reverse()) {
      const pidFile = join(dir, `${d}.pid`);
      if (!existsSync(pidFile)) continue;
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    dir,
    env,
    dbSocket,
    run,
    tryRun,
    vsctl: (...args) => run('ovs-vsctl', [`--db=unix:${dbSocket}`, ...args]),
    ofctl: (...args) => run('ovs-ofctl', args),
    appctl: (...args) => run('ovs-appctl', args),
    stop,
  };
}

/** One dummy port of `dummyBridgeArgs`. */
export interface DummyPortSpec {
  name: string;
  ofport?: number;
  /** Port columns, e.g. `tag=10`, `trunks=10,20`. */
  port?: string[];
  /** More Interface settings, e.g. `options:pstream=punix:/tmp/p1.sock`. */
  iface?: string[];
  /** Capture what the port transmits in `<pcapDir>/<name>.pcap`. */
  txPcap?: boolean;
}

/**
 * `ovs-vsctl` arguments that create a `datapath_type=dummy` bridge and its dummy ports in one
 * transaction — the set-up most differential tests share. Works with `vsctl` too.
 */
export function dummyBridgeArgs(
  bridge: string,
  ports: DummyPortSpec[],
  options: { bridge?: string[]; pcapDir?: string } = {},
): string[] {
  const args = ['add-br', bridge, '--', 'set', 'bridge', bridge, 'datapath_type=dummy', ...(options.bridge ?? [])];
  for (const p of ports) {
    args.push('--', 'add-port', bridge, p.name, ...(p.port ?? []));
    args.push('--', 'set', 'interface', p.name, 'type=dummy');
    if (p.ofport !== undefined) args.push(`ofport_request=${p.ofport}`);
    if (p.txPcap) {
      if (!options.pcapDir) throw new Error(`dummyBridgeArgs: ${p.name} wants tx_pcap but no pcapDir was given`);
      args.push(`options:tx_pcap=${join(options.pcapDir, `${p.name}.pcap`)}`);
    }
    args.push(...(p.iface ?? []));
  }
  return args;
}
