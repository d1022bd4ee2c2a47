import type { ReplayStatus } from '@softswitch/datapath';

export type { ReplayStatus, ReplaySummary } from '@softswitch/datapath';

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
