import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DROP_REASON_NAMES, type DropReason, type ReplayStatus, type ReplaySummary } from '@softswitch/datapath';
import { type CapturedPacket, LinkType, PcapWriter, readCaptureFile } from '@softswitch/pcap';
import { UnixctlCommandError, type UnixctlServer } from '@softswitch/unixctl';
import type { Bridge } from './bridge.js';
import type { BridgeSet } from './bridge-set.js';
import { portTaps } from './capture-taps.js';
import { driveThreadedReplay } from './replay-threads.js';

/** Frames handed to the datapath at once, as a netdev's receive burst. */
const REPLAY_BATCH = 32;

interface ReplayRequest {
  bridge: string;
  inPort: string;
  pcap: string;
  loop: number;
  outDir: string | undefined;
  json: boolean;
  /** Packets per second, 0 for as fast as possible. */
  rate: number;
  /** Answer at once with the job number instead of waiting for the end. */
  detach: boolean;
  /** Datapath threads (replay-threads.ts); 1: the main thread's datapath. */
  threads: number;
}

const USAGE = 'BRIDGE IN_PORT PCAP [--loop N] [--rate PPS] [--out DIR] [--format json] [--detach] [--threads N]';

/**
 * `dpctl/replay`: feeds a capture into the datapath as received on one port of a bridge. It
 * answers when done (the summary), or at once with `--detach` (`{"job":N,"total":N}`); then
 * `dpctl/replay-status JOB` reports progress and, at the end, the summary, and
 * `dpctl/replay-cancel JOB` stops it. Either way switchd keeps serving while it runs.
 */
export function registerReplayCommand(server: UnixctlServer, set: BridgeSet): void {
  const jobs = new ReplayJobs(set);
  server.register('dpctl/replay', USAGE, 3, 12, async (args) => {
    const req = parseReplayArgs(args);
    const job = jobs.start(await prepareReplay(set, req));
    if (req.detach) return `${JSON.stringify({ job: job.id, total: job.status().total })}\n`;
    await job.done;
    if (job.state === 'failed') throw new UnixctlCommandError(job.error ?? 'replay failed');
    const summary = job.summary as ReplaySummary;
    return req.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary);
  });
  server.register('dpctl/replay-status', 'JOB', 1, 1, (args) => {
    return `${JSON.stringify(jobs.get(args[0]).status())}\n`;
  });
  server.register('dpctl/replay-cancel', 'JOB', 1, 1, (args) => {
    const job = jobs.get(args[0]);
    job.cancelRequested = true;
    return '';
  });
}

function parseReplayArgs(args: string[]): ReplayRequest {
  const positional: string[] = [];
  let loop = 1;
  let outDir: string | undefined;
  let json = false;
  let rate = 0;
  let detach = false;
  let threads = 1;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UnixctlCommandError(`${a} needs a value (usage: ${USAGE})`);
      return v;
    };
    if (a === '--loop') {
      loop = Number(value());
      if (!Number.isInteger(loop) || loop < 1)
        throw new UnixctlCommandError(`--loop: "${args[i]}" is not a count >= 1`);
    } else if (a === '--rate') {
      rate = Number(value());
      if (!Number.isFinite(rate) || rate <= 0)
        throw new UnixctlCommandError(`--rate: "${args[i]}" is not a number of packets per second > 0`);
    } else if (a === '--threads') {
      threads = Number(value());
      if (!Number.isInteger(threads) || threads < 1 || threads > 64)
        throw new UnixctlCommandError(`--threads: "${args[i]}" is not a thread count from 1 to 64`);
    } else if (a === '--detach') detach = true;
    else if (a === '--out') outDir = value();
    else if (a === '--format') json = value() === 'json';
    else if (a.startsWith('--')) throw new UnixctlCommandError(`unknown option ${a} (usage: ${USAGE})`);
    else positional.push(a);
  }
  if (positional.length !== 3) throw new UnixctlCommandError(`"dpctl/replay" needs ${USAGE}`);
  return {
    bridge: positional[0],
    inPort: positional[1],
    pcap: positional[2],
    loop,
    outDir,
    json,
    rate,
    detach,
    threads,
  };
}

function findInPort(bridge: Bridge, spec: string): { name: string; dpPort: number } {
  for (const e of bridge.ifaces.values()) {
    if (e.dpPort === undefined) continue;
    if (e.config.name === spec || String(e.config.ofport) === spec) return { name: e.config.name, dpPort: e.dpPort };
  }
  throw new UnixctlCommandError(`${bridge.name}: no port "${spec}" attached to the datapath`);
}

/** Everything a replay needs once its request is checked: resolved bridge, port and packets. */
interface PreparedReplay {
  req: ReplayRequest;
  bridge: Bridge;
  inPort: { name: string; dpPort: number };
  packets: CapturedPacket[];
  /** The capture file's identity (path, size, modification time), read with it. */
  source: string;
}

async function prepareReplay(set: BridgeSet, req: ReplayRequest): Promise<PreparedReplay> {
  const bridge = set.bridges.get(req.bridge);
  if (!bridge) throw new UnixctlCommandError(`no such bridge "${req.bridge}"`);
  const inPort = findInPort(bridge, req.inPort);
  let packets: CapturedPacket[];
  let source: string;
  try {
    packets = await readCaptureFile(req.pcap);
    const st = statSync(req.pcap);
    source = `${resolve(req.pcap)}:${st.size}:${st.mtimeMs}`;
  } catch (err) {
    throw new UnixctlCommandError(`${req.pcap}: ${(err as Error).message}`);
  }
  const foreign = packets.find((p) => p.linkType !== LinkType.ETHERNET);
  if (foreign)
    throw new UnixctlCommandError(
      `${req.pcap}: packet ${foreign.index} has link type ${foreign.linkType}, not Ethernet`,
    );
  if (req.outDir !== undefined) {
    try {
      mkdirSync(req.outDir, { recursive: true });
    } catch (err) {
      throw new UnixctlCommandError(`--out ${req.outDir}: ${(err as Error).message}`);
    }
  }
  return { req, bridge, inPort, packets, source };
}

/** Where the hot loop is in the (looped) capture. */
interface FeedState {
  readonly set: BridgeSet;
  readonly dpPort: number;
  readonly packets: readonly CapturedPacket[];
  readonly total: number;
  readonly batch: Uint8Array[];
  /** Packets fed so far, over all rounds. */
  sent: number;
  /** How each burst starts as the capture has it (made on first use). */
  copies?: PacketCopies;
  /** The capture file's identity (threaded replays keep its split over the threads). */
  readonly source?: string;
}

/**
 * The datapath gets the capture's own frames and may rewrite them in place, so every round must
 * start from the capture's bytes. When the packets are views into one buffer, in order (as the
 * pcap reader makes them), a burst is one span of that buffer: saved into a scratch buffer before
 * it is fed and put back after, two copies per burst and no copy of the whole capture. Otherwise
 * each packet has its own copy, refilled from the capture before it is fed. Checked and allocated
 * once per replay, with no object per packet; no allocation per packet after that.
 */
interface PacketCopies {
  /** The buffer every packet views, in order, or undefined. */
  target: Uint8Array | undefined;
  /** The burst being fed, as the capture has it (grown as needed). */
  saved: Uint8Array;
  /** Without a shared buffer: the frames fed, one copy per packet. */
  each: Uint8Array[] | undefined;
}

function packetCopies(packets: readonly CapturedPacket[]): PacketCopies {
  const buffer = packets[0]?.data.buffer;
  let shared = buffer !== undefined;
  let end = 0;
  for (let i = 0; shared && i < packets.length; i++) {
    const d = packets[i].data;
    // Plain Uint8Arrays only: a Buffer's slice() is a view, not the copy the datapath means.
    shared = d.buffer === buffer && d.byteOffset >= end && d.constructor === Uint8Array;
    end = d.byteOffset + d.length;
  }
  if (shared)
    return { target: new Uint8Array(buffer as ArrayBufferLike), saved: new Uint8Array(4096), each: undefined };
  return { target: undefined, saved: new Uint8Array(0), each: packets.map((p) => new Uint8Array(p.data)) };
}

/**
 * The hot loop: feeds up to `max` more packets to the datapath in bursts of REPLAY_BATCH, as
 * received batches; returns how many it fed. The caller (driveReplay) decides how many and when.
 */
function feedPackets(state: FeedState, max: number): number {
  const { packets, batch } = state;
  if (state.copies === undefined) state.copies = packetCopies(packets);
  const copies = state.copies;
  const dp = state.set.datapath;
  const end = Math.min(state.total, state.sent + max);
  const fed = end - state.sent;
  while (state.sent < end) {
    const at = state.sent % packets.length;
    const n = Math.min(REPLAY_BATCH, packets.length - at, end - state.sent);
    // The datapath may rewrite frames in place: what it gets is as the capture has it, and so is
    // what the next round gets (see PacketCopies).
    const { target, each } = copies;
    if (target !== undefined) {
      for (let j = 0; j < n; j++) batch[j] = packets[at + j].data;
      const start = batch[0].byteOffset;
      const length = batch[n - 1].byteOffset + batch[n - 1].length - start;
      if (copies.saved.length < length) copies.saved = new Uint8Array(length * 2);
      copies.saved.set(target.subarray(start, start + length));
      dp.processBatch(state.dpPort, batch, n);
      target.set(copies.saved.subarray(0, length), start);
    } else {
      for (let j = 0; j < n; j++) {
        const copy = (each as Uint8Array[])[at + j];
        copy.set(packets[at + j].data);
        batch[j] = copy;
      }
      dp.processBatch(state.dpPort, batch, n);
    }
    // As a received batch: changes it caused (MAC learning) revalidate before the next one.
    state.set.revalidateIfPending();
    state.sent += n;
  }
  return fed;
}

/** Work done between two yields to the event loop when running flat out, ms. */
const SLICE_MS = 5;
/** Packets fed between two clock reads. */
const SLICE_PACKETS = REPLAY_BATCH * 8;

export interface DriveControl {
  /** Packets per second, or 0 for as fast as possible. */
  rate: number;
  /** Polled between slices: true stops the run early. */
  cancelled: () => boolean;
  /** Polled between slices: false (the input port went away) fails the run. */
  stillValid: () => boolean;
}

/**
 * The scheduler around feedPackets: runs it in time slices and yields to the event loop between
 * them, so switchd keeps answering its control socket and OpenFlow while a replay runs. With a
 * rate, packet i is due at start + i/rate: each wake-up feeds what is due, then sleeps (a timer,
 * never a spin) until the next packet is.
 */
export async function driveReplay(total: number, feed: (max: number) => number, control: DriveControl): Promise<void> {
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    if (control.cancelled()) return;
    if (!control.stillValid()) throw new UnixctlCommandError('the input port went away during the replay');
    const sliceEnd = performance.now() + SLICE_MS;
    if (control.rate > 0) {
      // Packets due by now (the first at once), fed within this slice's budget.
      let due = Math.min(total, Math.floor(((performance.now() - start) * control.rate) / 1000) + 1);
      while (sent < due && performance.now() < sliceEnd) {
        sent += feed(Math.min(due - sent, SLICE_PACKETS));
        due = Math.min(total, Math.floor(((performance.now() - start) * control.rate) / 1000) + 1);
      }
      if (sent >= total) break;
      const nextDue = start + (sent * 1000) / control.rate;
      const wait = nextDue - performance.now();
      if (wait > 0) await sleep(wait);
      else await yieldToLoop();
    } else {
      do sent += feed(SLICE_PACKETS);
      while (sent < total && performance.now() < sliceEnd);
      if (sent < total) await yieldToLoop();
    }
  }
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A running or finished replay, as `dpctl/replay-status` reports it. */

export class ReplayJob {
  state: ReplayStatus['state'] = 'running';
  summary: ReplaySummary | undefined;
  error: string | undefined;
  cancelRequested = false;
  readonly done: Promise<void>;
  private readonly start = performance.now();
  private end: number | undefined;
  private readonly feed: FeedState;

  constructor(
    readonly id: number,
    private readonly set: BridgeSet,
    private readonly prep: PreparedReplay,
  ) {
    this.feed = {
      set,
      dpPort: prep.inPort.dpPort,
      packets: prep.packets,
      total: prep.packets.length * prep.req.loop,
      batch: new Array(REPLAY_BATCH),
      sent: 0,
      source: prep.source,
    };
    this.done = this.run().then(
      () => {
        this.state = this.cancelRequested ? 'cancelled' : 'done';
      },
      (err: Error) => {
        this.state = 'failed';
        this.error = err.message;
      },
    );
  }

  private async run(): Promise<void> {
    const { req, bridge } = this.prep;
    const dp = this.set.datapath;
    const undo: (() => void)[] = [];
    const writers: PcapWriter[] = [];
    const counts = new Map<string, { n: number }>();
    if (req.outDir !== undefined) {
      const taps = portTaps(dp);
      for (const e of bridge.ifaces.values()) {
        if (!e.netdev || e.dpPort === undefined) continue;
        const writer = PcapWriter.open(join(req.outDir, `${e.config.name}.pcap`));
        const count = { n: 0 };
        writers.push(writer);
        counts.set(e.config.name, count);
        // Written (copied) at once: the datapath reuses its buffers. Timestamps 0: the files
        // depend on the input alone.
        undo.push(
          taps.add(e.dpPort, (direction, frame) => {
            if (direction !== 'tx') return;
            writer.write(frame, 0n);
            count.n++;
          }),
        );
      }
    }
    const before = dp.stats;
    const dropsBefore = DROP_REASON_NAMES.map((r) => dp.drops.get(r));
    const upcallsBefore = this.set.counters.upcalls;
    const dpPort = this.prep.inPort.dpPort;
    try {
      const control: DriveControl = {
        rate: req.rate,
        cancelled: () => this.cancelRequested,
        stillValid: () => dp.portName(dpPort) !== undefined,
      };
      if (req.threads > 1) await driveThreadedReplay(this.set, this.feed, req.threads, control);
      else await driveReplay(this.feed.total, (max) => feedPackets(this.feed, max), control);
    } finally {
      this.end = performance.now();
      for (const u of undo) u();
      for (const w of writers) await w.close();
    }
    const after = dp.stats;
    const drops: Partial<Record<DropReason, number>> = {};
    DROP_REASON_NAMES.forEach((r, i) => {
      const d = dp.drops.get(r) - dropsBefore[i];
      if (d > 0) drops[r] = d;
    });
    const elapsedMs = this.elapsedMs;
    const sent = this.feed.sent;
    const summary: ReplaySummary = {
      bridge: bridge.name,
      inPort: this.prep.inPort.name,
      packets: sent,
      elapsedMs: Math.round(elapsedMs * 1000) / 1000,
      packetsPerSecond: elapsedMs > 0 ? Math.round((sent * 1000) / elapsedMs) : 0,
      hit: after.hit - before.hit,
      emcHits: after.emcHits - before.emcHits,
      megaflowHits: after.megaflowHits - before.megaflowHits,
      smcHits: after.smcHits - before.smcHits,
      missed: after.missed - before.missed,
      lost: after.lost - before.lost,
      upcalls: this.set.counters.upcalls - upcallsBefore,
      drops,
    };
    if (req.outDir !== undefined) {
      summary.outDir = req.outDir;
      summary.outputs = Object.fromEntries([...counts].map(([name, c]) => [name, c.n]));
    }
    this.summary = summary;
  }

  get elapsedMs(): number {
    return (this.end ?? performance.now()) - this.start;
  }

  status(): ReplayStatus {
    const elapsedMs = this.elapsedMs;
    const packets = this.feed.sent;
    const status: ReplayStatus = {
      job: this.id,
      state: this.state,
      bridge: this.prep.bridge.name,
      inPort: this.prep.inPort.name,
      packets,
      total: this.feed.total,
      elapsedMs: Math.round(elapsedMs * 1000) / 1000,
      packetsPerSecond: elapsedMs > 0 ? Math.round((packets * 1000) / elapsedMs) : 0,
    };
    if (this.summary !== undefined) status.summary = this.summary;
    if (this.error !== undefined) status.error = this.error;
    return status;
  }
}

/** Replays by job number; the last MAX_FINISHED_JOBS finished ones stay for their status. */
class ReplayJobs {
  private readonly jobs = new Map<number, ReplayJob>();
  private nextId = 1;

  constructor(private readonly set: BridgeSet) {}

  start(prep: PreparedReplay): ReplayJob {
    const job = new ReplayJob(this.nextId++, this.set, prep);
    this.jobs.set(job.id, job);
    this.prune();
    return job;
  }

  get(text: string): ReplayJob {
    const job = this.jobs.get(Number(text));
    if (job === undefined) throw new UnixctlCommandError(`no replay job ${text}`);
    return job;
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED_JOBS))) this.jobs.delete(j.id);
  }
}

const MAX_FINISHED_JOBS = 16;

function formatSummary(s: ReplaySummary): string {
  let out = `replayed ${s.packets} packets into ${s.bridge} port ${s.inPort} in ${s.elapsedMs} ms (${s.packetsPerSecond} packets/s)\n`;
  out += `  hit:${s.hit} missed:${s.missed} lost:${s.lost} upcalls:${s.upcalls}\n`;
  for (const [reason, n] of Object.entries(s.drops)) out += `  drop ${reason}: ${n}\n`;
  if (s.outputs) for (const [name, n] of Object.entries(s.outputs)) out += `  output ${name}: ${n}\n`;
  return out;
}
