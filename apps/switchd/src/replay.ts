import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DROP_REASON_NAMES, type DropReason } from '@softswitch/datapath';
import type { Netdev } from '@softswitch/netdev';
import { type CapturedPacket, LinkType, PcapWriter, readCaptureFile } from '@softswitch/pcap';
import { UnixctlCommandError, type UnixctlServer } from '@softswitch/unixctl';
import type { Bridge } from './bridge.js';
import type { BridgeSet } from './bridge-set.js';

/** Frames handed to the datapath at once, as a netdev's receive burst. */
const REPLAY_BATCH = 32;

export interface ReplaySummary {
  bridge: string;
  inPort: string;
  packets: number;
  elapsedMs: number;
  packetsPerSecond: number;
  hit: number;
  missed: number;
  lost: number;
  upcalls: number;
  drops: Partial<Record<DropReason, number>>;
  /** Frames each port transmitted (only with --out), by port name. */
  outputs?: Record<string, number>;
  outDir?: string;
}

interface ReplayRequest {
  bridge: string;
  inPort: string;
  pcap: string;
  loop: number;
  outDir: string | undefined;
  json: boolean;
}

const USAGE = 'BRIDGE IN_PORT PCAP [--loop N] [--out DIR] [--format json]';

/** `dpctl/replay`: feeds a capture into the datapath as received on one port of a bridge. */
export function registerReplayCommand(server: UnixctlServer, set: BridgeSet): void {
  server.register('dpctl/replay', USAGE, 3, 9, async (args) => {
    const req = parseReplayArgs(args);
    const summary = await replay(set, req);
    return req.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary);
  });
}

function parseReplayArgs(args: string[]): ReplayRequest {
  const positional: string[] = [];
  let loop = 1;
  let outDir: string | undefined;
  let json = false;
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
    } else if (a === '--out') outDir = value();
    else if (a === '--format') json = value() === 'json';
    else if (a.startsWith('--')) throw new UnixctlCommandError(`unknown option ${a} (usage: ${USAGE})`);
    else positional.push(a);
  }
  if (positional.length !== 3) throw new UnixctlCommandError(`"dpctl/replay" needs ${USAGE}`);
  return { bridge: positional[0], inPort: positional[1], pcap: positional[2], loop, outDir, json };
}

function findInPort(bridge: Bridge, spec: string): { name: string; dpPort: number } {
  for (const e of bridge.ifaces.values()) {
    if (e.dpPort === undefined) continue;
    if (e.config.name === spec || String(e.config.ofport) === spec) return { name: e.config.name, dpPort: e.dpPort };
  }
  throw new UnixctlCommandError(`${bridge.name}: no port "${spec}" attached to the datapath`);
}

/**
 * Wraps a port's send path so every transmitted frame is also written to a capture; returns the
 * undo. Only `sendBatch`: the datapath sends through it, and a device's `send` goes through it too.
 */
function tapSends(netdev: Netdev, writer: PcapWriter, count: { n: number }): () => void {
  const dev = netdev as unknown as Record<string, unknown>;
  const hadOwn = Object.hasOwn(dev, 'sendBatch');
  const sendBatch = netdev.sendBatch;
  dev.sendBatch = (frames: readonly Uint8Array[], n = frames.length, offloads?: unknown): number => {
    // Written (copied) at once: the datapath reuses its buffers.
    for (let i = 0; i < n; i++) writer.write(frames[i], 0n);
    count.n += n;
    return sendBatch.call(netdev, frames, n, offloads as never);
  };
  return () => {
    if (hadOwn) dev.sendBatch = sendBatch;
    else Reflect.deleteProperty(dev, 'sendBatch');
  };
}

async function replay(set: BridgeSet, req: ReplayRequest): Promise<ReplaySummary> {
  const bridge = set.bridges.get(req.bridge);
  if (!bridge) throw new UnixctlCommandError(`no such bridge "${req.bridge}"`);
  const inPort = findInPort(bridge, req.inPort);
  let packets: CapturedPacket[];
  try {
    packets = await readCaptureFile(req.pcap);
  } catch (err) {
    throw new UnixctlCommandError(`${req.pcap}: ${(err as Error).message}`);
  }
  const foreign = packets.find((p) => p.linkType !== LinkType.ETHERNET);
  if (foreign)
    throw new UnixctlCommandError(
      `${req.pcap}: packet ${foreign.index} has link type ${foreign.linkType}, not Ethernet`,
    );

  const undo: (() => void)[] = [];
  const writers: PcapWriter[] = [];
  const counts = new Map<string, { n: number }>();
  if (req.outDir !== undefined) {
    try {
      mkdirSync(req.outDir, { recursive: true });
    } catch (err) {
      throw new UnixctlCommandError(`--out ${req.outDir}: ${(err as Error).message}`);
    }
    for (const e of bridge.ifaces.values()) {
      if (!e.netdev || e.dpPort === undefined) continue;
      const writer = PcapWriter.open(join(req.outDir, `${e.config.name}.pcap`));
      const count = { n: 0 };
      writers.push(writer);
      counts.set(e.config.name, count);
      undo.push(tapSends(e.netdev, writer, count));
    }
  }

  const dp = set.datapath;
  const before = dp.stats;
  const dropsBefore = DROP_REASON_NAMES.map((r) => dp.drops.get(r));
  const upcallsBefore = set.counters.upcalls;
  const batch: Uint8Array[] = new Array(REPLAY_BATCH);
  const start = performance.now();
  let sent = 0;
  try {
    for (let round = 0; round < req.loop; round++) {
      for (let i = 0; i < packets.length; i += REPLAY_BATCH) {
        const n = Math.min(REPLAY_BATCH, packets.length - i);
        // The datapath may rewrite frames in place: give it copies so each loop starts clean.
        for (let j = 0; j < n; j++) batch[j] = packets[i + j].data.slice();
        dp.processBatch(inPort.dpPort, batch, n);
        // As a received batch: changes it caused (MAC learning) revalidate before the next one.
        set.revalidateIfPending();
        sent += n;
      }
    }
  } finally {
    for (const u of undo) u();
    for (const w of writers) await w.close();
  }
  const elapsedMs = performance.now() - start;
  const after = dp.stats;
  const drops: Partial<Record<DropReason, number>> = {};
  DROP_REASON_NAMES.forEach((r, i) => {
    const d = dp.drops.get(r) - dropsBefore[i];
    if (d > 0) drops[r] = d;
  });
  const summary: ReplaySummary = {
    bridge: bridge.name,
    inPort: inPort.name,
    packets: sent,
    elapsedMs: Math.round(elapsedMs * 1000) / 1000,
    packetsPerSecond: elapsedMs > 0 ? Math.round((sent * 1000) / elapsedMs) : 0,
    hit: after.hit - before.hit,
    missed: after.missed - before.missed,
    lost: after.lost - before.lost,
    upcalls: set.counters.upcalls - upcallsBefore,
    drops,
  };
  if (req.outDir !== undefined) {
    summary.outDir = req.outDir;
    summary.outputs = Object.fromEntries([...counts].map(([name, c]) => [name, c.n]));
  }
  return summary;
}

function formatSummary(s: ReplaySummary): string {
  let out = `replayed ${s.packets} packets into ${s.bridge} port ${s.inPort} in ${s.elapsedMs} ms (${s.packetsPerSecond} packets/s)\n`;
  out += `  hit:${s.hit} missed:${s.missed} lost:${s.lost} upcalls:${s.upcalls}\n`;
  for (const [reason, n] of Object.entries(s.drops)) out += `  drop ${reason}: ${n}\n`;
  if (s.outputs) for (const [name, n] of Object.entries(s.outputs)) out += `  output ${name}: ${n}\n`;
  return out;
}
