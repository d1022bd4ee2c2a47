import { connect, type Socket } from 'node:net';

/** Where an active controller target (`tcp:IP[:PORT]`, `unix:PATH`) connects; undefined if not active. */
export function parseActiveTarget(target: string): { path: string } | { host: string; port: number } | undefined {
  if (target.startsWith('unix:')) return { path: target.slice(5) };
  const m = /^tcp:(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(target);
  if (!m) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, ''), port: m[2] === undefined ? 6653 : Number(m[2]) };
}

const MIN_BACKOFF_MS = 1000;
/** Open vSwitch's default Controller.max_backoff. */
const MAX_BACKOFF_MS = 8000;

/**
 * One active controller: connects out, hands each established socket to `onSocket`, and after a
 * failure or disconnect tries again with a backoff doubling from 1 s to 8 s (reset once connected).
 */
export class ActiveController {
  private socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private backoffMs = MIN_BACKOFF_MS;
  private stopped = false;
  connected = false;

  constructor(
    readonly target: string,
    private readonly onSocket: (socket: Socket) => void,
    private readonly log: (m: string) => void,
  ) {
    this.attempt();
  }

  private attempt(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const where = parseActiveTarget(this.target);
    if (!where) {
      this.log(`${this.target}: not an active controller target`);
      return;
    }
    const socket = 'path' in where ? connect(where.path) : connect(where.port, where.host);
    this.socket = socket;
    socket.once('connect', () => {
      this.connected = true;
      this.backoffMs = MIN_BACKOFF_MS;
      this.onSocket(socket);
    });
    socket.on('error', (e) => this.log(`${this.target}: ${e.message}`));
    socket.once('close', () => {
      this.connected = false;
      if (this.socket === socket) this.socket = undefined;
      if (this.stopped) return;
      this.timer = setTimeout(() => this.attempt(), this.backoffMs);
      this.timer.unref();
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.destroy();
  }
}
