import type { MegaflowEntry } from './megaflow-entry.js';

export interface ExactMatchCacheOptions {
  /** Key width in words. */
  readonly words: number;
  /** Number of slots (rounded up to a power of two). Default 8192, as OVS's EMC. */
  readonly entries?: number;
  /**
   * Probability that a megaflow hit is copied into the EMC (OVS's emc-insert-inv-prob): low
   * enough that a flood of one-packet flows rarely displaces established flows. Default 1/100.
   */
  readonly insertProbability?: number;
  readonly seed?: number;
}

/**
 * The exact-match cache: a bounded, 2-way set-associative table from full flow keys (by the
 * packet's key hash) to megaflow entries. A slot whose megaflow died reads as a miss.
 */
export class ExactMatchCache<A> {
  readonly words: number;
  readonly capacity: number;
  private readonly mask: number;
  private readonly keys: Uint32Array;
  private readonly hashes: Uint32Array;
  private readonly flows: (MegaflowEntry<A> | null)[];
  private readonly threshold: number;
  private rng: number;
  private used = 0;

  constructor(options: ExactMatchCacheOptions) {
    this.words = options.words;
    const n = 1 << Math.max(1, Math.ceil(Math.log2(options.entries ?? 8192)));
    this.capacity = n;
    this.mask = n - 1;
    this.keys = new Uint32Array(n * options.words);
    this.hashes = new Uint32Array(n);
    this.flows = new Array(n).fill(null);
    const p = options.insertProbability ?? 0.01;
    if (!(p >= 0 && p <= 1)) throw new Error(`emc: insertProbability must be within [0, 1], got ${p}`);
    // Compare a 32-bit random number against p * 2^32 (p = 1: always).
    this.threshold = p >= 1 ? 0x100000000 : Math.floor(p * 0x100000000);
    this.rng = options.seed ?? 0x2545f491;
  }

  /** Live entries. */
  get size(): number {
    return this.used;
  }

  /** The flow cached for exactly `key`; `hash` is the key's unsigned 32-bit hash. */
  lookup(key: Uint32Array, hash: number): MegaflowEntry<A> | undefined {
    hash >>>= 0;
    const a = hash & this.mask;
    const e = this.probe(a, key, hash);
    if (e !== undefined) return e;
    return this.probe(this.second(hash), key, hash);
  }

  /** Copies (key → flow) into the cache with the configured probability. Returns true if inserted. */
  maybeInsert(key: Uint32Array, hash: number, flow: MegaflowEntry<A>): boolean {
    if (this.threshold < 0x100000000) {
      let x = this.rng;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.rng = x;
      if (x >>> 0 >= this.threshold) return false;
    }
    this.insert(key, hash, flow);
    return true;
  }

  /** Unconditional insert: an empty or stale way first, else the way picked by a hash bit. */
  insert(key: Uint32Array, hash: number, flow: MegaflowEntry<A>): void {
    hash >>>= 0;
    const a = hash & this.mask;
    const b = this.second(hash);
    let slot: number;
    const fa = this.flows[a];
    const fb = this.flows[b];
    if (fa === null || fa.dead || (this.hashes[a] === hash && this.sameKey(a, key))) slot = a;
    else if (fb === null || fb.dead) slot = b;
    else slot = (hash >>> 31) & 1 ? a : b;
    if (this.flows[slot] === null) this.used++;
    this.flows[slot] = flow;
    this.hashes[slot] = hash;
    this.keys.set(key.subarray(0, this.words), slot * this.words);
  }

  /** The flows some live slot points to (for reporting, e.g. `dpctl/dump-flows type=emc`). */
  cachedFlows(): Set<MegaflowEntry<A>> {
    const out = new Set<MegaflowEntry<A>>();
    for (const flow of this.flows) if (flow !== null && !flow.dead) out.add(flow);
    return out;
  }

  /** True if a live slot points to `flow`. */
  holds(flow: MegaflowEntry<A>): boolean {
    return !flow.dead && this.flows.includes(flow);
  }

  clear(): void {
    this.flows.fill(null);
    this.used = 0;
  }

  private second(hash: number): number {
    return ((hash >>> 16) | (hash << 16)) & this.mask;
  }

  private probe(slot: number, key: Uint32Array, hash: number): MegaflowEntry<A> | undefined {
    const flow = this.flows[slot];
    if (flow === null || this.hashes[slot] !== hash) return undefined;
    const words = this.words;
    const keys = this.keys;
    const base = slot * words;
    for (let i = 0; i < words; i++) if (keys[base + i] !== key[i]) return undefined;
    if (flow.dead) {
      this.flows[slot] = null;
      this.used--;
      return undefined;
    }
    return flow;
  }

  private sameKey(slot: number, key: Uint32Array): boolean {
    const base = slot * this.words;
    for (let i = 0; i < this.words; i++) if (this.keys[base + i] !== key[i]) return false;
    return true;
  }
}
