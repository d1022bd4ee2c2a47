import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchToKey } from '@softswitch/ofproto';
import { parseFlow } from '@softswitch/openflow';
import { createFlowKey, extractFlow, FLOW_WORDS } from '@softswitch/packet';
import { UnixctlCommandError, type UnixctlServer } from '@softswitch/unixctl';
import type { BridgeSet } from './bridge-set.js';
import { portTaps, type TapDirection } from './capture-taps.js';

/**
 * `dpctl/capture`: what one port receives and sends, streamed to the client over a private
 * Unix socket, as tcpdump would see it on a kernel port.
 *
 * The stream (switchd → dpctl, see apps/dpctl/src/capture-stream.ts) is a sequence of records,
 * each a 20-byte little-endian header — direction (0 received, 1 sent), seconds, nanoseconds,
 * captured length, original length — and the captured bytes. The socket sits in a fresh
 * mode-0700 directory and is itself mode 0600; the capture starts when the command returns, so
 * packets between the reply and the client's connect are kept (within the buffer bound).
 */

export const RECORD_HEADER_BYTES = 20;
/** Bytes queued for a client (unsent) before new packets are dropped and counted instead. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** A capture nobody connects to ends on its own. */
const CONNECT_TIMEOUT_MS = 30_000;
/** Finished captures remembered for `dpctl/capture-stats`. */
const FINISHED_KEPT = 32;
const DEFAULT_SNAPLEN = 262_144;

const USAGE = 'PORT [--bridge BR] [--filter FLOW] [--count N] [--snaplen N]';

export interface CaptureStats {
  id: number;
  port: string;
  packets: number;
  dropped: number;
  state: 'running' | 'done';
}

interface CaptureRequest {
  port: string;
  bridge: string | undefined;
  filter: string | undefined;
  count: number;
  snaplen: number;
}

/** Wall-clock nanoseconds from a monotonic clock: one offset taken at load. */
const WALL_OFFSET_NS = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

class CaptureSession {
  packets = 0;
  dropped = 0;
  state: 'running' | 'done' = 'running';
  readonly socketPath: string;
  private readonly dir: string;
  private server: Server | undefined;
  private socket: Socket | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private untap: (() => void) | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private readonly scratch = createFlowKey();

  constructor(
    readonly id: number,
    readonly port: string,
    private readonly ofport: number,
    private readonly filter: { value: Uint32Array; mask: Uint32Array } | undefined,
    private readonly limit: number,
    private readonly snaplen: number,
    private readonly onDone: (s: CaptureSession) => void,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'softswitch-capture-'));
    this.socketPath = join(this.dir, 'capture.sock');
  }

  async listen(tap: (listener: (d: TapDirection, f: Uint8Array) => void) => () => void): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(this.socketPath, 0o600);
    this.server = server;
    this.connectTimer = setTimeout(() => this.finish(), CONNECT_TIMEOUT_MS);
    this.connectTimer.unref();
    this.untap = tap((direction, frame) => this.onFrame(direction, frame));
  }

  stats(): CaptureStats {
    return { id: this.id, port: this.port, packets: this.packets, dropped: this.dropped, state: this.state };
  }

  private accept(socket: Socket): void {
    if (this.socket !== undefined || (this.state === 'done' && this.pendingBytes === 0)) {
      socket.destroy();
      return;
    }
    clearTimeout(this.connectTimer);
    this.socket = socket;
    // The client is the only reader: stop accepting, and end the capture when it goes away.
    this.server?.close();
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.finish());
    socket.resume(); // nothing is expected from the client; don't let its bytes pile up
    for (const chunk of this.pending) socket.write(chunk);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.state === 'done') socket.end();
  }

  private onFrame(direction: TapDirection, frame: Uint8Array): void {
    if (this.state === 'done') return;
    if (this.filter !== undefined && !this.matches(frame)) return;
    const captured = Math.min(frame.length, this.snaplen);
    const size = RECORD_HEADER_BYTES + captured;
    const queued = this.socket !== undefined ? this.socket.writableLength : this.pendingBytes;
    if (queued + size > MAX_BUFFERED_BYTES) {
      this.dropped++;
      return;
    }
    const ns = WALL_OFFSET_NS + process.hrtime.bigint();
    // A copy now: the frame's buffer is reused (and maybe rewritten) once this call returns.
    const record = Buffer.allocUnsafe(size);
    record.writeUInt32LE(direction === 'rx' ? 0 : 1, 0);
    record.writeUInt32LE(Number(ns / 1_000_000_000n), 4);
    record.writeUInt32LE(Number(ns % 1_000_000_000n), 8);
    record.writeUInt32LE(captured, 12);
    record.writeUInt32LE(frame.length, 16);
    record.set(captured === frame.length ? frame : frame.subarray(0, captured), RECORD_HEADER_BYTES);
    this.packets++;
    if (this.socket !== undefined) this.socket.write(record);
    else {
      this.pending.push(record);
      this.pendingBytes += size;
    }
    if (this.limit > 0 && this.packets >= this.limit) this.complete();
  }

  private matches(frame: Uint8Array): boolean {
    const key = this.scratch;
    extractFlow(frame, this.ofport, key);
    const { value, mask } = this.filter as { value: Uint32Array; mask: Uint32Array };
    for (let i = 0; i < FLOW_WORDS; i++) if (((key[i] ^ value[i]) & mask[i]) !== 0) return false;
    return true;
  }

  /** The count is reached: no more packets; the socket ends once what is queued is sent. */
  private complete(): void {
    this.state = 'done';
    this.untap?.();
    this.untap = undefined;
    if (this.socket !== undefined) this.socket.end();
  }

  /** Ends everything: the tap, the socket, its directory. Idempotent. */
  finish(): void {
    this.state = 'done';
    this.untap?.();
    this.untap = undefined;
    clearTimeout(this.connectTimer);
    this.server?.close();
    this.server = undefined;
    this.socket?.destroy();
    this.pending = [];
    this.pendingBytes = 0;
    rmSync(this.dir, { recursive: true, force: true });
    this.onDone(this);
  }
}

function parseCaptureArgs(args: string[]): CaptureRequest {
  const req: CaptureRequest = { port: '', bridge: undefined, filter: undefined, count: 0, snaplen: DEFAULT_SNAPLEN };
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UnixctlCommandError(`${a} needs a value (usage: ${USAGE})`);
      return v;
    };
    const count = (name: string, min: number) => {
      const v = value();
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < min) throw new UnixctlCommandError(`${name}: "${v}" is not a number >= ${min}`);
      return n;
    };
    if (a === '--bridge') req.bridge = value();
    else if (a === '--filter') req.filter = value();
    else if (a === '--count') req.count = count('--count', 1);
    else if (a === '--snaplen') req.snaplen = Math.min(count('--snaplen', 1), DEFAULT_SNAPLEN);
    else if (a.startsWith('--')) throw new UnixctlCommandError(`unknown option ${a} (usage: ${USAGE})`);
    else positional.push(a);
  }
  if (positional.length !== 1) throw new UnixctlCommandError(`"dpctl/capture" needs ${USAGE}`);
  req.port = positional[0];
  return req;
}

/** The filter as a key value/mask, in ovs-ofctl match syntax (`tcp,tp_dst=80`). */
function parseFilter(text: string): { value: Uint32Array; mask: Uint32Array } {
  try {
    return matchToKey(parseFlow(text, 3).fm.match);
  } catch (err) {
    throw new UnixctlCommandError(`--filter "${text}": ${(err as Error).message}`);
  }
}

/** The named port (or OpenFlow port number, with a bridge), across the bridges. */
function findPort(set: BridgeSet, spec: string, bridgeName: string | undefined) {
  const bridges = bridgeName === undefined ? [...set.bridges.values()] : [set.bridges.get(bridgeName)];
  if (bridges[0] === undefined) throw new UnixctlCommandError(`no such bridge "${bridgeName}"`);
  for (const b of bridges) {
    if (b === undefined) continue;
    for (const e of b.ifaces.values()) {
      if (e.dpPort === undefined) continue;
      const byNumber = bridgeName !== undefined && String(e.config.ofport) === spec;
      if (e.config.name === spec || byNumber) return { name: e.config.name, dpPort: e.dpPort, ofport: e.config.ofport };
    }
  }
  throw new UnixctlCommandError(`no port "${spec}" attached to the datapath`);
}

/** `dpctl/capture`, `dpctl/capture-stats ID`, `dpctl/capture-stop ID`. */
export function registerCaptureCommands(server: UnixctlServer, set: BridgeSet): void {
  const running = new Map<number, CaptureSession>();
  const finished = new Map<number, CaptureStats>();
  let nextId = 1;
  const taps = portTaps(set.datapath);

  const onDone = (s: CaptureSession) => {
    running.delete(s.id);
    finished.set(s.id, s.stats());
    for (const id of finished.keys()) {
      if (finished.size <= FINISHED_KEPT) break;
      finished.delete(id);
    }
  };
  const statsOf = (text: string): CaptureStats => {
    const id = Number(text);
    const s = running.get(id)?.stats() ?? finished.get(id);
    if (s === undefined) throw new UnixctlCommandError(`no capture ${text}`);
    return s;
  };

  server.register('dpctl/capture', USAGE, 1, 9, async (args) => {
    const req = parseCaptureArgs(args);
    const port = findPort(set, req.port, req.bridge);
    const filter = req.filter === undefined ? undefined : parseFilter(req.filter);
    const id = nextId++;
    const session = new CaptureSession(id, port.name, port.ofport, filter, req.count, req.snaplen, onDone);
    try {
      await session.listen((listener) => taps.add(port.dpPort, listener));
    } catch (err) {
      session.finish();
      throw new UnixctlCommandError(`capture socket: ${(err as Error).message}`);
    }
    running.set(id, session);
    return `${JSON.stringify({ id, port: port.name, socket: session.socketPath })}\n`;
  });

  server.register('dpctl/capture-stats', 'ID', 1, 1, (args) => `${JSON.stringify(statsOf(args[0]))}\n`);

  server.register('dpctl/capture-stop', 'ID', 1, 1, (args) => {
    running.get(Number(args[0]))?.finish();
    return `${JSON.stringify(statsOf(args[0]))}\n`;
  });
}
