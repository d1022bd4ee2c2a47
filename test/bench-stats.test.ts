import { describe, expect, it } from 'vitest';
import { median, pairedMedianRatioInterval } from '../bench/src/stats.js';

/** Run times around `base` with a deterministic spread (no Math.random: the test must repeat). */
function series(n: number, base: number, spread: number, phase: number): number[] {
  return Array.from({ length: n }, (_, i) => base + spread * Math.sin(i * 1.7 + phase));
}

describe('bench statistics', () => {
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('the ratio interval straddles 1 when both sides draw from the same spread', () => {
    const [lo, hi] = pairedMedianRatioInterval(series(101, 24, 1.5, 0), series(101, 24, 1.5, 0.9));
    expect(lo).toBeLessThan(1);
    expect(hi).toBeGreaterThan(1);
  });

  it('the ratio interval excludes 1 when one side is 10% slower in every pair', () => {
    const theirs = series(101, 24, 1.5, 0);
    const [lo, hi] = pairedMedianRatioInterval(
      theirs,
      theirs.map((t) => t * 1.1),
    );
    expect(lo).toBeGreaterThan(1.05);
    expect(hi).toBeLessThan(1.15);
  });

  it('is the same on every call (seeded resampling)', () => {
    const a = series(51, 10, 2, 0);
    const b = series(51, 10, 2, 2);
    expect(pairedMedianRatioInterval(a, b)).toEqual(pairedMedianRatioInterval(a, b));
  });
});
