import { Classifier, hashWords, type Rule, SeededRng } from '@softswitch/classifier';
import { ExactMatchCache, FlowCache, MegaflowCache, MegaflowEntry } from '@softswitch/flowcache';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const W = 4;

const key = (...w: number[]) => Uint32Array.from({ length: W }, (_, i) => w[i] ?? 0);
const ALL = key(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff);

describe('exact-match cache', () => {
  it('stays bounded and serves what it holds', () => {
    const emc = new ExactMatchCache<string>({ words: W, entries: 64, insertProbability: 1 });
    const flow = new MegaflowEntry(key(), key(), 'a', 0);
    for (let i = 0; i < 1000; i++) {
      const k = key(i, i * 7);
      emc.insert(k, hashWords(k), flow);
      expect(emc.lookup(k, hashWords(k))).toBe(flow);
    }
    expect(emc.size).toBeLessThanOrEqual(64);
    expect(emc.capacity).toBe(64);
  });

  it('compares every word outside fixedWords, whatever the key width', () => {
    // Widths around the four-word compare step; words [1, 3) are fixed (zero) in every key.
    for (const words of [3, 5, 7, 8, 9, 13]) {
      for (const fixedWords of [undefined, { from: 1, to: 3 }]) {
        const emc = new ExactMatchCache<string>({ words, entries: 16, insertProbability: 1, fixedWords });
        const flow = new MegaflowEntry(new Uint32Array(words), new Uint32Array(words), 'a', 0);
        const base = Uint32Array.from({ length: words }, (_, i) =>
          fixedWords && i >= 1 && i < 3 ? 0 : 0x80000000 + i,
        );
        emc.insert(base, 7, flow);
        expect(emc.lookup(base.slice(), 7)).toBe(flow);
        for (let i = 0; i < words; i++) {
          if (fixedWords && i >= 1 && i < 3) continue;
          const other = base.slice();
          other[i] ^= 1;
          expect(emc.lookup(other, 7)).toBeUndefined();
        }
      }
    }
    expect(() => new ExactMatchCache({ words: 4, fixedWords: { from: 3, to: 5 } })).toThrow(/fixedWords/);
  });

  it('inserts with the configured probability, so a flood of one-packet flows does not thrash it', () => {
    const cache = new FlowCache<string>({ words: W, emcEntries: 1024, emcInsertProbability: 0.01, seed: 42 });
    cache.insert(key(), key(), 'all', 0);
    // An established flow seen many times ends up in the EMC.
    const elephant = key(1, 2, 3, 4);
    for (let i = 0; i < 2000; i++) cache.lookup(elephant, hashWords(elephant));
    expect(cache.emc.lookup(elephant, hashWords(elephant))).toBeDefined();
    // 20k distinct one-packet flows: about 1% get copied into the EMC.
    for (let i = 0; i < 20_000; i++) {
      const k = key(100 + i, i);
      cache.lookup(k, hashWords(k));
    }
    expect(cache.emc.size).toBeGreaterThan(100);
    expect(cache.emc.size).toBeLessThan(320);
    expect(cache.emc.lookup(elephant, hashWords(elephant))).toBeDefined();
  });

  it('takes nothing in and is skipped at probability 0, settable at run time', () => {
    const cache = new FlowCache<string>({ words: W, emcInsertProbability: 1 });
    const k = key(7, 7);
    const f = cache.insert(k, ALL, 'x', 0)!;
    cache.lookup(k, hashWords(k)); // copied in
    expect(cache.lookup(k, hashWords(k))).toBe(f);
    expect(cache.stats.emcHits).toBe(1);
    cache.emcInsertProbability = 0; // OVS other_config:emc-insert-inv-prob=0
    expect(cache.emcInsertProbability).toBe(0);
    expect(cache.lookup(k, hashWords(k))).toBe(f); // the megaflows answer; the EMC is not read
    expect(cache.stats).toMatchObject({ emcHits: 1, megaflowHits: 2 });
    const k2 = key(8, 8);
    cache.insert(k2, ALL, 'y', 0);
    for (let i = 0; i < 50; i++) cache.lookup(k2, hashWords(k2));
    expect(cache.emc.lookup(k2, hashWords(k2))).toBeUndefined();
    cache.emcInsertProbability = 1;
    expect(cache.lookup(k, hashWords(k))).toBe(f);
    expect(cache.stats.emcHits).toBe(2);
    expect(() => {
      cache.emcInsertProbability = 2;
    }).toThrow(/insertProbability/);
  });

  it('treats a slot whose megaflow was removed as a miss', () => {
    const cache = new FlowCache<string>({ words: W, emcInsertProbability: 1 });
    const k = key(9, 9);
    const f = cache.insert(k, ALL, 'x', 0)!;
    expect(cache.lookup(k, hashWords(k))).toBe(f);
    expect(cache.emc.lookup(k, hashWords(k))).toBe(f);
    cache.remove(f);
    expect(f.dead).toBe(true);
    expect(cache.emc.lookup(k, hashWords(k))).toBeUndefined();
    expect(cache.lookup(k, hashWords(k))).toBeUndefined();
  });

  it('reports the live flows its slots point to', () => {
    const cache = new FlowCache<string>({ words: W, emcInsertProbability: 1 });
    const a = cache.insert(key(1), ALL, 'a', 0)!;
    const b = cache.insert(key(2), ALL, 'b', 0)!;
    const c = cache.insert(key(3), ALL, 'c', 0)!;
    for (const k of [key(1), key(2)]) cache.lookup(k, hashWords(k)); // megaflow hits, copied in
    expect(cache.emc.cachedFlows()).toEqual(new Set([a, b]));
    expect([a, b, c].map((f) => cache.emc.holds(f))).toEqual([true, true, false]);
    cache.remove(a);
    expect(cache.emc.cachedFlows()).toEqual(new Set([b]));
    expect(cache.emc.holds(a)).toBe(false);
    cache.emc.clear();
    expect(cache.emc.cachedFlows().size).toBe(0);
  });
});

describe('megaflow cache', () => {
  it('matches under the mask and keeps stats', () => {
    const cache = new FlowCache<string>({ words: W });
    const f = cache.insert(key(10, 20, 30), key(0xffffff00, 0, 0xffff), 'fwd', 5)!;
    expect(cache.lookup(key(10 | 0x7f, 999, 30), 1)).toBe(f);
    expect(cache.lookup(key(10, 20, 31), 2)).toBeUndefined();
    cache.credit(f, 60, 0x02, 7);
    cache.credit(f, 1500, 0x10, 9);
    expect([f.packets, f.bytes, f.tcpFlags, f.used]).toEqual([2, 1560, 0x12, 9]);
    expect(cache.stats).toMatchObject({ megaflowHits: 1, misses: 1, flows: 1, masks: 1 });
  });

  it('expires with an idle timeout that can change at run time, and rejects a bad one', () => {
    const cache = new FlowCache<string>({ words: W, idleTimeout: 1000 });
    expect(cache.idleTimeout).toBe(1000);
    cache.insert(key(1), ALL, 'a', 0);
    cache.insert(key(2), ALL, 'b', 500);
    expect(cache.expire(999)).toBe(0);
    cache.idleTimeout = 200; // like ovs-vsctl set Open_vSwitch . other_config:max-idle=200
    expect(cache.expire(600)).toBe(1); // used at 0: idle 600 ms > 200
    expect(cache.stats.flows).toBe(1);
    expect(() => {
      cache.idleTimeout = -1;
    }).toThrow(/idleTimeout/);
    expect(() => new FlowCache<string>({ words: W, idleTimeout: Number.NaN })).toThrow(/idleTimeout/);
    expect(cache.idleTimeout).toBe(200);
  });

  it('refuses flows past the flow limit and expires idle ones sooner while over it', () => {
    const cache = new FlowCache<number>({
      words: W,
      maxFlows: 50,
      minFlowLimit: 10,
      idleTimeout: 10_000,
      overLimitIdleTimeout: 100,
    });
    for (let i = 0; i < 60; i++) cache.insert(key(i), ALL, i, 0);
    expect(cache.megaflows.size).toBe(50);
    expect(cache.stats.refused).toBe(10);
    // Shrink the limit as a slow revalidation would; now over the limit, idle flows go after 100 ms.
    cache.flowLimit = 20;
    for (let i = 0; i < 10; i++) cache.credit(cache.lookup(key(i), i)!, 64, 0, 1000);
    expect(cache.expire(1050)).toBe(40);
    expect(cache.megaflows.size).toBe(10);
    expect(cache.expire(5000)).toBe(0);
    expect(cache.expire(12_000)).toBe(10);
  });

  it('bounds the number of masks under a tuple space explosion and keeps busy masks first', () => {
    const mf = new MegaflowCache<string>({ words: W, maxSubtables: 16, rankInterval: 1_000_000 });
    const legit = mf.insert(key(1, 2), key(0xffffffff, 0xffffffff), 'legit', 0)!;
    for (let i = 0; i < 200; i++) mf.lookup(key(1, 2));
    mf.rank();
    // The attacker makes 1000 distinct masks (one bit each, as crafted packets would).
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      const m = key(0, 0, 1 << (i % 32), 1 << ((i >>> 5) % 32));
      if (mf.insert(key(0, 0, i, i), m, 'attack', 0) === undefined) refused++;
    }
    expect(mf.subtableCount).toBeLessThanOrEqual(16);
    expect(refused).toBe(0);
    // The legitimate mask had hits, so it was never evicted, and it is probed first.
    expect(legit.dead).toBe(false);
    const before = mf.probes;
    expect(mf.lookup(key(1, 2))?.actions).toBe('legit');
    expect(mf.probes - before).toBe(1);
    // A miss costs at most maxSubtables probes.
    const p0 = mf.probes;
    mf.lookup(key(7, 7, 0, 0));
    expect(mf.probes - p0).toBeLessThanOrEqual(16);
  });

  it('refuses a new mask when every mask slot is busy', () => {
    const mf = new MegaflowCache<string>({ words: W, maxSubtables: 2 });
    mf.insert(key(1), key(0xff), 'a', 0);
    mf.insert(key(1), key(0xff00), 'b', 0);
    mf.lookup(key(1));
    mf.lookup(key(0));
    expect(mf.insert(key(1), key(0xff0000), 'c', 0)).toBeUndefined();
    expect(mf.refusedMasks).toBe(1);
  });
});

describe('revalidation', () => {
  function table(rng: SeededRng, n: number): Classifier<number> {
    const c = new Classifier<number>({ words: W, stages: [2, W], prefixFields: [{ word: 0, words: 1 }] });
    for (let i = 0; i < n; i++) addRandomRule(c, rng, i);
    return c;
  }
  function addRandomRule(c: Classifier<number>, rng: SeededRng, tag: number): Rule<number> {
    const plen = rng.int(33);
    const m0 = plen === 0 ? 0 : (0xffffffff << (32 - plen)) >>> 0;
    const mask = key(m0, rng.int(2) ? 0xff : 0, rng.int(3) === 0 ? 0xffff : 0, 0);
    const value = key(rng.u32() & 0xf000000f, rng.int(4), rng.int(4), 0);
    return c.insert({ value, mask }, rng.int(1000), tag);
  }
  const packet = (rng: SeededRng) => key(rng.u32() & 0xf000000f, rng.int(5), rng.int(5), rng.int(2));

  /** The datapath's miss path: classify with wildcards and install the megaflow. */
  function handle(cache: FlowCache<Rule<number> | null>, c: Classifier<number>, k: Uint32Array): Rule<number> | null {
    const hit = cache.lookup(k, hashWords(k));
    if (hit !== undefined) return hit.actions;
    const wc = new Uint32Array(W);
    const r = c.lookup(k, wc);
    cache.insert(k, wc, r, 0);
    return r;
  }

  it('fixes or evicts every stale megaflow (checked against a cacheless lookup)', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = new SeededRng(seed);
        const c = table(rng, 40);
        const cache = new FlowCache<Rule<number> | null>({ words: W, emcInsertProbability: 0.5, seed });
        const packets = Array.from({ length: 300 }, () => packet(rng));
        for (const k of packets) expect(handle(cache, c, k)).toBe(c.lookup(k));
        // The tables change: rules come and go.
        const rules = c.rules();
        for (let i = 0; i < 10; i++) c.remove(rules.splice(rng.int(rules.length), 1)[0]);
        for (let i = 0; i < 10; i++) addRandomRule(c, rng, 100 + i);
        const res = cache.revalidate((flow) => {
          const wc = new Uint32Array(W);
          return { actions: c.lookup(flow.key, wc), mask: wc };
        });
        expect(res.checked).toBe(res.kept + res.modified + res.evicted);
        for (const k of packets) expect(handle(cache, c, k)).toBe(c.lookup(k));
      }),
      { numRuns: 60 },
    );
  });

  it('adapts the flow limit to the revalidation round time', () => {
    let now = 0;
    const cache = new FlowCache<number>({ words: W, maxFlows: 100_000, minFlowLimit: 1000, clock: () => now });
    for (let i = 0; i < 3000; i++) cache.insert(key(i), ALL, i, 0);
    // A round that takes `ms` in total (the clock jumps on its first flow), keeping every flow.
    const round = (ms: number) => {
      let pending = ms;
      return cache.revalidate((f) => {
        now += pending;
        pending = 0;
        return { actions: f.actions, mask: f.mask };
      }).flowLimit;
    };
    expect(round(4000)).toBe(25_000);
    expect(round(1500)).toBe(18_750);
    // Fast rounds grow it by 1000 while the pace could sustain more.
    expect(round(10)).toBe(19_750);
    // Never below the minimum.
    for (let i = 0; i < 5; i++) round(10_000);
    expect(cache.flowLimit).toBe(1000);
  });
});
