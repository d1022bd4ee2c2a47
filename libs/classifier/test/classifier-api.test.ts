import {
  Classifier,
  expandRange,
  hashAdd,
  hashFinish,
  PrefixTrie,
  prefixLength,
  TrieWalk,
  WordTable,
} from '@softswitch/classifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Layout for these examples: metadata, conj_id, nw_src, nw_dst, nw_proto, tp_src, tp_dst.
const W = 7;
const F = { metadata: 0, conj: 1, src: 2, dst: 3, proto: 4, sport: 5, dport: 6 } as const;
type Field = keyof typeof F;

function ip(s: string): number {
  return s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
}

/** A match from field=value pairs; `src`/`dst` take "a.b.c.d/len". */
function m(fields: Partial<Record<Field, number | string>>): { value: Uint32Array; mask: Uint32Array } {
  const value = new Uint32Array(W);
  const mask = new Uint32Array(W);
  for (const [name, v] of Object.entries(fields) as [Field, number | string][]) {
    const w = F[name];
    if (typeof v === 'string') {
      const [addr, len = '32'] = v.split('/');
      const l = Number(len);
      mask[w] = l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0;
      value[w] = ip(addr) & mask[w];
    } else {
      mask[w] = name === 'proto' ? 0xff : name === 'sport' || name === 'dport' ? 0xffff : 0xffffffff;
      value[w] = v;
    }
  }
  return { value, mask };
}

function pkt(fields: Partial<Record<Field, number | string>>): Uint32Array {
  const k = new Uint32Array(W);
  for (const [name, v] of Object.entries(fields) as [Field, number | string][])
    k[F[name]] = typeof v === 'string' ? ip(v) : v;
  return k;
}

function cls(): Classifier<string> {
  return new Classifier<string>({
    words: W,
    stages: [2, 5, 7],
    prefixFields: [
      { name: 'nw_src', word: F.src, words: 1 },
      { name: 'nw_dst', word: F.dst, words: 1 },
    ],
    partitionWord: F.metadata,
    conjIdWord: F.conj,
  });
}

describe('classifier API', () => {
  it('finds rules strictly (match + priority) and loosely (subset of a match)', () => {
    const c = cls();
    const a = c.insert(m({ src: '10.0.0.0/8', proto: 6 }), 10, 'a');
    const b = c.insert(m({ src: '10.1.0.0/16', proto: 6, dport: 80 }), 20, 'b');
    c.insert(m({ src: '10.1.0.0/16', proto: 17 }), 30, 'c');
    expect(c.findExact(m({ src: '10.0.0.0/8', proto: 6 }), 10)).toBe(a);
    expect(c.findExact(m({ src: '10.0.0.0/8', proto: 6 }), 11)).toBeNull();
    expect(c.findExact(m({ src: '10.0.0.0/8' }), 10)).toBeNull();
    expect(c.findLoose(m({ proto: 6 })).map((r) => r.data)).toEqual(['b', 'a']);
    expect(c.findLoose(m({ src: '10.0.0.0/8' })).map((r) => r.data)).toEqual(['c', 'b', 'a']);
    expect(c.findLoose(m({ src: '10.1.0.0/16', proto: 6 })).map((r) => r.data)).toEqual(['b']);
    expect(c.rules().map((r) => r.data)).toEqual(['c', 'b', 'a']);
    c.remove(b);
    expect(c.findExact(m({ src: '10.1.0.0/16', proto: 6, dport: 80 }), 20)).toBeNull();
    expect(c.size).toBe(2);
  });

  it('checks overlap only between rules of the same priority that some packet could match both', () => {
    const c = cls();
    c.insert(m({ src: '10.0.0.0/8', dport: 80 }), 100, 'web');
    expect(c.checkOverlap(m({ src: '10.1.2.3/32' }), 100)?.data).toBe('web');
    expect(c.checkOverlap(m({ src: '10.1.2.3/32' }), 99)).toBeNull();
    expect(c.checkOverlap(m({ src: '11.0.0.0/8' }), 100)).toBeNull();
    expect(c.checkOverlap(m({ dport: 443 }), 100)).toBeNull();
  });

  it('resolves conjunctive matches as ovs-fields(7) describes', () => {
    const c = cls();
    // conj_id=1234 actions=controller; ip_src in {10.0.0.1, 10.0.0.4} and tp_dst in {80, 443}.
    c.insert(m({ conj: 1234 }), 1, 'conj-1234');
    for (const src of ['10.0.0.1', '10.0.0.4']) {
      c.insert(m({ src }), 100, `src ${src}`, { conjunctions: [{ id: 1234, clause: 1, nClauses: 2 }] });
    }
    for (const dport of [80, 443]) {
      c.insert(m({ dport }), 100, `dport ${dport}`, { conjunctions: [{ id: 1234, clause: 2, nClauses: 2 }] });
    }
    c.insert(m({}), 0, 'default');
    c.insert(m({ src: '10.0.0.4/32', dport: 443 }), 200, 'override');
    expect(c.lookup(pkt({ src: '10.0.0.1', dport: 80 }))?.data).toBe('conj-1234');
    expect(c.lookup(pkt({ src: '10.0.0.4', dport: 80 }))?.data).toBe('conj-1234');
    expect(c.lookup(pkt({ src: '10.0.0.1', dport: 22 }))?.data).toBe('default');
    expect(c.lookup(pkt({ src: '10.0.0.5', dport: 443 }))?.data).toBe('default');
    expect(c.lookup(pkt({ src: '10.0.0.4', dport: 443 }))?.data).toBe('override');
    // A soft rule alone never matches.
    const only = cls();
    only.insert(m({ dport: 80 }), 100, 'clause', { conjunctions: [{ id: 1, clause: 1, nClauses: 2 }] });
    expect(only.lookup(pkt({ dport: 80 }))).toBeNull();
    // The megaflow never includes the conj_id pseudo-field.
    const wc = new Uint32Array(W);
    c.lookup(pkt({ src: '10.0.0.1', dport: 80 }), wc);
    expect(wc[F.conj]).toBe(0);
  });

  it('passes over a one-word subtable whose first-word filter excludes the key, un-wildcarding that word', () => {
    // A proto-only subtable hashes nw_proto alone at its first stage: its filter holds 6 and 17.
    const c = cls();
    c.insert(m({ proto: 6 }), 10, 'tcp');
    c.insert(m({ proto: 17 }), 10, 'udp');
    c.resetStats();
    const wc = new Uint32Array(W);
    expect(c.lookup(pkt({ proto: 1, src: '10.0.0.1' }), wc)).toBeNull();
    expect(c.stats.subtablesVisited).toBe(1);
    expect(c.stats.subtablesHashed).toBe(0);
    expect(Array.from(wc)).toEqual([0, 0, 0, 0, 0xff, 0, 0]);
    // A value the filter holds is probed, and found.
    expect(c.lookup(pkt({ proto: 17 }))?.data).toBe('udp');
    expect(c.stats.subtablesHashed).toBe(1);
  });

  it('makes a bundle visible atomically through versions', () => {
    const c = cls();
    const old = c.insert(m({ dport: 80 }), 10, 'old');
    const v1 = c.version + 1;
    c.insert(m({ dport: 80 }), 10, 'new', { version: v1 });
    c.makeInvisible(old, v1);
    const p = pkt({ dport: 80 });
    expect(c.lookup(p)?.data).toBe('old');
    expect(c.lookup(p, null, v1)?.data).toBe('new');
    c.version = v1;
    expect(c.lookup(p)?.data).toBe('new');
    c.remove(old);
    expect(c.rules(v1).map((r) => r.data)).toEqual(['new']);
  });

  it('rejects malformed input with a precise message', () => {
    const c = cls();
    expect(() => c.insert({ value: new Uint32Array(3), mask: new Uint32Array(3) }, 1, 'x')).toThrow(/3 words.*7/);
    expect(() => c.insert(m({}), 1, 'x', { conjunctions: [{ id: 1, clause: 3, nClauses: 2 }] })).toThrow(
      /conjunction\(1,3\/2\)/,
    );
    expect(() => new Classifier({ words: 4, stages: [2, 3] })).toThrow(/last stage/);
    expect(() => new Classifier({ words: 4, portWords: [4] })).toThrow(/portWords 4 outside the 4-word key/);
    expect(() => c.insert(m({}), 1, 'x', { version: -1 })).toThrow(/version -1/);
    const plain = new Classifier({ words: 2 });
    expect(() =>
      plain.insert({ value: new Uint32Array(2), mask: new Uint32Array(2) }, 1, 'x', {
        conjunctions: [{ id: 1, clause: 1, nClauses: 2 }],
      }),
    ).toThrow(/conjIdWord/);
  });
});

describe('no wildcard poisoning', () => {
  // CVE-2023-1668 shape: a table keyed on ports only for TCP. A proto 0 packet must get a megaflow
  // that pins the protocol, so the following TCP packet between the same addresses is not served by it.
  it('never serves a TCP packet from the megaflow of a protocol-0 packet between the same addresses', () => {
    const c = cls();
    c.insert(m({ src: '10.0.0.1/32', dst: '10.0.0.2/32', proto: 6, dport: 80 }), 100, 'web');
    c.insert(m({ src: '10.0.0.1/32', dst: '10.0.0.2/32' }), 50, 'other-ip');
    const p0 = pkt({ src: '10.0.0.1', dst: '10.0.0.2', proto: 0 });
    const wc = new Uint32Array(W);
    expect(c.lookup(p0, wc)?.data).toBe('other-ip');
    // Either nw_proto or tp_dst must be pinned: both tell the TCP packet below apart.
    expect((wc[F.proto] & 0xff) === 0xff || (wc[F.dport] & 80) !== 0).toBe(true);
    const p6 = pkt({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, dport: 80 });
    const inside = [...p6].every((v, i) => ((v ^ p0[i]) & wc[i]) === 0);
    expect(inside).toBe(false);
    expect(c.lookup(p6)?.data).toBe('web');
    // And a TCP packet to another port gets a megaflow that pins the port.
    const wc2 = new Uint32Array(W);
    expect(c.lookup(pkt({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, dport: 81 }), wc2)?.data).toBe('other-ip');
    expect(wc2[F.dport] & 0xffff).not.toBe(0);
    expect(((81 ^ 80) & wc2[F.dport]) !== 0).toBe(true);
  });

  it('keeps megaflows narrow on addresses with prefix tries', () => {
    const c = cls();
    c.insert(m({ dst: '192.168.1.0/24', proto: 6 }), 100, 'lan');
    c.insert(m({}), 0, 'default');
    const wc = new Uint32Array(W);
    expect(c.lookup(pkt({ dst: '10.9.9.9', proto: 6 }), wc)?.data).toBe('default');
    // The trie shows no /24 matches after looking at the first bit: only that bit is examined.
    expect(wc[F.dst]).toBe(0x80000000);
    expect(wc[F.proto]).toBe(0);
  });
});

describe('helpers', () => {
  it('WordTable.findPair finds what findMasked finds for two-word tuples, through inserts and removals', () => {
    const words = Int32Array.from([3, 1]);
    const masks = Uint32Array.from([0xffff0000, 0xff]);
    const table = new WordTable(2, 8, 3);
    const hashOf = (k: Uint32Array) => hashFinish(hashAdd(hashAdd(0, k[3] & masks[0]), k[1] & masks[1]), 8);
    let seed = 7;
    // (The high bits of the LCG: its low bits have short periods.)
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    const key = () => {
      const k = new Uint32Array(5);
      for (let i = 0; i < 5; i++) k[i] = next() & (i === 3 ? 0x0007ffff : 0x3f);
      return k;
    };
    const ids: number[] = [];
    let hits = 0;
    for (let round = 0; round < 2000; round++) {
      const k = key();
      const h = hashOf(k);
      const id = table.findMasked(h, k, words, masks);
      expect(table.findPair(h, k[3] & masks[0], k[1] & masks[1])).toBe(id);
      if (id >= 0) hits++;
      if (id < 0 && next() % 2 === 0) ids.push(table.insertMasked(h, k, words, masks));
      else if (ids.length > 0 && next() % 3 === 0) table.remove(ids.splice(next() % ids.length, 1)[0]);
    }
    expect(table.size).toBe(ids.length);
    expect(hits).toBeGreaterThan(200);
  });

  it('expandRange covers exactly the range with at most 2(bits-1) prefix blocks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const parts = expandRange(lo, hi);
        expect(parts.length).toBeLessThanOrEqual(30);
        for (const probe of [lo, hi, lo - 1, hi + 1, (lo + hi) >>> 1, 0, 65535]) {
          if (probe < 0 || probe > 65535) continue;
          const hits = parts.filter((p) => (probe & p.mask) === p.value).length;
          expect(hits).toBe(probe >= lo && probe <= hi ? 1 : 0);
        }
      }),
    );
    expect(expandRange(1024, 65535).length).toBe(6);
    expect(expandRange(80, 80)).toEqual([{ value: 80, mask: 0xffff }]);
  });

  it('prefixLength recognises CIDR masks across words', () => {
    expect(prefixLength(Uint32Array.of(0xffffff00), 0, 1)).toBe(24);
    expect(prefixLength(Uint32Array.of(0xffffffff, 0xfffe0000, 0, 0), 0, 4)).toBe(47);
    expect(prefixLength(Uint32Array.of(0xff00ff00), 0, 1)).toBe(-1);
    expect(prefixLength(Uint32Array.of(0, 0xffffffff), 0, 2)).toBe(-1);
    expect(prefixLength(Uint32Array.of(0), 0, 1)).toBe(0);
  });

  it('PrefixTrie agrees with brute force on large IPv6-width tries through inserts and removals', () => {
    const rng = (seed: number) => () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    for (const seed of [1, 2, 3]) {
      const next = rng(seed);
      const trie = new PrefixTrie(128, 2);
      // Prefixes around a few networks so paths share long stretches and branch deep.
      const nets = Array.from({ length: 8 }, () => Uint32Array.from({ length: 4 }, next));
      const stored: [Uint32Array, number][] = [];
      for (let i = 0; i < 3000; i++) {
        const v = Uint32Array.from(nets[next() % nets.length]);
        v[(next() % 4) as number] ^= next() & 0xff;
        const plen = 1 + (next() % 128);
        trie.insert(v, 0, plen);
        stored.push([v, plen]);
      }
      const plens = new Uint32Array(5);
      // Every stored prefix is found by a lookup of its own value.
      for (const [v, plen] of stored) {
        trie.lookup(v, 0, plens);
        expect((plens[plen >>> 5] >>> (plen & 31)) & 1).toBe(1);
      }
      for (let i = 0; i < 1500; i++) {
        const [v, plen] = stored.splice(next() % stored.length, 1)[0];
        trie.remove(v, 0, plen);
      }
      const bitOf = (v: Uint32Array, d: number) => (v[d >>> 5] >>> (31 - (d & 31))) & 1;
      const samePrefix = (a: Uint32Array, b: Uint32Array, n: number) => {
        for (let d = 0; d < n; d++) if (bitOf(a, d) !== bitOf(b, d)) return false;
        return true;
      };
      for (let i = 0; i < 200; i++) {
        const k = Uint32Array.from(nets[next() % nets.length]);
        if (i % 2) k[(next() % 4) as number] ^= next() & 0xfff;
        const bits = trie.lookup(k, 0, plens);
        const want = new Set(stored.filter(([v, l]) => samePrefix(v, k, l)).map(([, l]) => l));
        for (let l = 1; l <= 128; l++) expect(((plens[l >>> 5] >>> (l & 31)) & 1) === 1, `plen ${l}`).toBe(want.has(l));
        expect(stored.some(([v, l]) => l > bits && samePrefix(v, k, bits))).toBe(false);
      }
    }
  });

  it('PrefixTrie reports matching prefix lengths and sound check bits (against brute force)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 32 })), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 39 }),
        (prefixes, keys, nRemove) => {
          const trie = new PrefixTrie(32);
          const stored = prefixes.map(([v, l]) => [v >>> 0, l] as const);
          for (const [v, l] of stored) trie.insert(Uint32Array.of(v), 0, l);
          for (const [v, l] of stored.splice(0, Math.min(nRemove, stored.length - 1)))
            trie.remove(Uint32Array.of(v), 0, l);
          const top = (x: number, l: number) => (l === 0 ? 0 : (x >>> (32 - l)) >>> 0);
          const plens = new Uint32Array(2);
          for (const k of keys) {
            const bits = trie.lookup(Uint32Array.of(k), 0, plens);
            for (let l = 1; l <= 32; l++) {
              const want = stored.some(([v, pl]) => pl === l && top(v, l) === top(k, l));
              expect(((plens[l >>> 5] >>> (l & 31)) & 1) === 1).toBe(want);
              // Soundness of the check bits: any key sharing `bits` leading bits has no longer match either.
              if (l > bits) expect(want).toBe(false);
            }
            const deeper = stored.some(([v, pl]) => pl > bits && top(v, bits) === top(k, bits));
            expect(deeper).toBe(false);
          }
        },
      ),
    );
  });
  it('PrefixTrie root index gives the same walks as a plain trie through interleaved changes and lookups', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 32 }), fc.nat()),
          { minLength: 1, maxLength: 300 },
        ),
        (ops) => {
          const plain = new PrefixTrie(32);
          // Index from the start (16 bits after the second insert) and from 8 nodes (12 bits, then 16 from 256).
          const indexedTries = [new PrefixTrie(32, 4, 0), new PrefixTrie(32, 4, 8)];
          const stored: [number, number][] = [];
          const a = new Uint32Array(2);
          const b = new Uint32Array(2);
          for (const [add, raw, len, pick] of ops) {
            // Values clustered in a few /8s so changes land under cached root entries.
            const v = ((raw & 0x3ffffff) | ((raw >>> 30) << 24)) >>> 0;
            if (add || stored.length === 0) {
              stored.push([v, len]);
              plain.insert(Uint32Array.of(v), 0, len);
              for (const t of indexedTries) t.insert(Uint32Array.of(v), 0, len);
            } else {
              const [rv, rl] = stored.splice(pick % stored.length, 1)[0];
              plain.remove(Uint32Array.of(rv), 0, rl);
              for (const t of indexedTries) t.remove(Uint32Array.of(rv), 0, rl);
            }
            for (const k of [v, v ^ 1, v ^ 0x100000, v ^ 0x800000, ...stored.slice(-3).map(([x]) => x ^ 0x80)]) {
              const key = Uint32Array.of(k);
              const want = plain.lookup(key, 0, a);
              for (const t of indexedTries) {
                expect(t.lookup(key, 0, b)).toBe(want);
                expect([...b]).toEqual([...a]);
              }
            }
          }
        },
      ),
    );
  });
  it('PrefixTrie second-level blocks give the same walks and tags as a plain trie where the levels below the root index are dense', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 3 }),
            fc.integer({ min: 0, max: 2 }),
            fc.integer({ min: 0, max: 0xffff }),
            fc.integer({ min: 14, max: 32 }),
            fc.integer({ min: 0, max: 63 }),
            fc.nat(),
          ),
          // (Without a large minLength, fast-check draws short arrays: too few prefixes for blocks.)
          { minLength: 150, maxLength: 300 },
        ),
        (ops) => {
          const plain = new PrefixTrie(32, 64, -1, true);
          // A root index from the start (12 bits at this size); walks through its few dense
          // entries earn blocks (the next 8 bits), and changes under them drop them.
          const indexed = new PrefixTrie(32, 4, 0, true);
          const stored: [number, number, number][] = [];
          const tops = [0x0a0, 0x0a1, 0xc0a];
          const want = new TrieWalk(32);
          const got = new TrieWalk(32);
          for (const [op, top, low, len, tag, pick] of ops) {
            // 64 values of the 8 bits a block covers (bits 12..19), so changes land under filled entries.
            const v = ((tops[top] << 20) | ((low & 0x3f) << 14) | (low >>> 6)) >>> 0;
            // Three inserts to a remove: the trie grows dense enough for blocks.
            if (op !== 0 || stored.length === 0) {
              stored.push([v, len, tag]);
              plain.insert(Uint32Array.of(v), 0, len, tag);
              indexed.insert(Uint32Array.of(v), 0, len, tag);
            } else {
              const [rv, rl, rt] = stored.splice(pick % stored.length, 1)[0];
              plain.remove(Uint32Array.of(rv), 0, rl, rt);
              indexed.remove(Uint32Array.of(rv), 0, rl, rt);
            }
            const gotAll: number[] = [];
            const wantAll: number[] = [];
            for (const k of [
              v,
              v ^ 1,
              v ^ 0x100,
              v ^ 0x1000,
              v ^ 0x80000,
              ...stored.slice(-4).map(([x]) => x ^ 0x40),
            ]) {
              const key = Uint32Array.of(k);
              for (const target of [32, 20, 18]) {
                want.reset();
                got.reset();
                plain.advance(want, key, 0, target);
                indexed.advance(got, key, 0, target);
                // The classifier reads end, depth (for lengths up to the target), plens and tags.
                gotAll.push(k, target, got.end, got.depth, got.tagsLo, got.tagsHi, ...got.plens);
                wantAll.push(k, target, want.end, want.depth, want.tagsLo, want.tagsHi, ...want.plens);
              }
            }
            expect(gotAll).toEqual(wantAll);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
  it('PrefixTrie gives a dense region below the root index a second-level block once walks through it go deep', () => {
    const trie = new PrefixTrie(32, 64, 0, true);
    // Every /24 of 10.1.0.0/16: a full binary subtree below the root index.
    for (let i = 0; i < 256; i++) trie.insert(Uint32Array.of((0x0a010000 | (i << 8)) >>> 0), 0, 24, i & 63);
    const before = trie.byteLength;
    const walk = new TrieWalk(32);
    for (let i = 0; i < 256; i++) {
      walk.reset();
      trie.advance(walk, Uint32Array.of((0x0a010005 | (i << 8)) >>> 0), 0, 32);
      // Down to the /24 leaf, which has no children: 24 bits decide the walk.
      expect([walk.depth, walk.end, walk.plens[0] >>> 24]).toEqual([24, 24, 1]);
      expect([walk.tagsLo, walk.tagsHi]).toEqual((i & 63) < 32 ? [1 << (i & 31), 0] : [0, 1 << (i & 31)]);
    }
    expect(trie.byteLength - before).toBeGreaterThanOrEqual(256 * 16);
  });
});
