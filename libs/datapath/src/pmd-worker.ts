/**
 * A datapath thread (Open vSwitch's PMD thread): its own exact-match and megaflow caches, fed
 * batches of frames through a SharedArrayBuffer ring by the main thread (pmd-pool.ts).
 *
 * Per packet: extract, hash, look up; a hit is credited and its actions run here. A miss is
 * parked (a copy of the frame) and goes up to the main thread as an upcall, batched per round;
 * the thread keeps processing. An answer installs the megaflow the main thread chose, runs the
 * parked packet with its actions, then runs every parked packet the caches now cover, oldest
 * first. So parked packets always miss the current caches, and a packet that hits never
 * overtakes an earlier packet of its flow: per-flow order is kept. A miss whose exact key is
 * already up with the main thread waits on that upcall's answer instead of making its own (a new
 * flow's burst costs one translation round trip, not one per packet), and at most MAX_PARKED
 * packets wait: the ring holds the rest.
 *
 * Outputs are counted per port, or handed back (with the input's sequence number, so the main
 * thread can merge the threads' outputs into reception order) when the pool captures.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FlowCache, type MegaflowEntry } from '@softswitch/flowcache';
import {
  createFlowKey,
  extractFlow,
  FLOW_WORDS,
  HeaderOffsets,
  keysEqual,
  type ParsedPacket,
  W,
} from '@softswitch/packet';
import { parseActions } from './actions.js';
import { DROP_REASON_NAMES, DropCounters } from './drop-reasons.js';
import { EMC_FIXED_WORDS, emcHash } from './emc-hash.js';
import { type CompiledActions, compileActions, type ExecContext, runActions } from './execute.js';
import type { FromWorker, PmdAnswer, PmdPortInfo, PmdWorkerData, ToWorker } from './pmd-protocol.js';
import { BATCH_HEADER_BYTES, PACKET_HEADER_BYTES, RingReader } from './pmd-ring.js';

interface WorkerFlow {
  compiled: CompiledActions;
  readonly id: number;
  /** Packets and bytes already reported to the main thread. */
  reportedPackets: number;
  reportedBytes: number;
  dirty: boolean;
}

interface Parked {
  readonly id: number;
  /** Run already (its answer came); leaves `parked` at the next compaction. */
  done: boolean;
  /** Waits on the upcall of an earlier packet with the same key instead of its own. */
  follower: boolean;
  readonly seq: number;
  readonly inPort: number;
  readonly frame: Uint8Array;
  readonly key: Uint32Array;
  readonly hash: number;
}

/** Packets processed between two looks at the message queue. */
const ROUND_PACKETS = 1024;
/**
 * Packets waiting on upcalls at most: past it the thread stops taking batches until answers
 * come (the ring, then the port, queue the rest). Every answered batch looks the parked packets
 * up again, so an unbounded list made a miss storm quadratic.
 */
const MAX_PARKED = 2048;
/** Statistics go up at least this often while packets flow, ms. */
const STATS_INTERVAL_MS = 50;

class PmdThread {
  private readonly ring: RingReader;
  private readonly cache: FlowCache<WorkerFlow>;
  private readonly flowsById = new Map<number, MegaflowEntry<WorkerFlow>>();
  private readonly dirty: MegaflowEntry<WorkerFlow>[] = [];
  private readonly drops = new DropCounters();
  private readonly reportedDrops = new Float64Array(DROP_REASON_NAMES.length);
  private readonly texts = new Map<string, CompiledActions>();
  /**
   * By port number, every number present: datapath port numbers come from names (port 16819
   * for "veth16819"), and an array filled that sparsely turns into a dictionary, looked up per
   * output.
   */
  private readonly ports = new Array<PmdPortInfo | undefined>(65536).fill(undefined);
  private readonly txPackets = new Float64Array(65536);
  private readonly txBytes = new Float64Array(65536);
  private readonly txTouched = new Set<number>();
  private readonly pkt: ParsedPacket = { data: new Uint8Array(0), key: createFlowKey(), offsets: new HeaderOffsets() };
  private readonly ctx: ExecContext;
  private readonly capture: boolean;
  private out = new Uint8Array(1 << 16);
  private outWords = new Uint32Array(this.out.buffer);
  private outLength = 0;
  private userspace: { inPort: number; args: string; frame: Uint8Array }[] = [];
  private readonly parked: Parked[] = [];
  /** The frame being processed (see copyOut), and a view of it per frame length. */
  private readonly scratch = new Uint32Array(16640);
  private readonly views = new Array<Uint8Array | undefined>(this.scratch.byteLength + 1).fill(undefined);
  private readonly parkedById = new Map<number, Parked>();
  /** Parked packets whose upcall is on its way, by key hash (see processPacket). */
  private readonly inFlight = new Map<number, Parked>();
  private upcalls: { id: number; inPort: number; key: Uint32Array; frame: Uint8Array }[] = [];
  private nextUpcall = 1;
  private seq = 0;
  private inPort = 0;
  /** Highest sequence number taken from the ring. */
  private lastSeq = -1;
  private hit = 0;
  private missed = 0;
  private coveredHits = 0;
  private reported = { hit: 0, missed: 0, emcHits: 0, smcHits: 0, megaflowHits: 0 };
  private lastStats = 0;
  /** Packets processed (or answers applied) since the last statistics report. */
  private unreported = false;
  private lastCompleted = -1;
  private flushToken: number | undefined;
  /** Control messages received so far. */
  private messages = 0;
  /** Set while the loop waits for a message (too many packets parked). */
  private messageArrived: (() => void) | undefined;

  constructor(data: PmdWorkerData) {
    this.ring = new RingReader(data.ring);
    this.capture = data.capture;
    this.setPorts(data.ports);
    this.cache = new FlowCache<WorkerFlow>({
      words: FLOW_WORDS,
      emcEntries: data.emcEntries,
      emcInsertProbability: data.emcInsertProbability,
      smcEnabled: data.smcEnabled,
      maxFlows: data.maxFlows ?? 1_000_000,
      maxSubtables: data.maxSubtables,
      seed: 0x2545f491 + data.index,
      emcFixedWords: EMC_FIXED_WORDS,
    });
    this.ctx = {
      pkt: this.pkt,
      truncate: 0,
      output: (port, frame) => this.output(port, frame),
      userspace: (args, frame) => {
        this.userspace.push({ inPort: this.inPort, args, frame });
      },
      drop: (reason) => this.drops.add(reason),
    };
  }

  private setPorts(ports: readonly PmdPortInfo[]): void {
    this.ports.fill(undefined);
    for (const p of ports) this.ports[p.portNo] = p;
  }

  // ---- The loop ----

  async run(): Promise<void> {
    for (;;) {
      const n = this.round();
      this.afterRound(n > 0);
      if (this.parked.length >= MAX_PARKED) await this.waitForMessage(STATS_INTERVAL_MS);
      else if (n >= ROUND_PACKETS || this.waitingForMessages()) await yieldToMessages();
      else await this.ring.waitForData(STATS_INTERVAL_MS);
    }
  }

  /** Resolved by the next control message (answers), or after `timeoutMs`. */
  private waitForMessage(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.messageArrived = undefined;
        resolve();
      }, timeoutMs);
      this.messageArrived = () => {
        clearTimeout(timer);
        this.messageArrived = undefined;
        resolve();
      };
    });
  }

  /** True when the next batch waits for control messages still on their way. */
  private waitingForMessages(): boolean {
    const at = this.ring.next();
    return at >= 0 && this.ring.words[(at >>> 2) + 5] > this.messages;
  }

  /** Processes up to about ROUND_PACKETS packets from the ring; returns how many. */
  private round(): number {
    const ring = this.ring;
    const words = ring.words;
    const now = performance.now();
    let done = 0;
    while (done < ROUND_PACKETS && this.parked.length < MAX_PARKED) {
      const at = ring.next();
      if (at < 0) break;
      const base = at >>> 2;
      // Invalidations posted before this batch apply to it: wait for them (see pmd-ring.ts).
      if (words[base + 5] > this.messages) break;
      const total = words[base];
      const count = words[base + 1];
      const inPort = words[base + 2];
      const seqBase = words[base + 3] + words[base + 4] * 0x100000000;
      this.inPort = inPort;
      let p = at + BATCH_HEADER_BYTES;
      for (let i = 0; i < count; i++) {
        const len = words[p >>> 2];
        const seq = seqBase + words[(p >>> 2) + 1];
        const start = p + PACKET_HEADER_BYTES;
        this.seq = seq;
        this.processPacket(this.copyOut(words, start, len), inPort, seq, now);
        p = start + ((len + 3) & ~3);
      }
      if (count > 0) this.lastSeq = this.seq;
      ring.release(at, total);
      done += count;
      this.unreported = true;
    }
    return done;
  }

  /**
   * The frame at byte `start` of the ring, copied word by word into this thread's own memory:
   * a view per length is made once, so the packet path allocates nothing, and the code it runs
   * only ever sees ordinary (not shared) buffers.
   */
  private copyOut(words: Uint32Array, start: number, len: number): Uint8Array {
    if (len > this.scratch.byteLength) return this.ring.bytes.slice(start, start + len);
    let view = this.views[len];
    if (view === undefined) {
      view = new Uint8Array(this.scratch.buffer, 0, len);
      this.views[len] = view;
    }
    const dst = this.scratch;
    const from = start >>> 2;
    const n = (len + 3) >>> 2;
    for (let i = 0; i < n; i++) dst[i] = words[from + i];
    return view;
  }

  private processPacket(frame: Uint8Array, inPort: number, seq: number, now: number): void {
    if (frame.length < 14) {
      this.drops.add('invalid_packet');
      return;
    }
    const pkt = this.pkt;
    const key = pkt.key;
    pkt.data = frame;
    extractFlow(frame, inPort, key, pkt.offsets);
    const hash = emcHash(key);
    const flow = this.cache.lookup(key, hash);
    if (flow !== undefined) {
      this.hit++;
      this.credit(flow, frame.length, key[W.TCP_FLAGS] & 0xfff, now);
      this.runFlow(flow.actions.compiled, frame);
      return;
    }
    // Parked with a copy of its frame (the ring's bytes are reused) until the answer comes.
    const id = this.nextUpcall++;
    const parked: Parked = {
      id,
      done: false,
      follower: false,
      seq,
      inPort,
      frame: frame.slice(),
      key: key.slice(),
      hash,
    };
    this.parked.push(parked);
    this.parkedById.set(id, parked);
    // A flow's packets that arrive while its first one is up with the main thread wait for that
    // answer (its megaflow covers them) rather than each costing an upcall of its own.
    const leader = this.inFlight.get(hash);
    if (leader !== undefined && keysEqual(leader.key, parked.key)) parked.follower = true;
    else this.sendUpcall(parked);
  }

  private sendUpcall(p: Parked): void {
    p.follower = false;
    this.inFlight.set(p.hash, p);
    this.upcalls.push({ id: p.id, inPort: p.inPort, key: p.key, frame: p.frame });
  }

  /** `p` leaves the parked set's indexes (it runs now). */
  private settle(p: Parked): void {
    p.done = true;
    this.parkedById.delete(p.id);
    if (this.inFlight.get(p.hash) === p) this.inFlight.delete(p.hash);
  }

  /**
   * Followers whose leader is gone without installing a flow that covers them (an answer with
   * actions for its packet only, a drop, a full cache) go up themselves.
   */
  private promoteFollowers(): void {
    for (const p of this.parked) {
      if (p.done || !p.follower) continue;
      const leader = this.inFlight.get(p.hash);
      if (leader === undefined || !keysEqual(leader.key, p.key)) this.sendUpcall(p);
    }
  }

  private credit(flow: MegaflowEntry<WorkerFlow>, bytes: number, tcpFlags: number, now: number): void {
    this.cache.credit(flow, bytes, tcpFlags, now);
    const data = flow.actions;
    if (!data.dirty) {
      data.dirty = true;
      this.dirty.push(flow);
    }
  }

  /**
   * Runs actions on the packet being processed (`frame` is `pkt.data`): a list of outputs only
   * goes to the ports directly, without a step call each (as the main datapath's `run`).
   */
  private runFlow(compiled: CompiledActions, frame: Uint8Array): void {
    const outputs = compiled.outputs;
    if (outputs === undefined) runActions(compiled, this.ctx);
    else for (let i = 0; i < outputs.length; i++) this.output(outputs[i], frame);
  }

  private output(portNo: number, frame: Uint8Array): void {
    const port = this.ports[portNo];
    if (port === undefined) {
      this.drops.add('invalid_port');
      return;
    }
    if (port.down) {
      this.drops.add('port_down');
      return;
    }
    let max = port.mtu + 14;
    if (frame[12] === 0x81 && frame[13] === 0x00) max += 4;
    if (frame.length > max) {
      this.drops.add('mtu_exceeded');
      return;
    }
    if (!this.capture) {
      if (this.txPackets[portNo]++ === 0) this.txTouched.add(portNo);
      this.txBytes[portNo] += frame.length;
      return;
    }
    const need = this.outLength + 16 + ((frame.length + 3) & ~3);
    if (need > this.out.length) {
      const grown = new Uint8Array(Math.max(need, this.out.length * 2));
      grown.set(this.out.subarray(0, this.outLength));
      this.out = grown;
      this.outWords = new Uint32Array(grown.buffer);
    }
    const w = this.outLength >>> 2;
    this.outWords[w] = this.seq % 0x100000000;
    this.outWords[w + 1] = Math.floor(this.seq / 0x100000000);
    this.outWords[w + 2] = portNo;
    this.outWords[w + 3] = frame.length;
    this.out.set(frame, this.outLength + 16);
    this.outLength = need;
  }

  // ---- Talking to the main thread ----

  private afterRound(worked: boolean): void {
    if (this.upcalls.length > 0) {
      post({ type: 'upcalls', upcalls: this.upcalls });
      this.upcalls = [];
    }
    this.sendOutputs();
    if (this.unreported && (!worked || performance.now() - this.lastStats >= STATS_INTERVAL_MS)) this.sendStats();
    this.maybeFlushed();
  }

  /** Every packet taken from the ring with a sequence number up to this is fully processed. */
  private get completed(): number {
    return this.parked.length > 0 ? this.parked[0].seq - 1 : this.lastSeq;
  }

  private sendOutputs(): void {
    const completed = this.completed;
    if (this.outLength === 0 && this.userspace.length === 0 && (!this.capture || completed === this.lastCompleted))
      return;
    this.lastCompleted = completed;
    const buf = this.out.buffer.slice(0, this.outLength) as ArrayBuffer;
    post({ type: 'outputs', buf, length: this.outLength, completed, userspace: this.userspace }, [buf]);
    this.outLength = 0;
    this.userspace = [];
  }

  private sendStats(): void {
    this.lastStats = performance.now();
    this.unreported = false;
    const flows = new Float64Array(this.dirty.length * 5);
    let n = 0;
    for (const flow of this.dirty) {
      const d = flow.actions;
      d.dirty = false;
      if (flow.dead) continue;
      flows[n++] = d.id;
      flows[n++] = flow.packets - d.reportedPackets;
      flows[n++] = flow.bytes - d.reportedBytes;
      flows[n++] = flow.used;
      flows[n++] = flow.tcpFlags;
      d.reportedPackets = flow.packets;
      d.reportedBytes = flow.bytes;
    }
    this.dirty.length = 0;
    const drops = DROP_REASON_NAMES.map((r, i) => {
      const v = this.drops.get(r);
      const delta = v - this.reportedDrops[i];
      this.reportedDrops[i] = v;
      return delta;
    });
    const tx = new Float64Array(this.txTouched.size * 3);
    let t = 0;
    for (const port of this.txTouched) {
      tx[t++] = port;
      tx[t++] = this.txPackets[port];
      tx[t++] = this.txBytes[port];
      this.txPackets[port] = 0;
      this.txBytes[port] = 0;
    }
    this.txTouched.clear();
    const c = this.cache.stats;
    const emcHits = c.emcHits;
    const smcHits = c.smcHits;
    const megaflowHits = c.megaflowHits + this.coveredHits;
    const r = this.reported;
    const flowsOut = flows.slice(0, n);
    post(
      {
        type: 'stats',
        hit: this.hit - r.hit,
        missed: this.missed - r.missed,
        emcHits: emcHits - r.emcHits,
        smcHits: smcHits - r.smcHits,
        megaflowHits: megaflowHits - r.megaflowHits,
        drops,
        flows: flowsOut,
        tx,
      },
      [flowsOut.buffer, tx.buffer],
    );
    this.reported = { hit: this.hit, missed: this.missed, emcHits, smcHits, megaflowHits };
  }

  private maybeFlushed(): void {
    if (this.flushToken === undefined || !this.ring.empty || this.parked.length > 0) return;
    this.sendOutputs();
    this.sendStats();
    post({ type: 'flushed', token: this.flushToken, completed: this.completed });
    this.flushToken = undefined;
  }

  onMessage(msg: ToWorker): void {
    this.messages++;
    switch (msg.type) {
      case 'answers':
        this.applyAnswers(msg.answers);
        break;
      case 'invalidate':
        for (const id of msg.remove) {
          const flow = this.flowsById.get(id);
          if (flow === undefined) continue;
          this.flowsById.delete(id);
          this.cache.remove(flow);
        }
        for (const { id, text } of msg.modify) {
          const flow = this.flowsById.get(id);
          if (flow !== undefined) flow.actions.compiled = this.compile(text);
        }
        break;
      case 'ports':
        this.setPorts(msg.ports);
        break;
      case 'flush':
        this.flushToken = msg.token;
        break;
    }
    this.afterRound(false);
    this.messageArrived?.();
  }

  private compile(text: string): CompiledActions {
    let c = this.texts.get(text);
    if (c === undefined) {
      c = compileActions(parseActions(text));
      if (this.texts.size >= 4096) this.texts.clear();
      this.texts.set(text, c);
    }
    return c;
  }

  /** Installs an answer's megaflow; `hash`: of the packet that asked (the SMC points it there). */
  private install(a: PmdAnswer, now: number, hash: number | undefined): MegaflowEntry<WorkerFlow> | undefined {
    if (a.flowId === undefined || a.key === undefined || a.mask === undefined || a.text === undefined) return undefined;
    const existing = this.flowsById.get(a.flowId);
    if (existing !== undefined && !existing.dead) return existing;
    const data: WorkerFlow = {
      compiled: this.compile(a.text),
      id: a.flowId,
      reportedPackets: 0,
      reportedBytes: 0,
      dirty: false,
    };
    const flow = this.cache.insert(a.key, a.mask, data, now, hash);
    if (flow === undefined) return undefined;
    if (flow.actions !== data) {
      // The same megaflow under an older id the main thread has since replaced.
      this.flowsById.delete(flow.actions.id);
      this.cache.remove(flow);
      const fresh = this.cache.insert(a.key, a.mask, data, now, hash);
      if (fresh === undefined) return undefined;
      this.flowsById.set(a.flowId, fresh);
      return fresh;
    }
    this.flowsById.set(a.flowId, flow);
    return flow;
  }

  private applyAnswers(answers: readonly PmdAnswer[]): void {
    const now = performance.now();
    this.unreported = true;
    let installed = false;
    for (const a of answers) {
      const p = this.parkedById.get(a.id);
      const flow = this.install(a, now, p?.hash);
      if (flow !== undefined) installed = true;
      // Already run from the caches (an earlier answer installed a flow covering it).
      if (p === undefined) continue;
      this.settle(p);
      this.restore(p);
      if (a.covered) {
        this.hit++;
        this.coveredHits++;
      } else this.missed++;
      if (flow !== undefined) {
        // As one thread: a translated packet is not counted in its megaflow, a hit is.
        if (a.covered) this.credit(flow, p.frame.length, p.key[W.TCP_FLAGS] & 0xfff, now);
        this.runFlow(flow.actions.compiled, p.frame);
      } else if (a.text !== undefined) runActions(this.compile(a.text), this.ctx);
      else this.drops.add('no_flow');
    }
    if (installed) this.drainParked(now);
    else this.compactParked();
    this.promoteFollowers();
  }

  /** Runs, oldest first, every parked packet the caches now cover. */
  private drainParked(now: number): void {
    const parked = this.parked;
    let kept = 0;
    for (let i = 0; i < parked.length; i++) {
      const p = parked[i];
      if (p.done) continue;
      const flow = this.cache.lookup(p.key, p.hash);
      if (flow === undefined) {
        parked[kept++] = p;
        continue;
      }
      this.settle(p);
      this.restore(p);
      this.hit++;
      this.credit(flow, p.frame.length, p.key[W.TCP_FLAGS] & 0xfff, now);
      this.runFlow(flow.actions.compiled, p.frame);
    }
    parked.length = kept;
  }

  /** Drops the packets already run from `parked` (one pass, order kept). */
  private compactParked(): void {
    const parked = this.parked;
    let kept = 0;
    for (let i = 0; i < parked.length; i++) if (!parked[i].done) parked[kept++] = parked[i];
    parked.length = kept;
  }

  /** Makes `p` the packet being processed. */
  private restore(p: Parked): void {
    this.seq = p.seq;
    this.inPort = p.inPort;
    this.pkt.data = p.frame;
    // Extraction rewrites the whole key: the same one the packet was parked with.
    extractFlow(p.frame, p.inPort, this.pkt.key, this.pkt.offsets);
  }
}

const yieldToMessages = () => new Promise<void>((resolve) => setImmediate(resolve));

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(msg, transfer);
}

if (parentPort !== null && (workerData as PmdWorkerData | undefined)?.ring !== undefined) {
  const thread = new PmdThread(workerData as PmdWorkerData);
  parentPort.on('message', (msg: ToWorker) => thread.onMessage(msg));
  post({ type: 'ready', timeOrigin: performance.timeOrigin });
  void thread.run();
}
