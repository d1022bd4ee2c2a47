/**
 * `Open_vSwitch other_config:n-dp-threads=N`: live ports' received packets go through N
 * datapath threads (libs/datapath's PmdPool, as Open vSwitch's PMD threads) instead of the main
 * thread's datapath. 0 or 1 (the default): the main thread, as before.
 *
 * Each received batch is spread over the threads by the RSS hash of its packets' flows (one flow
 * stays on one thread: its order is kept); misses come up to the main thread, which owns the
 * OpenFlow tables; outputs come back and are sent by the main thread in reception order. The
 * pool follows the main datapath's megaflows (revalidation, expiry) and merges the threads'
 * counters into it, so dpif/show, dump-flows and rule statistics add up.
 *
 * Frames with pending receive offloads (`options:rx_offload=keep`) are finished here first
 * (checksum completed, super-frames cut): the threads handle complete frames only.
 */
import type { Datapath, DpPort } from '@softswitch/datapath';
import { PmdPool } from '@softswitch/datapath';
import { completeChecksum, type FrameOffload, offloadPending, type RxBatch, segmentTcp } from '@softswitch/netdev';

/** Open vSwitch's PMD thread limit is the core count; ours, the pool's. */
const MAX_THREADS = 64;
/** Room for one 64 KiB super-frame cut into segments, each with its own headers. */
const SEGMENT_SCRATCH_BYTES = 65536 + 256 * 128;

/** The thread count `other_config:n-dp-threads` asks for (0: main thread), or undefined if bad. */
export function parseDpThreads(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return 0;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= MAX_THREADS ? n : undefined;
}

export class DpThreads {
  private pool: PmdPool | undefined;
  private wanted = 0;
  /** Ports whose receive handler feeds the pool (re-hooked after port changes). */
  private readonly hooked = new Set<DpPort>();
  private readonly frames: Uint8Array[] = [];
  private readonly scratch = new Uint8Array(SEGMENT_SCRATCH_BYTES);
  /** Bytes of `scratch` the segments cut so far in this batch use. */
  private used = 0;
  /** segmentTcp's callback, made once (not per received batch). */
  private readonly emit = (segment: Uint8Array): void => {
    this.frames.push(segment);
    this.used += segment.length;
  };
  private changing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dp: Datapath,
    private readonly log: (message: string) => void,
  ) {}

  /** Threads running now (0: the main thread's datapath handles live ports). */
  get threads(): number {
    return this.pool?.threads ?? 0;
  }

  /**
   * Switches to `n` threads (0/1: the main thread). The same count again does nothing: port
   * changes reach the threads through `portsChanged` (BridgeSet.reconcile calls it).
   */
  configure(n: number): Promise<void> {
    this.changing = this.changing.then(() => this.apply(n));
    return this.changing;
  }

  private async apply(n: number): Promise<void> {
    const want = n >= 2 ? n : 0;
    if (want === this.wanted && (want === 0 || this.pool !== undefined)) return;
    this.wanted = want;
    const old = this.pool;
    this.pool = undefined;
    // Back to the main thread first: no packet goes to a pool being replaced.
    this.hookPorts();
    if (old !== undefined) {
      await old.drain().catch(() => undefined);
      await old.close();
    }
    if (want === 0) {
      this.log('datapath: live ports in the main thread');
      return;
    }
    try {
      this.pool = await PmdPool.start(this.dp, { threads: want, capture: true });
      this.log(`datapath: live ports through ${want} datapath threads`);
    } catch (err) {
      this.log(`datapath: cannot start ${want} datapath threads: ${(err as Error).message}`);
    }
    this.hookPorts();
  }

  /** After ports were added or removed or changed (MTU, state): hook new ones, tell the threads. */
  portsChanged(): void {
    this.hookPorts();
    this.pool?.updatePorts();
  }

  /** Flows the main datapath changed or removed reach the threads now (after a revalidation). */
  sync(): void {
    this.pool?.sync();
  }

  async close(): Promise<void> {
    this.wanted = 0;
    const pool = this.pool;
    this.pool = undefined;
    this.hookPorts();
    await pool?.close();
  }

  private hookPorts(): void {
    const dp = this.dp;
    const pool = this.pool;
    const ports = dp.portList;
    for (const p of [...this.hooked]) if (!ports.includes(p)) this.hooked.delete(p);
    for (const p of ports) {
      const inPort = p.portNo;
      if (pool === undefined) {
        if (!this.hooked.delete(p)) continue;
        // What Datapath.addPort installs: the main thread's datapath.
        p.netdev.onReceive((b: RxBatch) => dp.processBatch(inPort, b.frames, b.count, b.offloads));
      } else {
        p.netdev.onReceive((b: RxBatch) => this.receive(pool, inPort, b));
        this.hooked.add(p);
      }
    }
  }

  private receive(pool: PmdPool, inPort: number, batch: RxBatch): void {
    if (batch.offloads === undefined) this.submit(pool, inPort, batch.frames, batch.count);
    else this.receiveWithOffloads(pool, inPort, batch, batch.offloads);
  }

  private submit(pool: PmdPool, inPort: number, frames: readonly Uint8Array[], count: number): void {
    if (count === 0) return;
    try {
      // A full ring drops the batch, as a PMD thread's full receive queue would.
      if (!pool.submit(inPort, frames, count)) this.dp.merged.lost += count;
    } catch (err) {
      this.log(`datapath threads failed: ${(err as Error).message}; back to the main thread`);
      void this.configure(0);
    }
  }

  /**
   * Submits the batch with pending offloads finished: checksums completed in place, super-frames
   * cut into segments in `scratch` (submitted whenever it fills up: the pool copies them).
   */
  private receiveWithOffloads(pool: PmdPool, inPort: number, batch: RxBatch, offloads: readonly FrameOffload[]): void {
    const out = this.frames;
    const emit = this.emit;
    out.length = 0;
    this.used = 0;
    for (let i = 0; i < batch.count; i++) {
      const frame = batch.frames[i];
      const o = offloads[i];
      if (!offloadPending(o)) out.push(frame);
      else if (o.gsoType === 0) {
        if (!o.needsChecksum || completeChecksum(frame, o.csumStart, o.csumOffset)) out.push(frame);
        else this.dp.drops.add('invalid_packet');
      } else {
        if (segmentTcp(frame, o.gsoSize, this.scratch.subarray(this.used), emit) >= 0) continue;
        // No room left after earlier segments: send those, then cut this one from the start.
        this.submit(pool, inPort, out, out.length);
        out.length = 0;
        this.used = 0;
        if (segmentTcp(frame, o.gsoSize, this.scratch, emit) < 0) this.dp.drops.add('invalid_packet');
      }
    }
    this.submit(pool, inPort, out, out.length);
  }
}
