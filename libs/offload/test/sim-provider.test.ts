import { compileActions, Datapath, Dpctl, parseActions, parseOdpFlow } from '@softswitch/datapath';
import { DummyNetdev } from '@softswitch/netdev';
import { composePacket } from '@softswitch/packet';
import { describe, expect, it } from 'vitest';
import { OffloadManager } from '../src/offload-manager.js';
import type { OffloadFlow } from '../src/provider.js';
import { SimProvider } from '../src/sim-provider.js';

function flow(match: string, actions: string): OffloadFlow {
  const f = parseOdpFlow(match);
  for (let i = 0; i < f.key.length; i++) f.key[i] &= f.mask[i];
  return { key: f.key, mask: f.mask, packetType: false, actions: compileActions(parseActions(actions)) };
}

const F1 = flow('in_port(1),eth_type(0x0800),ipv4(src=10.0.0.1,frag=no)', '2');
const F2 = flow('in_port(1),eth_type(0x0800),ipv4(src=10.0.0.2,frag=no)', '2');
const F3 = flow('in_port(1),eth_type(0x0800),ipv4(src=10.0.0.3,frag=no)', 'set(ipv4(ttl=9)),2');

describe('sim provider', () => {
  it('has a fixed number of entries and says why it refuses', () => {
    const sim = new SimProvider({ capacity: 2 });
    expect(sim.install(1, F1).ok).toBe(true);
    expect(sim.install(2, F2).ok).toBe(true);
    expect(sim.install(3, F3)).toMatchObject({ ok: false, reason: 'no-capacity' });
    expect(sim.remove(1).ok).toBe(true);
    expect(sim.install(3, F3).ok).toBe(true);
    expect(sim.ids().sort()).toEqual([2, 3]);
    expect(sim.check(flow('in_port(1),eth_type(0x8847),mpls(label=5)', '2'))).toMatchObject({
      ok: false,
      reason: 'unsupported-match',
    });
    expect(sim.check(flow('in_port(1)', 'userspace(pid=0)'))).toMatchObject({
      ok: false,
      reason: 'unsupported-action',
    });
    expect(sim.check(flow('in_port(1)', 'push_mpls(label=1,tc=0,ttl=64,bos=1,eth_type=0x8847),2'))).toMatchObject({
      ok: false,
      reason: 'unsupported-action',
    });
  });

  it('matches only after the insertion latency, and limits insertions per second', () => {
    let t = 0;
    const sim = new SimProvider({ insertLatencyMs: 5, maxInsertsPerSecond: 2, clock: () => t });
    const dp = new Datapath();
    const key = new Uint32Array(64);
    void dp;
    expect(sim.install(1, F1).ok).toBe(true);
    const k = parseOdpFlow('in_port(1),eth_type(0x0800),ipv4(src=10.0.0.1,frag=no)').key;
    key.set(k);
    expect(sim.classify(1, new Uint8Array(0), key, t)).toBe(-1);
    t = 5;
    expect(sim.classify(1, new Uint8Array(0), key, t)).toBe(1);
    expect(sim.install(2, F2).ok).toBe(true);
    expect(sim.install(3, F3)).toMatchObject({ ok: false, reason: 'rate-limit' });
    t = 1005;
    expect(sim.install(3, F3).ok).toBe(true);
  });

  it('injects faults by operation number, with no effect', () => {
    const sim = new SimProvider({ failOps: [1, 4], refuseOps: [2] });
    expect(sim.install(1, F1)).toMatchObject({ ok: false, reason: 'failure' });
    expect(sim.install(1, F1)).toMatchObject({ ok: false, reason: 'refused' });
    expect(sim.install(1, F1).ok).toBe(true);
    expect(sim.remove(1)).toMatchObject({ ok: false, reason: 'failure' });
    expect(sim.ids()).toEqual([1]);
    expect(sim.remove(1).ok).toBe(true);
    expect(sim.ids()).toEqual([]);
    expect(sim.counters).toMatchObject({ ops: 5, failed: 2, refused: 1, installs: 1, removes: 1 });
  });
});

describe('offload policy', () => {
  function setup(capacity: number) {
    let t = 0;
    const dp = new Datapath({ clock: () => t, cache: { emcInsertProbability: 0 } });
    const devs = [1, 2].map((n) => new DummyNetdev(`p${n}`));
    devs.forEach((d, i) => {
      dp.addPort(d, i + 1);
    });
    const dpctl = new Dpctl(dp);
    for (const n of [1, 2, 3]) dpctl.addFlow(`in_port(1),eth_type(0x0800),ipv4(src=10.0.0.${n},frag=no)`, '2');
    const sim = new SimProvider({ capacity, clock: () => t });
    const manager = new OffloadManager({ providers: [sim], intervalMs: 10 });
    manager.attach(dp);
    const send = (src: number, n: number) => {
      const frame = composePacket(`udp,nw_src=10.0.0.${src},nw_dst=10.0.0.9`);
      for (let i = 0; i < n; i++) dp.processBatch(1, [frame.slice()], 1);
    };
    const offloaded = () =>
      manager
        .offloadedFlows()
        .map((f) => f.key[41] & 0xff)
        .sort();
    return { dp, dpctl, sim, manager, send, offloaded, tick: (ms: number) => (t += ms) };
  }

  it('offloads the hottest flows within capacity and evicts colder ones for hotter ones', () => {
    const r = setup(2);
    r.send(1, 5);
    r.send(2, 3);
    r.send(3, 1);
    r.tick(10);
    r.manager.run(r.dp.now());
    expect(r.offloaded()).toEqual([1, 2]);
    // Flow 3 turns hot, flow 2 goes cold: 2 makes room.
    r.send(3, 20);
    r.send(1, 10);
    r.tick(10);
    r.manager.run(r.dp.now());
    expect(r.offloaded()).toEqual([1, 3]);
    expect(r.manager.totals.evicted).toBe(1);
    // Counters merge: every packet is counted once, wherever it was forwarded.
    const packets = r.dp
      .flows()
      .map((f) => f.packets)
      .reduce((a, b) => a + b, 0);
    expect(packets).toBe(5 + 3 + 1 + 20 + 10);
    expect(r.dp.stats.offloadHits).toBeGreaterThan(0);
    // A dpctl delete takes the flow out of hardware at once.
    r.dpctl.delFlow('in_port(1),eth_type(0x0800),ipv4(src=10.0.0.1,frag=no)');
    expect(r.offloaded()).toEqual([3]);
    expect(r.sim.used).toBe(1);
    // A dpctl modify too: its actions are updated in hardware.
    r.dpctl.modFlow('in_port(1),eth_type(0x0800),ipv4(src=10.0.0.3,frag=no)', 'set(ipv4(ttl=9)),2');
    expect(r.manager.totals.modified).toBe(1);
    expect(r.dpctl.dumpFlows({ verbose: true, type: 'offloaded' })).toContain('actions:set(ipv4(ttl=9)),p2');
  });

  it('idle expiry sees hardware hits: a flow busy in hardware does not expire', () => {
    const r = setup(3);
    r.send(1, 3);
    r.tick(10);
    r.manager.run(r.dp.now());
    expect(r.offloaded()).toEqual([1]);
    for (let i = 0; i < 12; i++) {
      r.tick(1000);
      r.send(1, 1); // handled by the NIC only
      r.dp.expire();
    }
    expect(r.dp.flows().length).toBe(1);
    expect(r.offloaded()).toEqual([1]);
    r.tick(11_000);
    r.dp.expire();
    expect(r.dp.flows().length).toBe(0);
    expect(r.sim.used).toBe(0);
  });
});
