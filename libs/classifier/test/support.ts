import { type Conjunction, expandRange, type Match, type SeededRng, VERSION_MAX } from '@softswitch/classifier';

/** A key layout for tests: which word holds what. */
export interface Layout {
  readonly words: number;
  readonly metadata: number;
  readonly conjId: number;
  readonly stages: readonly number[];
  readonly prefixFields: readonly { word: number; words: number }[];
  /** Fields as (word, bits) with a value pool for realistic rules. */
  readonly ports: readonly number[];
  readonly proto: number;
}

/** IPv4-like layout: metadata, conj_id, nw_src, nw_dst, nw_proto, tp_src, tp_dst. */
export const V4: Layout = {
  words: 7,
  metadata: 0,
  conjId: 1,
  stages: [2, 5, 7],
  prefixFields: [
    { word: 2, words: 1 },
    { word: 3, words: 1 },
  ],
  ports: [5, 6],
  proto: 4,
};

/** IPv6-like layout: metadata, conj_id, ipv6_dst (4 words), nw_proto, tp_dst. */
export const V6: Layout = {
  words: 8,
  metadata: 0,
  conjId: 1,
  stages: [2, 7, 8],
  prefixFields: [{ word: 2, words: 4 }],
  ports: [7],
  proto: 6,
};

export interface ModelRule {
  match: Match;
  priority: number;
  conjunctions: Conjunction[];
  addVersion: number;
  removeVersion: number;
  tag: number;
}

function prefixMask(plen: number, words: number): Uint32Array {
  const m = new Uint32Array(words);
  for (let i = 0; i < words; i++) {
    const n = plen - 32 * i;
    m[i] = n >= 32 ? 0xffffffff : n <= 0 ? 0 : ~(0xffffffff >>> n) >>> 0;
  }
  return m;
}

/** Generates table rules: prefixes on the trie fields, exact/wildcard metadata and proto, ports exact/range/wildcard. */
export class RuleGen {
  private readonly addrPool: Uint32Array[];
  constructor(
    readonly layout: Layout,
    readonly rng: SeededRng,
    poolSize = 24,
  ) {
    this.addrPool = [];
    for (let i = 0; i < poolSize; i++) {
      const words = layout.prefixFields[0].words;
      this.addrPool.push(Uint32Array.from({ length: words }, () => rng.u32()));
    }
  }

  /** One or more matches (a port range expands into several). */
  matches(): Match[] {
    const { layout, rng } = this;
    const value = new Uint32Array(layout.words);
    const mask = new Uint32Array(layout.words);
    if (rng.chance(0.3)) {
      mask[layout.metadata] = 0xffffffff;
      value[layout.metadata] = rng.int(3);
    }
    for (const f of layout.prefixFields) {
      const bits = f.words * 32;
      const plen = rng.chance(0.25) ? 0 : rng.chance(0.5) ? rng.pick([bits, bits - 8, bits / 2, 8]) : rng.int(bits + 1);
      const pm = prefixMask(plen, f.words);
      const base = rng.pick(this.addrPool);
      for (let i = 0; i < f.words; i++) {
        mask[f.word + i] = pm[i];
        value[f.word + i] = (base[i] ^ (rng.chance(0.2) ? rng.u32() : 0)) & pm[i];
      }
    }
    if (rng.chance(0.6)) {
      mask[layout.proto] = 0xff;
      value[layout.proto] = rng.pick([6, 17, 1, 0]);
    }
    let out: Match[] = [{ value, mask }];
    for (const w of layout.ports) {
      const r = rng.int(10);
      if (r < 4) continue;
      if (r < 7) {
        for (const m of out) {
          m.mask[w] = 0xffff;
          m.value[w] = rng.pick([80, 443, 22, 53, rng.int(65536)]);
        }
        continue;
      }
      const lo = rng.pick([0, 1024, rng.int(65536)]);
      const hi = Math.min(65535, lo + rng.pick([1, 100, 1000, 65535]));
      const parts = expandRange(lo, hi).slice(0, 6);
      const next: Match[] = [];
      for (const m of out) {
        for (const p of parts) {
          const v = Uint32Array.from(m.value);
          const k = Uint32Array.from(m.mask);
          v[w] = p.value;
          k[w] = p.mask;
          next.push({ value: v, mask: k });
        }
      }
      out = next;
    }
    return out;
  }

  /** A packet: usually inside a random rule (random bits where it is wildcarded), else random from the pools. */
  packet(rules: readonly { match: Match }[]): Uint32Array {
    const { layout, rng } = this;
    const key = new Uint32Array(layout.words);
    key[layout.metadata] = rng.int(4);
    for (const f of layout.prefixFields) {
      const base = rng.pick(this.addrPool);
      for (let i = 0; i < f.words; i++)
        key[f.word + i] = rng.chance(0.7) ? base[i] ^ (rng.chance(0.5) ? rng.int(256) : 0) : rng.u32();
    }
    key[layout.proto] = rng.pick([6, 17, 1, 0, rng.int(256)]);
    for (const w of layout.ports) key[w] = rng.pick([80, 443, 22, 53, 1024, rng.int(65536)]);
    if (rules.length > 0 && rng.chance(0.7)) {
      const m = rng.pick(rules).match;
      for (let i = 0; i < layout.words; i++) key[i] = (m.value[i] & m.mask[i]) | (key[i] & ~m.mask[i]);
    }
    key[layout.conjId] = 0;
    return key;
  }
}

/** Brute-force classifier: a linear scan in priority order with the same conjunction semantics. */
export function modelLookup(
  rules: readonly ModelRule[],
  key: Uint32Array,
  version: number,
  conjWord: number,
): ModelRule | null {
  const visible = rules.filter((r) => r.addVersion <= version && version < r.removeVersion && matches(r.match, key));
  let hard: ModelRule | null = null;
  for (const r of visible) if (r.conjunctions.length === 0 && (hard === null || r.priority > hard.priority)) hard = r;
  const hardPri = hard === null ? Number.NEGATIVE_INFINITY : hard.priority;
  const soft = visible.filter((r) => r.conjunctions.length > 0 && r.priority > hardPri);
  const levels = [...new Set(soft.map((r) => r.priority))].sort((a, b) => b - a);
  for (const pri of levels) {
    const byId = new Map<number, { n: Set<number>; clauses: Set<number> }>();
    for (const r of soft) {
      if (r.priority !== pri) continue;
      for (const c of r.conjunctions) {
        const e = byId.get(c.id) ?? { n: new Set(), clauses: new Set() };
        e.n.add(c.nClauses);
        e.clauses.add(c.clause);
        byId.set(c.id, e);
      }
    }
    const ids = [...byId].filter(([, e]) => e.n.size === 1 && e.clauses.size === [...e.n][0]).map(([id]) => id);
    for (const id of ids.sort((a, b) => a - b)) {
      const k2 = Uint32Array.from(key);
      k2[conjWord] = id;
      let best: ModelRule | null = null;
      for (const r of rules) {
        if (r.conjunctions.length > 0 || !(r.addVersion <= version && version < r.removeVersion)) continue;
        if (matches(r.match, k2) && (best === null || r.priority > best.priority)) best = r;
      }
      if (best !== null) return best;
    }
  }
  return hard;
}

export function matches(m: Match, key: Uint32Array): boolean {
  for (let i = 0; i < m.mask.length; i++) if (((key[i] ^ m.value[i]) & m.mask[i]) !== 0) return false;
  return true;
}

export const NEVER = VERSION_MAX;
