import type { DropReason } from './drop-reasons.js';

/**
 * What `dpctl/replay` reports: switchd writes these as JSON on its control socket and dpctl
 * reads them back, so both sides share one definition.
 */
export interface ReplaySummary {
  bridge: string;
  inPort: string;
  packets: number;
  elapsedMs: number;
  packetsPerSecond: number;
  hit: number;
  /**
   * Of the hits: found in the exact-match cache, and in the megaflow cache (of those, through
   * the signature match cache: `smcHits`).
   */
  emcHits: number;
  smcHits?: number;
  megaflowHits: number;
  missed: number;
  lost: number;
  upcalls: number;
  drops: Partial<Record<DropReason, number>>;
  /** Frames each port transmitted (only with --out), by port name. */
  outputs?: Record<string, number>;
  outDir?: string;
}

/** `dpctl/replay-status JOB`: a detached replay's progress, and its summary once it ended. */
export interface ReplayStatus {
  job: number;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  bridge: string;
  inPort: string;
  /** Packets fed so far and in all. */
  packets: number;
  total: number;
  elapsedMs: number;
  packetsPerSecond: number;
  summary?: ReplaySummary;
  error?: string;
}
