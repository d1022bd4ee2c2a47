// The Linux kernel as offload target: two namespaces whose veths meet only through two `system`
// ports of a switchd bridge with other_config:hw-offload=true (provider tc). Ping and iperf3
// work, the megaflows become u32+mirred filters on the ports' ingress whose counters grow and
// which dpctl dump-flows shows as `offloaded:yes, dp:tc`; stopping switchd removes them, and a
// switchd started after one that died removes what it left.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from './support/requirements.js';
import { inNamespace, must, sh } from './support/shell.js';
import { type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

const tag = `${process.pid % 100000}`;
const ns = (h: string) => `ssof${tag}${h}`;
const port = (h: string) => `ssof${tag}${h}p`;
const peer = (h: string) => `ssof${tag}${h}n`;
const ip4 = (h: string) => `10.78.0.${h === 'a' ? 1 : 2}`;
const HOSTS = ['a', 'b'] as const;
const PRIO_FLOWS = String(0xc0d1);

const inNs = (h: string, cmd: string, args: string[], timeout?: number) => inNamespace(ns(h), cmd, args, timeout);

/** Our u32 filters on a port: handle → packets. */
function filters(dev: string): Map<string, number> {
  const r = sh('tc', ['-s', '-j', 'filter', 'show', 'dev', dev, 'ingress', 'prio', PRIO_FLOWS]);
  const out = new Map<string, number>();
  if (r.status !== 0 || !r.stdout.trim()) return out;
  for (const f of JSON.parse(r.stdout) as {
    options?: { fh?: string; actions?: { stats?: { packets?: number } }[] };
  }[]) {
    const fh = f.options?.fh;
    if (fh && /^800::[0-9a-f]+$/.test(fh)) out.set(fh, f.options?.actions?.[0]?.stats?.packets ?? 0);
  }
  return out;
}
const kernelPackets = (dev: string) => [...filters(dev).values()].reduce((a, b) => a + b, 0);

async function iperf(seconds: number): Promise<number> {
  const srv: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', ns('b'), 'iperf3', '-s', '-1', '-B', ip4('b'), '-p', '5302'],
    {
      stdio: 'ignore',
    },
  );
  try {
    await waitFor('iperf3 server', () => inNs('b', 'ss', ['-Hltn', 'sport = :5302']).stdout.includes(':5302'));
    const r = inNs('a', 'iperf3', ['-c', ip4('b'), '-p', '5302', '-t', String(seconds), '-J'], 60_000);
    if (r.status !== 0) throw new Error(`iperf3: ${r.stdout.slice(0, 300)} ${r.stderr}`);
    return (JSON.parse(r.stdout) as { end: { sum_received: { bytes: number } } }).end.sum_received.bytes;
  } finally {
    srv.kill();
  }
}

describeNeeding(
  { root: true, binaries: ['ip', 'tc', 'ping', 'iperf3', 'ss', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl'] },
  'offload: the kernel (tc u32 + mirred) forwards offloaded megaflows',
  () => {
    let sw: RunningSwitchd | undefined;
    const vsctl = (...args: string[]) =>
      must('ovs-vsctl', ['--timeout=20', `--db=unix:${join(sw!.rundir, 'db.sock')}`, ...args]);
    const ofctl = (...args: string[]) =>
      must('ovs-ofctl', [args[0], `unix:${join(sw!.rundir, 'bro.mgmt')}`, ...args.slice(1)]);
    const appctl = (...args: string[]) => must('ovs-appctl', ['-t', join(sw!.rundir, 'switchd.ctl'), ...args]);

    async function start(): Promise<void> {
      sw = await startSwitchd();
      vsctl(
        'set',
        'Open_vSwitch',
        '.',
        'other_config:hw-offload=true',
        'other_config:hw-offload-provider=tc',
        '--',
        'add-br',
        'bro',
        '--',
        'add-port',
        'bro',
        port('a'),
        '--',
        'set',
        'interface',
        port('a'),
        'type=system',
        'ofport_request=1',
        '--',
        'add-port',
        'bro',
        port('b'),
        '--',
        'set',
        'interface',
        port('b'),
        'type=system',
        'ofport_request=2',
      );
      ofctl('del-flows');
      ofctl('add-flow', 'in_port=1,actions=output:2');
      ofctl('add-flow', 'in_port=2,actions=output:1');
    }

    beforeAll(async () => {
      cleanUp();
      for (const h of HOSTS) {
        must('ip', ['netns', 'add', ns(h)]);
        must('ip', ['link', 'add', port(h), 'type', 'veth', 'peer', 'name', peer(h)]);
        must('ip', ['link', 'set', peer(h), 'netns', ns(h)]);
        must('ip', ['-n', ns(h), 'addr', 'add', `${ip4(h)}/24`, 'dev', peer(h)]);
        must('ip', ['-n', ns(h), 'link', 'set', peer(h), 'up']);
        must('ip', ['-n', ns(h), 'link', 'set', 'lo', 'up']);
      }
      await start();
    });

    afterAll(async () => {
      await sw?.stop();
      cleanUp();
    });

    function cleanUp(): void {
      for (const h of HOSTS) {
        sh('ip', ['netns', 'del', ns(h)]);
        if (existsSync(`/sys/class/net/${port(h)}`)) sh('ip', ['link', 'del', port(h)]);
      }
    }

    it('ping and iperf3 pass; the kernel forwards through the filters; dump-flows shows offloaded:yes', async () => {
      expect(inNs('a', 'ping', ['-c', '5', '-i', '0.2', '-w', '10', '-n', '-q', ip4('b')]).status).toBe(0);
      await waitFor('filters on both ports', () => filters(port('a')).size > 0 && filters(port('b')).size > 0);
      // Filters for ARP can come first: wait until both IPv4 megaflows (a→b, b→a) are in the kernel.
      await waitFor(
        'both IPv4 megaflows offloaded',
        () => (appctl('dpctl/dump-flows', '-m', 'type=offloaded').match(/eth_type\(0x0800\)/g)?.length ?? 0) >= 2,
      );
      const before = kernelPackets(port('a'));
      expect(inNs('a', 'ping', ['-c', '5', '-i', '0.2', '-w', '10', '-n', '-q', ip4('b')]).status).toBe(0);
      expect(kernelPackets(port('a'))).toBeGreaterThanOrEqual(before + 5);
      const bytes = await iperf(2);
      expect(bytes).toBeGreaterThan(1_000_000);
      expect(kernelPackets(port('a'))).toBeGreaterThan(before + 100);
      await waitFor('offloaded flows in dump-flows', () =>
        /offloaded:yes, dp:tc, actions:/.test(appctl('dpctl/dump-flows', '-m', 'type=offloaded')),
      );
      const dump = appctl('dpctl/dump-flows', '-m', 'type=offloaded');
      expect(dump).toContain(`in_port(${port('a')})`);
      expect(appctl('dpctl/offload-stats-show')).toMatch(/Inserted offloads: +[1-9]/);
    });

    it('an OpenFlow change takes the flows out of the kernel; stop removes every filter', async () => {
      ofctl('del-flows');
      ofctl('add-flow', 'in_port=1,actions=controller');
      await waitFor('filters removed after the table change', () => filters(port('a')).size === 0);
      ofctl('del-flows');
      ofctl('add-flow', 'in_port=1,actions=output:2');
      ofctl('add-flow', 'in_port=2,actions=output:1');
      expect(inNs('a', 'ping', ['-c', '5', '-i', '0.2', '-w', '10', '-n', '-q', ip4('b')]).status).toBe(0);
      await waitFor('filters back', () => filters(port('a')).size > 0);
      await sw!.stop();
      sw = undefined;
      expect(filters(port('a')).size).toBe(0);
      expect(filters(port('b')).size).toBe(0);
    });

    it('a switchd killed with its filters in place: the next one removes them', async () => {
      await start();
      expect(inNs('a', 'ping', ['-c', '5', '-i', '0.2', '-w', '10', '-n', '-q', ip4('b')]).status).toBe(0);
      await waitFor('filters', () => filters(port('a')).size > 0);
      sw!.process.kill('SIGKILL');
      await waitFor('switchd gone', () => sw!.process.exitCode !== null || sw!.process.signalCode !== null);
      expect(filters(port('a')).size).toBeGreaterThan(0); // left behind
      await sw!.stop();
      // Same DB contents in a new run directory: hw-offload on, the same ports.
      await start();
      await waitFor('stale filters cleared', () => {
        // The new switchd's own filters may come back with traffic; with none, ours are gone.
        return filters(port('a')).size === 0;
      });
      expect(inNs('a', 'ping', ['-c', '3', '-i', '0.2', '-w', '10', '-n', '-q', ip4('b')]).status).toBe(0);
    });
  },
);
