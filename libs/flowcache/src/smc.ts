import type { MegaflowCache } from './megaflow-cache.js';
import type { MegaflowEntry } from './megaflow-entry.js';

export interface SignatureMatchCacheOptions {
  /** Entries, rounded up to a power of two (at least one bucket). Default 1M, as OVS's SMC. */
  readonly entries?: number;
  readonly seed?: number;
}

/** Ways per bucket, as OVS (SMC_ENTRY_PER_BUCKET). */
const WAYS = 4;
/** Words per bucket: the ways' tags, then their slots (32 bytes: one cache line holds a bucket). */
const BUCKET_WORDS = 2 * WAYS;

/**
 * The signature match cache (Open vSwitch's SMC, between its EMC and dpcls): per key hash, a
 * 16-bit signature and a reference to a megaflow, in one preallocated typed array, 4-way buckets
 * of 32 bytes (8 bytes an entry: 8 MiB for the default million). It holds far more flows than
 * the EMC for the same memory because it stores no key: a hit is checked against the megaflow's
 * own masked key, so it is never wrong, and costs one bucket read plus that check instead of a
 * probe per megaflow subtable. A reference whose megaflow has gone (removed, or its registry
 * slot reused under another stamp) reads as a miss; nothing needs clearing when megaflows leave.
 */
export class SignatureMatchCache<A> {
  readonly capacity: number;
  private readonly bucketMask: number;
  private readonly megaflows: MegaflowCache<A>;
  /**
   * Per bucket: WAYS tags (`signature << 16 | stamp`, 0: empty way; stamps are never 0), then
   * WAYS registry slots of `megaflows`. Tag and slot of a way share the bucket's cache line.
   */
  private readonly table: Uint32Array;
  private rng: number;
  private used = 0;

  constructor(megaflows: MegaflowCache<A>, options: SignatureMatchCacheOptions = {}) {
    const n = 1 << Math.max(2, Math.ceil(Math.log2(options.entries ?? 1 << 20)));
    this.capacity = n;
    this.bucketMask = n / WAYS - 1;
    this.megaflows = megaflows;
    this.table = new Uint32Array(n * 2);
    this.rng = options.seed ?? 0x9e3779b9;
  }

  /** Ways in use (some may name megaflows since removed). */
  get size(): number {
    return this.used;
  }

  /** Bytes the table holds: fixed at construction. */
  get byteLength(): number {
    return this.table.byteLength;
  }

  /** The megaflow cached for `hash` if `key` falls inside it, else undefined. */
  lookup(key: Uint32Array, hash: number): MegaflowEntry<A> | undefined {
    const sig = hash >>> 16;
    const base = (hash & this.bucketMask) * BUCKET_WORDS;
    const table = this.table;
    for (let w = base; w < base + WAYS; w++) {
      const tag = table[w];
      if (tag >>> 16 !== sig || tag === 0) continue;
      // One way per signature (insert keeps it so): this one or none.
      const flow = this.megaflows.entryAt(table[w + WAYS], tag & 0xffff);
      return flow !== undefined && this.megaflows.matches(flow, key) ? flow : undefined;
    }
    return undefined;
  }

  /**
   * Points `hash`'s signature at `flow` (a live entry of the megaflow cache): the way holding
   * that signature, else an empty or stale way, else one picked at random, as OVS does.
   */
  insert(hash: number, flow: MegaflowEntry<A>): void {
    if (flow.slot < 0) return;
    const sig = hash >>> 16;
    const base = (hash & this.bucketMask) * BUCKET_WORDS;
    const table = this.table;
    let way = -1;
    for (let w = base; w < base + WAYS; w++) {
      const tag = table[w];
      if (tag === 0) {
        if (way < 0) way = w;
      } else if (tag >>> 16 === sig) {
        way = w;
        break;
      } else if (way < 0 && this.megaflows.entryAt(table[w + WAYS], tag & 0xffff) === undefined) way = w;
    }
    if (way < 0) way = base + (this.random() & (WAYS - 1));
    else if (table[way] === 0) this.used++;
    table[way] = ((sig << 16) | flow.stamp) >>> 0;
    table[way + WAYS] = flow.slot;
  }

  private random(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x;
    return x >>> 0;
  }
}
