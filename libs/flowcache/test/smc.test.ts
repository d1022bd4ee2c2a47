import { hashWords } from '@softswitch/classifier';
import { FlowCache, MegaflowCache, type MegaflowEntry, SignatureMatchCache } from '@softswitch/flowcache';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const W = 4;
const key = (...w: number[]) => Uint32Array.from({ length: W }, (_, i) => w[i] ?? 0);
const ALL = key(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff);

describe('signature match cache', () => {
  it('never returns a megaflow the key does not fall in, whatever was inserted under its hash', () => {
    const word = fc.integer({ min: 0, max: 3 });
    const op = fc.oneof(
      // Install a megaflow: small values and masks, so keys often match several and collide.
      fc.record({
        t: fc.constant('add' as const),
        k: fc.array(word, { minLength: W, maxLength: W }),
        m: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: W, maxLength: W }),
      }),
      fc.record({ t: fc.constant('remove' as const), i: fc.nat() }),
      // Point a hash (few values: shared buckets and signatures) at any live flow, matching or not.
      fc.record({ t: fc.constant('point' as const), h: fc.integer({ min: 0, max: 40 }), i: fc.nat() }),
      fc.record({
        t: fc.constant('lookup' as const),
        h: fc.integer({ min: 0, max: 40 }),
        k: fc.array(word, { minLength: W, maxLength: W }),
      }),
    );
    // Lookups that found a flow, over all runs: the property must hold of hits, not only of
    // misses (arrays of fast-check's default size, a handful of ops, found none).
    let hits = 0;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200, size: 'max' }), (ops) => {
        const mf = new MegaflowCache<number>({ words: W });
        // 16 entries: 4 buckets, so ways are shared and replaced all the time.
        const smc = new SignatureMatchCache(mf, { entries: 16 });
        const live: MegaflowEntry<number>[] = [];
        let n = 0;
        for (const o of ops) {
          if (o.t === 'add') {
            const e = mf.insert(Uint32Array.from(o.k), Uint32Array.from(o.m), n++, 0);
            if (e !== undefined && !live.includes(e)) live.push(e);
          } else if (o.t === 'remove' && live.length > 0) {
            mf.remove(live.splice(o.i % live.length, 1)[0]);
          } else if (o.t === 'point' && live.length > 0) {
            smc.insert(spread(o.h), live[o.i % live.length]);
          } else if (o.t === 'lookup') {
            const k = Uint32Array.from(o.k);
            const got = smc.lookup(k, spread(o.h));
            if (got !== undefined) {
              hits++;
              expect(got.dead).toBe(false);
              expect(got.covers(k)).toBe(true);
            }
          }
        }
        expect(smc.size).toBeLessThanOrEqual(smc.capacity);
      }),
      { numRuns: 300 },
    );
    expect(hits).toBeGreaterThan(20);
  });

  it('reads a removed megaflow, and a slot reused by another, as a miss', () => {
    const mf = new MegaflowCache<string>({ words: W });
    const smc = new SignatureMatchCache(mf, { entries: 64 });
    const k = key(1, 2, 3);
    const a = mf.insert(k, ALL, 'a', 0)!;
    smc.insert(hashWords(k), a);
    expect(smc.lookup(k, hashWords(k))).toBe(a);
    mf.remove(a);
    expect(smc.lookup(k, hashWords(k))).toBeUndefined();
    // The next megaflow takes a's registry slot under a new stamp; it covers k too, but the SMC
    // entry was made for a: stale, so a miss (the megaflow cache answers instead).
    const b = mf.insert(k, key(0xffffffff), 'b', 0)!;
    expect(b.slot).toBe(a.slot);
    expect(b.stamp).not.toBe(a.stamp);
    expect(smc.lookup(k, hashWords(k))).toBeUndefined();
    smc.insert(hashWords(k), b);
    expect(smc.lookup(k, hashWords(k))).toBe(b);
  });

  it('keeps one way per signature and evicts within a bucket when full', () => {
    const mf = new MegaflowCache<number>({ words: W });
    const smc = new SignatureMatchCache(mf, { entries: 4 }); // one bucket of four ways
    const flows = Array.from({ length: 6 }, (_, i) => mf.insert(key(i), ALL, i, 0)!);
    // Same signature (high half), new flow: replaces the way in place.
    smc.insert(0x00010000, flows[0]);
    smc.insert(0x00010000, flows[1]);
    expect(smc.size).toBe(1);
    expect(smc.lookup(key(1), 0x00010000)).toBe(flows[1]);
    expect(smc.lookup(key(0), 0x00010000)).toBeUndefined();
    for (let i = 2; i < 6; i++) smc.insert(i << 16, flows[i]);
    expect(smc.size).toBe(4);
    const found = [1, 2, 3, 4, 5].filter((i) => smc.lookup(key(i), i << 16) === flows[i]);
    expect(found.length).toBe(4);
  });

  it('holds a fixed, preallocated table whatever it is given', () => {
    const mf = new MegaflowCache<number>({ words: W });
    const smc = new SignatureMatchCache(mf, { entries: 1000 });
    expect(smc.capacity).toBe(1024);
    const bytes = smc.byteLength;
    expect(bytes).toBe(1024 * 8);
    for (let i = 0; i < 20_000; i++) {
      const k = key(i, i >>> 3);
      const f = mf.insert(k, ALL, i, 0)!;
      smc.insert(hashWords(k), f);
      if (i % 3 === 0) mf.remove(f);
    }
    expect(smc.byteLength).toBe(bytes);
    expect(smc.size).toBeLessThanOrEqual(1024);
    expect(new SignatureMatchCache(mf).byteLength).toBe((1 << 20) * 8); // OVS's million entries
  });
});

describe('flow cache with the SMC', () => {
  it('finds a megaflow hit again through the SMC, counted as a megaflow hit too', () => {
    const cache = new FlowCache<string>({ words: W, emcInsertProbability: 0, smcEnabled: true, smcEntries: 1024 });
    expect(cache.smcEnabled).toBe(true);
    const f = cache.insert(key(10, 0, 0), key(0xffffff00), 'fwd', 0)!;
    const k = key(10 | 0x7f, 5, 6);
    expect(cache.lookup(k, hashWords(k))).toBe(f); // megaflow cache, then copied into the SMC
    expect(cache.stats).toMatchObject({ megaflowHits: 1, smcHits: 0, smcEntries: 1 });
    expect(cache.lookup(k, hashWords(k))).toBe(f);
    expect(cache.stats).toMatchObject({ emcHits: 0, megaflowHits: 2, smcHits: 1 });
    // Revalidation narrows the flow away: the SMC's entry is stale, the key misses.
    cache.revalidate(() => ({ actions: 'fwd', mask: ALL }));
    expect(cache.lookup(k, hashWords(k))).toBeUndefined();
    expect(cache.stats.smcHits).toBe(1);
  });

  it('points the SMC at a flow installed with the packet hash, and turns on and off at run time', () => {
    const cache = new FlowCache<string>({ words: W, emcInsertProbability: 0, smcEntries: 256 });
    expect(cache.smcEnabled).toBe(false); // off by default, as OVS
    const k = key(1, 2, 3, 4);
    cache.insert(k, ALL, 'a', 0, hashWords(k));
    cache.lookup(k, hashWords(k));
    expect(cache.stats.smcHits).toBe(0);
    cache.smcEnabled = true;
    const k2 = key(5, 6, 7, 8);
    const f2 = cache.insert(k2, ALL, 'b', 0, hashWords(k2));
    expect(cache.lookup(k2, hashWords(k2))).toBe(f2);
    expect(cache.stats).toMatchObject({ smcHits: 1, megaflowHits: 2 });
    cache.smcEnabled = false;
    expect(cache.smc).toBeUndefined();
    expect(cache.lookup(k2, hashWords(k2))).toBe(f2);
    expect(cache.stats).toMatchObject({ smcHits: 1, megaflowHits: 3, smcEntries: 0 });
  });
});

/** Small test hashes spread over signature and bucket bits. */
function spread(h: number): number {
  return (Math.imul(h + 1, 0x9e3779b1) >>> 0) & 0x0003000f;
}
