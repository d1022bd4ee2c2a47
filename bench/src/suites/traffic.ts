// traffic: real hosts (two network namespaces) streaming through a switch that joins their veths,
// in one run on the same veth pair: softswitch (switchd with `system` ports), real ovs-vswitchd
// with its userspace datapath (`datapath_type=netdev`; with TX checksum offload off on the veths,
// which it needs, and with `userspace-tso-enable=true`) and a Linux bridge. iperf3 measures TCP
// throughput and 64-byte UDP packets/s (what the receiver got). Needs root and iperf3; the Open
// vSwitch figures need ovs-vswitchd and the checksum-off ones ethtool. Missing pieces skip the
// figures that need them, with the reason printed.
//
// softswitch also runs with hardware offload on through the Linux kernel (`other_config:
// hw-offload=true`, provider tc: megaflows become cls_u32 + act_mirred filters on the ports'
// ingress), compared with softswitch without offload and the Linux bridge, and
// `traffic.offload.kernel_share` says which share of the TCP run's packets the kernel forwarded.
// After switchd stops, no filter of its may be left on the ports (checked with tc).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpuSeconds } from '../cpu-time.js';
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
/** The tc provider's filter preferences (libs/offload tc-provider.ts: VLAN guard, flows). */
const TC_PRIOS = [0xc0d0, 0xc0d1] as const;

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

/**
 * iperf3 TCP, then UDP with 64-byte datagrams as fast as the sender goes, from host a to host b.
 * `around` runs just before the TCP run and just after it (counter snapshots).
 */
async function measure(around?: (phase: 'before' | 'after') => Promise<void>): Promise<Figures> {
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
    await around?.('before');
    const tcp = client([]);
    await around?.('after');
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

/** What the kernel (tc) forwarded during the TCP run with offload on, and how it was seen. */
interface OffloadFigures {
  /** Packets the kernel forwarded / packets that entered the switch (switchd's own view). */
  kernelShare: number;
  params: Record<string, unknown>;
}

interface TcCounters {
  filters: number;
  packets: number;
  bytes: number;
  /** Packets (GSO segments counted one by one) per port: data one way, ACKs the other. */
  perPort: number[];
}

/** Our (the tc provider's) u32 filters on the ports' ingress with their counters. */
function tcCounters(): TcCounters {
  const c: TcCounters = { filters: 0, packets: 0, bytes: 0, perPort: PORTS.map(() => 0) };
  for (const [i, dev] of PORTS.entries()) {
    const r = sh('tc', ['-s', '-j', 'filter', 'show', 'dev', dev, 'ingress', 'prio', String(TC_PRIOS[1])]);
    if (r.status !== 0 || !r.stdout.trim()) continue;
    for (const f of JSON.parse(r.stdout) as {
      kind?: string;
      options?: { fh?: string; actions?: { stats?: { packets?: number; bytes?: number } }[] };
    }[]) {
      if (f.kind !== 'u32' || !/^800::[0-9a-f]+$/.test(f.options?.fh ?? '')) continue;
      c.filters++;
      c.packets += f.options?.actions?.[0]?.stats?.packets ?? 0;
      c.perPort[i] += f.options?.actions?.[0]?.stats?.packets ?? 0;
      c.bytes += f.options?.actions?.[0]?.stats?.bytes ?? 0;
    }
  }
  return c;
}

/** Whether port `i` has one of our u32 filters. */
function filterOn(i: number): boolean {
  const r = sh('tc', ['filter', 'show', 'dev', PORTS[i], 'ingress', 'prio', String(TC_PRIOS[1])]);
  return /fh 800::[0-9a-f]+/.test(r.stdout);
}

/** Filters at the tc provider's preferences still on the ports (must be none once switchd stopped). */
function leftoverFilters(): string[] {
  const left: string[] = [];
  for (const dev of PORTS)
    for (const prio of TC_PRIOS) {
      const r = sh('tc', ['filter', 'show', 'dev', dev, 'ingress', 'prio', String(prio)]);
      if (r.stdout.trim()) left.push(`${dev} prio ${prio}`);
    }
  return left;
}

/** Packets and bytes that entered the switch's ports from the hosts (the veths' own counters). */
function portRx(): { packets: number; bytes: number } {
  let packets = 0;
  let bytes = 0;
  for (const dev of PORTS) {
    packets += Number(readFileSync(`/sys/class/net/${dev}/statistics/rx_packets`, 'utf8'));
    bytes += Number(readFileSync(`/sys/class/net/${dev}/statistics/rx_bytes`, 'utf8'));
  }
  return { packets, bytes };
}

/** CPU time (s) process `pid` has used, threads included; 0 when it is gone. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    return processCpuSeconds(pid);
  } catch {
    return 0;
  }
}

interface SwitchdView {
  /** Packets the datapath saw (hit + missed + lost) and the ones an offloaded entry matched. */
  seen: number;
  hardware: number;
  offloadedFlows: number;
}

/**
 * switchd in a private run directory with one bridge of two `system` ports; `dpThreads` datapath
 * threads for them (`other_config:n-dp-threads`, 0: the main thread). `cpuSeconds`: switchd's CPU
 * time (all threads) over the TCP and UDP runs.
 */
async function throughSoftswitch(
  ifaceOptions: string[] = [],
  offload = false,
  dpThreads = 0,
): Promise<{ figures: Figures; offload?: OffloadFigures; cpuSeconds?: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-traffic-ss-'));
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'switchd'), '--rundir', dir, '--db-file', join(dir, 'conf.db')],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const appctl = (...args: string[]) => must(join(repoRoot, 'bin', 'appctl'), ['--rundir', dir, ...args]);
  const view = (): SwitchdView => {
    const show = appctl('dpctl/show');
    const l = /lookups: hit:(\d+) missed:(\d+) lost:(\d+)/.exec(show);
    const hw = /Hardware packets:\s*(\d+)/.exec(appctl('dpctl/offload-stats-show'));
    const flows = appctl('dpctl/dump-flows', '-m', 'type=offloaded')
      .split('\n')
      .filter((line) => line.includes('offloaded:yes')).length;
    return {
      seen: l ? Number(l[1]) + Number(l[2]) + Number(l[3]) : 0,
      hardware: hw ? Number(hw[1]) : 0,
      offloadedFlows: flows,
    };
  };
  let result: { figures: Figures; offload?: OffloadFigures; cpuSeconds?: number };
  try {
    await until('switchd', () => existsSync(join(dir, 'switchd.ctl')));
    const args = [`--db=unix:${join(dir, 'db.sock')}`];
    if (offload)
      args.push(
        'set',
        'Open_vSwitch',
        '.',
        'other_config:hw-offload=true',
        'other_config:hw-offload-provider=tc',
        '--',
      );
    if (dpThreads > 0) args.push('set', 'Open_vSwitch', '.', `other_config:n-dp-threads=${dpThreads}`, '--');
    args.push('add-br', 'br0');
    for (const p of PORTS)
      args.push('--', 'add-port', 'br0', p, '--', 'set', 'interface', p, 'type=system', ...ifaceOptions);
    must(join(repoRoot, 'bin', 'vsctl'), args);
    const t0 = performance.now();
    await connected();
    if (!offload) {
      const cpu = cpuSeconds(child.pid);
      const figures = await measure();
      result = { figures, cpuSeconds: Math.round((cpuSeconds(child.pid) - cpu) * 100) / 100 };
    } else {
      // The megaflows of the first packets (ARP, ICMP) cover the TCP run too: the kernel takes
      // them over after a policy round (heat counted over 100 ms) and the tc commands.
      let msToKernel: number | null = null;
      try {
        await until('offloaded flows on both ports', () => PORTS.every((_, i) => filterOn(i)), 5_000);
        msToKernel = Math.round(performance.now() - t0);
      } catch {
        console.log(`traffic: no flow in the kernel on both ports 5 s after the first ping:
${appctl('dpctl/offload-stats-show')}${appctl('dpctl/dump-flows', '-m')}`);
      }
      const at: Record<
        string,
        { view: SwitchdView; tc: TcCounters; rx: { packets: number; bytes: number }; cpu: number; t: number }
      > = {};
      const figures = await measure(async (phase) => {
        // Counters the policy reads from tc are at most one round old: let it catch up.
        if (phase === 'after') await new Promise((r) => setTimeout(r, 500));
        const cpu = cpuSeconds(child.pid);
        const t = performance.now();
        at[phase] = { view: view(), tc: tcCounters(), rx: portRx(), cpu, t };
      });
      const { before, after } = at;
      const seen = after.view.seen - before.view.seen;
      const hardware = after.view.hardware - before.view.hardware;
      const rx = after.rx.packets - before.rx.packets;
      // tc counts bytes without the Ethernet header (and GSO super-frames as their segments).
      const rxL3Bytes = after.rx.bytes - before.rx.bytes - 14 * rx;
      const tcBytes = after.tc.bytes - before.tc.bytes;
      result = {
        figures,
        offload: {
          kernelShare: seen > 0 ? hardware / seen : 0,
          params: {
            packetsSeenBySwitchd: seen,
            packetsMatchedInKernel: hardware,
            portRxPackets: rx,
            kernelByteShare: rxL3Bytes > 0 ? Math.round((tcBytes / rxL3Bytes) * 1000) / 1000 : 0,
            tcFilterSegments: after.tc.packets - before.tc.packets,
            tcSegmentsPerPort: Object.fromEntries(
              PORTS.map((dev, i) => [dev, after.tc.perPort[i] - before.tc.perPort[i]]),
            ),
            msFromFirstPingToKernel: msToKernel,
            tcFilters: after.tc.filters,
            offloadedFlows: after.view.offloadedFlows,
            // switchd still reads every packet (its AF_PACKET socket sees them before tc does).
            switchdCpuCores: Math.round(((after.cpu - before.cpu) / ((after.t - before.t) / 1000)) * 100) / 100,
          },
        },
      };
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
  if (offload) {
    // switchd's stop takes its filters out of the kernel; the ingress qdisc it added goes here.
    const left = leftoverFilters();
    for (const dev of PORTS) sh('tc', ['qdisc', 'del', 'dev', dev, 'ingress']);
    if (left.length > 0) throw new Error(`traffic: tc filters left after switchd stopped: ${left.join(', ')}`);
  }
  return result;
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
    // A plain name whenever the figure is not one comparison only (so it can be a baseline).
    if (baselines.length !== 1)
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
      await step('softswitch', async () => {
        const { figures, cpuSeconds } = await throughSoftswitch();
        return results('softswitch', figures, { offloads: 'on', cpuSeconds }, ovs ? [ovsTso, lb] : [lb]);
      });
      // The same through two datapath threads (other_config:n-dp-threads=2), against one.
      await step('softswitch, 2 datapath threads', async () => {
        const { figures, cpuSeconds } = await throughSoftswitch([], false, 2);
        const params = { offloads: 'on', 'n-dp-threads': 2, cpuSeconds };
        return results('softswitch_dp_threads2', figures, params, ['softswitch']);
      });
      // The same with super-frames and partial checksums passed through to the output device.
      await step('softswitch, rx_offload=keep', async () =>
        results(
          'softswitch_offload_keep',
          (await throughSoftswitch(['options:rx_offload=keep'])).figures,
          { offloads: 'on', rx_offload: 'keep' },
          ovs ? [ovsTso, lb] : [lb],
        ),
      );
      // Hardware offload through the kernel: tc u32 + mirred filters forward the megaflows.
      if (has('tc'))
        await step('softswitch, hw-offload (tc)', async () => {
          const { figures, offload } = await throughSoftswitch([], true);
          const hwo = 'softswitch_hw_offload_tc';
          const out = results(hwo, figures, { offloads: 'on', 'hw-offload': 'tc' }, ['softswitch', lb]);
          if (offload)
            out.push({
              name: 'traffic.offload.kernel_share',
              value: offload.kernelShare,
              unit: 'fraction',
              higherIsBetter: true,
              params: { ...offload.params, run: `traffic.tcp.${hwo}`, seconds: SECONDS },
            });
          return out;
        });
      else console.log('traffic: tc not installed; hardware offload figures skipped');
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
              (await throughSoftswitch()).figures,
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
