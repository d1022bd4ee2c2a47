/**
 * `dpctl/replay --threads N`: the capture goes through N datapath threads (libs/datapath's
 * PmdPool) instead of the main thread's datapath. The capture is split over the threads once
 * (by the RSS hash of each packet's flow) and fed in batches, one ring record per thread per
 * batch; misses come back as upcalls that the main thread translates while it feeds.
 *
 * Outputs: with `--out` (or any capture tap on the datapath) the threads hand them back and they
 * reach the taps and the port devices in reception order, exactly as one thread sends them;
 * otherwise the threads only count them (the figures the replay bench measures).
 *
 * Pools stay up between replays (their caches warm, as Open vSwitch's PMD threads), one per
 * thread count and output mode, and stop after POOL_IDLE_MS unused.
 */
import type { Datapath, PmdPlan } from '@softswitch/datapath';
import { PmdPool } from '@softswitch/datapath';
import type { CapturedPacket } from '@softswitch/pcap';
import { UnixctlCommandError } from '@softswitch/unixctl';
import type { BridgeSet } from './bridge-set.js';
import type { DriveControl } from './replay.js';

/** Capture packets per fed batch (split over the threads). */
const THREADED_BATCH = 1024;
/** Feeding runs this long between two yields to the event loop (upcalls, the control socket), ms. */
const SLICE_MS = 2;
const POOL_IDLE_MS = 30_000;
/** Split captures a pool keeps for the next replays of the same file, at most. */
const PLANS_KEPT = 2;

/** What the replay job shares with the feeder: the packets, and the count fed so far. */
export interface ThreadedFeed {
  readonly dpPort: number;
  readonly packets: readonly CapturedPacket[];
  readonly total: number;
  sent: number;
  /**
   * Names the capture's contents (path, size, modification time): a pool splits a capture over
   * its threads once and replays of the same file reuse the split (a tenth of a 2-thread replay's
   * time for a 100k-packet capture fed 5 times).
   */
  readonly source?: string;
}

interface IdlePool {
  pool: PmdPool;
  users: number;
  timer: NodeJS.Timeout | undefined;
  /** Recent splits by ThreadedFeed.source, oldest first. */
  plans: Map<string, PmdPlan>;
}

const pools = new WeakMap<Datapath, Map<string, IdlePool>>();

async function acquirePool(dp: Datapath, threads: number, capture: boolean, maxFrame: number): Promise<IdlePool> {
  let byKind = pools.get(dp);
  if (byKind === undefined) {
    byKind = new Map();
    pools.set(dp, byKind);
  }
  // Room for a few batches of the largest frame in each ring.
  const ringBytes = Math.max(4 << 20, 4 * THREADED_BATCH * (maxFrame + 16));
  const kind = `${threads}/${capture}/${ringBytes}`;
  let entry = byKind.get(kind);
  if (entry === undefined) {
    const pool = await PmdPool.start(dp, { threads, capture, ringBytes });
    entry = { pool, users: 0, timer: undefined, plans: new Map() };
    byKind.set(kind, entry);
  } else entry.pool.updatePorts();
  const e = entry;
  e.users++;
  if (e.timer !== undefined) clearTimeout(e.timer);
  e.timer = undefined;
  return e;
}

function releasePool(dp: Datapath, entry: IdlePool, broken: boolean): void {
  entry.users--;
  const close = () => {
    for (const [kind, e] of pools.get(dp) ?? []) if (e === entry) pools.get(dp)?.delete(kind);
    void entry.pool.close();
  };
  if (broken) close();
  else if (entry.users === 0) {
    entry.timer = setTimeout(close, POOL_IDLE_MS);
    entry.timer.unref();
  }
}

/**
 * Stops `dp`'s pools at once, for switchd's shutdown: an idle pool's threads would otherwise keep
 * the process alive until its POOL_IDLE_MS timer ran out.
 */
export async function closeReplayPools(dp: Datapath): Promise<void> {
  const byKind = pools.get(dp);
  if (byKind === undefined) return;
  pools.delete(dp);
  await Promise.all(
    [...byKind.values()].map((e) => {
      clearTimeout(e.timer);
      return e.pool.close();
    }),
  );
}

/**
 * Feeds `feed.total` packets (the capture looped) through `threads` datapath threads, as fast as
 * possible or at `control.rate`, yielding to the event loop every SLICE_MS; returns once every
 * packet is processed and its outputs delivered (or after a cancel).
 */
export async function driveThreadedReplay(
  set: BridgeSet,
  feed: ThreadedFeed,
  threads: number,
  control: DriveControl,
): Promise<void> {
  const dp = set.datapath;
  const frames = feed.packets.map((p) => p.data);
  if (frames.length === 0) return;
  const maxFrame = frames.reduce((m, f) => Math.max(m, f.length), 0);
  const entry = await acquirePool(dp, threads, dp.tap !== undefined, maxFrame);
  const pool = entry.pool;
  let broken = false;
  try {
    const plan = planFor(entry, feed, frames);
    const start = performance.now();
    let sliceEnd = start + SLICE_MS;
    while (feed.sent < feed.total) {
      if (control.cancelled()) break;
      if (!control.stillValid()) throw new UnixctlCommandError('the input port went away during the replay');
      const at = feed.sent % frames.length;
      let n = Math.min(THREADED_BATCH, frames.length - at, feed.total - feed.sent);
      if (control.rate > 0) {
        const now = performance.now();
        const due = Math.min(feed.total, Math.floor(((now - start) * control.rate) / 1000) + 1);
        if (due <= feed.sent) {
          await sleep(start + (feed.sent * 1000) / control.rate - now);
          sliceEnd = performance.now() + SLICE_MS;
          continue;
        }
        n = Math.min(n, due - feed.sent);
      }
      if (!pool.submitPlan(plan, feed.dpPort, at, at + n, frames)) {
        await pool.waitForRoom();
        sliceEnd = performance.now() + SLICE_MS;
        continue;
      }
      feed.sent += n;
      if (performance.now() >= sliceEnd) {
        // Upcall answers and invalidations go out while the threads work.
        set.revalidateIfPending();
        pool.sync();
        await yieldToLoop();
        sliceEnd = performance.now() + SLICE_MS;
      }
    }
    await pool.drain();
    set.revalidateIfPending();
    pool.sync();
  } catch (err) {
    broken = !(err instanceof UnixctlCommandError);
    throw err;
  } finally {
    releasePool(dp, entry, broken);
  }
}

/** The capture split over the pool's threads: the one kept for its source, or a new one. */
function planFor(entry: IdlePool, feed: ThreadedFeed, frames: readonly Uint8Array[]): PmdPlan {
  const kept = feed.source === undefined ? undefined : entry.plans.get(feed.source);
  if (kept !== undefined && kept.packets === frames.length) return kept;
  const plan = entry.pool.plan(frames);
  if (feed.source !== undefined) {
    entry.plans.set(feed.source, plan);
    for (const key of entry.plans.keys()) if (entry.plans.size > PLANS_KEPT) entry.plans.delete(key);
  }
  return plan;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
