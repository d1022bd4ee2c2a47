// traffic: real hosts (two network namespaces) streaming through a switch that joins their veths,
// in one run on the same veth pair: softswitch (switchd with `system` ports), real ovs-vswitchd
// with its userspace datapath (`datapath_type=netdev`; with TX checksum offload off on the veths,
// which it needs, and with `userspace-tso-enable=true`) and a Linux bridge. iperf3 measures TCP
// throughput and 64-byte UDP packets/s (what the receiver got). Needs root and iperf3; the Open
// vSwitch figures need ovs-vswitchd and the checksum-off ones ethtool. Missing pieces skip the
// figures that need them, with the reason printed.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult, Suite } from '../harness.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const id = `${process.pid % 100000}`;
const NS = [`ssbn${id}a`, `ssbn${id}b`] as const;
/** Root-namespace veth ends: the switch's ports. Their peers sit in the namespaces. */
const PORTS = [`ssbv${id}a`, `ssbv${id}b`] as const;
const PEERS = [`ssbv${id}an`, `ssbv${id}bn`] as const;
const IPS = ['10.78.0.1', '10.78.0.2'] as const;
const IPERF_PORT = 5209;
const SECONDS = Number(process.env.TRAFFIC_SECONDS ?? 3);

function sh(cmd: string, args: string[], timeout = 60_000): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

function must(cmd: string, args: string[]): string {
  const r = sh(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

const has = (bin: string) => sh('sh', ['-c', `command -v ${bin}`]).status === 0;
const inNs = (i: 0 | 1, cmd: string, args: string[], timeout?: number) =>
  sh('ip', ['netns', 'exec', NS[i], cmd, ...args], timeout);

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`traffic: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function setUpHosts(): void {
  tearDownHosts();
  for (let i = 0 as 0 | 1; i < 2; i = (i + 1) as 0 | 1) {
    must('ip', ['netns', 'add', NS[i]]);
    must('ip', ['link', 'add', PORTS[i], 'type', 'veth', 'peer', 'name', PEERS[i]]);
    must('ip', ['link', 'set', PEERS[i], 'netns', NS[i]]);
    must('ip', ['-n', NS[i], 'link', 'set', 'lo', 'up']);
    must('ip', ['-n', NS[i], 'addr', 'add', `${IPS[i]}/24`, 'dev', PEERS[i]]);
    must('ip', ['-n', NS[i], 'link', 'set', PEERS[i], 'up']);
    must('ip', ['link', 'set', PORTS[i], 'up']);
  }
}

function tearDownHosts(): void {
  for (const ns of NS) sh('ip', ['netns', 'del', ns]);
  for (const p of PORTS) if (existsSync(`/sys/class/net/${p}`)) sh('ip', ['link', 'del', p]);
}

/** TX checksum offload (and with it TSO) of the hosts' veth ends, as `ethtool -K DEV tx on|off`. */
function setTxChecksum(on: boolean): void {
  for (const i of [0, 1] as const) {
    const r = inNs(i, 'ethtool', ['-K', PEERS[i], 'tx', on ? 'on' : 'off']);
    if (r.status !== 0) throw new Error(`ethtool -K ${PEERS[i]} tx ${on ? 'on' : 'off'}: ${r.stderr.trim()}`);
  }
}

async function connected(): Promise<void> {
  await until('ping between the namespaces', () => inNs(0, 'ping', ['-c', '1', '-w', '1', '-q', IPS[1]]).status === 0);
}

interface Figures {
  tcpGbps: number;
  udpPps: number;
  udpLossPct: number;
}

/** iperf3 TCP, then UDP with 64-byte datagrams as fast as the sender goes, from host a to host b. */
async function measure(): Promise<Figures> {
  const server: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', NS[1], 'iperf3', '-s', '-B', IPS[1], '-p', `${IPERF_PORT}`],
    { stdio: 'ignore' },
  );
  try {
    await until('iperf3 server', () =>
      inNs(1, 'ss', ['-Hltn', `sport = :${IPERF_PORT}`]).stdout.includes(`:${IPERF_PORT}`),
    );
    const client = (extra: string[]) => {
      const r = inNs(0, 'iperf3', ['-c', IPS[1], '-p', `${IPERF_PORT}`, '-t', `${SECONDS}`, '-J', ...extra], 120_000);
      if (r.status !== 0) throw new Error(`iperf3 ${extra.join(' ')} failed: ${r.stdout.slice(0, 300)} ${r.stderr}`);
      return JSON.parse(r.stdout).end;
    };
    const tcp = client([]);
    const udp = client(['-u', '-l', '64', '-b', '0']);
    const got = udp.sum.packets - udp.sum.lost_packets;
    return {
      tcpGbps: tcp.sum_received.bits_per_second / 1e9,
      udpPps: got / udp.sum.seconds,
      udpLossPct: udp.sum.lost_percent,
    };
  } finally {
    server.kill();
  }
}

/** The Linux bridge joining the two veth ends. */
async function throughLinuxBridge(): Promise<Figures> {
  const br = `ssbb${id}`;
  must('ip', ['link', 'add', br, 'type', 'bridge']);
  try {
    for (const p of PORTS) must('ip', ['link', 'set', p, 'master', br]);
    must('ip', ['link', 'set', br, 'up']);
    await connected();
    return await measure();
  } finally {
    sh('ip', ['link', 'del', br]);
  }
}

/** switchd in a private run directory with one bridge of two `system` ports. */
async function throughSoftswitch(ifaceOptions: string[] = []): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-traffic-ss-'));
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'switchd'), '--rundir', dir, '--db-file', join(dir, 'conf.db')],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await until('switchd', () => existsSync(join(dir, 'switchd.ctl')));
    const args = [`--db=unix:${join(dir, 'db.sock')}`, 'add-br', 'br0'];
    for (const p of PORTS)
      args.push('--', 'add-port', 'br0', p, '--', 'set', 'interface', p, 'type=system', ...ifaceOptions);
    must(join(repoRoot, 'bin', 'vsctl'), args);
    await connected();
    return await measure();
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Real ovs-vswitchd (no kernel datapath) with a `datapath_type=netdev` bridge on the veths. */
async function throughOvsNetdev(tso: boolean): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-traffic-ovs-'));
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir, OVS_SYSCONFDIR: dir };
  const run = (tool: string, args: string[]) => {
    const r = spawnSync(tool, args, { env, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${r.stderr}`);
  };
  const db = join(dir, 'db.sock');
  const daemons: string[] = [];
  try {
    run('ovsdb-tool', ['create', join(dir, 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema']);
    run('ovsdb-server', [
      join(dir, 'conf.db'),
      `--remote=punix:${db}`,
      '--pidfile',
      '--detach',
      '--no-chdir',
      `--log-file=${join(dir, 'ovsdb.log')}`,
    ]);
    daemons.push('ovsdb-server');
    run('ovs-vsctl', [`--db=unix:${db}`, '--no-wait', 'init']);
    // Read once at start-up by ovs-vswitchd: set before it starts.
    if (tso)
      run('ovs-vsctl', [
        `--db=unix:${db}`,
        '--no-wait',
        'set',
        'Open_vSwitch',
        '.',
        'other_config:userspace-tso-enable=true',
      ]);
    run('ovs-vswitchd', [
      `unix:${db}`,
      '--disable-system',
      '--pidfile',
      '--detach',
      '--no-chdir',
      `--log-file=${join(dir, 'vswitchd.log')}`,
    ]);
    daemons.push('ovs-vswitchd');
    const args = [`--db=unix:${db}`, 'add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev'];
    for (const p of PORTS) args.push('--', 'add-port', 'br0', p);
    run('ovs-vsctl', args);
    await connected();
    return await measure();
  } finally {
    for (const d of daemons.reverse()) {
      const pidFile = join(dir, `${d}.pid`);
      if (!existsSync(pidFile)) continue;
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      try {
        process.kill(pid, 'SIGTERM');
        await until(`${d} exit`, () => !existsSync(`/proc/${pid}`), 10_000);
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function results(label: string, f: Figures, params: Record<string, unknown>, baselines: string[]): BenchResult[] {
  const out: BenchResult[] = [];
  const p = { ...params, seconds: SECONDS, udpLossPercent: Math.round(f.udpLossPct * 10) / 10 };
  const add = (metric: string, value: number, unit: string) => {
    if (baselines.length === 0)
      out.push({ name: `traffic.${metric}.${label}`, value, unit, higherIsBetter: true, params: p });
    for (const b of baselines)
      out.push({
        name: `traffic.${metric}.${label}${baselines.length > 1 ? ` vs ${b}` : ''}`,
        value,
        unit,
        higherIsBetter: true,
        params: p,
        baseline: `traffic.${metric}.${b}`,
      });
  };
  add('tcp', f.tcpGbps, 'Gbit/s');
  add('udp64', f.udpPps, 'packets/s');
  return out;
}

export const suite: Suite = {
  name: 'traffic',
  async run(): Promise<BenchResult[]> {
    if (process.getuid?.() !== 0 || !has('iperf3')) {
      console.log('traffic: needs root and iperf3; skipped');
      return [];
    }
    const ovs = has('ovs-vswitchd') && has('ovsdb-server');
    const ethtool = has('ethtool');
    if (!ovs) console.log('traffic: ovs-vswitchd not installed; Open vSwitch figures skipped');
    if (!ethtool) console.log('traffic: ethtool not installed; TX-checksum-off figures skipped');
    const out: BenchResult[] = [];
    setUpHosts();
    try {
      const step = async (what: string, body: () => Promise<BenchResult[]>) => {
        const t0 = performance.now();
        out.push(...(await body()));
        console.log(`traffic: ${what} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      };
      const lb = 'linux_bridge';
      const ovsOff = 'ovs_netdev_txcsum_off';
      const ovsTso = 'ovs_netdev_tso';
      await step('Linux bridge', async () => results(lb, await throughLinuxBridge(), { offloads: 'on' }, []));
      if (ovs)
        await step('OVS netdev, TSO', async () =>
          results(ovsTso, await throughOvsNetdev(true), { offloads: 'on', 'userspace-tso-enable': true }, []),
        );
      // softswitch with the veths' offloads on: partial checksums finished, super-frames cut on receipt.
      await step('softswitch', async () =>
        results('softswitch', await throughSoftswitch(), { offloads: 'on' }, ovs ? [ovsTso, lb] : [lb]),
      );
      // The same with super-frames and partial checksums passed through to the output device.
      await step('softswitch, rx_offload=keep', async () =>
        results(
          'softswitch_offload_keep',
          await throughSoftswitch(['options:rx_offload=keep']),
          { offloads: 'on', rx_offload: 'keep' },
          ovs ? [ovsTso, lb] : [lb],
        ),
      );
      if (ethtool) {
        setTxChecksum(false);
        try {
          if (ovs)
            await step('OVS netdev, tx csum off', async () =>
              results(ovsOff, await throughOvsNetdev(false), { offloads: 'tx off' }, []),
            );
          await step('softswitch, tx csum off', async () =>
            results(
              'softswitch_txcsum_off',
              await throughSoftswitch(),
              { offloads: 'tx off' },
              ovs ? [ovsOff, lb] : [lb],
            ),
          );
        } finally {
          setTxChecksum(true);
        }
      }
    } finally {
      tearDownHosts();
    }
    return out;
  },
};
