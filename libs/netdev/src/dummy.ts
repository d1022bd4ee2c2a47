// A device with no hardware behind it, as Open vSwitch's netdev-dummy: frames arrive when injected
// (`receive`, what `appctl netdev-dummy/receive` calls) or over a stream connection, and leave
// to the stream connections and the tx capture.
//
// Options (Interface.options):
//   pstream=punix:PATH  listen on a Unix socket; every accepted connection is a cable end
//   stream=unix:PATH    connect to one (reconnecting with backoff while it is down)
//   tx_pcap=FILE        every transmitted frame is appended to FILE (classic pcap)
//   rxq_pcap=FILE       every received frame is appended to FILE
//   pcap=FILE           both, in one file
// With a stream or pstream configured, the link is up only while a connection is established.
import { existsSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { FRAME_PREFIX_LEN, FrameStreamDecoder, MAX_STREAM_FRAME } from './frame-stream.js';
import type { LinkState, NetdevOptions, NetdevType } from './netdev.js';
import { NetdevBase, ReusableBatch } from './netdev-base.js';
import { CaptureFiles } from './pcap-files.js';

/** Bytes queued on one connection beyond which frames are dropped (Open vSwitch keeps 100 frames). */
const MAX_QUEUED_BYTES = 100 * 1600;
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 2000;

interface StreamTarget {
  kind: 'unix';
  path: string;
}

function parseTarget(spec: string, passive: boolean): StreamTarget {
  const prefix = passive ? 'punix:' : 'unix:';
  if (!spec.startsWith(prefix) || spec.length === prefix.length) {
    throw new Error(`${passive ? 'pstream' : 'stream'} "${spec}" is not supported (use ${prefix}PATH)`);
  }
  return { kind: 'unix', path: spec.slice(prefix.length) };
}

/** One connected cable end: its socket and the decoder of what it receives. */
class Connection {
  readonly decoder: FrameStreamDecoder;
  constructor(
    readonly socket: Socket,
    /** Accepted by our listener (as opposed to made by `stream=`). */
    readonly passive: boolean,
    onFrame: (frame: Uint8Array) => void,
    onFlush: () => void,
  ) {
    this.decoder = new FrameStreamDecoder(onFrame, onFlush);
  }
}

export class DummyNetdev extends NetdevBase {
  readonly type: NetdevType;
  private server: Server | undefined;
  private serverPath: string | undefined;
  private activeSpec: string | undefined;
  private activeSocket: Socket | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private backoffMs = BACKOFF_MIN_MS;
  private readonly connections = new Set<Connection>();
  private readonly captures = new CaptureFiles();
  private readonly rxBatch = new ReusableBatch();
  private readonly txFrames: Uint8Array[] = [];
  private opened = false;
  private lastLink: LinkState = 'up';

  constructor(name: string, options: NetdevOptions = {}, type: NetdevType = 'dummy') {
    super(name, options);
    this.type = type;
    this.lastLink = this.linkState;
  }

  get linkState(): LinkState {
    if (this.options.pstream === undefined && this.options.stream === undefined) return 'up';
    return this.connections.size > 0 ? 'up' : 'down';
  }

  /**
   * What `appctl netdev-dummy/conn-state` prints, as Open vSwitch does: for `stream=`,
   * "connected" or "disconnected"; "unknown" otherwise (listening or no stream at all).
   */
  get connState(): 'connected' | 'disconnected' | 'unknown' {
    if (this.activeSpec === undefined) return 'unknown';
    for (const c of this.connections) if (!c.passive) return 'connected';
    return 'disconnected';
  }

  /** How many stream connections are established (accepted or connected). */
  get connectionCount(): number {
    return this.connections.size;
  }

  async open(): Promise<string | undefined> {
    this.opened = true;
    return this.apply();
  }

  override async setConfig(options: NetdevOptions): Promise<string | undefined> {
    this.options = { ...options };
    return this.opened ? this.apply() : undefined;
  }

  async close(): Promise<void> {
    this.opened = false;
    await this.stopListening();
    this.stopConnecting();
    this.activeSpec = undefined;
    this.activeSocket = undefined;
    for (const c of this.connections) c.socket.destroy();
    this.connections.clear();
    await this.captures.close();
  }

  /** Injects one frame as if it had arrived on the device. */
  receive(frame: Uint8Array): void {
    this.captures.rx?.write(frame);
    this.captures.rx?.flush();
    this.deliverOne(frame);
  }

  protected transmitBatch(frames: readonly Uint8Array[], count: number): number {
    const out = this.txFrames;
    let accepted = 0;
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const f = frames[i];
      if (!this.admitTx(f)) continue;
      if (f.length > MAX_STREAM_FRAME) {
        this.counters.tx_dropped++;
        continue;
      }
      this.countTx(f);
      this.captures.tx?.write(f);
      bytes += FRAME_PREFIX_LEN + f.length;
      out[accepted++] = f;
    }
    this.captures.tx?.flush();
    if (accepted === 0 || this.connections.size === 0) return accepted;
    // One buffer for the whole batch: sockets keep what they are given until it is written.
    const wire = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (let i = 0; i < accepted; i++) {
      const f = out[i];
      wire[at] = f.length >>> 8;
      wire[at + 1] = f.length & 0xff;
      wire.set(f, at + FRAME_PREFIX_LEN);
      at += FRAME_PREFIX_LEN + f.length;
    }
    for (const c of this.connections) {
      if (c.socket.writableLength > MAX_QUEUED_BYTES) this.counters.tx_dropped += accepted;
      else c.socket.write(wire);
    }
    return accepted;
  }

  private async apply(): Promise<string | undefined> {
    this.error = undefined;
    try {
      // As netdev-dummy: `pcap=FILE` records both directions in one file, else each its own.
      const both = this.options.pcap;
      this.captures.configure(both ?? this.options.tx_pcap, both ?? this.options.rxq_pcap);
    } catch (e) {
      this.error = `${this.name}: ${(e as Error).message}`;
    }
    const pstream = this.options.pstream;
    if (pstream !== undefined && this.options.stream !== undefined) {
      // As netdev-dummy: a cable end listens or connects, not both; the old connection stays.
      this.error = `${this.name}: open failed: both ${pstream} and ${this.options.stream} are configured`;
      return this.error;
    }
    if (pstream !== this.serverSpec()) {
      await this.stopListening();
      if (pstream !== undefined) {
        try {
          await this.listen(parseTarget(pstream, true).path);
        } catch (e) {
          this.error = `${this.name}: ${pstream}: ${(e as Error).message}`;
        }
      }
    }
    const stream = this.options.stream;
    if (stream !== this.activeSpec) {
      this.stopConnecting();
      this.activeSocket?.destroy();
      this.activeSocket = undefined;
      this.activeSpec = undefined;
      if (stream !== undefined) {
        try {
          const target = parseTarget(stream, false);
          this.activeSpec = stream;
          this.backoffMs = BACKOFF_MIN_MS;
          this.connect(target.path);
        } catch (e) {
          this.error = `${this.name}: ${(e as Error).message}`;
        }
      }
    }
    this.noteLink();
    return this.error;
  }

  private serverSpec(): string | undefined {
    return this.serverPath === undefined ? undefined : `punix:${this.serverPath}`;
  }

  private listen(path: string): Promise<void> {
    // A socket file left by a previous run would make listen fail with EADDRINUSE.
    if (existsSync(path)) rmSync(path, { force: true });
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.adopt(socket, true));
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        server.on('error', (e) => this.emit({ kind: 'error', message: `${this.name}: ${e.message}` }));
        this.server = server;
        this.serverPath = path;
        resolve();
      });
    });
  }

  private async stopListening(): Promise<void> {
    const server = this.server;
    const path = this.serverPath;
    this.server = undefined;
    this.serverPath = undefined;
    if (!server) return;
    // server.close waits for accepted connections to end: end them first.
    for (const c of this.connections) if (c.passive) c.socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (path && existsSync(path)) rmSync(path, { force: true });
  }

  private connect(path: string): void {
    const spec = this.activeSpec;
    const socket = createConnection(path);
    this.activeSocket = socket;
    let established = false;
    const retry = () => {
      if (this.opened && this.activeSpec === spec) this.scheduleReconnect(path);
    };
    socket.once('connect', () => {
      established = true;
      this.backoffMs = BACKOFF_MIN_MS;
      this.adopt(socket, false, retry);
    });
    socket.on('error', () => {
      if (established) return;
      socket.destroy();
      retry();
    });
  }

  private scheduleReconnect(path: string): void {
    if (this.reconnectTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.opened && this.activeSpec !== undefined) this.connect(path);
    }, delay);
    this.reconnectTimer.unref();
  }

  private stopConnecting(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  /** Makes an established socket a cable end of this device. */
  private adopt(socket: Socket, passive: boolean, onGone?: () => void): void {
    const batch = this.rxBatch;
    const flush = () => {
      if (batch.count === 0) return;
      this.deliver(batch);
      batch.count = 0;
    };
    const conn = new Connection(
      socket,
      passive,
      (frame) => {
        this.captures.rx?.write(frame);
        batch.frames[batch.count++] = frame;
        if (batch.count === batch.frames.length) flush();
      },
      () => {
        this.captures.rx?.flush();
        flush();
      },
    );
    this.connections.add(conn);
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        // Plain Uint8Array views (not Buffers) for every provider's frames alike.
        conn.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      } catch (e) {
        this.counters.rx_errors++;
        this.emit({ kind: 'error', message: `${this.name}: ${(e as Error).message}` });
        socket.destroy();
      }
    });
    let gone = false;
    const drop = () => {
      if (gone) return;
      gone = true;
      this.connections.delete(conn);
      this.noteLink();
      onGone?.();
    };
    socket.on('error', drop);
    socket.on('close', drop);
    this.noteLink();
  }

  private noteLink(): void {
    const now = this.linkState;
    if (now !== this.lastLink) {
      this.lastLink = now;
      this.emit({ kind: 'link', state: now });
    }
  }
}
