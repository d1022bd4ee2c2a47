/**
 * Datapath threads, as Open vSwitch's PMD threads: N workers (pmd-worker.ts), each with its own
 * exact-match and megaflow caches (a replica of what the main datapath would hold for its
 * flows). The main thread spreads received frames over them by an RSS-style hash of the
 * headers (one flow always lands on one thread, so per-flow order is kept), in batches written
 * to one SharedArrayBuffer ring per thread: no message per packet.
 *
 * The main thread keeps what it owns: the OpenFlow tables. A thread's misses come up as one
 * message per round; each is answered from the main datapath's megaflows when one already
 * covers it (installed from another thread's miss), else translated by the datapath's upcall
 * handler and installed in the main datapath (so `dpctl dump-flows` shows it) under a flow id
 * the thread installs it with. Removals and action changes in the main datapath (revalidation,
 * expiry, dpctl) follow `Datapath.flowGeneration` and are broadcast to the threads (`sync`).
 * The threads' counters (hits, misses, drops by reason, per-flow packets/bytes/used) are merged
 * into the main datapath (`Datapath.merged`, the flows themselves), so `dpif/show`,
 * `dpctl/dump-flows` and the rule counters built on them stay right.
 *
 * Outputs: counted by the threads, or, with `capture`, handed back with each input packet's
 * sequence number and delivered on the main thread (taps, then the netdev's `sendBatch`) in
 * reception order, merged over the threads: the ports see exactly what one thread would send.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { hashAdd, hashFinish, read32 } from '@softswitch/packet';
import { type DpAction, formatActions, parseActions } from './actions.js';
import type { Datapath, DpFlow, DpFlowData, UpcallResult } from './datapath.js';
import { DROP_REASON_NAMES } from './drop-reasons.js';
import type { CompiledActions } from './execute.js';
import type {
  FromWorker,
  PmdAnswer,
  PmdOutputs,
  PmdPortInfo,
  PmdStats,
  PmdUpcall,
  PmdWorkerData,
  ToWorker,
} from './pmd-protocol.js';
import {
  BATCH_HEADER_BYTES,
  createRingBuffer,
  PACKET_HEADER_BYTES,
  packetRecordBytes,
  RingWriter,
} from './pmd-ring.js';

export interface PmdPoolOptions {
  /** Worker threads (>= 1). */
  readonly threads: number;
  /** Hand outputs back to the main thread (taps and netdevs), merged into reception order. */
  readonly capture?: boolean;
  /** Ring size per thread, bytes (default 4 MiB). */
  readonly ringBytes?: number;
  /** Per-thread cache tuning (defaults: the main datapath's cache's, when the threads start). */
  readonly emcEntries?: number;
  readonly emcInsertProbability?: number;
  readonly smcEnabled?: boolean;
}

/**
 * The RSS-style hash a NIC would spread receive queues by: the IPv4/IPv6 addresses, protocol and
 * (unfragmented) TCP/UDP/SCTP ports, past any VLAN tags; other frames by their MAC addresses and
 * Ethernet type. A function of headers every packet of a flow shares.
 */
export function rssHash(frame: Uint8Array): number {
  const len = frame.length;
  if (len < 14) return 0;
  let off = 12;
  let type = (frame[12] << 8) | frame[13];
  while ((type === 0x8100 || type === 0x88a8) && off + 6 <= len) {
    off += 4;
    type = (frame[off] << 8) | frame[off + 1];
  }
  const l3 = off + 2;
  let h = hashAdd(0, type);
  if (type === 0x0800 && len >= l3 + 20) {
    const ihl = (frame[l3] & 15) * 4;
    const proto = frame[l3 + 9];
    h = hashAdd(h, read32(frame, l3 + 12));
    h = hashAdd(h, read32(frame, l3 + 16));
    h = hashAdd(h, proto);
    const fragment = ((frame[l3 + 6] & 0x3f) << 8) | frame[l3 + 7];
    if (fragment === 0 && (proto === 6 || proto === 17 || proto === 132) && len >= l3 + ihl + 4)
      h = hashAdd(h, read32(frame, l3 + ihl));
  } else if (type === 0x86dd && len >= l3 + 40) {
    for (let i = 8; i < 40; i += 4) h = hashAdd(h, read32(frame, l3 + i));
    const next = frame[l3 + 6];
    h = hashAdd(h, next);
    if ((next === 6 || next === 17 || next === 132) && len >= l3 + 44) h = hashAdd(h, read32(frame, l3 + 40));
  } else {
    h = hashAdd(h, read32(frame, 0));
    h = hashAdd(h, read32(frame, 4));
    h = hashAdd(h, read32(frame, 8));
  }
  return hashFinish(h, 0) >>> 0;
}

/**
 * A capture split over the threads once, ready to feed again and again (dpctl replay, --loop):
 * each thread's packets as ring records in one image, so a batch is one copy per thread.
 */
export interface PmdPlan {
  readonly packets: number;
  /** Thread of each packet. */
  readonly thread: Uint16Array;
  /** Per thread: its records (frame length, capture index, bytes). */
  readonly images: readonly Uint8Array[];
  /** Per thread: byte offset of its k-th record (one more entry: the image's end). */
  readonly offsets: readonly Uint32Array[];
  /** Per thread: how many of the capture's packets [0, i) are its (count + 1 entries). */
  readonly before: readonly Uint32Array[];
  /** Largest frame, bytes. */
  readonly maxFrame: number;
}

/** Packet outputs waiting for the merge into reception order. */
interface PendingOutput {
  readonly seq: number;
  readonly port: number;
  readonly frame: Uint8Array;
}

interface ThreadState {
  readonly worker: Worker;
  readonly ring: RingWriter;
  /** Worker clock → main clock, ms. */
  clockOffset: number;
  /** Highest sequence number fed to it, and the highest it has finished with everything before. */
  lastFed: number;
  completed: number;
  pending: PendingOutput[];
  flushed: number;
  /** Control messages posted to it (ring records carry the count, see pmd-ring.ts). */
  messages: number;
}

interface Registered {
  readonly flow: DpFlow;
  /** The actions the threads were given (a new object after a change). */
  data: DpFlowData;
}

export interface PmdPoolStats {
  /** Frames the threads output and only counted (capture off), by port number. */
  readonly tx: ReadonlyMap<number, { packets: number; bytes: number }>;
  /** Upcalls answered from a megaflow already installed (from another thread's miss). */
  readonly coveredUpcalls: number;
}

export class PmdPool {
  readonly threads: number;
  readonly capture: boolean;
  private readonly states: ThreadState[] = [];
  /**
   * Flow → id given to the threads; entries leave with `registered`'s (sync). A Map, not a
   * WeakMap: `registered` holds the flows anyway, and a WeakMap's ephemerons made every upcall's
   * insertion and the garbage collector several times dearer in miss storms.
   */
  private readonly ids = new Map<DpFlow, number>();
  private readonly registered = new Map<number, Registered>();
  private nextFlowId = 1;
  private seenGeneration: number;
  private nextSeq = 0;
  private flushToken = 0;
  private flushWaiters: (() => boolean)[] = [];
  private failure: Error | undefined;
  private closed = false;
  private readonly tx = new Map<number, { packets: number; bytes: number }>();
  private coveredUpcalls = 0;
  private readonly syncTimer: NodeJS.Timeout;
  private readonly scratchFrames: Uint8Array[] = [];
  /** submit()'s per-thread scratch: bytes and packets for each ring, where each record starts. */
  private readonly feed: { need: Int32Array; counts: Int32Array; at: Int32Array; cursor: Int32Array };
  /** submit()'s thread of each packet of the batch. */
  private which = new Uint16Array(64);

  private constructor(
    readonly dp: Datapath,
    options: PmdPoolOptions,
    workers: { worker: Worker; ring: SharedArrayBuffer }[],
  ) {
    this.threads = workers.length;
    const perThread = () => new Int32Array(workers.length);
    this.feed = { need: perThread(), counts: perThread(), at: perThread(), cursor: perThread() };
    this.capture = options.capture ?? false;
    this.seenGeneration = dp.flowGeneration;
    for (const { worker, ring } of workers) {
      const state: ThreadState = {
        worker,
        ring: new RingWriter(ring),
        clockOffset: 0,
        lastFed: -1,
        completed: -1,
        pending: [],
        flushed: -1,
        messages: 0,
      };
      this.states.push(state);
      worker.on('message', (msg: FromWorker) => this.onMessage(state, msg));
      worker.on('error', (err) => this.fail(err));
    }
    // Flow changes made outside a feed loop (revalidation after a flow-mod, expiry) reach the
    // threads within a few ms.
    this.syncTimer = setInterval(() => this.sync(), 10);
    this.syncTimer.unref();
  }

  /** Starts `options.threads` datapath threads over `dp` and waits until each is ready. */
  static async start(dp: Datapath, options: PmdPoolOptions): Promise<PmdPool> {
    const n = options.threads;
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError(`pmd: threads must be 1..64, got ${n}`);
    const url = workerUrl();
    const ports = portInfo(dp);
    const workers = await Promise.all(
      Array.from({ length: n }, async (_, index) => {
        const ring = createRingBuffer(options.ringBytes ?? 4 << 20);
        const data: PmdWorkerData = {
          index,
          ring,
          capture: options.capture ?? false,
          ports,
          emcEntries: options.emcEntries,
          emcInsertProbability: options.emcInsertProbability ?? dp.cache.emcInsertProbability,
          smcEnabled: options.smcEnabled ?? dp.cache.smcEnabled,
        };
        const worker = new Worker(url, { workerData: data });
        let onMessage: (m: FromWorker) => void = () => undefined;
        let onError: (e: Error) => void = () => undefined;
        let onExit: (code: number) => void = () => undefined;
        const ready = await new Promise<FromWorker>((resolve, reject) => {
          onMessage = resolve;
          onError = reject;
          onExit = (code) => reject(new Error(`pmd: thread ${index} exited (${code}) while starting`));
          worker.once('message', onMessage).once('error', onError).once('exit', onExit);
        }).finally(() => {
          // Only ours: Worker keeps its own listeners (port ref counting) on itself.
          worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        });
        if (ready.type !== 'ready') throw new Error(`pmd: thread ${index} sent ${ready.type} first`);
        return { worker, ring, timeOrigin: ready.timeOrigin };
      }),
    );
    const pool = new PmdPool(dp, options, workers);
    workers.forEach((w, i) => {
      pool.states[i].clockOffset = w.timeOrigin - performance.timeOrigin + (dp.now() - performance.now());
    });
    return pool;
  }

  /** The thread a frame goes to. */
  threadOf(frame: Uint8Array): number {
    return rssHash(frame) % this.threads;
  }

  get stats(): PmdPoolStats {
    return { tx: this.tx, coveredUpcalls: this.coveredUpcalls };
  }

  // ---- Feeding ----

  /**
   * Hands `frames[0..count)`, received on `inPort`, to the threads (copied into their rings).
   * All or nothing: false when some ring has no room now (see waitForRoom).
   */
  submit(inPort: number, frames: readonly Uint8Array[], count = frames.length): boolean {
    this.check();
    const n = this.threads;
    // Per-batch scratch, reused: this is the feed path, once per batch of every packet.
    const { need, counts, at, cursor } = this.feed;
    need.fill(0);
    counts.fill(0);
    if (this.which.length < count) this.which = new Uint16Array(Math.max(count, 2 * this.which.length));
    const which = this.which;
    for (let i = 0; i < count; i++) {
      const t = n === 1 ? 0 : rssHash(frames[i]) % n;
      which[i] = t;
      need[t] += packetRecordBytes(frames[i].length);
      counts[t]++;
    }
    for (let t = 0; t < n; t++) {
      at[t] = counts[t] === 0 ? -1 : this.states[t].ring.reserve(BATCH_HEADER_BYTES + need[t]);
      if (counts[t] > 0 && at[t] < 0) return false;
      cursor[t] = at[t] + BATCH_HEADER_BYTES;
    }
    const seqBase = this.nextSeq;
    for (let i = 0; i < count; i++) {
      const t = which[i];
      const ring = this.states[t].ring;
      const f = frames[i];
      const p = cursor[t];
      ring.words[p >>> 2] = f.length;
      ring.words[(p >>> 2) + 1] = i;
      ring.bytes.set(f, p + PACKET_HEADER_BYTES);
      cursor[t] = p + packetRecordBytes(f.length);
      this.states[t].lastFed = seqBase + i;
    }
    for (let t = 0; t < n; t++) {
      if (counts[t] === 0) continue;
      this.commit(t, at[t], BATCH_HEADER_BYTES + need[t], counts[t], inPort, seqBase);
    }
    this.nextSeq += count;
    this.dp.tap?.('rx', inPort, frames, count);
    return true;
  }

  /** Splits a capture over the threads (see PmdPlan). */
  plan(frames: readonly Uint8Array[]): PmdPlan {
    const n = this.threads;
    const thread = new Uint16Array(frames.length);
    const bytes = new Array<number>(n).fill(0);
    const counts = new Array<number>(n).fill(0);
    const before = Array.from({ length: n }, () => new Uint32Array(frames.length + 1));
    let maxFrame = 0;
    frames.forEach((f, i) => {
      const t = n === 1 ? 0 : rssHash(f) % n;
      thread[i] = t;
      for (let u = 0; u < n; u++) before[u][i] = counts[u];
      bytes[t] += packetRecordBytes(f.length);
      counts[t]++;
      maxFrame = Math.max(maxFrame, f.length);
    });
    for (let u = 0; u < n; u++) before[u][frames.length] = counts[u];
    const images = bytes.map((b) => new Uint8Array(b));
    const offsets = counts.map((c) => new Uint32Array(c + 1));
    const filled = new Array<number>(n).fill(0);
    const pos = new Array<number>(n).fill(0);
    const views = images.map((image) => new DataView(image.buffer));
    frames.forEach((f, i) => {
      const t = thread[i];
      const image = images[t];
      const p = pos[t];
      offsets[t][filled[t]++] = p;
      views[t].setUint32(p, f.length, true);
      views[t].setUint32(p + 4, i, true);
      image.set(f, p + PACKET_HEADER_BYTES);
      pos[t] = p + packetRecordBytes(f.length);
    });
    for (let t = 0; t < n; t++) offsets[t][counts[t]] = pos[t];
    return { packets: frames.length, thread, images, offsets, before, maxFrame };
  }

  /**
   * Feeds the plan's packets [from, to) as received on `inPort`: one record per thread. All or
   * nothing: false when some ring has no room now. `rxFrames`, if given, are the frames for the
   * rx tap (the capture's packets).
   */
  submitPlan(plan: PmdPlan, inPort: number, from: number, to: number, rxFrames?: readonly Uint8Array[]): boolean {
    this.check();
    if (to <= from) return true;
    if (this.nextSeq < from) this.nextSeq = from;
    const seqBase = this.nextSeq - from;
    const n = this.threads;
    const at: number[] = [];
    for (let t = 0; t < n; t++) {
      const a = plan.before[t][from];
      const b = plan.before[t][to];
      if (a === b) {
        at[t] = -1;
        continue;
      }
      const size = plan.offsets[t][b] - plan.offsets[t][a];
      at[t] = this.states[t].ring.reserve(BATCH_HEADER_BYTES + size);
      if (at[t] < 0) return false;
    }
    for (let t = 0; t < n; t++) {
      if (at[t] < 0) continue;
      const a = plan.before[t][from];
      const b = plan.before[t][to];
      const start = plan.offsets[t][a];
      const end = plan.offsets[t][b];
      const ring = this.states[t].ring;
      ring.bytes.set(plan.images[t].subarray(start, end), at[t] + BATCH_HEADER_BYTES);
      this.commit(t, at[t], BATCH_HEADER_BYTES + end - start, b - a, inPort, seqBase);
      // The last of its packets in [from, to).
      let last = to - 1;
      while (plan.thread[last] !== t) last--;
      this.states[t].lastFed = seqBase + last;
    }
    this.nextSeq += to - from;
    if (rxFrames !== undefined && this.dp.tap !== undefined) {
      const frames = this.scratchFrames;
      frames.length = 0;
      for (let i = from; i < to; i++) frames.push(rxFrames[i]);
      this.dp.tap('rx', inPort, frames, frames.length);
    }
    return true;
  }

  private commit(t: number, at: number, bytes: number, count: number, inPort: number, seqBase: number): void {
    const ring = this.states[t].ring;
    const w = at >>> 2;
    ring.words[w] = bytes;
    ring.words[w + 1] = count;
    ring.words[w + 2] = inPort;
    ring.words[w + 3] = seqBase % 0x100000000;
    ring.words[w + 4] = Math.floor(seqBase / 0x100000000);
    ring.words[w + 5] = this.states[t].messages;
    ring.commit(bytes);
  }

  /** Resolves once some ring may have room again (or after `timeoutMs`). */
  async waitForRoom(timeoutMs = 20): Promise<void> {
    this.check();
    await Promise.race(this.states.map((s) => s.ring.waitForRoom(timeoutMs)));
  }

  /**
   * Resolves when every thread has processed everything fed so far (no packet waiting on an
   * upcall), its outputs are delivered and its counters merged.
   */
  async drain(): Promise<void> {
    this.check();
    const token = ++this.flushToken;
    this.sync();
    for (const s of this.states) this.send(s, { type: 'flush', token });
    await new Promise<void>((resolve, reject) => {
      const check = (): boolean => {
        if (this.failure !== undefined) reject(this.failure);
        else if (this.states.every((s) => s.flushed >= token)) resolve();
        else return false;
        return true;
      };
      if (!check()) this.flushWaiters.push(check);
    });
    this.mergeOutputs(Number.POSITIVE_INFINITY);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.syncTimer);
    await Promise.all(this.states.map((s) => s.worker.terminate()));
  }

  // ---- Flow changes ----

  /** Broadcasts flows the main datapath removed or changed since the last call to the threads. */
  sync(): void {
    const dp = this.dp;
    if (dp.flowGeneration === this.seenGeneration || this.closed) return;
    this.seenGeneration = dp.flowGeneration;
    const remove: number[] = [];
    const modify: { id: number; text: string }[] = [];
    for (const [id, r] of this.registered) {
      if (r.flow.dead) {
        remove.push(id);
        this.registered.delete(id);
        this.ids.delete(r.flow);
      } else if (r.flow.actions !== r.data) {
        r.data = r.flow.actions;
        modify.push({ id, text: r.data.compiled.text });
      }
    }
    if (remove.length + modify.length === 0) return;
    for (const s of this.states) this.send(s, { type: 'invalidate', remove, modify });
  }

  /** Tells the threads the ports' MTU and state again (after a change). */
  updatePorts(): void {
    const ports = portInfo(this.dp);
    for (const s of this.states) this.send(s, { type: 'ports', ports });
  }

  private idOf(flow: DpFlow): number {
    let id = this.ids.get(flow);
    if (id === undefined) {
      id = this.nextFlowId++;
      this.ids.set(flow, id);
      this.registered.set(id, { flow, data: flow.actions });
    }
    return id;
  }

  // ---- Messages from the threads ----

  private onMessage(state: ThreadState, msg: FromWorker): void {
    switch (msg.type) {
      case 'upcalls':
        this.answer(state, msg.upcalls);
        break;
      case 'outputs':
        this.takeOutputs(state, msg);
        break;
      case 'stats':
        this.mergeStats(state, msg);
        break;
      case 'flushed':
        state.flushed = msg.token;
        state.completed = Math.max(state.completed, msg.completed);
        this.mergeOutputs(this.safeSeq());
        this.flushWaiters = this.flushWaiters.filter((w) => !w());
        break;
      case 'ready':
        break;
    }
  }

  private answer(state: ThreadState, upcalls: readonly PmdUpcall[]): void {
    // Flows removed since the last look go out first: an answer must not rely on a flow that a
    // later invalidation would take away from the thread again.
    this.sync();
    const answers: PmdAnswer[] = upcalls.map((u) => this.answerOne(u));
    this.send(state, { type: 'answers', answers });
    // A translation may have scheduled a revalidation (MAC learning): it runs as a microtask,
    // queued before this one.
    queueMicrotask(() => this.sync());
  }

  private answerOne(u: PmdUpcall): PmdAnswer {
    const dp = this.dp;
    const covered = dp.cache.megaflows.lookup(u.key);
    if (covered !== undefined) {
      this.coveredUpcalls++;
      return { ...this.flowAnswer(u.id, covered), covered: true };
    }
    dp.merged.upcalls++;
    let result: UpcallResult | undefined;
    try {
      result = dp.upcallHandler?.(u.key, u.frame, u.inPort);
    } catch {
      result = undefined;
    }
    if (result === undefined) return { id: u.id };
    const actions = this.actionList(result.actions);
    if (result.install !== false) {
      const flow = dp.installFlow(u.key, result.mask, actions, true);
      if (flow !== undefined) return this.flowAnswer(u.id, flow);
    }
    return { id: u.id, text: formatActions(actions) };
  }

  private flowAnswer(id: number, flow: DpFlow): PmdAnswer {
    return { id, flowId: this.idOf(flow), key: flow.key, mask: flow.mask, text: flow.actions.compiled.text };
  }

  private actionList(actions: UpcallResult['actions']): readonly DpAction[] {
    if (typeof actions === 'string') return parseActions(actions, this.dp.portNumber);
    return Array.isArray(actions) ? (actions as readonly DpAction[]) : (actions as CompiledActions).actions;
  }

  private mergeStats(state: ThreadState, s: PmdStats): void {
    const dp = this.dp;
    const m = dp.merged;
    m.hit += s.hit;
    m.missed += s.missed;
    m.emcHits += s.emcHits;
    m.smcHits += s.smcHits;
    m.megaflowHits += s.megaflowHits;
    DROP_REASON_NAMES.forEach((reason, i) => {
      if (s.drops[i] > 0) dp.drops.add(reason, s.drops[i]);
    });
    const f = s.flows;
    for (let i = 0; i < f.length; i += 5) {
      const r = this.registered.get(f[i]);
      if (r === undefined || r.flow.dead) continue;
      const flow = r.flow;
      flow.packets += f[i + 1];
      flow.bytes += f[i + 2];
      const used = f[i + 3] + state.clockOffset;
      if (used > flow.used) flow.used = used;
      flow.tcpFlags |= f[i + 4];
    }
    for (let i = 0; i < s.tx.length; i += 3) {
      let c = this.tx.get(s.tx[i]);
      if (c === undefined) {
        c = { packets: 0, bytes: 0 };
        this.tx.set(s.tx[i], c);
      }
      c.packets += s.tx[i + 1];
      c.bytes += s.tx[i + 2];
    }
  }

  // ---- Outputs ----

  private takeOutputs(state: ThreadState, o: PmdOutputs): void {
    const words = new Uint32Array(o.buf, 0, o.length >>> 2);
    const bytes = new Uint8Array(o.buf, 0, o.length);
    for (let p = 0; p < o.length; ) {
      const w = p >>> 2;
      const len = words[w + 3];
      state.pending.push({
        seq: words[w] + words[w + 1] * 0x100000000,
        port: words[w + 2],
        frame: bytes.subarray(p + 16, p + 16 + len),
      });
      p += 16 + ((len + 3) & ~3);
    }
    for (const u of o.userspace) this.dp.userspaceHandler?.(u.frame, u.inPort, u.args);
    state.completed = Math.max(state.completed, o.completed);
    this.mergeOutputs(this.safeSeq());
  }

  /**
   * Outputs of packets up to this sequence number are final: every thread with packets still
   * in flight has finished everything before them, and later packets have higher numbers.
   */
  private safeSeq(): number {
    let safe = this.nextSeq - 1;
    for (const s of this.states) if (s.lastFed > s.completed && s.completed < safe) safe = s.completed;
    return safe;
  }

  /** Delivers, in sequence order, every pending output up to `safe`. */
  private mergeOutputs(safe: number): void {
    const ready: PendingOutput[] = [];
    for (const s of this.states) {
      if (s.pending.length === 0) continue;
      const keep: PendingOutput[] = [];
      for (const o of s.pending) (o.seq <= safe ? ready : keep).push(o);
      s.pending = keep;
    }
    if (ready.length === 0) return;
    // Stable: outputs of one packet keep their order (one packet is one thread's).
    ready.sort((a, b) => a.seq - b.seq);
    const ports = new Map(this.dp.portList.map((p) => [p.portNo, p]));
    let i = 0;
    while (i < ready.length) {
      const port = ready[i].port;
      const frames: Uint8Array[] = [];
      while (i < ready.length && ready[i].port === port) frames.push(ready[i++].frame);
      const dpPort = ports.get(port);
      if (dpPort === undefined) {
        this.dp.drops.add('invalid_port', frames.length);
        continue;
      }
      this.dp.tap?.('tx', port, frames, frames.length);
      const sent = dpPort.netdev.sendBatch(frames, frames.length);
      if (sent < frames.length) this.dp.drops.add('queue_full', frames.length - sent);
    }
  }

  // ---- Plumbing ----

  private send(state: ThreadState, msg: ToWorker): void {
    if (this.closed) return;
    state.worker.postMessage(msg);
    state.messages++;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.flushWaiters = this.flushWaiters.filter((w) => !w());
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new Error('pmd: the pool is closed');
  }
}

function portInfo(dp: Datapath): PmdPortInfo[] {
  return dp.portList.map((p) => ({ portNo: p.portNo, mtu: p.netdev.mtu, down: p.netdev.adminState === 'down' }));
}

/** The worker's module: next to this one when built; from dist when the sources run directly (tests). */
function workerUrl(): URL {
  const here = new URL('./pmd-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../dist/pmd-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error('pmd: no built pmd-worker.js (run the build first)');
}
