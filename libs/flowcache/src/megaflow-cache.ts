import { hashFinish, WordTable } from '@softswitch/classifier';
import { MegaflowEntry } from './megaflow-entry.js';

/** Odd multiplier of the subtable hash's per-word step (2^32 / golden ratio). */
const HASH_K = 0x9e3779b1;

export interface MegaflowCacheOptions {
  readonly words: number;
  /**
   * Most distinct masks (subtables) kept. Lookups probe subtables one by one, so this bounds the
   * cost of a miss whatever an adversary does (tuple space explosion, CVE-2019-25076). Default 256.
   */
  readonly maxSubtables?: number;
  /** Re-rank subtables by hit count after this many lookups. Default 65536. */
  readonly rankInterval?: number;
}

/** One mask's entries, bucketed by masked key (only the mask's non-zero words are hashed). */
class MaskSubtable<A> {
  readonly mask: Uint32Array;
  readonly words: Int32Array;
  readonly masks: Uint32Array;
  readonly table: WordTable;
  readonly entries: (MegaflowEntry<A> | null)[] = [];
  /** Hits since the last ranking, and the count that ranking used. */
  hits = 0;
  lastHits = 0;

  constructor(mask: Uint32Array) {
    this.mask = Uint32Array.from(mask);
    const words: number[] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) words.push(i);
    this.words = Int32Array.from(words);
    this.masks = Uint32Array.from(words, (w) => mask[w]);
    this.table = new WordTable(words.length);
  }

  /**
   * Hash of the masked key's words: per word one rotate-xor-multiply (as FxHash; one multiply on
   * the dependency chain, a third of a MurmurHash3 round's latency), then MurmurHash3's finaliser,
   * which spreads every bit over the result. Computed on every megaflow probe.
   */
  hash(key: Uint32Array): number {
    let h = 0;
    const words = this.words;
    const masks = this.masks;
    for (let i = 0; i < words.length; i++) h = Math.imul(((h << 5) | (h >>> 27)) ^ (key[words[i]] & masks[i]), HASH_K);
    return hashFinish(h, words.length * 4);
  }
}

/**
 * The megaflow cache (OVS dpcls-like): entries key&mask grouped by mask into subtables, probed in
 * order of recent hit counts so the busiest masks come first; at most `maxSubtables` masks.
 */
export class MegaflowCache<A> {
  readonly words: number;
  readonly maxSubtables: number;
  private readonly rankInterval: number;
  private subtables: MaskSubtable<A>[] = [];
  private nFlows = 0;
  private sinceRank = 0;
  /** Cumulative lookups and subtables probed (for "subtables per lookup"). */
  lookups = 0;
  probes = 0;
  /** Insertions refused because all subtables were busy (mask cap reached). */
  refusedMasks = 0;
  /**
   * Live entries by registry slot (MegaflowEntry.slot): a signature match cache stores slot and
   * stamp, two numbers in typed arrays, instead of a reference. Freed slots are reused, each
   * time under the next stamp (1..65535), so a stored slot seldom names its new entry.
   */
  private readonly bySlot: (MegaflowEntry<A> | null)[] = [];
  private readonly slotStamps: number[] = [];
  private readonly freeSlots: number[] = [];

  constructor(options: MegaflowCacheOptions) {
    this.words = options.words;
    this.maxSubtables = options.maxSubtables ?? 256;
    this.rankInterval = options.rankInterval ?? 65536;
  }

  get size(): number {
    return this.nFlows;
  }

  get subtableCount(): number {
    return this.subtables.length;
  }

  lookup(key: Uint32Array): MegaflowEntry<A> | undefined {
    this.lookups++;
    if (++this.sinceRank >= this.rankInterval) this.rank();
    const subtables = this.subtables;
    for (let k = 0; k < subtables.length; k++) {
      const st = subtables[k];
      const id = st.table.findMasked(st.hash(key), key, st.words, st.masks);
      if (id >= 0) {
        this.probes += k + 1;
        st.hits++;
        return st.entries[id]!;
      }
    }
    this.probes += subtables.length;
    return undefined;
  }

  /**
   * Adds a megaflow. Returns undefined if refused: an entry with the same masked key and mask
   * exists (the existing one is returned instead), or the mask is new and every subtable slot is
   * taken by a mask that had hits since the last ranking.
   */
  insert(key: Uint32Array, mask: Uint32Array, actions: A, now: number): MegaflowEntry<A> | undefined {
    let st = this.subtableFor(mask);
    if (st === undefined) {
      if (this.subtables.length >= this.maxSubtables && !this.evictIdleSubtable()) {
        this.refusedMasks++;
        return undefined;
      }
      st = new MaskSubtable<A>(mask);
      this.subtables.push(st);
    }
    const h = st.hash(key);
    const existing = st.table.findMasked(h, key, st.words, st.masks);
    if (existing >= 0) return st.entries[existing]!;
    const entry = new MegaflowEntry(key, mask, actions, now);
    const id = st.table.insertMasked(h, key, st.words, st.masks);
    st.entries[id] = entry;
    entry.id = id;
    entry.subtable = st;
    this.register(entry);
    this.nFlows++;
    return entry;
  }

  /** The live entry in registry slot `slot` if it still carries `stamp`. */
  entryAt(slot: number, stamp: number): MegaflowEntry<A> | undefined {
    const e = this.bySlot[slot];
    return e != null && e.stamp === stamp ? e : undefined;
  }

  /** True if `key` falls inside the live entry `entry` (only its mask's words are read). */
  matches(entry: MegaflowEntry<A>, key: Uint32Array): boolean {
    const st = entry.subtable as MaskSubtable<A>;
    const words = st.words;
    const masks = st.masks;
    const keys = st.table.keys;
    const at = entry.id * st.table.stride;
    for (let j = 0; j < words.length; j++) if (keys[at + j] !== (key[words[j]] & masks[j])) return false;
    return true;
  }

  remove(entry: MegaflowEntry<A>): void {
    const st = entry.subtable as MaskSubtable<A> | null;
    if (st === null) return;
    st.table.remove(entry.id);
    st.entries[entry.id] = null;
    entry.dead = true;
    entry.subtable = null;
    this.bySlot[entry.slot] = null;
    this.freeSlots.push(entry.slot);
    this.nFlows--;
    if (st.table.size === 0) this.subtables.splice(this.subtables.indexOf(st), 1);
  }

  /** Orders subtables by hits since the previous ranking (most first), as dpcls does periodically. */
  rank(): void {
    this.sinceRank = 0;
    for (const st of this.subtables) {
      st.lastHits = st.hits;
      st.hits = 0;
    }
    this.subtables.sort((a, b) => b.lastHits - a.lastHits);
  }

  /** Every live entry (a snapshot, safe to remove from while iterating). */
  entries(): MegaflowEntry<A>[] {
    const out: MegaflowEntry<A>[] = [];
    for (const st of this.subtables) for (const e of st.entries) if (e !== null) out.push(e);
    return out;
  }

  private register(entry: MegaflowEntry<A>): void {
    const slot = this.freeSlots.length > 0 ? (this.freeSlots.pop() as number) : this.bySlot.length;
    const stamp = ((this.slotStamps[slot] ?? 0) % 0xffff) + 1;
    if (slot === this.bySlot.length) {
      this.bySlot.push(entry);
      this.slotStamps.push(stamp);
    } else {
      this.bySlot[slot] = entry;
      this.slotStamps[slot] = stamp;
    }
    entry.slot = slot;
    entry.stamp = stamp;
  }

  private subtableFor(mask: Uint32Array): MaskSubtable<A> | undefined {
    outer: for (const st of this.subtables) {
      for (let i = 0; i < mask.length; i++) if (st.mask[i] !== mask[i] >>> 0) continue outer;
      return st;
    }
    return undefined;
  }

  /** Frees the subtable with no hits in the current and previous ranking windows, if any. */
  private evictIdleSubtable(): boolean {
    let victim: MaskSubtable<A> | undefined;
    for (const st of this.subtables)
      if (st.hits === 0 && st.lastHits === 0 && (victim === undefined || st.table.size < victim.table.size))
        victim = st;
    if (victim === undefined) return false;
    for (const e of victim.entries) if (e !== null) this.remove(e);
    return true;
  }
}
