import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpuSeconds, roundToMs } from '../cpu-time.js';
import type { BenchResult, Suite } from '../harness.js';

/**
 * switchd end to end: flow-mods per second when real `ovs-ofctl add-flows` loads 100k flows into
 * a softswitch bridge, beside the same file loaded into a real ovs-vswitchd bridge (dummy
 * datapath) in the same run, and the CPU seconds each daemon spent on the load (less noisy than
 * the rate on a shared machine). Skipped (no results) when Open vSwitch is not installed.
 */

/** A switch under test: its OpenFlow socket, its process (for CPU time), how to stop it. */
interface Daemon {
  mgmt: string;
  pid(): number;
  stop(): void;
}

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FLOWS = 100_000;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 1 << 30, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Distinct flows: one per (src, dst port) pair, so every add is a new rule. */
function flowFile(dir: string): string {
  const lines: string[] = [];
  for (let i = 0; i < FLOWS; i++) {
    lines.push(
      `priority=${100 + (i % 7)},tcp,nw_src=10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255},tp_dst=${1 + (i % 1000)},actions=output:2`,
    );
  }
  const file = join(dir, 'flows.txt');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function startSoftswitch(dir: string): Promise<Daemon> {
  const rundir = join(dir, 'ss');
  const child: ChildProcess = spawn(
    process.execPath,
    [join(repo, 'bin', 'switchd'), '--rundir', rundir, '--db-file', join(rundir, 'conf.db')],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 15_000;
  while (!existsSync(join(rundir, 'db.sock')) || !existsSync(join(rundir, 'switchd.ctl'))) {
    if (Date.now() > deadline) throw new Error('switchd did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  run('ovs-vsctl', [
    `--db=unix:${join(rundir, 'db.sock')}`,
    'add-br',
    'br0',
    '--',
    'set',
    'bridge',
    'br0',
    'fail-mode=secure',
  ]);
  return { mgmt: `unix:${join(rundir, 'br0.mgmt')}`, pid: () => child.pid ?? 0, stop: () => child.kill('SIGTERM') };
}

function startOvs(dir: string): Daemon {
  const ovsdir = join(dir, 'ovs');
  run('mkdir', ['-p', ovsdir]);
  const env = { ...process.env, OVS_RUNDIR: ovsdir, OVS_DBDIR: ovsdir, OVS_LOGDIR: ovsdir };
  const db = join(ovsdir, 'conf.db');
  run('ovsdb-tool', ['create', db, '/usr/share/openvswitch/vswitch.ovsschema'], env);
  run('ovsdb-server', [db, `--remote=punix:${join(ovsdir, 'db.sock')}`, '--pidfile', '--detach', '--no-chdir'], env);
  run('ovs-vsctl', [`--db=unix:${join(ovsdir, 'db.sock')}`, '--no-wait', 'init'], env);
  run(
    'ovs-vswitchd',
    [
      `unix:${join(ovsdir, 'db.sock')}`,
      '--enable-dummy=override',
      '--disable-system',
      '--pidfile',
      '--detach',
      '--no-chdir',
    ],
    env,
  );
  run(
    'ovs-vsctl',
    [
      `--db=unix:${join(ovsdir, 'db.sock')}`,
      'add-br',
      'br0',
      '--',
      'set',
      'bridge',
      'br0',
      'datapath_type=dummy',
      'fail-mode=secure',
    ],
    env,
  );
  return {
    mgmt: `unix:${join(ovsdir, 'br0.mgmt')}`,
    pid: () => Number(readFileSync(join(ovsdir, 'ovs-vswitchd.pid'), 'utf8')),
    stop() {
      for (const d of ['ovs-vswitchd', 'ovsdb-server']) {
        const pid = join(ovsdir, `${d}.pid`);
        if (existsSync(pid)) process.kill(Number(readFileSync(pid, 'utf8')), 'SIGTERM');
      }
    },
  };
}

/** Wall seconds for `ovs-ofctl add-flows` of the whole file (table emptied first) and the daemon's CPU seconds. */
function load(d: Daemon, file: string, protocol: string): { wall: number; cpu: number } {
  run('ovs-ofctl', ['-O', protocol, 'del-flows', d.mgmt]);
  const c0 = processCpuSeconds(d.pid());
  const t0 = performance.now();
  run('ovs-ofctl', ['-O', protocol, 'add-flows', d.mgmt, file]);
  return { wall: (performance.now() - t0) / 1000, cpu: processCpuSeconds(d.pid()) - c0 };
}

export const suite: Suite = {
  name: 'switchd',
  async run(): Promise<BenchResult[]> {
    if (spawnSync('sh', ['-c', 'command -v ovs-vswitchd']).status !== 0) {
      console.log('switchd bench: ovs-vswitchd not installed; nothing measured');
      return [];
    }
    const dir = mkdtempSync(join(tmpdir(), 'bench-switchd-'));
    const file = flowFile(dir);
    const ss = await startSoftswitch(dir);
    const ovs = startOvs(dir);
    const results: BenchResult[] = [];
    try {
      for (const protocol of ['OpenFlow10', 'OpenFlow13', 'OpenFlow15']) {
        // Interleaved, best of three each: the machine is shared and noisy, so both switches get
        // slices of the same stretch of time.
        const theirs = { wall: Number.POSITIVE_INFINITY, cpu: Number.POSITIVE_INFINITY };
        const ours = { wall: Number.POSITIVE_INFINITY, cpu: Number.POSITIVE_INFINITY };
        for (let round = 0; round < 3; round++) {
          for (const [d, best] of [
            [ovs, theirs],
            [ss, ours],
          ] as const) {
            const r = load(d, file, protocol);
            best.wall = Math.min(best.wall, r.wall);
            best.cpu = Math.min(best.cpu, r.cpu);
          }
        }
        const base = `ovs-ofctl add-flows ${FLOWS / 1000}k ${protocol} → ovs-vswitchd`;
        results.push(
          {
            name: base,
            value: FLOWS / theirs.wall,
            unit: 'flow-mods/s',
            higherIsBetter: true,
            params: { flows: FLOWS, protocol, daemonCpuSeconds: roundToMs(theirs.cpu) },
          },
          {
            name: `ovs-ofctl add-flows ${FLOWS / 1000}k ${protocol} → switchd`,
            value: FLOWS / ours.wall,
            unit: 'flow-mods/s',
            higherIsBetter: true,
            params: { flows: FLOWS, protocol, daemonCpuSeconds: roundToMs(ours.cpu) },
            baseline: base,
          },
        );
      }
    } finally {
      ss.stop();
      ovs.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    return results;
  },
};
