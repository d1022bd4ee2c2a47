import { hash } from 'node:crypto';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BenchResult, measureRate } from './harness.js';
import { median } from './stats.js';

/**
 * What a process pays for work it does just after waking from idle, beside the same work done
 * hot, for two steps every commit takes (the log record's SHA-1 and its write(2)), and what a
 * page touched for the first time costs. An `ovs-vsctl` run wakes the server four times,
 * 0.1-5 ms apart, so all of a session's work runs in this state: on a machine where it costs
 * 10x, what counts is how much distinct code and memory a request touches, not how fast that
 * code runs once warm. The bench prints it so that add-port figures from different machines can
 * be read side by side.
 */

const RECORD_BYTES = 450;
/** Short hot runs: each write(2) run appends to the file (20 ms at ~5 µs a call is ~2 MB). */
const HOT_RUN_MS = 20;
const IDLE_CALLS = 41;
const IDLE_MS = 20;
const PAGE_BYTES = 4096;
const FRESH_PAGES = 4096;

export async function idleCostResults(dir: string): Promise<BenchResult[]> {
  const record = Buffer.alloc(RECORD_BYTES, 0x61);
  const file = join(dir, 'idle-cost.log');
  const fd = openSync(file, 'a');
  try {
    const steps: [string, () => void][] = [
      [`SHA-1 of ${RECORD_BYTES} B`, () => hash('sha1', record, 'hex')],
      [`write(2) of ${RECORD_BYTES} B to a file`, () => writeSync(fd, record, 0, RECORD_BYTES)],
    ];
    const results: BenchResult[] = [];
    for (const [what, step] of steps) {
      const hot = 1e6 / measureRate(hotLoop(step), 1, HOT_RUN_MS, 3);
      const idle = await afterIdleMicros(step);
      const kind = { unit: 'µs', higherIsBetter: false, params: { idleMs: IDLE_MS, calls: IDLE_CALLS } };
      const base = `${what}, hot (info)`;
      results.push({ name: base, value: hot, ...kind });
      results.push({ name: `${what}, after ${IDLE_MS} ms idle (info)`, value: idle, ...kind, baseline: base });
    }
    results.push({
      name: 'first write to a fresh 4 KB page (info)',
      value: firstTouchMicros(),
      unit: 'µs',
      higherIsBetter: false,
      params: { pages: FRESH_PAGES },
    });
    return results;
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
}

/**
 * Mean µs per page to write one byte into each page of memory never touched before: the page fault
 * a growing heap takes for every new page (a large allocation comes straight from mmap, untouched).
 */
function firstTouchMicros(): number {
  const fresh = Buffer.allocUnsafeSlow(FRESH_PAGES * PAGE_BYTES);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < fresh.length; i += PAGE_BYTES) fresh[i] = 1;
  return Number(process.hrtime.bigint() - t0) / FRESH_PAGES / 1000;
}

/** `step` as a body for measureRate: `n` calls back to back. */
function hotLoop(step: () => void): (n: number) => void {
  return (n) => {
    for (let i = 0; i < n; i++) step();
  };
}

/** Median µs of one call made after the process has slept `IDLE_MS` with nothing to do. */
async function afterIdleMicros(step: () => void): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < IDLE_CALLS; i++) {
    await sleep(IDLE_MS);
    const t0 = process.hrtime.bigint();
    step();
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return median(times);
}
