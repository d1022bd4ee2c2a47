import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePcap, readCaptureFile } from '@softswitch/pcap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, type RunningSwitchd, repoRoot, startSwitchd, waitFor } from './support/switchd.js';

/**
 * `dpctl replay --threads N`: the packets go through N datapath threads (each with its own
 * caches, misses translated on the main thread). Every port must send exactly what it sends
 * with one thread — same packets, same bytes, same order — and the counters switchd shows
 * (replay summary, megaflow packets, OpenFlow rule counters) must add up the same.
 */

const FIXTURES = ['mix-small', 'l4', 'ipv4', 'ipv6', 'vlan', 'arp', 'icmp'].map((n) =>
  join(repoRoot, 'fixtures', 'pcap', `${n}.pcap`),
);

/** Rewrites on some flows (so a frame's bytes depend on the flow it hit), several ports. */
const FLOWS = [
  'priority=30,in_port=1,tcp,tp_dst=80,actions=mod_tp_dst:8080,mod_dl_src:02:00:00:00:00:aa,output:3',
  'priority=20,in_port=1,tcp,actions=output:2,output:3',
  'priority=20,in_port=1,udp,actions=mod_nw_src:192.168.9.9,mod_nw_tos:32,output:2',
  'priority=10,in_port=1,ip,actions=output:2',
  'priority=10,in_port=1,ipv6,actions=output:3',
  'priority=10,in_port=1,arp,actions=mod_vlan_vid:7,output:2',
  'priority=1,in_port=1,actions=output:3',
];

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

describe('dpctl replay --threads', () => {
  let sw: RunningSwitchd;
  let dpctl: (...a: string[]) => ReturnType<typeof run>;
  let ofctl: (...a: string[]) => ReturnType<typeof run>;
  let appctl: (...a: string[]) => ReturnType<typeof run>;
  const work = mkdtempSync(join(tmpdir(), 'replay-threads-'));
  const input = join(work, 'input.pcap');
  let packets = 0;

  /** Fresh rules (counters at zero) and an empty flow cache. */
  const reset = () => {
    expect(ofctl('del-flows', 'br0').status).toBe(0);
    const flows = join(work, 'flows.txt');
    writeFileSync(flows, `${FLOWS.join('\n')}\n`);
    const r = ofctl('add-flows', 'br0', flows);
    expect(r.stderr).toBe('');
    expect(appctl('dpctl/del-flows').status).toBe(0);
  };

  /** n_packets of each rule, by its match. */
  const ruleCounters = () => {
    const out = ofctl('dump-flows', 'br0').stdout;
    const counters: Record<string, number> = {};
    for (const line of out.split('\n')) {
      const m = /n_packets=(\d+),.*? (priority=\S+) actions=/.exec(line);
      if (m) counters[m[2]] = Number(m[1]);
    }
    return counters;
  };

  /** Megaflow packets in dpctl dump-flows, summed. */
  const megaflowPackets = () => {
    let n = 0;
    for (const m of dpctl('dump-flows').stdout.matchAll(/packets:(\d+)/g)) n += Number(m[1]);
    return n;
  };

  beforeAll(async () => {
    const frames = [];
    for (const f of FIXTURES) for (const p of await readCaptureFile(f)) frames.push({ data: p.data });
    packets = frames.length;
    writeFileSync(input, encodePcap(frames));
    sw = await startSwitchd();
    const env = { ...process.env, SOFTSWITCH_RUNDIR: sw.rundir };
    dpctl = (...a) => run(process.execPath, [binPath('dpctl'), ...a], env);
    ofctl = (...a) => run(process.execPath, [binPath('ofctl'), '--rundir', sw.rundir, ...a], env);
    appctl = (...a) => run(process.execPath, [binPath('appctl'), '--rundir', sw.rundir, ...a], env);
    const vsctl = [`--db=unix:${join(sw.rundir, 'db.sock')}`, 'add-br', 'br0', '--', 'set', 'bridge', 'br0'];
    vsctl.push('fail-mode=secure');
    for (let i = 1; i <= 3; i++)
      vsctl.push(
        '--',
        'add-port',
        'br0',
        `p${i}`,
        '--',
        'set',
        'interface',
        `p${i}`,
        'type=dummy',
        `ofport_request=${i}`,
      );
    const r = run(process.execPath, [binPath('vsctl'), ...vsctl], env);
    expect(r.stderr).toBe('');
    await waitFor('br0 ports in the datapath', () => dpctl('show').stdout.includes('p3 (dummy)'));
    await waitFor('br0.mgmt', () => existsSync(join(sw.rundir, 'br0.mgmt')));
  }, 60_000);

  afterAll(async () => {
    await sw?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('sends on every port exactly what one thread sends (--expect), for 2 and 3 threads', () => {
    reset();
    const single = join(work, 'single');
    const one = dpctl('replay', input, '-b', 'br0', '-i', 'p1', '--loop', '3', '--out', single, '--format', 'json');
    expect(one.stderr).toBe('');
    const summary = JSON.parse(one.stdout);
    expect(summary.packets).toBe(3 * packets);
    // Every port sent something: the comparison below covers them all.
    expect(summary.outputs.p2).toBeGreaterThan(100);
    expect(summary.outputs.p3).toBeGreaterThan(100);
    expect(readdirSync(single).sort()).toEqual(['br0.pcap', 'p1.pcap', 'p2.pcap', 'p3.pcap']);

    for (const threads of ['2', '3']) {
      for (const cold of [true, false]) {
        if (cold) reset();
        const r = dpctl(
          'replay',
          input,
          '-b',
          'br0',
          '-i',
          'p1',
          '--loop',
          '3',
          '--threads',
          threads,
          '--expect',
          single,
        );
        expect(r.stderr, `${threads} threads, ${cold ? 'cold' : 'warm'}`).toBe('');
        expect(r.stdout).toContain('outputs match the expected captures');
        expect(r.status).toBe(0);
      }
    }
  });

  it('adds up the same counters as one thread: summary, megaflows, OpenFlow rules', () => {
    reset();
    const one = JSON.parse(dpctl('replay', input, '-b', 'br0', '-i', 'p1', '--loop', '2', '--format', 'json').stdout);
    const oneMegaflows = megaflowPackets();
    const oneRules = ruleCounters();
    reset();
    const r = dpctl('replay', input, '-b', 'br0', '-i', 'p1', '--loop', '2', '--threads', '2', '--format', 'json');
    expect(r.stderr).toBe('');
    const two = JSON.parse(r.stdout);
    expect(two.packets).toBe(2 * packets);
    expect(two.hit + two.missed + two.lost).toBe(two.packets);
    expect(two.emcHits + two.megaflowHits).toBe(two.hit);
    // One translation per megaflow, whichever thread missed first.
    expect(two.upcalls).toBe(one.upcalls);
    expect(two.missed).toBe(one.missed);
    expect(two.drops).toEqual(one.drops);
    expect(megaflowPackets()).toBe(oneMegaflows);
    expect(ruleCounters()).toEqual(oneRules);
    const total = Object.values(ruleCounters()).reduce((a, b) => a + b, 0);
    expect(total).toBe(2 * packets);
    // dpif/show's hit/missed include the threads' packets.
    expect(dpctl('show').stdout).toMatch(/lookups: hit:\d+ missed:\d+ lost:0/);
  });

  it('follows flow-table changes: the threads stop using flows the main thread revalidated away', () => {
    reset();
    const out1 = join(work, 'before');
    dpctl('replay', input, '-b', 'br0', '-i', 'p1', '--threads', '2', '--out', out1);
    // Everything to p3 now: revalidation changes every cached flow's actions.
    expect(ofctl('del-flows', 'br0').status).toBe(0);
    expect(ofctl('add-flow', 'br0', 'in_port=1,actions=output:3').status).toBe(0);
    const r = dpctl(
      'replay',
      input,
      '-b',
      'br0',
      '-i',
      'p1',
      '--threads',
      '2',
      '--format',
      'json',
      '--out',
      join(work, 'after'),
    );
    const summary = JSON.parse(r.stdout);
    expect(summary.outputs).toMatchObject({ p1: 0, p2: 0, p3: packets });
  });

  it('refuses a bad thread count', () => {
    const r = appctl('dpctl/replay', 'br0', 'p1', input, '--threads', '0');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--threads: "0" is not a thread count from 1 to 64');
  });
});
