/** What switchd's `dpctl/replay --format json` and a finished job's status carry. */
export interface ReplaySummary {
  bridge: string;
  inPort: string;
  packets: number;
  elapsedMs: number;
  packetsPerSecond: number;
  hit: number;
  /** Of the hits: exact-match cache, megaflow cache (switchd; absent from older ones). */
  emcHits?: number;
  megaflowHits?: number;
  missed: number;
  lost: number;
  upcalls: number;
  drops: Record<string, number>;
  outputs?: Record<string, number>;
}

/** `dpctl/replay-status JOB`. */
export interface ReplayStatus {
  job: number;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  bridge: string;
  inPort: string;
  packets: number;
  total: number;
  elapsedMs: number;
  packetsPerSecond: number;
  summary?: ReplaySummary;
  error?: string;
}

export type UnixctlSend = (command: string, args: string[]) => Promise<string>;

/** How often the client asks for progress, ms. */
export const POLL_MS = 100;

/**
 * Polls a detached replay until it ends, calling `onProgress` with each status; Ctrl-C (the
 * `interrupted` promise) asks switchd to cancel it and keeps polling for the final counts.
 */
export async function followReplay(
  send: UnixctlSend,
  job: number,
  onProgress: (s: ReplayStatus) => void,
  interrupted: Promise<void>,
  pollMs = POLL_MS,
): Promise<ReplayStatus> {
  let cancelSent = false;
  interrupted.then(() => {
    if (cancelSent) return;
    cancelSent = true;
    void send('dpctl/replay-cancel', [String(job)]).catch(() => undefined);
  });
  for (;;) {
    const status = JSON.parse(await send('dpctl/replay-status', [String(job)])) as ReplayStatus;
    onProgress(status);
    if (status.state !== 'running') return status;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
