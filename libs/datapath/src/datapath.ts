/**
 * The datapath: ports on netdevs, and per received batch, for each packet: extract the flow into
 * a preallocated key, hash it, look it up in the flow cache (EMC, then megaflows); on a hit credit
 * the flow and run its actions; on a miss ask the upcall handler (bounded per batch and per
 * second), install the megaflow it returns and run its actions. Outputs are collected per port
 * and sent with one `sendBatch` per port at the end of the batch. Every drop is counted under a
 * named reason.
 *
 * Single-threaded: everything runs on the event loop that delivers the netdevs' batches. The
 * caches and counters are not shared with any other thread. Work that re-enters during a batch
 * (a device delivering synchronously, a packet-out from a userspace callback) is deferred.
 */
import { FlowCache, type FlowCacheOptions, type MegaflowEntry } from '@softswitch/flowcache';
import type { FrameOffload, Netdev, RxBatch } from '@softswitch/netdev';
import {
  createFlowKey,
  extractFlow,
  FLOW_WORDS,
  HeaderOffsets,
  hashWords,
  keysEqual,
  type ParsedPacket,
  W,
} from '@softswitch/packet';
import { type DpAction, parseActions } from './actions.js';
import { DropCounters } from './drop-reasons.js';
import { EMC_FIXED_WORDS, emcHash } from './emc-hash.js';
import { type CompiledActions, compileActions, type ExecContext, runActions } from './execute.js';
import { DpMeters } from './meters.js';
import { type DatapathOffload, HW_CONSUMED } from './offload-hook.js';
import { PortOffloads, RxOffloadCarry } from './rx-offload.js';

/** What a megaflow of this datapath carries: compiled actions plus dump metadata. */
export interface DpFlowData {
  readonly compiled: CompiledActions;
  /** Matches `packet_type(ns=0,id=0)` exactly (printed in dumps). */
  readonly packetType: boolean;
  /** The key as dumps print it: the packet's whole key for upcalls, the parsed one for dpctl. */
  readonly printKey: Uint32Array;
  /** Key hash and install serial number: what the flow's UFID is made from (see flowUfid). */
  readonly hash: number;
  readonly serial: number;
}

export type DpFlow = MegaflowEntry<DpFlowData>;

/** An upcall's answer: the actions for the packet and the megaflow mask that covers it. */
export interface UpcallResult {
  /**
   * The actions: a list, precompiled actions, or their text as `Datapath actions:` prints it
   * (compiled once per distinct text and cached, for translators that produce text).
   */
  readonly actions: readonly DpAction[] | CompiledActions | string;
  readonly mask: Uint32Array;
  /** Install the megaflow (default true); false runs the actions for this packet only. */
  readonly install?: boolean;
}

/**
 * Called on a miss with the packet's key (a reused buffer: read it, copy it if kept, never write
 * it), the frame (valid only during the call) and the input port. Undefined means no answer:
 * the packet is dropped as `no_flow` and nothing is installed.
 */
export type UpcallHandler = (key: Uint32Array, packet: Uint8Array, inPort: number) => UpcallResult | undefined;

/** Receives what a `userspace(...)` action sends up (a copy of the packet). */
export type UserspaceHandler = (packet: Uint8Array, inPort: number, args: string) => void;

/**
 * Capture tap (dpctl capture): sees every batch a port receives (before processing) and every
 * batch sent to a port (before its `sendBatch`). Frames are views valid only during the call.
 */
export type DatapathTap = (
  direction: 'rx' | 'tx',
  portNo: number,
  frames: readonly Uint8Array[],
  count: number,
) => void;

export interface DatapathOptions {
  /** Name as dpctl prints it (default `dummy@ovs-dummy`). */
  readonly name?: string;
  readonly upcall?: UpcallHandler;
  readonly userspace?: UserspaceHandler;
  /** Flow cache tuning (key width and the EMC's compared words are fixed). */
  readonly cache?: Omit<FlowCacheOptions, 'words' | 'emcFixedWords'>;
  /** Upcalls allowed per received batch (default unlimited). */
  readonly maxUpcallsPerBatch?: number;
  /** Upcalls allowed per second, as a token bucket with one second of burst (default unlimited). */
  readonly maxUpcallsPerSecond?: number;
  /** Clock in ms (default performance.now). */
  readonly clock?: () => number;
}

export interface DpPort {
  readonly portNo: number;
  readonly netdev: Netdev;
  /** What dpctl/show prints in parentheses. */
  readonly typeLabel: string;
  /** Frames queued for this batch's single `sendBatch`. */
  readonly queue: Uint8Array[];
  queued: number;
  /** Offloads of the queued frames, once a frame with pending offloads was queued (rx-offload.ts). */
  offloads?: PortOffloads;
}

export interface DatapathStats {
  hit: number;
  missed: number;
  lost: number;
  emcHits: number;
  /** Hits past the EMC, and of those, found through the signature match cache. */
  megaflowHits: number;
  smcHits: number;
  upcalls: number;
  flows: number;
  masks: number;
  /** Average megaflow subtables probed per megaflow lookup. */
  masksHitPerPacket: number;
  /** Packets hardware offload handled (included in `hit`). */
  offloadHits: number;
}

/** Batches and executions queued while one runs, at most (a port loop stops there). */
const MAX_DEFERRED = 1024;

let flowCounter = 0;

/** A flow's UFID in Open vSwitch's text form, derived from its install-time hash and number. */
export function flowUfid(data: DpFlowData): string {
  const h = (n: number, w: number) => (n >>> 0).toString(16).padStart(w, '0').slice(-w);
  const words = Uint32Array.of(data.hash, data.serial);
  const a = hashWords(words, 1);
  const b = hashWords(words, 2);
  const c = hashWords(words, 3);
  return `${h(a, 8)}-${h(b >>> 16, 4)}-${h(b, 4)}-${h(c >>> 16, 4)}-${h(c, 4)}${h(data.hash, 8)}`;
}

function flowData(compiled: CompiledActions, packetType: boolean, key: Uint32Array, hash: number): DpFlowData {
  flowCounter = (flowCounter + 1) >>> 0;
  return { compiled, packetType, printKey: key.slice(), hash, serial: flowCounter };
}

export class Datapath {
  readonly name: string;
  readonly cache: FlowCache<DpFlowData>;
  readonly drops = new DropCounters();
  upcallHandler: UpcallHandler | undefined;
  userspaceHandler: UserspaceHandler | undefined;
  /** Capture tap, or undefined (the usual case: one check per batch). */
  tap: DatapathTap | undefined;
  /** Hardware offload (libs/offload's OffloadManager), or undefined: software only. */
  offload: DatapathOffload | undefined;
  private offloadHits = 0;
  /** Packets processed by datapath threads (pmd-pool.ts), merged into `stats`. */
  readonly merged = { hit: 0, missed: 0, lost: 0, upcalls: 0, emcHits: 0, smcHits: 0, megaflowHits: 0 };
  /** Bumped whenever megaflows are removed or their actions change (datapath threads follow it). */
  flowGeneration = 0;
  private readonly ports = new Map<number, DpPort>();
  /** Ports indexed by number for the per-packet output path. */
  private portTable: (DpPort | undefined)[] = [];
  private readonly activePorts: DpPort[] = [];
  private readonly clock: () => number;
  private readonly maxUpcallsPerBatch: number;
  private readonly maxUpcallsPerSecond: number;
  private upcallTokens: number;
  private lastRefill: number;
  private upcallsThisBatch = 0;
  private hit = 0;
  private missed = 0;
  private lost = 0;
  private upcalls = 0;
  private inPort = 0;
  private readonly pkt: ParsedPacket;
  private readonly ctx: ExecContext;
  /** Meters the `meter(ID)` action runs packets through (set by the owner from meter-mods). */
  readonly meters = new DpMeters();

  constructor(options: DatapathOptions = {}) {
    this.name = options.name ?? 'dummy@ovs-dummy';
    this.clock = options.clock ?? (() => performance.now());
    this.cache = new FlowCache<DpFlowData>({
      clock: this.clock,
      ...options.cache,
      words: FLOW_WORDS,
      emcFixedWords: EMC_FIXED_WORDS,
    });
    this.upcallHandler = options.upcall;
    this.userspaceHandler = options.userspace;
    this.maxUpcallsPerBatch = options.maxUpcallsPerBatch ?? Number.POSITIVE_INFINITY;
    this.maxUpcallsPerSecond = options.maxUpcallsPerSecond ?? Number.POSITIVE_INFINITY;
    this.upcallTokens = this.maxUpcallsPerSecond;
    this.lastRefill = this.clock();
    this.pkt = { data: new Uint8Array(0), key: createFlowKey(), offsets: new HeaderOffsets() };
    this.ctx = {
      pkt: this.pkt,
      truncate: 0,
      output: (port, frame) => this.queueOutput(port, frame),
      userspace: (args, frame) => {
        if (this.userspaceHandler === undefined) this.drops.add('userspace_error');
        else this.userspaceHandler(frame, this.inPort, args);
      },
      drop: (reason) => this.drops.add(reason),
      meter: (id, bytes) => this.meters.run(id, bytes, this.batchNow),
    };
  }

  // ---- Ports ----

  /**
   * Attaches `netdev` as port `portNo` (default: the lowest free number from 1) and starts
   * receiving from it. Throws if the number or the name is taken.
   */
  addPort(netdev: Netdev, portNo?: number, typeLabel?: string): number {
    for (const p of this.ports.values())
      if (p.netdev.name === netdev.name) throw new Error(`${this.name}: port "${netdev.name}" already exists`);
    let no = portNo;
    if (no === undefined) {
      no = 1;
      while (this.ports.has(no)) no++;
    } else if (this.ports.has(no)) {
      throw new Error(`${this.name}: port number ${no} is in use`);
    }
    if (!Number.isInteger(no) || no < 0 || no > 0xffff) throw new Error(`${this.name}: bad port number ${no}`);
    const label = typeLabel ?? (netdev.type === 'internal' ? 'dummy-internal' : netdev.type);
    const port: DpPort = { portNo: no, netdev, typeLabel: label, queue: [], queued: 0 };
    this.ports.set(no, port);
    this.portTable[no] = port;
    const inPort = no;
    netdev.onReceive((batch: RxBatch) => this.processBatch(inPort, batch.frames, batch.count, batch.offloads));
    return no;
  }

  /** Detaches a port (by number or netdev name); flows keep their actions (outputs to it then drop). */
  removePort(port: number | string): void {
    const p = typeof port === 'number' ? this.ports.get(port) : this.portByName(port);
    if (!p) throw new Error(`${this.name}: no port ${port}`);
    p.netdev.onReceive(undefined);
    this.ports.delete(p.portNo);
    this.portTable[p.portNo] = undefined;
  }

  portByName(name: string): DpPort | undefined {
    for (const p of this.ports.values()) if (p.netdev.name === name) return p;
    return undefined;
  }

  get portList(): DpPort[] {
    return [...this.ports.values()].sort((a, b) => a.portNo - b.portNo);
  }

  portName = (no: number): string | undefined => this.ports.get(no)?.netdev.name;
  portNumber = (name: string): number | undefined => this.portByName(name)?.portNo;

  // ---- Packet path ----

  /**
   * Processes `frames[0..count)` received on `inPort` and sends the resulting outputs, one
   * `sendBatch` per output port. The frames may be rewritten in place.
   */
  processBatch(
    inPort: number,
    frames: readonly Uint8Array[],
    count = frames.length,
    offloads?: readonly FrameOffload[],
  ): void {
    if (this.tap !== undefined) this.tap('rx', inPort, frames, count);
    if (this.busy) {
      // Re-entered from an output device that delivers synchronously (a patch-like loop): the
      // packet buffers and output queues are in use, so run it once the current batch is done.
      const copies: Uint8Array[] = [];
      for (let i = 0; i < count; i++) copies.push(frames[i].slice());
      const kept = offloads?.slice(0, count).map((o) => ({ ...o }));
      this.defer(() => this.runBatch(inPort, copies, copies.length, kept));
      return;
    }
    this.busy = true;
    try {
      this.runBatch(inPort, frames, count, offloads);
      this.runDeferred();
    } finally {
      this.busy = false;
    }
  }

  private busy = false;
  private readonly deferred: (() => void)[] = [];

  private defer(work: () => void): void {
    if (this.deferred.length >= MAX_DEFERRED) {
      this.drops.add('recursion_too_deep');
      return;
    }
    this.deferred.push(work);
  }

  private runDeferred(): void {
    // Bounded: a loop between ports that re-injects forever stops after MAX_DEFERRED rounds.
    let rounds = 0;
    while (this.deferred.length > 0) {
      const work = this.deferred.shift() as () => void;
      if (++rounds > MAX_DEFERRED) {
        this.drops.add('recursion_too_deep', this.deferred.length + 1);
        this.deferred.length = 0;
        return;
      }
      work();
    }
  }

  private runBatch(
    inPort: number,
    frames: readonly Uint8Array[],
    count: number,
    offloads?: readonly FrameOffload[],
  ): void {
    const now = this.clock();
    this.batchNow = now;
    this.upcallsThisBatch = 0;
    this.inPort = inPort;
    if (offloads === undefined) for (let i = 0; i < count; i++) this.processPacket(frames[i], inPort, now);
    else {
      for (let i = 0; i < count; i++) {
        this.rxOffload.begin(offloads, i, frames[i]);
        this.processPacket(frames[i], inPort, now);
      }
      this.rxOffload.end();
    }
    this.flushOutputs();
    this.offload?.afterBatch(now);
  }

  private processPacket(frame: Uint8Array, inPort: number, now: number): void {
    if (frame.length < 14) {
      this.drops.add('invalid_packet');
      return;
    }
    const pkt = this.pkt;
    const key = pkt.key;
    pkt.data = frame;
    extractFlow(frame, inPort, key, pkt.offsets);
    const offload = this.offload;
    if (offload !== undefined) {
      // As a NIC: the hardware sees the packet before the host's caches.
      const hw = offload.ingress(inPort, frame, key, now);
      if (hw !== undefined) {
        this.hit++;
        this.offloadHits++;
        if (hw !== HW_CONSUMED) this.runClassified(hw, frame, inPort);
        return;
      }
    }
    const hash = emcHash(key);
    const flow = this.cache.lookup(key, hash);
    if (flow !== undefined) {
      this.hit++;
      // As Open vSwitch, whatever the key holds in tcp_flags counts (for ND: the option type).
      this.cache.credit(flow, frame.length, key[W.TCP_FLAGS] & 0xfff, now);
      this.runClassified(flow.actions.compiled, frame, inPort);
      return;
    }
    this.missed++;
    this.upcall(frame, inPort, hash, now);
  }

  private upcall(frame: Uint8Array, inPort: number, hash: number, now: number): void {
    if (!this.takeUpcallToken(now)) {
      this.lost++;
      this.drops.add('upcall_limit');
      return;
    }
    const handler = this.upcallHandler;
    const key = this.pkt.key;
    let result: UpcallResult | undefined;
    this.upcalls++;
    try {
      result = handler?.(key, frame, inPort);
    } catch {
      result = undefined;
    }
    if (result === undefined) {
      this.drops.add('no_flow');
      return;
    }
    const compiled = this.compileResult(result.actions);
    if (result.install !== false) {
      const flow = this.cache.insert(key, result.mask, flowData(compiled, true, key, hash), now, hash);
      if (flow !== undefined) this.offload?.flowInstalled(flow);
    }
    this.runClassified(compiled, frame, inPort);
  }

  /**
   * Runs actions on the packet being processed, whichever way it was classified (hardware,
   * caches, upcall): a frame with pending receive offloads goes through them first.
   */
  private runClassified(compiled: CompiledActions, frame: Uint8Array, inPort: number): void {
    if (this.rxOffload.current === undefined) this.run(compiled, frame);
    else this.runPending(compiled, frame, inPort);
  }

  /**
   * Runs actions on the packet being processed (`frame` is `pkt.data`). A list of outputs only
   * queues the frame to each port directly: what its steps would do, without their calls.
   */
  private run(compiled: CompiledActions, frame: Uint8Array): void {
    const outputs = compiled.outputs;
    if (outputs === undefined) runActions(compiled, this.ctx);
    else for (let i = 0; i < outputs.length; i++) this.queueOutput(outputs[i], frame);
  }

  private readonly flushBound = () => this.flushOutputs();
  /** The clock at the start of the batch (or execution) running now: meters read it. */
  private batchNow = 0;

  /** Pending offloads of the frame being processed (only devices with rx_offload=keep have any). */
  private readonly rxOffload = new RxOffloadCarry();

  /** Runs actions on a frame with pending offloads: as it is when they allow, else completed first. */
  private runPending(compiled: CompiledActions, frame: Uint8Array, inPort: number): void {
    const carry = this.rxOffload;
    if (carry.canRunPending(compiled)) runActions(compiled, this.ctx);
    else if (!carry.runComplete(compiled, frame, inPort, this.pkt, this.ctx, this.flushBound))
      this.drops.add('invalid_packet');
  }

  private readonly textCache = new Map<string, CompiledActions>();

  private compileResult(actions: UpcallResult['actions']): CompiledActions {
    if (typeof actions === 'string') {
      let c = this.textCache.get(actions);
      if (c === undefined) {
        c = compileActions(parseActions(actions, this.portNumber));
        // Bounded: translations of a busy switch produce few distinct action lists.
        if (this.textCache.size >= 4096) this.textCache.clear();
        this.textCache.set(actions, c);
      }
      return c;
    }
    return Array.isArray(actions) ? compileActions(actions as readonly DpAction[]) : (actions as CompiledActions);
  }

  private takeUpcallToken(now: number): boolean {
    if (this.upcallsThisBatch >= this.maxUpcallsPerBatch) return false;
    if (this.maxUpcallsPerSecond !== Number.POSITIVE_INFINITY) {
      const elapsed = now - this.lastRefill;
      if (elapsed > 0) {
        this.upcallTokens = Math.min(
          this.maxUpcallsPerSecond,
          this.upcallTokens + (elapsed * this.maxUpcallsPerSecond) / 1000,
        );
        this.lastRefill = now;
      }
      if (this.upcallTokens < 1) return false;
      this.upcallTokens--;
    }
    this.upcallsThisBatch++;
    return true;
  }

  private queueOutput(portNo: number, frame: Uint8Array): void {
    const port = this.portTable[portNo];
    if (port === undefined) {
      this.drops.add('invalid_port');
      return;
    }
    const dev = port.netdev;
    if (dev.adminState === 'down') {
      this.drops.add('port_down');
      return;
    }
    let max = dev.mtu + 14;
    if (frame[12] === 0x81 && frame[13] === 0x00) max += 4;
    // A super-frame leaves as segments of at most its gso_size (the output device cuts it).
    if (frame.length > max && !this.rxOffload.superFrame) {
      this.drops.add('mtu_exceeded');
      return;
    }
    if (port.queued === 0) this.activePorts.push(port);
    const carry = this.rxOffload;
    if (carry.current !== undefined || port.offloads?.pending) {
      port.offloads ??= new PortOffloads();
      port.offloads.record(port.queued, carry.current, frame.length - carry.receivedLength);
    }
    port.queue[port.queued++] = frame;
  }

  private flushOutputs(): void {
    const active = this.activePorts;
    for (let i = 0; i < active.length; i++) {
      const port = active[i];
      const n = port.queued;
      if (this.tap !== undefined) this.tap('tx', port.portNo, port.queue, n);
      const sent = port.netdev.sendBatch(port.queue, n, port.offloads?.take());
      if (sent < n) this.drops.add('queue_full', n - sent);
      port.queued = 0;
    }
    active.length = 0;
  }

  /** Runs `actions` on a copy of `frame` as if received on `inPort` (dpctl execute / packet-out). */
  execute(frame: Uint8Array, inPort: number, actions: readonly DpAction[] | CompiledActions | string): void {
    const compiled = this.compileResult(actions);
    const copy = frame.slice();
    const run = () => {
      this.pkt.data = copy;
      this.inPort = inPort;
      this.batchNow = this.clock();
      extractFlow(copy, inPort, this.pkt.key, this.pkt.offsets);
      runActions(compiled, this.ctx);
      this.flushOutputs();
    };
    // Called from a userspace callback in the middle of a batch: run after it.
    if (this.busy) {
      this.defer(run);
      return;
    }
    this.busy = true;
    try {
      run();
      this.runDeferred();
    } finally {
      this.busy = false;
    }
  }

  // ---- Flow table (dpctl) ----

  /** The installed megaflow with exactly this key and mask, if any. */
  findFlow(key: Uint32Array, mask: Uint32Array): DpFlow | undefined {
    const masked = createFlowKey();
    for (let i = 0; i < FLOW_WORDS; i++) masked[i] = key[i] & mask[i];
    for (const f of this.cache.megaflows.entries()) if (keysEqual(f.mask, mask) && keysEqual(f.key, masked)) return f;
    return undefined;
  }

  /** Every megaflow, with hardware counters merged in. */
  flows(): DpFlow[] {
    this.offload?.syncStats(this.clock());
    return this.cache.megaflows.entries();
  }

  /** Installs a megaflow; returns it, or undefined when the cache refused it (flow limit, masks). */
  installFlow(
    key: Uint32Array,
    mask: Uint32Array,
    actions: readonly DpAction[],
    packetType = false,
  ): DpFlow | undefined {
    const data = flowData(compileActions(actions), packetType, key, hashWords(key));
    const flow = this.cache.insert(key, mask, data, this.clock());
    if (flow !== undefined) this.offload?.flowInstalled(flow);
    return flow;
  }

  setFlowActions(flow: DpFlow, actions: readonly DpAction[]): void {
    flow.actions = { ...flow.actions, compiled: compileActions(actions) };
    this.flowGeneration++;
    this.offload?.flowModified(flow);
  }

  removeFlow(flow: DpFlow): void {
    this.offload?.flowRemoved(flow);
    this.cache.remove(flow);
    this.flowGeneration++;
  }

  /** Removes every megaflow (and so every EMC entry). */
  flush(): void {
    for (const f of this.cache.megaflows.entries()) this.removeFlow(f);
    this.cache.emc.clear();
  }

  /**
   * Rechecks every megaflow with ofproto's translation (`retranslate(key, mask)` gives the
   * actions and mask translation needs now, or null to delete); see FlowCache.revalidate.
   */
  revalidate(
    retranslate: (key: Uint32Array, mask: Uint32Array) => { actions: readonly DpAction[]; mask: Uint32Array } | null,
  ) {
    // Hardware counters first, so flows leaving now carry their last hardware packets.
    this.offload?.syncStats(this.clock());
    const result = this.cache.revalidate(
      (flow) => {
        const r = retranslate(flow.key, flow.mask);
        if (r === null) return null;
        return { actions: { ...flow.actions, compiled: compileActions(r.actions) }, mask: r.mask };
      },
      (a, b) => a.compiled.text === b.compiled.text,
    );
    if (result.evicted + result.modified > 0) this.flowGeneration++;
    this.offload?.reconcile();
    return result;
  }

  /** Evicts idle megaflows (see FlowCache.expire). */
  expire(now = this.clock()): number {
    // Hardware hits refresh `used` before idleness is judged.
    this.offload?.syncStats(this.clock());
    const n = this.cache.expire(now);
    if (n > 0) this.flowGeneration++;
    this.offload?.reconcile();
    return n;
  }

  get stats(): DatapathStats {
    const c = this.cache.stats;
    const m = this.merged;
    return {
      hit: this.hit + m.hit,
      offloadHits: this.offloadHits,
      missed: this.missed + m.missed,
      lost: this.lost + m.lost,
      emcHits: c.emcHits + m.emcHits,
      smcHits: c.smcHits + m.smcHits,
      megaflowHits: c.megaflowHits + m.megaflowHits,
      upcalls: this.upcalls + m.upcalls,
      flows: c.flows,
      masks: c.masks,
      masksHitPerPacket: c.subtablesPerLookup,
    };
  }

  now(): number {
    return this.clock();
  }
}
