// A provider whose entries are not scarce (the kernel's tc) takes new flows before they are hot;
// the others wait for heat. A flow that saw only its upcall packet has no heat at all.
import { Datapath, Dpctl } from '@softswitch/datapath';
import { DummyNetdev } from '@softswitch/netdev';
import { describe, expect, it } from 'vitest';
import { OffloadManager } from '../src/offload-manager.js';
import { SimProvider } from '../src/sim-provider.js';

class EagerSim extends SimProvider {
  readonly coldOffersPerRound = 2;
}

function setup(eager: boolean) {
  let t = 0;
  const dp = new Datapath({ clock: () => t, cache: { emcInsertProbability: 0 } });
  [1, 2].forEach((n) => {
    dp.addPort(new DummyNetdev(`p${n}`), n);
  });
  const dpctl = new Dpctl(dp);
  const sim = eager ? new EagerSim({ capacity: 8, clock: () => t }) : new SimProvider({ capacity: 8, clock: () => t });
  const manager = new OffloadManager({ providers: [sim], intervalMs: 10 });
  manager.attach(dp);
  const match = (n: number) => `in_port(1),eth_type(0x0800),ipv4(src=10.0.0.${n},frag=no)`;
  const add = (n: number, actions = '2') => dpctl.addFlow(match(n), actions);
  const mod = (n: number, actions: string) => dpctl.modFlow(match(n), actions);
  const round = () => {
    t += 10;
    manager.run(t);
  };
  return { add, mod, round, manager };
}

describe('offload policy: cold offers', () => {
  it('offers new flows without heat, at most coldOffersPerRound a round, each once', () => {
    const r = setup(true);
    for (const n of [1, 2, 3]) r.add(n);
    r.round();
    expect(r.manager.offloadedFlows().length).toBe(2);
    // The third comes next round; then every flow was offered once.
    r.round();
    expect(r.manager.offloadedFlows().length).toBe(3);
    r.add(4);
    r.round();
    expect(r.manager.offloadedFlows().length).toBe(4);
  });

  it('offers a flow again when its actions change from unsupported ones', () => {
    const r = setup(true);
    r.add(1, 'recirc(0x1)');
    r.round();
    expect(r.manager.offloadedFlows().length).toBe(0);
    expect(r.manager.totals.rejected['unsupported-action']).toBe(1);
    r.round();
    expect(r.manager.totals.rejected['unsupported-action']).toBe(1);
    r.mod(1, '2');
    r.round();
    expect(r.manager.offloadedFlows().length).toBe(1);
  });

  it('a provider without cold offers waits for heat', () => {
    const r = setup(false);
    for (const n of [1, 2]) r.add(n);
    r.round();
    r.round();
    expect(r.manager.offloadedFlows().length).toBe(0);
  });
});
