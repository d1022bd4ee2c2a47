import { createFlowKey, FLOW_WORDS, hashMasked, hashWords } from '@softswitch/packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('hash', () => {
  it('hashMasked equals hashWords of the masked copy', () => {
    const words = fc.uint32Array({ minLength: FLOW_WORDS, maxLength: FLOW_WORDS });
    fc.assert(
      fc.property(words, words, fc.integer(), (key, mask, seed) => {
        const masked = key.map((v, i) => v & mask[i]);
        expect(hashMasked(key, mask, seed)).toBe(hashWords(masked, seed));
      }),
      { numRuns: 2000 },
    );
  });

  it('is deterministic, seed-dependent and range-aware', () => {
    const key = createFlowKey().map((_, i) => i * 2654435761);
    expect(hashWords(key)).toBe(hashWords(key.slice()));
    expect(hashWords(key, 1)).not.toBe(hashWords(key, 2));
    expect(hashWords(key, 0, 10, 20)).toBe(hashWords(key.slice(10, 20)));
  });

  it('spreads keys that differ in one bit evenly over buckets', () => {
    // 65536 keys differing only in their low bits (the worst case for a weak hash: sequential
    // ports), into 256 buckets: every bucket should get close to 256.
    const key = createFlowKey();
    const buckets = new Uint32Array(256);
    for (let i = 0; i < 65536; i++) {
      key[61] = i;
      buckets[hashWords(key) & 255]++;
    }
    let chi2 = 0;
    for (const b of buckets) chi2 += (b - 256) ** 2 / 256;
    // 255 degrees of freedom: mean 255, p=0.001 at about 330.
    expect(chi2).toBeLessThan(330);
  });

  it('avalanches: one flipped input bit flips about half the output bits', () => {
    const key = createFlowKey();
    let flips = 0;
    let trials = 0;
    for (let w = 0; w < FLOW_WORDS; w += 3) {
      for (let bit = 0; bit < 32; bit += 5) {
        const a = hashWords(key);
        key[w] ^= 1 << bit;
        const b = hashWords(key);
        key[w] ^= 1 << bit;
        let x = (a ^ b) >>> 0;
        while (x) {
          flips += x & 1;
          x >>>= 1;
        }
        trials++;
      }
    }
    const mean = flips / trials;
    expect(mean).toBeGreaterThan(14);
    expect(mean).toBeLessThan(18);
  });
});
