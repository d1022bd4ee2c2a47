import { prng } from '@softswitch/openflow';

/** Seeded choices for generated test inputs: the same seed, the same sequence, run after run. */
export function seeded(seed: number) {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  return {
    /** The next number in [0, 1). */
    rnd,
    int,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)],
    chance: (p: number): boolean => rnd() < p,
    /** A random number below `n`, as 0x-hex. */
    hex: (n: number): string => `0x${int(n).toString(16)}`,
  };
}
