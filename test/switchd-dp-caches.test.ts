import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composePacket } from '@softswitch/packet';
import { encodePcap } from '@softswitch/pcap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dummyBridgeArgs } from './support/ovs.js';
import { binPath, type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

/**
 * switchd's datapath cache settings, as Open vSwitch's: `other_config:smc-enable` puts the
 * signature match cache in front of the megaflows, `emc-insert-inv-prob=0` takes the EMC out;
 * both at run time, seen in the replay summary's counters.
 */

function run(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

describe('datapath caches from other_config', () => {
  let sw: RunningSwitchd;
  let env: NodeJS.ProcessEnv;
  const work = mkdtempSync(join(tmpdir(), 'dp-caches-test-'));
  const capture = join(work, 'flows.pcap');

  const tool = (name: string, ...args: string[]) => run([binPath(name), ...args], env);
  const vsctl = (...args: string[]) => {
    const r = tool('vsctl', `--db=unix:${join(sw.rundir, 'db.sock')}`, ...args);
    expect(r.stderr).toBe('');
  };
  const replay = () => {
    const r = tool('dpctl', 'replay', capture, '--bridge', 'br0', '--in-port', '1', '--loop', '3', '--format', 'json');
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as {
      packets: number;
      hit: number;
      emcHits: number;
      megaflowHits: number;
      smcHits: number;
    };
  };

  beforeAll(async () => {
    // 600 frames of 300 UDP flows: one megaflow covers them all.
    const frames = Array.from({ length: 600 }, (_, i) =>
      composePacket(
        `udp,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.${(i % 300) >> 8}.${i % 256},nw_dst=10.1.0.1,nw_ttl=64,tp_src=${1000 + (i % 300)},tp_dst=53`,
      ),
    );
    writeFileSync(capture, encodePcap(frames.map((data) => ({ data }))));
    sw = await startSwitchd();
    env = { ...process.env, SOFTSWITCH_RUNDIR: sw.rundir };
    vsctl(
      ...dummyBridgeArgs(
        'br0',
        [
          { name: 'p1', ofport: 1 },
          { name: 'p2', ofport: 2 },
        ],
        { bridge: ['fail_mode=secure'] },
      ),
    );
    await waitFor('br0 ports in the datapath', () => tool('dpctl', 'show').stdout.includes('p2 (dummy)'));
    const r = tool('ofctl', '--rundir', sw.rundir, 'add-flow', 'br0', 'udp,actions=output:2');
    expect(r.stderr).toBe('');
  });
  afterAll(async () => {
    await sw?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('finds megaflow hits through the SMC once smc-enable=true, and not after it is off again', () => {
    vsctl('set', 'Open_vSwitch', '.', 'other_config:smc-enable=true');
    const on = replay();
    expect(on.hit).toBe(on.packets - 1); // one upcall
    expect(on.emcHits + on.megaflowHits).toBe(on.hit);
    expect(on.smcHits).toBeGreaterThan(on.megaflowHits / 2);
    // The summary table names them too.
    const table = tool('dpctl', 'replay', capture, '--bridge', 'br0', '--in-port', '1');
    expect(table.stdout).toMatch(/of which SMC\s*│\s*[\d.]+%/);
    vsctl('set', 'Open_vSwitch', '.', 'other_config:smc-enable=false');
    const off = replay();
    expect(off.smcHits).toBe(0);
    expect(off.megaflowHits).toBeGreaterThan(0);
  });

  it('leaves the EMC out with emc-insert-inv-prob=0, and back in without it', () => {
    vsctl('set', 'Open_vSwitch', '.', 'other_config:emc-insert-inv-prob=0');
    const none = replay();
    expect(none.emcHits).toBe(0);
    expect(none.megaflowHits).toBe(none.hit);
    vsctl('remove', 'Open_vSwitch', '.', 'other_config', 'emc-insert-inv-prob');
    const back = replay();
    expect(back.emcHits).toBeGreaterThan(0);
  });
});
