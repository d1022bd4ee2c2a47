import { Classifier, type ClassifierOptions, type Rule, SeededRng } from '@softswitch/classifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Layout, type ModelRule, modelLookup, NEVER, RuleGen, V4, V6 } from './support.js';

interface Table {
  cls: Classifier<number>;
  model: ModelRule[];
  handles: Rule<number>[];
  gen: RuleGen;
  usedPriorities: Set<number>;
}

/** Feature bits: 1 staging, 2 tries (prefix and port), 4 partitioning, 8 tuple merging, 16 coarse trie bits, 32 tiny collision limit. */
const ALL_FEATURES = 15;

function newClassifier(
  layout: Layout,
  features = ALL_FEATURES,
  extra: Partial<ClassifierOptions> = {},
): Classifier<number> {
  return new Classifier<number>({
    ...extra,
    words: layout.words,
    stages: layout.stages,
    prefixFields: layout.prefixFields,
    portWords: layout.ports,
    partitionWord: layout.metadata,
    conjIdWord: layout.conjId,
    staging: (features & 1) !== 0,
    tries: (features & 2) !== 0,
    partitioning: (features & 4) !== 0,
    merge: (features & 8) !== 0,
    trieBitsGranularity: features & 16 ? 8 : 1,
    collisionLimit: features & 32 ? 2 : undefined,
  });
}

function freshPriority(t: Table): number {
  for (;;) {
    const p = 1 + t.gen.rng.int(100_000);
    if (!t.usedPriorities.has(p)) {
      t.usedPriorities.add(p);
      return p;
    }
  }
}

function addRule(t: Table, version: number): void {
  const priority = freshPriority(t);
  for (const match of t.gen.matches()) {
    const tag = t.model.length;
    t.model.push({ match, priority, conjunctions: [], addVersion: version, removeVersion: NEVER, tag });
    t.handles.push(t.cls.insert(match, priority, tag, { version }));
  }
}

/** Adds conjunctive flows: clauses of ids 1..3 at one priority per id, plus conj_id=id flows. */
function addConjunctions(t: Table, layout: Layout): void {
  const rng = t.gen.rng;
  for (let id = 1; id <= 3; id++) {
    const n = 2 + rng.int(2);
    const priority = freshPriority(t);
    for (let k = 1; k <= n; k++) {
      for (let j = 0; j < 1 + rng.int(3); j++) {
        const match = t.gen.matches()[0];
        const conjunctions = [{ id, clause: k, nClauses: n }];
        if (rng.chance(0.2)) conjunctions.push({ id: id + 10, clause: 1, nClauses: 2 });
        const tag = t.model.length;
        t.model.push({ match, priority, conjunctions, addVersion: 0, removeVersion: NEVER, tag });
        t.handles.push(t.cls.insert(match, priority, tag, { conjunctions }));
      }
    }
    const value = new Uint32Array(layout.words);
    const mask = new Uint32Array(layout.words);
    value[layout.conjId] = id;
    mask[layout.conjId] = 0xffffffff;
    if (rng.chance(0.5)) {
      mask[layout.proto] = 0xff;
      value[layout.proto] = 6;
    }
    const cp = freshPriority(t);
    const tag = t.model.length;
    t.model.push({ match: { value, mask }, priority: cp, conjunctions: [], addVersion: 0, removeVersion: NEVER, tag });
    t.handles.push(t.cls.insert({ value, mask }, cp, tag));
  }
}

function buildTable(
  layout: Layout,
  seed: number,
  nRules: number,
  features = ALL_FEATURES,
  conj = false,
  addresses?: number,
): Table {
  const t: Table = {
    cls: newClassifier(layout, features),
    model: [],
    handles: [],
    gen: new RuleGen(layout, new SeededRng(seed), addresses),
    usedPriorities: new Set(),
  };
  while (t.model.length < nRules) addRule(t, 0);
  if (conj) addConjunctions(t, layout);
  return t;
}

/**
 * Checks one packet: same winner as the model, and (if `samples` > 0) megaflow soundness: packets
 * drawn inside key & wc get the same rule from the full lookup.
 */
function checkPacket(t: Table, layout: Layout, key: Uint32Array, version: number, samples: number): void {
  const wc = new Uint32Array(layout.words);
  const got = t.cls.lookup(key, wc, version);
  const want = modelLookup(t.model, key, version, layout.conjId);
  expect(got?.data ?? null, `key ${key.join(',')} v${version}`).toBe(want?.tag ?? null);
  expect(wc[layout.conjId]).toBe(0);
  const rng = t.gen.rng;
  const p = new Uint32Array(layout.words);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < layout.words; i++) p[i] = ((key[i] & wc[i]) | (rng.u32() & ~wc[i])) >>> 0;
    p[layout.conjId] = 0;
    const again = t.cls.lookup(p, null, version);
    if (again !== got) {
      const m = modelLookup(t.model, p, version, layout.conjId);
      throw new Error(
        `unsound megaflow: key ${key.join(',')} wc ${[...wc].map((w) => w.toString(16)).join(',')} -> ${got?.data}; packet ${p.join(',')} -> ${again?.data} (model ${m?.tag})`,
      );
    }
  }
}

describe.each([
  ['IPv4 layout', V4],
  ['IPv6 layout', V6],
])('classifier against a linear scan (%s)', (_name, layout) => {
  it('picks the same rule on many small random tables, with megaflow soundness', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 63 }),
        fc.boolean(),
        (seed, n, features, conj) => {
          const t = buildTable(layout, seed, n, features, conj);
          for (let i = 0; i < 60; i++) checkPacket(t, layout, t.gen.packet(t.model), 0, 8);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('picks the same rule on 10k-rule tables', () => {
    for (const seed of [1, 2]) {
      const t = buildTable(layout, seed, 10_000, ALL_FEATURES, seed === 2);
      for (let i = 0; i < 250; i++) checkPacket(t, layout, t.gen.packet(t.model), 0, 4);
    }
  });

  it('picks the same rule with more subtables than trie tags (untagged subtables)', () => {
    // Without merging, every mask is a subtable: past the 64 trie tags, subtables are skipped by
    // their prefix lengths alone, beside tagged ones skipped by the walks' tags.
    for (const features of [7, 7 | 16]) {
      const t = buildTable(layout, 3 + features, 3000, features);
      expect(t.cls.subtableCount).toBeGreaterThan(64);
      for (let i = 0; i < 300; i++) checkPacket(t, layout, t.gen.packet(t.model), 0, 4);
    }
  });

  it('reports the same rule and megaflow whether small subtables are compared or hashed', () => {
    // Subtables of a few buckets are probed by comparing the key with each bucket and justify a
    // miss from the buckets' port words; hashing and the port trie must decide exactly the same.
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: 63 }),
        (seed, n, features) => {
          const t = buildTable(layout, seed, n, features);
          const hashed = newClassifier(layout, features, { linearBuckets: 0 });
          for (const r of t.model) hashed.insert(r.match, r.priority, r.tag);
          const wc = new Uint32Array(layout.words);
          const wcHashed = new Uint32Array(layout.words);
          for (let i = 0; i < 60; i++) {
            const key = t.gen.packet(t.model);
            wc.fill(0);
            wcHashed.fill(0);
            expect(t.cls.lookup(key, wc)?.data).toBe(hashed.lookup(key, wcHashed)?.data);
            expect([...wc]).toEqual([...wcHashed]);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('stays correct through inserts, deletes, modifies and versioned bundles', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 0, max: 63 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 5, maxLength: 25 }),
        (seed, features, ops) => {
          const t = buildTable(layout, seed, 80, features, true);
          const rng = t.gen.rng;
          const check = (version: number) => {
            for (let i = 0; i < 25; i++) checkPacket(t, layout, t.gen.packet(t.model), version, 3);
          };
          const removeAt = (idx: number) => {
            t.cls.remove(t.handles[idx]);
            t.handles.splice(idx, 1);
            t.model.splice(idx, 1);
          };
          for (const op of ops) {
            const v = t.cls.version;
            if (op === 0) {
              for (let i = 0; i < 1 + rng.int(10); i++) addRule(t, v);
            } else if (op === 1 && t.model.length > 0) {
              for (let i = 0; i < 1 + rng.int(10) && t.model.length > 0; i++) removeAt(rng.int(t.model.length));
            } else if (op === 2 && t.model.length > 0) {
              // Modify: new actions in place, or a priority change (delete + add).
              const idx = rng.int(t.model.length);
              if (rng.chance(0.5)) {
                const tag = t.model.length + 1_000_000 + rng.int(1000);
                t.model[idx].tag = tag;
                t.handles[idx].data = tag;
              } else if (t.model[idx].conjunctions.length === 0) {
                const m = t.model[idx];
                removeAt(idx);
                const priority = freshPriority(t);
                const tag = 2_000_000 + rng.int(1_000_000);
                t.model.push({ ...m, priority, tag, addVersion: v, removeVersion: NEVER });
                t.handles.push(t.cls.insert(m.match, priority, tag, { version: v }));
              }
            } else {
              // A bundle: adds and deletes become visible together in version v+1.
              const nv = v + 1;
              const first = t.model.length;
              for (let i = 0; i < 1 + rng.int(6); i++) addRule(t, nv);
              const doomed = new Set<number>();
              for (let i = 0; i < rng.int(6) && first > 0; i++) doomed.add(rng.int(first));
              for (const idx of doomed) {
                t.model[idx].removeVersion = nv;
                t.cls.makeInvisible(t.handles[idx], nv);
              }
              check(v);
              check(nv);
              if (op === 3) {
                t.cls.version = nv;
                for (const idx of [...doomed].sort((a, b) => b - a)) removeAt(idx);
              } else {
                // Abort: restore the doomed rules and drop the added ones.
                for (const idx of doomed) {
                  t.model[idx].removeVersion = NEVER;
                  t.cls.restoreVisibility(t.handles[idx]);
                }
                while (t.model.length > first) removeAt(t.model.length - 1);
              }
            }
            check(t.cls.version);
            expect(t.cls.size).toBe(t.model.length);
          }
          // Removing everything leaves no subtable and no placement state behind.
          while (t.model.length > 0) removeAt(t.model.length - 1);
          expect([t.cls.size, t.cls.subtableCount, t.cls.maskCount]).toEqual([0, 0, 0]);
          expect(t.cls.trieNodes().every((n) => n === 1)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('stays correct through changes on tries large enough for root indexes and walk memos', () => {
    // Tries of 256+ nodes keep a root index and memoize walks by address: the same packets,
    // looked up again after each batch of inserts and removes, must not be answered from walks
    // of an older trie. Protocol-only subtables (no address, no metadata) use the first-word filter.
    for (const features of [ALL_FEATURES, ALL_FEATURES & ~4]) {
      // A large address pool, so that the tries grow past 256 nodes.
      const t = buildTable(layout, 40 + features, 2000, features, false, 600);
      expect(Math.max(...t.cls.trieNodes())).toBeGreaterThanOrEqual(256);
      const packets = Array.from({ length: 40 }, () => t.gen.packet(t.model));
      const rng = t.gen.rng;
      for (let round = 0; round < 8; round++) {
        for (const key of packets) checkPacket(t, layout, key, 0, 2);
        // Remove the winners of some packets (their prefixes leave the tries), and random rules.
        for (let i = 0; i < 40; i++) {
          const winner = i < 20 ? t.cls.lookup(packets[rng.int(packets.length)]) : null;
          const idx = winner === null ? rng.int(t.model.length) : t.handles.indexOf(winner);
          t.cls.remove(t.handles[idx]);
          t.handles.splice(idx, 1);
          t.model.splice(idx, 1);
        }
        for (let i = 0; i < 30; i++) addRule(t, 0);
        // Fresh packets too, drawn from the rules now present.
        for (let i = 0; i < 5; i++) packets[rng.int(packets.length)] = t.gen.packet(t.model);
      }
    }
  });
});
