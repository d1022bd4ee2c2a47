import { EventEmitter } from 'node:events';
import { getSystemErrorName } from 'node:util';

/**
 * A Unix-socket server on libuv's pipe handles directly, without net.Server/net.Socket.
 *
 * Why: a session of `ovs-vsctl` is one connection with four requests. Under net.Socket each
 * connection costs a Socket (a Duplex stream: ~85 µs of CPU to construct, run cold), each read a
 * trip through Readable.push, each write a Writable round, and the close a chain of stream
 * events. A bare server answering one request per connection costs Node 0.31-0.37 ms of CPU per
 * session with net.Server and 0.09-0.11 ms on the handle (measured with ovsdb-client against
 * both). The handle API is Node's own (what net.js is built on: `pipe_wrap`, `stream_wrap`, still
 * reachable through `process.binding`), so it is used only where it is found in the expected
 * shape; otherwise, or with SOFTSWITCH_NET_STREAMS set (to compare the two, or to rule this
 * path out), `listenPipe` returns undefined and the caller uses net.Server.
 */

/** What Connection needs of a byte stream (net.Socket and Duplex streams have it too). */
export interface ByteStream {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'close' | 'end', listener: () => void): unknown;
  write(text: string): unknown;
  end(): unknown;
  destroy(): unknown;
  readonly destroyed: boolean;
}

interface PipeHandle {
  onread: (arrayBuffer: ArrayBuffer) => void;
  onconnection: (status: number, client?: PipeHandle) => void;
  bind(path: string): number;
  listen(backlog: number): number;
  readStart(): number;
  readStop(): number;
  writeUtf8String(req: WriteReq, text: string): number;
  shutdown(req: object): number;
  close(callback?: () => void): void;
}

interface WriteReq {
  handle: PipeHandle;
  oncomplete: (status: number) => void;
  async: boolean;
}

interface Bindings {
  Pipe: new (type: number) => PipeHandle;
  serverType: number;
  WriteWrap: new () => WriteReq;
  ShutdownWrap: new () => { handle: PipeHandle; oncomplete: () => void };
  state: Int32Array;
  readBytesOrError: number;
  arrayBufferOffset: number;
  lastWriteWasAsync: number;
}

/** libuv's end-of-file status. */
const UV_EOF = -4095;

let bindings: Bindings | null | undefined;

/** Node's handle bindings if they have the expected shape, else null (use net.Server). */
function handleBindings(): Bindings | null {
  if (bindings !== undefined) return bindings;
  bindings = null;
  try {
    const binding = (process as unknown as { binding?: (name: string) => Record<string, unknown> }).binding;
    if (typeof binding !== 'function') return bindings;
    const pipe = binding('pipe_wrap') as { Pipe?: unknown; constants?: { SERVER?: unknown } };
    const stream = binding('stream_wrap') as Record<string, unknown>;
    const state = stream.streamBaseState;
    const proto = (pipe.Pipe as { prototype?: Record<string, unknown> } | undefined)?.prototype;
    if (
      typeof pipe.Pipe !== 'function' ||
      typeof pipe.constants?.SERVER !== 'number' ||
      typeof stream.WriteWrap !== 'function' ||
      typeof stream.ShutdownWrap !== 'function' ||
      !(state instanceof Int32Array) ||
      typeof stream.kReadBytesOrError !== 'number' ||
      typeof stream.kArrayBufferOffset !== 'number' ||
      typeof stream.kLastWriteWasAsync !== 'number' ||
      !proto ||
      !['bind', 'listen', 'readStart', 'readStop', 'writeUtf8String', 'shutdown', 'close'].every(
        (m) => typeof proto[m] === 'function',
      )
    ) {
      return bindings;
    }
    bindings = {
      Pipe: pipe.Pipe as Bindings['Pipe'],
      serverType: pipe.constants.SERVER,
      WriteWrap: stream.WriteWrap as Bindings['WriteWrap'],
      ShutdownWrap: stream.ShutdownWrap as Bindings['ShutdownWrap'],
      state,
      readBytesOrError: stream.kReadBytesOrError,
      arrayBufferOffset: stream.kArrayBufferOffset as number,
      lastWriteWasAsync: stream.kLastWriteWasAsync as number,
    };
  } catch {
    bindings = null;
  }
  return bindings;
}

function uvError(status: number, syscall: string, path?: string): NodeJS.ErrnoException {
  const code = getSystemErrorName(status);
  const err: NodeJS.ErrnoException = new Error(`${syscall} ${code}${path ? ` ${path}` : ''}`);
  err.code = code;
  err.errno = status;
  err.syscall = syscall;
  if (path) err.path = path;
  return err;
}

/** Does nothing: a write that completed later needs no action (errors show up as a failed read). */
function writeDone(): void {}

/** A write request object no write has taken (see PipeStream.write). */
let spareWriteRequest: WriteReq | undefined;

/**
 * One accepted connection. Events as a net.Socket's: 'data' (Buffer), 'end' (the peer closed
 * its side; the stream is destroyed right after, as net.Socket without allowHalfOpen), 'error',
 * 'close'.
 */
export class PipeStream extends EventEmitter implements ByteStream {
  destroyed = false;
  private ended = false;

  /** The one 'data' listener, called directly: each read is one call, not an emit. */
  private dataListener: ((chunk: Buffer) => void) | undefined;

  constructor(
    private readonly handle: PipeHandle,
    private readonly b: Bindings,
  ) {
    super();
    handle.onread = this.onRead;
  }

  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    if (event !== 'data') super.on(event, listener as (...args: unknown[]) => void);
    // A second one would never be called (reads do not emit): refuse it rather than drop it.
    else if (this.dataListener) throw new Error('PipeStream takes one data listener');
    else this.dataListener = listener as (chunk: Buffer) => void;
    return this;
  }

  /** Starts reading; the caller attaches its listeners first. */
  start(): void {
    const err = this.handle.readStart();
    if (err) this.fail(uvError(err, 'read'));
  }

  private readonly onRead = (arrayBuffer: ArrayBuffer): void => {
    const state = this.b.state;
    const n = state[this.b.readBytesOrError];
    if (n > 0) {
      if (!this.destroyed) this.dataListener?.(Buffer.from(arrayBuffer, state[this.b.arrayBufferOffset], n));
      return;
    }
    if (n === 0) return;
    if (n === UV_EOF) {
      this.handle.readStop();
      this.emit('end');
      this.destroy();
    } else this.fail(uvError(n, 'read'));
  };

  write(text: string): boolean {
    if (this.destroyed || this.ended) return false;
    const req = spareWriteRequest ?? new this.b.WriteWrap();
    spareWriteRequest = undefined;
    req.handle = this.handle;
    req.oncomplete = writeDone;
    req.async = false;
    // The handle copies what it cannot write at once; libuv keeps writes in order.
    const err = this.handle.writeUtf8String(req, text);
    // A reply that went out whole at once (nearly all do: the handle first tries a write(2) from
    // its stack) never used the request object; the next write takes it rather than building
    // another, which costs about as much as the write itself. A request that was used stays
    // with libuv until it completes.
    if (this.b.state[this.b.lastWriteWasAsync] === 0) spareWriteRequest = req;
    if (err) {
      this.fail(uvError(err, 'write'));
      return false;
    }
    return true;
  }

  /** Half-closes after what was written (the peer sees end of file). */
  end(): void {
    if (this.destroyed || this.ended) return;
    this.ended = true;
    const req = new this.b.ShutdownWrap();
    req.handle = this.handle;
    req.oncomplete = writeDone;
    this.handle.shutdown(req);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.handle.close(() => this.emit('close'));
  }

  private fail(err: Error): void {
    if (this.destroyed) return;
    this.emit('error', err);
    this.destroy();
  }
}

/** A listening Unix socket; close() stops it (libuv removes the socket file). */
export interface PipeServer {
  close(callback: () => void): void;
}

/**
 * Listens on the Unix socket `path` with libuv's pipe handle; `onStream` gets each connection
 * (call its `start()` once listening to it). Undefined if Node's handles are not in the shape
 * expected (use net.Server then). Throws the bind or listen error (EADDRINUSE, EACCES, ...).
 */
export function listenPipe(path: string, onStream: (stream: PipeStream) => void): PipeServer | undefined {
  // Read at each listen (not cached with the bindings), so one process can serve both ways.
  if (process.env.SOFTSWITCH_NET_STREAMS) return undefined;
  const b = handleBindings();
  if (!b) return undefined;
  const server = new b.Pipe(b.serverType);
  const bindErr = server.bind(path);
  const err = bindErr || server.listen(511);
  if (err) {
    server.close();
    throw uvError(err, bindErr ? 'bind' : 'listen', path);
  }
  server.onconnection = (status, client) => {
    if (status || !client) return;
    const stream = new PipeStream(client, b);
    try {
      onStream(stream);
    } catch (err) {
      // The handle is not left open behind a failed accept.
      stream.destroy();
      throw err;
    }
  };
  let closed = false;
  return {
    // As net.Server's close, a second call still calls back (a closed handle would not).
    close: (callback) => {
      if (closed) setImmediate(callback);
      else server.close(callback);
      closed = true;
    },
  };
}
