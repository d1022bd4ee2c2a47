import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One figure in bench/results/<suite>.json, as INTERFACES.md specifies. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  higherIsBetter: boolean;
  params?: Record<string, unknown>;
  /** Name of the result, from the same run, that this one is compared against. */
  baseline?: string;
  /** value / baseline value (always against a figure measured in the same run). */
  ratio?: number;
}

export interface Suite {
  name: string;
  run(): Promise<BenchResult[]>;
}

/**
 * Runs `body(iterations)` with growing iteration counts until one run takes at least `minMs`,
 * then repeats `repeats` times and returns the best rate (operations per second): on a noisy
 * 2-core machine the fastest run is the one least disturbed.
 */
export function measureRate(body: (iterations: number) => void, opsPerIteration = 1, minMs = 200, repeats = 5): number {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    body(n);
    const dt = performance.now() - t0;
    if (dt >= minMs) break;
    n = dt < 1 ? n * 10 : Math.ceil((n * minMs * 1.2) / dt);
  }
  let best = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    body(n);
    const dt = (performance.now() - t0) / 1000;
    best = Math.max(best, (n * opsPerIteration) / dt);
  }
  return best;
}

/** Fills in `ratio` for every result that names a baseline in the same list. */
export function withRatios(results: BenchResult[]): BenchResult[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  return results.map((r) => {
    const base = r.baseline ? byName.get(r.baseline) : undefined;
    return base && base.value !== 0 ? { ...r, ratio: r.value / base.value } : r;
  });
}

export function writeResults(dir: string, suite: string, results: BenchResult[]): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${suite}.json`);
  writeFileSync(file, `${JSON.stringify(withRatios(results), null, 2)}\n`);
  return file;
}
