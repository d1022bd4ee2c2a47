import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { unixctlCall } from '@softswitch/unixctl';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dummyBridgeArgs } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { binPath, type RunningSwitchd, repoRoot, startSwitchd, waitFor } from './support/switchd.js';

/**
 * The live views (`dpctl top`, `appctl dpif/top`) and the counters under them (`dpif/stats`):
 * one snapshot when not on a terminal, with rates that match traffic of a known rate.
 */

const MIX = join(repoRoot, 'fixtures', 'pcap', 'mix-small.pcap');

describeNeeding({ binaries: ['ovs-ofctl', 'ovs-vsctl'] }, 'dpctl top and dpif/stats', () => {
  let sw: RunningSwitchd;
  let env: NodeJS.ProcessEnv;
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', env });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const dpctl = (...a: string[]) => run(process.execPath, [binPath('dpctl'), ...a]);
  const appctl = (...a: string[]) => run(process.execPath, [binPath('appctl'), ...a]);
  const call = (command: string, ...args: string[]) =>
    unixctlCall(join(sw.rundir, 'switchd.ctl'), command, args, 10_000);

  beforeAll(async () => {
    sw = await startSwitchd();
    env = { ...process.env, SOFTSWITCH_RUNDIR: sw.rundir };
    const ports = [
      { name: 'p1', ofport: 1 },
      { name: 'p2', ofport: 2 },
    ];
    const vsctl = run('ovs-vsctl', [
      `--db=unix:${join(sw.rundir, 'db.sock')}`,
      ...dummyBridgeArgs('br0', ports, { bridge: ['fail_mode=secure'] }),
    ]);
    expect(vsctl.stderr).toBe('');
    await waitFor('br0 ports', () => dpctl('show').stdout.includes('p2 (dummy)'));
    await waitFor('br0.mgmt', () => existsSync(join(sw.rundir, 'br0.mgmt')));
    expect(
      run('ovs-ofctl', ['add-flow', `unix:${join(sw.rundir, 'br0.mgmt')}`, 'in_port=1,actions=output:2']).stderr,
    ).toBe('');
  });
  afterAll(async () => {
    await sw?.stop();
  });

  it('dpif/stats gives the datapath, port and megaflow counters as JSON', async () => {
    const r = dpctl('replay', MIX, '-b', 'br0', '-i', 'p1', '--format', 'json');
    const replayed = JSON.parse(r.stdout);
    const stats = JSON.parse(await call('dpif/stats'));
    expect(Object.keys(stats).sort()).toEqual(['datapath', 'megaflows', 'ports', 'time']);
    expect(stats.datapath).toMatchObject({ name: 'dummy@ovs-dummy', hit: replayed.hit, missed: replayed.missed });
    expect(stats.datapath.emcHits + stats.datapath.megaflowHits).toBe(stats.datapath.hit);
    const p2 = stats.ports.find((p: { name: string }) => p.name === 'p2');
    expect(p2).toMatchObject({ bridge: 'br0', ofport: 2, type: 'dummy', tx_packets: replayed.packets });
    expect(stats.megaflows.length).toBe(stats.datapath.flows);
    const total = stats.megaflows.reduce((n: number, f: { packets: number }) => n + f.packets, 0);
    expect(total).toBe(replayed.hit); // a flow counts the hits; the misses went up as upcalls
    expect(stats.megaflows[0].match).toMatch(/^recirc_id\(0\),in_port\(p1\)/);
    expect(stats.megaflows[0].actions).toBe('2');
  });

  it('one snapshot (not a terminal): rates that match a replay of known rate', async () => {
    const rate = 2000;
    const { job } = JSON.parse(
      await call('dpctl/replay', 'br0', 'p1', MIX, '--loop', '30', '--rate', String(rate), '--detach'),
    );
    try {
      const r = dpctl('top', '--format', 'json', '--interval', '0.5');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const top = JSON.parse(r.stdout);
      expect(top.intervalMs).toBeGreaterThanOrEqual(500);
      // Pacing only runs late: never above the rate, and well above half of it.
      expect(top.lookupsPerSecond).toBeLessThanOrEqual(rate * 1.1);
      expect(top.lookupsPerSecond).toBeGreaterThan(rate * 0.5);
      expect(top.emcHitRate + top.megaflowHitRate + top.missRate).toBeCloseTo(1, 5);
      const p2 = top.ports.find((p: { name: string }) => p.name === 'p2');
      expect(p2.txPacketsPerSecond).toBeCloseTo(top.lookupsPerSecond, -2);
      expect(p2.txBitsPerSecond).toBeGreaterThan(p2.txPacketsPerSecond * 8 * 60);
      expect(top.megaflows.length).toBeGreaterThan(0);
      const flowRate = top.megaflows.reduce((n: number, f: { packetsPerSecond: number }) => n + f.packetsPerSecond, 0);
      expect(flowRate).toBeCloseTo(top.lookupsPerSecond - top.missRate * top.lookupsPerSecond, -2);
      for (let i = 1; i < top.megaflows.length; i++)
        expect(top.megaflows[i].packetsPerSecond).toBeLessThanOrEqual(top.megaflows[i - 1].packetsPerSecond);

      // appctl's view over the same counters: text when piped, JSON on request.
      const text = appctl('dpif/top', '--interval', '0.3', '--flows', '2');
      expect(text.status).toBe(0);
      const lines = text.stdout.split('\n');
      expect(lines[0]).toMatch(/^dummy@ovs-dummy: lookups [\d.]+k?\/s {2}upcalls /);
      expect(lines[1]).toMatch(/^ {2}emc hits [\d.]+% {2}megaflow hits [\d.]+% {2}misses [\d.]+%$/);
      expect(text.stdout).toMatch(/^bridge\s+port\s+rx pkt\/s\s+tx pkt\/s/m);
      expect(text.stdout).toMatch(/^br0\s+p2\s+/m);
      expect(text.stdout).toMatch(/^pkt\/s\s+packets\s+megaflow\s+actions$/m);
      const flowLines = lines.slice(lines.findIndex((l) => l.startsWith('pkt/s')) + 1).filter(Boolean);
      expect(flowLines.length).toBeLessThanOrEqual(2);
      expect(flowLines.length).toBeGreaterThan(0);
      const json = appctl('--format', 'json', 'dpif/top', '--interval', '0.2');
      expect(Object.keys(JSON.parse(json.stdout))).toEqual(
        expect.arrayContaining([
          'lookupsPerSecond',
          'emcHitRate',
          'megaflowHitRate',
          'upcallsPerSecond',
          'ports',
          'megaflows',
        ]),
      );
    } finally {
      await call('dpctl/replay-cancel', String(job));
    }
  });

  it('refuses a bad interval, and an unreachable daemon is exit status 2', () => {
    const bad = dpctl('top', '--interval', '0');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--interval: "0" is not seconds > 0');
    const gone = appctl('-t', '/nonexistent/switchd.ctl', 'dpif/top');
    expect(gone.status).toBe(2);
  });
});
