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
  /**
   * Words `[from, to)` that every key given to this cache holds the same value in (e.g. metadata
   * a packet parser always leaves zero): they are neither stored nor compared, so a lookup reads
   * fewer words. The caller guarantees it; default: none, every word is compared.
   */
  readonly fixedWords?: { readonly from: number; readonly to: number };
}

/**
 * The exact-match cache: a bounded, 2-way set-associative table from full flow keys (by the
 * packet's key hash) to megaflow entries. A slot whose megaflow died reads as a miss.
 */
export class ExactMatchCache<A> {
  readonly words: number;
  readonly capacity: number;
  private readonly mask: number;
  /** Words compared: `[0, head)` and `[tail, words)`, stored back to back (`stride` per slot). */
  private readonly head: number;
  private readonly tail: number;
  private readonly stride: number;
  private readonly keys: Uint32Array;
  private readonly hashes: Uint32Array;
  private readonly flows: (MegaflowEntry<A> | null)[];
  private probability = 0;
  private threshold = 0;
  private rng: number;
  private used = 0;

  constructor(options: ExactMatchCacheOptions) {
    this.words = options.words;
    const n = 1 << Math.max(1, Math.ceil(Math.log2(options.entries ?? 8192)));
    this.capacity = n;
    this.mask = n - 1;
    const fixed = options.fixedWords;
    this.head = fixed === undefined ? 0 : fixed.from;
    this.tail = fixed === undefined ? 0 : fixed.to;
    if (!(this.head >= 0 && this.head <= this.tail && this.tail <= options.words))
      throw new Error(`emc: fixedWords must lie within [0, ${options.words}]`);
    this.stride = options.words - (this.tail - this.head);
    this.keys = new Uint32Array(n * this.stride);
    this.hashes = new Uint32Array(n);
    this.flows = new Array(n).fill(null);
    this.insertProbability = options.insertProbability ?? 0.01;
    this.rng = options.seed ?? 0x2545f491;
  }

  /** Probability that `maybeInsert` copies a flow in (settable: OVS other_config:emc-insert-inv-prob). */
  get insertProbability(): number {
    return this.probability;
  }

  set insertProbability(p: number) {
    if (!(p >= 0 && p <= 1)) throw new Error(`emc: insertProbability must be within [0, 1], got ${p}`);
    this.probability = p;
    // Compare a 32-bit random number against p * 2^32 (p = 1: always).
    this.threshold = p >= 1 ? 0x100000000 : Math.floor(p * 0x100000000);
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
    if (fa === null || fa.dead || (this.hashes[a] === hash && this.sameKey(a * this.stride, key))) slot = a;
    else if (fb === null || fb.dead) slot = b;
    else slot = (hash >>> 31) & 1 ? a : b;
    if (this.flows[slot] === null) this.used++;
    this.flows[slot] = flow;
    this.hashes[slot] = hash;
    const keys = this.keys;
    const base = slot * this.stride;
    const head = this.head;
    const skip = this.tail - head;
    for (let i = 0; i < head; i++) keys[base + i] = key[i];
    for (let i = this.tail; i < this.words; i++) keys[base + i - skip] = key[i];
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
    if (flow === null || this.hashes[slot] !== hash || !this.sameKey(slot * this.stride, key)) return undefined;
    if (flow.dead) {
      this.flows[slot] = null;
      this.used--;
      return undefined;
    }
    return flow;
  }

  /** Whether the key stored at `base` is `key` (four words per test: one branch per four). */
  private sameKey(base: number, key: Uint32Array): boolean {
    const keys = this.keys;
    const head = this.head;
    const words = this.words;
    for (let i = 0; i < head; i++) if (keys[base + i] !== key[i]) return false;
    // keys[at + i] holds key[i] for i in [tail, words).
    const at = base - (this.tail - head);
    let i = this.tail;
    for (; i + 4 <= words; i += 4) {
      const d =
        (keys[at + i] ^ key[i]) |
        (keys[at + i + 1] ^ key[i + 1]) |
        (keys[at + i + 2] ^ key[i + 2]) |
        (keys[at + i + 3] ^ key[i + 3]);
      if (d !== 0) return false;
    }
    for (; i < words; i++) if (keys[at + i] !== key[i]) return false;
    return true;
  }
}
