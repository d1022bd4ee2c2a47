import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { DEFAULT_MAX_MESSAGE_BYTES, FramingError, JsonFramer } from './framer.js';
import {
  decodeMessage,
  encodeMessage,
  encodeNotification,
  encodeReply,
  type Id,
  type JsonValue,
  type Message,
  type Payload,
  type ProtocolError,
} from './message.js';
import type { ByteStream } from './pipe-server.js';

/** The peer answered a request with an error object. */
export class RpcError extends Error {
  constructor(readonly error: JsonValue) {
    super(typeof error === 'string' ? error : JSON.stringify(error));
  }
}

/** The connection closed (or failed) before a reply arrived. */
export class ConnectionClosedError extends Error {}

export interface ConnectionOptions {
  maxMessageBytes?: number;
  /** Answer "echo" requests automatically (default true), as every OVS peer does. */
  answerEcho?: boolean;
}

/**
 * What a request handler returns to answer later by itself, with `Connection.reply` or
 * `Connection.replyError` (cheaper than a Promise when many requests wait for one event).
 */
export const DEFERRED: unique symbol = Symbol('deferred reply');

/** Handles a request; the returned value is the result, a thrown RpcError becomes the error reply. */
export type RequestHandler = (
  method: string,
  params: JsonValue[],
  conn: Connection,
  /** The request's id (what a later "cancel" notification names). */
  id: Id,
) => Payload | Promise<Payload> | typeof DEFERRED;

/**
 * One JSON-RPC 1.0 session over any byte stream. Events: 'notification' (method, params),
 * 'close' (error?), 'protocol-error' (error) just before a close caused by bad input.
 */
export class Connection extends EventEmitter {
  private readonly framer: JsonFramer;
  private nextId = 0;
  private readonly pending = new Map<string, { resolve: (v: JsonValue) => void; reject: (e: Error) => void }>();
  private closed = false;
  /** True inside onData, which writes what was sent at its end. */
  private handlingInput = false;
  /** Messages sent during the current turn, written together by `flushOutbox` (one write(2)). */
  private outbox = '';
  private readonly flushOutbox = (): void => {
    const text = this.outbox;
    if (text === '') return;
    this.outbox = '';
    if (!this.closed) this.stream.write(text);
  };
  handler: RequestHandler | undefined;

  constructor(
    readonly stream: ByteStream,
    private readonly options: ConnectionOptions = {},
  ) {
    super();
    this.framer = new JsonFramer(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (err) => this.shutdown(err));
    stream.on('close', () => this.shutdown());
    stream.on('end', () => this.shutdown());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends a request and resolves with its result (rejects with RpcError on an error reply). */
  request(method: string, params: JsonValue[]): Promise<JsonValue> {
    if (this.closed) return Promise.reject(new ConnectionClosedError('connection closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(JSON.stringify(id), { resolve, reject });
      this.send({ type: 'request', method, params, id });
    });
  }

  notify(method: string, params: Payload[]): void {
    this.sendText(encodeNotification(method, params));
  }

  /**
   * Queues a message; everything sent before the current microtask queue drains goes out in one
   * write, so replies to pipelined requests (and their monitor updates) share a system call.
   */
  send(msg: Message): void {
    this.sendText(encodeMessage(msg));
  }

  /** Answers request `id` (after a handler returned DEFERRED). */
  reply(id: Id, result: Payload): void {
    this.sendText(encodeReply(id, result));
  }

  /** Answers request `id` with an error (an RpcError's error object, or "internal error"). */
  replyError(err: unknown, id: Id): void {
    if (err instanceof RpcError) this.send({ type: 'error', error: err.error, id });
    else this.send({ type: 'error', error: { error: 'internal error', details: String(err) }, id });
  }

  private sendText(text: string): void {
    if (this.closed) return;
    // While input is handled, onData writes at its end; otherwise the turn's end does.
    if (this.outbox === '' && !this.handlingInput) queueMicrotask(this.flushOutbox);
    this.outbox += text;
  }

  /** Closes the session after writing what was sent; pending requests fail. */
  close(): void {
    if (!this.closed) {
      this.flushOutbox();
      this.stream.end();
    }
    this.shutdown();
  }

  private shutdown(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new ConnectionClosedError(err ? err.message : 'connection closed'));
    this.pending.clear();
    if (!this.stream.destroyed) this.stream.destroy();
    this.emit('close', err);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.handlingInput = true;
    try {
      this.handleInput(chunk);
    } finally {
      this.handlingInput = false;
      // Replies made while handling this chunk go out now, in the turn the request arrived:
      // no microtask (Node wraps each in an async resource), no wait for the stream's
      // bookkeeping of the read.
      this.flushOutbox();
    }
  }

  private handleInput(chunk: Buffer): void {
    let values: unknown[];
    let framingError: FramingError | undefined;
    try {
      values = this.framer.push(chunk);
    } catch (err) {
      if (!(err instanceof FramingError)) throw err;
      // Messages complete before the bad bytes are still handled, as OVS parses in order.
      framingError = err;
      values = err.completed;
    }
    for (let i = 0; i < values.length; i++) {
      let msg: Message;
      try {
        msg = decodeMessage(values[i]);
      } catch (err) {
        this.failProtocol(err as ProtocolError);
        return;
      }
      this.dispatch(msg);
      if (this.closed) return;
    }
    if (framingError) this.failProtocol(framingError);
  }

  /** Bad input: like Open vSwitch, report it and drop the connection. */
  private failProtocol(err: Error): void {
    this.emit('protocol-error', err);
    this.flushOutbox();
    this.shutdown(err);
  }

  private dispatch(msg: Message): void {
    switch (msg.type) {
      case 'reply':
      case 'error': {
        const key = JSON.stringify(msg.id);
        const p = this.pending.get(key);
        if (!p) return;
        this.pending.delete(key);
        if (msg.type === 'reply') p.resolve(msg.result);
        else p.reject(new RpcError(msg.error));
        return;
      }
      case 'notification':
        this.emit('notification', msg.method, msg.params);
        return;
      case 'request':
        this.answer(msg.method, msg.params, msg.id);
    }
  }

  private answer(method: string, params: JsonValue[], id: Id): void {
    if (method === 'echo' && this.options.answerEcho !== false) {
      this.reply(id, params);
      return;
    }
    if (!this.handler) {
      this.send({ type: 'error', error: { error: 'unknown method' }, id });
      return;
    }
    let result: Payload | Promise<Payload> | typeof DEFERRED;
    try {
      result = this.handler(method, params, this, id);
    } catch (err) {
      this.replyError(err, id);
      return;
    }
    if (result === DEFERRED) return;
    if (result instanceof Promise) {
      result.then(
        (r) => this.reply(id, r),
        (err) => this.replyError(err, id),
      );
    } else {
      this.reply(id, result);
    }
  }
}

/** Parses an OVS active remote: `unix:PATH` or `tcp:HOST:PORT`. */
export function parseActiveRemote(remote: string): { path: string } | { host: string; port: number } {
  if (remote.startsWith('unix:')) return { path: remote.slice(5) };
  if (remote.startsWith('tcp:')) {
    const rest = remote.slice(4);
    const colon = rest.lastIndexOf(':');
    if (colon < 0) return { host: rest, port: 6640 };
    return { host: rest.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(rest.slice(colon + 1)) };
  }
  throw new Error(`${remote}: unsupported remote (expected unix:PATH or tcp:HOST:PORT)`);
}

/** Opens a Connection to an active remote; rejects if the socket cannot connect. */
export function connectRemote(remote: string, options: ConnectionOptions = {}): Promise<Connection> {
  const target = parseActiveRemote(remote);
  return new Promise((resolve, reject) => {
    const socket: Socket = 'path' in target ? netConnect(target.path) : netConnect(target.port, target.host);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.setNoDelay?.(true);
      resolve(new Connection(socket, options));
    });
  });
}
