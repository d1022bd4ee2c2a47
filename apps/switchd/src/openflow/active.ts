import { connect, type Socket } from 'node:net';

/** Where an active controller target (`tcp:IP[:PORT]`, `unix:PATH`) connects; undefined if not active. */
export function parseActiveTarget(target: string): { path: string } | { host: string; port: number } | undefined {
  if (target.startsWith('unix:')) return { path: target.slice(5) };
  const m = /^tcp:(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(target);
  if (!m) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, ''), port: m[2] === undefined ? 6653 : Number(m[2]) };
}

const MIN_BACKOFF_MS = 1000;

/** A Controller row's connection settings (ms, as the columns hold them; absent: OVS's default). */
export interface ControllerRow {
  readonly target: string;
  readonly inactivityProbe?: number;
  readonly maxBackoff?: number;
  readonly enableAsyncMessages?: boolean;
  /** in-band or out-of-band: both behave as out-of-band here (there is no in-band control). */
  readonly connectionMode?: string;
}

/**
 * The probe interval OVS's rconn uses: whole seconds of inactivity_probe (default 5), at least
 * 5; 0 (or under a second) disables probing.
 */
export function probeIntervalMs(row: ControllerRow): number {
  const secs = row.inactivityProbe === undefined ? 5 : Math.floor(row.inactivityProbe / 1000);
  return secs === 0 ? 0 : Math.max(5, secs) * 1000;
}

/** rconn's maximum backoff: whole seconds of max_backoff (default 8), at least 1. */
export function maxBackoffMs(row: ControllerRow): number {
  const secs = row.maxBackoff === undefined ? 8 : Math.floor(row.maxBackoff / 1000);
  return Math.max(1, secs) * 1000;
}

/** rconn's states as `Controller.status:state` spells them. */
export type RconnState = 'VOID' | 'BACKOFF' | 'CONNECTING' | 'ACTIVE' | 'IDLE';

/** ovs_retval_to_string for the errors a controller connection meets (strerror, and EOF). */
const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ENOENT: 'No such file or directory',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ECONNRESET: 'Connection reset by peer',
  EPIPE: 'Broken pipe',
  EACCES: 'Permission denied',
  ENOTSOCK: 'Socket operation on non-socket',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EOF: 'End of file',
};

/** What `Controller.status` reports for one active controller (OVS's ofproto_controller_info). */
export interface ControllerInfo {
  target: string;
  isConnected: boolean;
  state: RconnState;
  /** ovs_retval_to_string of the last error, if any. */
  lastError?: string;
  /** When it last connected / disconnected (ms since the epoch), if ever. */
  lastConnectMs?: number;
  lastDisconnectMs?: number;
}

/**
 * One active controller: connects out, hands each established socket to `onSocket`, and after a
 * failure or disconnect tries again with a backoff doubling from 1 s to 8 s (reset once connected).
 * Keeps what OVS's rconn reports: state, last error, last connect and disconnect times.
 */
export class ActiveController {
  private socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private backoffMs = MIN_BACKOFF_MS;
  private stopped = false;
  connected = false;
  state: RconnState = 'VOID';
  lastError: string | undefined;
  lastConnectMs: number | undefined;
  lastDisconnectMs: number | undefined;

  constructor(
    readonly target: string,
    private readonly onSocket: (socket: Socket) => void,
    private readonly log: (m: string) => void,
    private maxBackoffMs = 8000,
  ) {
    this.attempt();
  }

  /** A new max_backoff: a longer wait in progress is cut to it, as rconn_set_max_backoff. */
  setMaxBackoff(ms: number): void {
    this.maxBackoffMs = ms;
    if (this.backoffMs > ms) this.backoffMs = ms;
    if (this.timer && this.state === 'BACKOFF' && this.pendingMs > ms) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.attempt(), ms);
      this.timer.unref();
      this.pendingMs = ms;
    }
  }

  /** The backoff wait in progress (ms). */
  private pendingMs = 0;

  info(): ControllerInfo {
    return {
      target: this.target,
      isConnected: this.connected,
      state: this.state,
      lastError: this.lastError,
      lastConnectMs: this.lastConnectMs,
      lastDisconnectMs: this.lastDisconnectMs,
    };
  }

  private attempt(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const where = parseActiveTarget(this.target);
    if (!where) {
      this.log(`${this.target}: not an active controller target`);
      return;
    }
    this.state = 'CONNECTING';
    const socket = 'path' in where ? connect(where.path) : connect(where.port, where.host);
    this.socket = socket;
    let failed = false;
    socket.once('connect', () => {
      this.connected = true;
      this.state = 'ACTIVE';
      this.lastConnectMs = Date.now();
      this.backoffMs = MIN_BACKOFF_MS;
      this.onSocket(socket);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      failed = true;
      this.lastError = (e.code && ERRNO_TEXT[e.code]) ?? e.message;
      this.log(`${this.target}: ${e.message}`);
    });
    socket.once('close', () => {
      if (this.connected) {
        this.lastDisconnectMs = Date.now();
        // The peer hung up: rconn reports EOF.
        if (!failed) this.lastError = ERRNO_TEXT.EOF;
      }
      this.connected = false;
      if (this.socket === socket) this.socket = undefined;
      if (this.stopped) return;
      this.state = 'BACKOFF';
      const wait = Math.min(this.backoffMs, this.maxBackoffMs);
      this.timer = setTimeout(() => this.attempt(), wait);
      this.timer.unref();
      this.pendingMs = wait;
      this.backoffMs = Math.min(wait * 2, this.maxBackoffMs);
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.destroy();
  }
}
