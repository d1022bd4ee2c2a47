import { prng } from '@softswitch/openflow';

/** Small statistics for comparing two series measured in the same run. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * 95% bootstrap interval of median(mine) / median(theirs) for runs taken in pairs (run i of
 * each side in the same turn): whole pairs are resampled, so a busy moment of the machine
 * stays matched on both sides. An interval that straddles 1 means the two cannot be told
 * apart by this sample.
 */
export function pairedMedianRatioInterval(
  theirs: readonly number[],
  mine: readonly number[],
  resamples = 2000,
): [number, number] {
  const n = Math.min(theirs.length, mine.length);
  // Seeded: the same run gives the same interval.
  const random = prng(n * 7919 + resamples);
  const a = new Array<number>(n);
  const b = new Array<number>(n);
  const ratios: number[] = [];
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const k = Math.floor(random() * n);
      a[i] = theirs[k];
      b[i] = mine[k];
    }
    ratios.push(median(b) / median(a));
  }
  ratios.sort((x, y) => x - y);
  return [ratios[Math.floor(resamples * 0.025)], ratios[Math.ceil(resamples * 0.975) - 1]];
}
