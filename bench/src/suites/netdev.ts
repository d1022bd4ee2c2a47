// netdev: frames/s through real devices — two `system` netdevs on the ends of a veth pair (root
// only), 64-byte frames, sent one per call (the baseline) and in batches of 32 (one sendmmsg) —
// and through two dummies cabled by a Unix stream socket (Open vSwitch's netdev-dummy framing).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult, Suite } from '../harness.js';

// The few parts of @softswitch/netdev used here, typed locally so the bench builds whether or not
// the library is among bench's dependencies yet.
interface RxBatch {
  readonly count: number;
  readonly frames: readonly Uint8Array[];
}
interface Device {
  readonly linkState: 'up' | 'down';
  readonly error: string | undefined;
  readonly stats: { rx_packets: number; tx_packets: number; tx_dropped: number };
  open(): Promise<string | undefined>;
  close(): Promise<void>;
  onReceive(handler: ((batch: RxBatch) => void) | undefined): void;
  send(frame: Uint8Array): boolean;
  sendBatch(frames: readonly Uint8Array[], count?: number, offloads?: readonly unknown[]): number;
}
interface OffloadBatch extends RxBatch {
  readonly offloads?: readonly unknown[];
}
interface NetdevLib {
  SystemNetdev: new (name: string, options?: Record<string, string>) => Device;
  DummyNetdev: new (name: string, options?: Record<string, string>) => Device;
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

async function loadNetdev(): Promise<NetdevLib | undefined> {
  const byName = '@softswitch/netdev';
  try {
    return (await import(byName)) as NetdevLib;
  } catch {
    const dist = join(repoRoot, 'libs', 'netdev', 'dist', 'index.js');
    return existsSync(dist) ? ((await import(pathToFileURL(dist).href)) as NetdevLib) : undefined;
  }
}

const BURST = 32;
const MEASURE_MS = 2000;

function frames64(): Uint8Array[] {
  return Array.from({ length: BURST }, (_, i) => {
    const f = new Uint8Array(64);
    f.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x88, 0xb5, 0, i]);
    return f;
  });
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * Sends for MEASURE_MS (yielding to the event loop every few bursts so receive batches get
 * delivered), then waits briefly for stragglers. Returns frames sent/s and received/s.
 */
async function pump(tx: Device, rx: Device, batched: boolean): Promise<{ sent: number; received: number }> {
  const frames = frames64();
  let received = 0;
  rx.onReceive((b) => {
    received += b.count;
  });
  let sent = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < MEASURE_MS) {
    for (let k = 0; k < 8; k++) {
      if (batched) sent += tx.sendBatch(frames, BURST);
      else for (let i = 0; i < BURST; i++) if (tx.send(frames[i])) sent++;
    }
    await tick();
  }
  const dt = (performance.now() - t0) / 1000;
  const settle = performance.now();
  let last = -1;
  while (received !== last && performance.now() - settle < 500) {
    last = received;
    await new Promise((r) => setTimeout(r, 20));
  }
  rx.onReceive(undefined);
  return { sent: sent / dt, received: received / dt };
}

function sh(cmd: string): void {
  execFileSync('sh', ['-c', cmd], { stdio: 'ignore' });
}

async function systemPair(lib: NetdevLib): Promise<BenchResult[]> {
  if (process.getuid?.() !== 0) {
    console.log('netdev: system-device figures need root (veth pair); skipped');
    return [];
  }
  const id = process.pid.toString(36);
  const a = `bn${id}a`;
  const b = `bn${id}b`;
  sh(`ip link add ${a} type veth peer name ${b}`);
  const devA = new lib.SystemNetdev(a);
  const devB = new lib.SystemNetdev(b);
  try {
    sh(`ip link set ${a} up && ip link set ${b} up`);
    // No IPv6 chatter on the bench link.
    sh(`sysctl -qw net.ipv6.conf.${a}.disable_ipv6=1 net.ipv6.conf.${b}.disable_ipv6=1 || true`);
    for (const d of [devA, devB]) {
      const err = await d.open();
      if (err) throw new Error(err);
    }
    const params = {
      frameBytes: 64,
      burst: BURST,
      link: 'veth pair, both ends system netdevs',
      seconds: MEASURE_MS / 1000,
    };
    const one = await pump(devA, devB, false);
    const many = await pump(devA, devB, true);
    return [
      { name: 'system veth: sent, unbatched', value: one.sent, unit: 'frames/s', higherIsBetter: true, params },
      { name: 'system veth: received, unbatched', value: one.received, unit: 'frames/s', higherIsBetter: true, params },
      {
        name: 'system veth: sent, batched',
        value: many.sent,
        unit: 'frames/s',
        higherIsBetter: true,
        params,
        baseline: 'system veth: sent, unbatched',
      },
      {
        name: 'system veth: received, batched',
        value: many.received,
        unit: 'frames/s',
        higherIsBetter: true,
        params,
        baseline: 'system veth: received, unbatched',
      },
    ];
  } finally {
    await devA.close();
    await devB.close();
    sh(`ip link del ${a} 2>/dev/null || true`);
  }
}

async function dummyCable(lib: NetdevLib): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'netdev-bench-'));
  const path = join(dir, 'cable.sock');
  const a = new lib.DummyNetdev('a', { pstream: `punix:${path}` });
  const b = new lib.DummyNetdev('b', { stream: `unix:${path}` });
  try {
    await a.open();
    await b.open();
    const deadline = Date.now() + 5000;
    while (a.linkState !== 'up' || b.linkState !== 'up') {
      if (Date.now() > deadline) throw new Error('dummy cable did not connect');
      await new Promise((r) => setTimeout(r, 10));
    }
    const params = {
      frameBytes: 64,
      burst: BURST,
      link: 'two dummies over a Unix stream socket',
      seconds: MEASURE_MS / 1000,
    };
    const one = await pump(b, a, false);
    const many = await pump(b, a, true);
    return [
      {
        name: 'dummy stream: received, unbatched',
        value: one.received,
        unit: 'frames/s',
        higherIsBetter: true,
        params,
      },
      {
        name: 'dummy stream: received, batched',
        value: many.received,
        unit: 'frames/s',
        higherIsBetter: true,
        params,
        baseline: 'dummy stream: received, unbatched',
      },
    ];
  } finally {
    await b.close();
    await a.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a command to completion without blocking the event loop (which forwards the packets). */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err}${out}`)),
    );
  });
}

/**
 * iperf3 TCP between two namespaces whose veths meet only through two system netdevs patched
 * together in this process: TSO super-frames cut on receipt (`segment`) or passed through whole
 * with their virtio-net header (`rx_offload=keep`). Returns bits/s received.
 */
async function tcpThroughput(lib: NetdevLib, mode: 'segment' | 'keep'): Promise<number> {
  const id = `${process.pid.toString(36)}${mode[0]}`;
  const [nsA, nsB] = [`bnt${id}a`, `bnt${id}b`];
  const [hostA, hostB] = [`bt${id}a`, `bt${id}b`];
  const options: Record<string, string> = mode === 'keep' ? { rx_offload: 'keep' } : {};
  const devA = new lib.SystemNetdev(hostA, options);
  const devB = new lib.SystemNetdev(hostB, options);
  try {
    for (const [ns, host, ip] of [
      [nsA, hostA, '10.250.0.1'],
      [nsB, hostB, '10.250.0.2'],
    ]) {
      sh(`ip netns add ${ns}`);
      sh(`ip link add ${host} type veth peer name ${host}n`);
      sh(`ip link set ${host}n netns ${ns}`);
      sh(
        `ip -n ${ns} addr add ${ip}/24 dev ${host}n && ip -n ${ns} link set ${host}n up && ip -n ${ns} link set lo up`,
      );
    }
    devA.onReceive((b) => devB.sendBatch(b.frames, b.count, (b as OffloadBatch).offloads));
    devB.onReceive((b) => devA.sendBatch(b.frames, b.count, (b as OffloadBatch).offloads));
    for (const d of [devA, devB]) {
      const err = await d.open();
      if (err) throw new Error(err);
    }
    const srv = spawn('ip', ['netns', 'exec', nsB, 'iperf3', '-s', '-1', '-B', '10.250.0.2'], { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 5000;
      while (!(await run('ip', ['netns', 'exec', nsB, 'ss', '-ltn'])).includes('10.250.0.2:5201')) {
        if (Date.now() > deadline) throw new Error('iperf3 server did not start');
        await new Promise((r) => setTimeout(r, 50));
      }
      const out = await run('ip', ['netns', 'exec', nsA, 'iperf3', '-c', '10.250.0.2', '-t', '3', '-J']);
      return JSON.parse(out).end.sum_received.bits_per_second as number;
    } finally {
      srv.kill();
    }
  } finally {
    await devA.close();
    await devB.close();
    for (const ns of [nsA, nsB]) sh(`ip netns del ${ns} 2>/dev/null || true`);
    for (const host of [hostA, hostB]) sh(`ip link del ${host} 2>/dev/null || true`);
  }
}

async function tcpResults(lib: NetdevLib): Promise<BenchResult[]> {
  if (process.getuid?.() !== 0) return [];
  try {
    execFileSync('sh', ['-c', 'command -v iperf3'], { stdio: 'ignore' });
  } catch {
    console.log('netdev: iperf3 not installed; TCP figures skipped');
    return [];
  }
  const params = { tool: 'iperf3 -t 3', path: 'ns A veth -> system netdev -> system netdev -> veth ns B (TSO on)' };
  const segment = await tcpThroughput(lib, 'segment');
  const keep = await tcpThroughput(lib, 'keep');
  return [
    {
      name: 'system veth TCP: super-frames cut on receipt',
      value: segment / 1e9,
      unit: 'Gbit/s',
      higherIsBetter: true,
      params,
    },
    {
      name: 'system veth TCP: super-frames passed through',
      value: keep / 1e9,
      unit: 'Gbit/s',
      higherIsBetter: true,
      params: { ...params, options: 'rx_offload=keep' },
      baseline: 'system veth TCP: super-frames cut on receipt',
    },
  ];
}

export const suite: Suite = {
  name: 'netdev',
  async run() {
    const lib = await loadNetdev();
    if (!lib) {
      console.log(
        'netdev: @softswitch/netdev is not built (cd libs/netdev && npx tsc -p tsconfig.build.json); skipped',
      );
      return [];
    }
    return [...(await systemPair(lib)), ...(await tcpResults(lib)), ...(await dummyCable(lib))];
  },
};
