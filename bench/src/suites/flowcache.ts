import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CLASSBENCH_LAYOUT,
  Classifier,
  expandRule,
  generateRuleSet,
  generateTrace,
  hashWords,
  parseRuleSet,
  parseTrace,
} from '@softswitch/classifier';
import { FlowCache, MegaflowCache } from '@softswitch/flowcache';
import { type BenchResult, measureRate, type Suite } from '../harness.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const classbenchDir = join(repoRoot, '..', 'shared', 'classbench');
const W = CLASSBENCH_LAYOUT.words;

/** acl1_10k and its trace (or generated ones of the same shape). */
function workload(): { cls: Classifier<number>; trace: Uint32Array; source: string } {
  const file = join(classbenchDir, 'acl1_10k');
  const have = existsSync(file) && existsSync(`${file}_trace`);
  const rules = have ? parseRuleSet(readFileSync(file, 'utf8')) : generateRuleSet('acl', 10_000);
  const trace = have ? parseTrace(readFileSync(`${file}_trace`, 'utf8')) : generateTrace(rules, 100_000);
  // Trie skips un-wildcard whole 16-bit units: ~10% more megaflows but 4-10x fewer masks to probe.
  const cls = new Classifier<number>({ ...CLASSBENCH_LAYOUT, trieBitsGranularity: 16 });
  rules.forEach((r, i) => {
    for (const m of expandRule(r)) cls.insert(m, rules.length - i, i);
  });
  return { cls, trace, source: have ? 'classbench acl1_10k' : 'generated acl 10k' };
}

function hashes(trace: Uint32Array): Uint32Array {
  const n = trace.length / W;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = hashWords(trace.subarray(i * W, i * W + W));
  return out;
}

/** Runs the trace through `cache`, classifying and installing megaflows on misses. */
function warm(cache: FlowCache<number>, cls: Classifier<number>, trace: Uint32Array, hs: Uint32Array): void {
  const key = new Uint32Array(W);
  const wc = new Uint32Array(W);
  for (let i = 0; i < hs.length; i++) {
    for (let w = 0; w < W; w++) key[w] = trace[i * W + w];
    if (cache.lookup(key, hs[i]) !== undefined) continue;
    wc.fill(0);
    cache.insert(key, wc, cls.lookup(key, wc)?.data ?? -1, 0);
  }
}

/** Packets/s through `lookup(key, hash)` over the first `n` trace packets, all expected to hit. */
function hitRate(
  lookup: (key: Uint32Array, hash: number) => unknown,
  trace: Uint32Array,
  hs: Uint32Array,
  n: number,
): number {
  const keys: Uint32Array[] = [];
  for (let i = 0; i < n; i++) keys.push(trace.slice(i * W, i * W + W));
  let pos = 0;
  let misses = 0;
  const rate = measureRate((iterations) => {
    for (let it = 0; it < iterations; it++) {
      if (lookup(keys[pos], hs[pos]) === undefined) misses++;
      if (++pos === n) pos = 0;
    }
  });
  if (misses > 0) console.log(`  (${misses} misses while measuring hits)`);
  return rate;
}

export const suite: Suite = {
  name: 'flowcache',
  async run() {
    const out: BenchResult[] = [];
    const { cls, trace, source } = workload();
    const hs = hashes(trace);
    const n = hs.length;

    // EMC hit path: a working set that fits the EMC, inserted with probability 1.
    const emcCache = new FlowCache<number>({ words: W, emcInsertProbability: 1 });
    const working = Math.min(n, 4096);
    warm(emcCache, cls, trace.subarray(0, working * W), hs.subarray(0, working));
    warm(emcCache, cls, trace.subarray(0, working * W), hs.subarray(0, working));
    const emcHits0 = emcCache.stats.emcHits;
    const emcRate = hitRate((k, h) => emcCache.lookup(k, h), trace, hs, working);
    out.push({
      name: 'EMC hit path',
      value: emcRate,
      unit: 'packets/s',
      higherIsBetter: true,
      params: {
        workload: source,
        flows: working,
        emcHitShare:
          (emcCache.stats.emcHits - emcHits0) /
          Math.max(1, emcCache.stats.emcHits + emcCache.stats.megaflowHits - emcHits0),
      },
    });

    // Megaflow hit path: EMC off, the whole trace's megaflows installed.
    const mfCache = new FlowCache<number>({ words: W, emcInsertProbability: 0 });
    warm(mfCache, cls, trace, hs);
    mfCache.megaflows.rank();
    const mfRate = hitRate((k, h) => mfCache.lookup(k, h), trace, hs, n);
    const st = mfCache.stats;
    out.push({
      name: 'megaflow hit path',
      value: mfRate,
      unit: 'packets/s',
      higherIsBetter: true,
      params: { workload: source, megaflows: st.flows, masks: st.masks, subtablesPerLookup: st.subtablesPerLookup },
      baseline: 'EMC hit path',
    });

    // Whole miss path for reference: classifier lookup with wildcards per packet.
    const key = new Uint32Array(W);
    const wc = new Uint32Array(W);
    let pos = 0;
    const upcallRate = measureRate((iterations) => {
      for (let it = 0; it < iterations; it++) {
        for (let w = 0; w < W; w++) {
          key[w] = trace[pos * W + w];
          wc[w] = 0;
        }
        cls.lookup(key, wc);
        if (++pos === n) pos = 0;
      }
    });
    out.push({
      name: 'classifier lookup+wc (miss path)',
      value: upcallRate,
      unit: 'packets/s',
      higherIsBetter: true,
      params: { workload: source },
      baseline: 'megaflow hit path',
    });

    // Tuple space explosion: an attacker creates 5000 distinct masks while legitimate traffic keeps
    // flowing (4 legitimate packets per attack packet). Compared: the default cache (mask cap +
    // periodic ranking) and one with ranking but no cap; measured: legitimate hits and misses.
    const legitFlows = mfCache.megaflows.entries();
    const nLegit = Math.min(n, 20_000);
    const legitKeys: Uint32Array[] = [];
    for (let j = 0; j < nLegit; j++) legitKeys.push(trace.slice(j * W, j * W + W));
    const missKeys: Uint32Array[] = [];
    for (let j = 0; j < 4096; j++) missKeys.push(Uint32Array.of(0xdead0000 + j, 0xbeef0000 + j, 253, 0, j, 0));
    const fresh = (maxSubtables?: number) => {
      const mf = new MegaflowCache<number>({ words: W, maxSubtables, rankInterval: 20_000 });
      for (const e of legitFlows) mf.insert(e.key, e.mask, e.actions, 0);
      for (const k of legitKeys) mf.lookup(k);
      mf.rank();
      return mf;
    };
    const attack = (mf: MegaflowCache<number>) => {
      let refused = 0;
      let j = 0;
      for (let i = 0; i < 5000; i++) {
        // Each crafted packet pins a different combination of bits: a new mask each time; the
        // attacker then keeps using its flow so the mask looks busy.
        const mask = Uint32Array.of(
          (0xffffffff << (i % 32)) >>> 0,
          (0xffffffff << ((i >>> 5) % 32)) >>> 0,
          0xff,
          0,
          (i * 2654435761) & 0xffff,
          0xffff,
        );
        const k = Uint32Array.of(0x0a000000 + i, 0x0b000000 + i, 200, 0, i & 0xffff, 9999);
        if (mf.insert(k, mask, -2, 0) === undefined) refused++;
        mf.lookup(k);
        for (let r = 0; r < 4; r++, j = (j + 1) % nLegit) mf.lookup(legitKeys[j]);
      }
      return refused;
    };
    const rateOver = (mf: MegaflowCache<number>, keys: Uint32Array[]) => {
      let pos = 0;
      return measureRate((iterations) => {
        for (let it = 0; it < iterations; it++) {
          mf.lookup(keys[pos]);
          if (++pos === keys.length) pos = 0;
        }
      });
    };
    const calm = fresh();
    out.push({
      name: 'megaflow hits, no attack',
      value: rateOver(calm, legitKeys),
      unit: 'packets/s',
      higherIsBetter: true,
      params: { masks: calm.subtableCount },
    });
    out.push({
      name: 'megaflow misses, no attack',
      value: rateOver(calm, missKeys),
      unit: 'packets/s',
      higherIsBetter: true,
      params: { masks: calm.subtableCount },
    });
    for (const [label, cap] of [
      ['mask cap + ranking', undefined],
      ['ranking, no cap', 1_000_000],
    ] as const) {
      const mf = fresh(cap);
      const refused = attack(mf);
      mf.rank();
      const params = {
        masks: mf.subtableCount,
        maxSubtables: mf.maxSubtables,
        attackMasks: 5000,
        attackMasksRefused: refused,
        legitFlowsLeft: mf.entries().filter((e) => e.actions !== -2).length,
        legitFlows: legitFlows.length,
      };
      out.push({
        name: `megaflow hits under TSE attack, ${label}`,
        value: rateOver(mf, legitKeys),
        unit: 'packets/s',
        higherIsBetter: true,
        params,
        baseline: 'megaflow hits, no attack',
      });
      out.push({
        name: `megaflow misses under TSE attack, ${label}`,
        value: rateOver(mf, missKeys),
        unit: 'packets/s',
        higherIsBetter: true,
        params,
        baseline: 'megaflow misses, no attack',
      });
    }
    return out;
  },
};
