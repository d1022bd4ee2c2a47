/**
 * Messages between the main thread (pmd-pool.ts) and a datapath thread (pmd-worker.ts). Frames
 * do not travel here: they go through the SharedArrayBuffer ring (pmd-ring.ts). These carry
 * what is per batch or rarer: upcalls and their answers, invalidations, outputs handed back,
 * statistics.
 */

/** What a datapath thread needs to know about an output port. */
export interface PmdPortInfo {
  readonly portNo: number;
  readonly mtu: number;
  readonly down: boolean;
}

export interface PmdWorkerData {
  readonly index: number;
  readonly ring: SharedArrayBuffer;
  /** Hand every output back (seq, port, frame) instead of only counting it. */
  readonly capture: boolean;
  readonly ports: readonly PmdPortInfo[];
  readonly emcEntries?: number;
  readonly emcInsertProbability?: number;
  readonly smcEnabled?: boolean;
  readonly maxFlows?: number;
  readonly maxSubtables?: number;
}

/** A miss: the packet's whole key and a copy of the frame. */
export interface PmdUpcall {
  readonly id: number;
  readonly inPort: number;
  readonly key: Uint32Array;
  readonly frame: Uint8Array;
}

/**
 * The main thread's answer to one upcall. With `flowId`, the megaflow (key, mask, text) to
 * install under that id; `covered` says it was already installed (from another thread's miss):
 * the packet is a megaflow hit, not a translation. Without `flowId` and with `text`, the actions
 * run for this packet only; with neither, the packet is dropped as `no_flow`.
 */
export interface PmdAnswer {
  readonly id: number;
  readonly flowId?: number;
  readonly key?: Uint32Array;
  readonly mask?: Uint32Array;
  readonly text?: string;
  readonly covered?: boolean;
}

export type ToWorker =
  | { readonly type: 'answers'; readonly answers: readonly PmdAnswer[] }
  | {
      readonly type: 'invalidate';
      readonly remove: readonly number[];
      readonly modify: readonly { readonly id: number; readonly text: string }[];
    }
  | { readonly type: 'ports'; readonly ports: readonly PmdPortInfo[] }
  | { readonly type: 'flush'; readonly token: number };

/** Counter deltas since the previous report. */
export interface PmdStats {
  readonly hit: number;
  readonly missed: number;
  readonly emcHits: number;
  readonly smcHits: number;
  readonly megaflowHits: number;
  /** Indexed like DROP_REASON_NAMES. */
  readonly drops: readonly number[];
  /** Per flow: [flowId, packets, bytes, used (worker clock), tcpFlags] × n. */
  readonly flows: Float64Array;
  /** Per port: [portNo, packets, bytes] × n, for outputs only counted (not handed back). */
  readonly tx: Float64Array;
}

/**
 * Outputs handed back, in the thread's processing order: [seq low, seq high, port, length,
 * bytes padded to 4] × n in `buf`. `completed`: every packet of this thread with a sequence
 * number up to it is fully processed (none waits on an upcall).
 */
export interface PmdOutputs {
  readonly buf: ArrayBuffer;
  readonly length: number;
  readonly completed: number;
  readonly userspace: readonly { readonly inPort: number; readonly args: string; readonly frame: Uint8Array }[];
}

export type FromWorker =
  | { readonly type: 'ready'; readonly timeOrigin: number }
  | { readonly type: 'upcalls'; readonly upcalls: readonly PmdUpcall[] }
  | ({ readonly type: 'outputs' } & PmdOutputs)
  | ({ readonly type: 'stats' } & PmdStats)
  | { readonly type: 'flushed'; readonly token: number; readonly completed: number };
