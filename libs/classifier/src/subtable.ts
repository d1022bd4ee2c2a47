import { hashAdd, hashFinish } from './hash.js';
import { HashCountSet } from './hash-set.js';
import { PrefixTrie, TrieWalk } from './prefix-trie.js';
import type { Rule } from './rule.js';
import { WordTable } from './word-table.js';

/** What a subtable needs from its classifier during a lookup (the partition answer). */
export interface LookupOracle {
  /** Tag bits of the subtables holding rules with the key's partition value. */
  partitionTags: number;
}

/** Field layout a subtable needs: stage boundaries, trie fields, partition word. */
export interface SubtableLayout {
  /** Ascending exclusive word indices where each lookup stage ends; the last equals the key width. */
  readonly stageEnds: readonly number[];
  readonly tries: readonly { readonly word: number; readonly words: number }[];
  readonly triePlens: (mask: Uint32Array) => Int32Array;
  readonly partitionWord: number;
  readonly portWords: readonly number[];
  /** Trie-justified bit counts are rounded up to a multiple of this (see ClassifierOptions). */
  readonly trieBitsGranularity: number;
  /**
   * False if no rule is ever merged into a coarser subtable (tuple merging off): records then
   * leave out the merged rules' value and mask words (16 bytes a record instead of 16 + 8 per key word).
   */
  readonly merge?: boolean;
  /** Subtables with at most this many buckets are probed by comparing the key with each (default 8). */
  readonly linearBuckets?: number;
}

/**
 * The rules hashed on one mask: rules of exactly that mask, and merged rules whose finer masks
 * contain it (checked word by word on lookup). Rules are bucketed by masked key in a `WordTable`
 * over the mask's non-zero words only (a miniflow-like projection); each bucket holds a doubly
 * linked list of rules sorted by descending priority. For staged lookup, `stageSets[s]` holds the
 * hashes of every bucket's key restricted to stages 0..s, so a key whose early stages match no
 * bucket is rejected after hashing (and un-wildcarding) only those stages. Port tries hold the
 * buckets' values in configured words, to justify a miss with a few leading bits of one word.
 */
export class Subtable<T> {
  readonly id: number;
  readonly mask: Uint32Array;
  /** Key word index of each non-zero mask word, ascending. */
  readonly words: Int32Array;
  readonly masks: Uint32Array;
  /** Cumulative number of `words` covered at the end of each non-empty stage. */
  readonly stageEnds: Int32Array;
  readonly stageSets: HashCountSet[];
  readonly table: WordTable;
  /** Rule list head and tail per bucket id (doubly linked, descending priority). */
  readonly heads: (Rule<T> | null)[] = [];
  private readonly tails: (Rule<T> | null)[] = [];
  /**
   * Live bucket ids (dense, unordered) and each id's position there: a subtable with at most
   * `linearBuckets` buckets is probed by comparing the key with each bucket's words, which is
   * cheaper than hashing (the long tail of small subtables that low-priority lookups reach).
   */
  private liveIds = new Int32Array(8);
  private nLive = 0;
  private readonly livePos: number[] = [];
  /** Per bucket id: rules whose mask is finer than the subtable's (each costs a full check on lookup). */
  private readonly foreign: number[] = [];
  /**
   * What a lookup reads of each rule, one record of `recordSize` int32s per slot so a bucket walk
   * touches one or two cache lines per rule and no Rule object: priority, next slot in the bucket
   * (-1 at the end), flags (`REC_MERGED`, `REC_SOFT`), then for merged rules the words to check
   * (`REC_EXTRA`) and the value and mask words. `slotRules[slot]` is the rule. A bucket's first
   * slot (-1 when empty), with that record's priority and flags, sits after the bucket's key in
   * the hash table's row (`HEAD_SLOT`, `HEAD_PRIORITY`, `HEAD_FLAGS` past `table.width`): the probe
   * that found the bucket has read that row, so a bucket whose best rule is exact costs no record read.
   */
  records: Int32Array;
  readonly recordSize: number;
  slotRules: (Rule<T> | null)[] = [];
  /** Slots allocated since the records were last laid out bucket by bucket (see `compact`). */
  private sinceCompact = 0;
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  /** False once a rule's priority is not an int32: lookups then walk the Rule objects instead. */
  int32Priorities = true;
  /** Trie indexes and prefix lengths to check before hashing (only tries where the mask is a non-empty prefix). */
  readonly trieIdx: Int32Array;
  readonly triePlen: Int32Array;
  /** Owner tag of this subtable's prefixes in the classifier's tries (0..63), -1 if none. */
  trieTag = -1;
  /** Non-zero if the mask matches the partition word exactly. */
  readonly partitionTag: number;
  /** Port tries: index into `words`, significant length (32 - trailing zeros of the mask), trie of bucket values. */
  private readonly portIdx: Int32Array;
  private readonly portPlen: Int32Array;
  private readonly portTries: PrefixTrie[];
  private readonly portWalk = new TrieWalk(32);
  /** One-word scratch for port trie inserts and removes. */
  private readonly portWord = new Uint32Array(1);
  private readonly granularity: number;
  private readonly linearBuckets: number;
  /**
   * Key word of the first stage when that stage hashes that one word only and it is not a port
   * word (else -1; e.g. nw_proto in a proto/port subtable), and its mask: a lookup whose value
   * there is in no bucket misses at the first stage, and `filterBits` shows most such keys
   * before the subtable is read (see `filterBit`).
   */
  readonly filterWord: number;
  readonly filterMask: number;
  /** Bloom filter (32 bits) of the buckets' values in `filterWord`; 0 without a filter word. */
  filterBits = 0;
  /** Per filter bit, the buckets whose value sets it. */
  private readonly filterCounts = new Int32Array(32);
  /** Number of one bits in the mask (more bits: more specific). */
  readonly maskBits: number;
  private readonly partitionWord: number;
  maxPriority = Number.NEGATIVE_INFINITY;
  nRules = 0;
  /** Position in the classifier's priority-ordered subtable vector. */
  order = -1;
  private readonly priorityCounts = new Map<number, number>();

  constructor(id: number, mask: Uint32Array, layout: SubtableLayout) {
    this.id = id;
    this.mask = Uint32Array.from(mask);
    this.recordSize = layout.merge === false ? REC_VALUE : REC_VALUE + 2 * mask.length;
    this.records = new Int32Array(this.recordSize * 4);
    const words: number[] = [];
    for (let w = 0; w < mask.length; w++) if (mask[w] !== 0) words.push(w);
    this.words = Int32Array.from(words);
    this.masks = Uint32Array.from(words.map((w) => mask[w]));
    const ends: number[] = [];
    let i = 0;
    for (const stageEnd of layout.stageEnds) {
      const start = i;
      while (i < words.length && words[i] < stageEnd) i++;
      if (i > start) ends.push(i);
    }
    if (ends.length === 0) ends.push(0);
    this.stageEnds = Int32Array.from(ends);
    this.stageSets = ends.slice(0, -1).map(() => new HashCountSet());
    this.table = new WordTable(words.length, 8, HEAD_WORDS);
    const plens = layout.triePlens(mask);
    const idx: number[] = [];
    const lens: number[] = [];
    plens.forEach((p, t) => {
      if (p > 0) {
        idx.push(t);
        lens.push(p);
      }
    });
    this.trieIdx = Int32Array.from(idx);
    this.triePlen = Int32Array.from(lens);
    const pw = layout.partitionWord;
    this.partitionWord = pw;
    const ports = layout.portWords.filter((w) => mask[w] !== 0);
    this.portIdx = Int32Array.from(ports, (w) => words.indexOf(w));
    this.portPlen = Int32Array.from(ports, (w) => 32 - ctz32(mask[w]));
    this.portTries = ports.map(() => new PrefixTrie(32, 8));
    this.granularity = layout.trieBitsGranularity;
    this.linearBuckets = layout.linearBuckets ?? LINEAR_BUCKETS;
    let bits = 0;
    for (const m of mask) for (let x = m; x !== 0; x &= x - 1) bits++;
    this.maskBits = bits;
    this.partitionTag = pw >= 0 && mask[pw] === 0xffffffff ? 1 << (id & 31) : 0;
    const single = ends[0] === 1 && !ports.includes(words[0]) && this.partitionTag === 0;
    this.filterWord = single ? words[0] : -1;
    this.filterMask = single ? mask[words[0]] : 0;
  }

  /**
   * Finds the bucket matching `key`, or -1, ORing into `wc` (if given) the bits that the decision
   * depended on: the partition word for a skip; for a miss, a port trie's leading bits or else the
   * stages up to the one that missed; the whole mask for a hit. Returns -2 when the partition
   * skipped the subtable without hashing. (The classifier does the trie checks before, from its
   * flat tables.)
   */
  probe(key: Uint32Array, wc: Uint32Array | null, oracle: LookupOracle): number {
    if (this.partitionTag !== 0 && (oracle.partitionTags & this.partitionTag) === 0) {
      if (wc !== null) wc[this.partitionWord] = 0xffffffff;
      return -2;
    }
    if (this.nLive <= this.linearBuckets) return this.probeLinear(key, wc);
    const words = this.words;
    const masks = this.masks;
    const ends = this.stageEnds;
    const last = ends.length - 1;
    if (last === 0 && words.length === 2) {
      // One stage of two words (an address prefix pair, or one prefix and nw_proto: most of a
      // ClassBench table's large subtables): the same hash, slot and wildcards without the loops
      // over words, masks and stages, which cost about a quarter of such a probe's instructions.
      const w0 = words[0];
      const w1 = words[1];
      const v0 = key[w0] & masks[0];
      const v1 = key[w1] & masks[1];
      const id = this.table.findPair(hashFinish(hashAdd(hashAdd(0, v0), v1), 8), v0, v1);
      if (wc !== null) {
        if (id < 0) this.wildcardMiss(key, wc, 2);
        else {
          wc[w0] |= masks[0];
          wc[w1] |= masks[1];
        }
      }
      return id;
    }
    let h = 0;
    let i = 0;
    for (let s = 0; s < last; s++) {
      const end = ends[s];
      for (; i < end; i++) h = hashAdd(h, key[words[i]] & masks[i]);
      if (!this.stageSets[s].has(hashFinish(h, i * 4))) {
        if (wc !== null) this.wildcardMiss(key, wc, end);
        return -1;
      }
    }
    const n = words.length;
    for (; i < n; i++) h = hashAdd(h, key[words[i]] & masks[i]);
    const id = this.table.findMasked(hashFinish(h, n * 4), key, words, masks);
    if (wc !== null) {
      if (id < 0) this.wildcardMiss(key, wc, n);
      else for (let j = 0; j < n; j++) wc[words[j]] |= masks[j];
    }
    return id;
  }

  /**
   * `probe` for a few buckets: compare the key with each. A miss un-wildcards the stages up to the
   * first one that no bucket matches (what the staged hash lookup decides, without its false
   * "maybe" on a hash collision).
   */
  private probeLinear(key: Uint32Array, wc: Uint32Array | null): number {
    const words = this.words;
    const masks = this.masks;
    const keys = this.table.keys;
    const stride = this.table.stride;
    const live = this.liveIds;
    const n = words.length;
    let longest = 0;
    for (let b = 0, nb = this.nLive; b < nb; b++) {
      const id = live[b];
      let j = 0;
      for (let base = id * stride; j < n; j++, base++) if (keys[base] !== (key[words[j]] & masks[j])) break;
      if (j === n) {
        if (wc !== null) for (let i = 0; i < n; i++) wc[words[i]] |= masks[i];
        return id;
      }
      if (j > longest) longest = j;
    }
    if (wc !== null) {
      // The first stage that no bucket matches in full decided the miss.
      const ends = this.stageEnds;
      let s = 0;
      while (ends[s] <= longest) s++;
      this.wildcardMiss(key, wc, ends[s]);
    }
    return -1;
  }

  /**
   * Un-wildcards what justifies a miss after hashing `words[0..end)`: if a port trie shows that no
   * bucket has the key's masked value in that word, the leading bits that decide it are enough
   * (whatever the other words hold, no rule here can match); otherwise every word examined.
   */
  private wildcardMiss(key: Uint32Array, wc: Uint32Array, end: number): void {
    const words = this.words;
    const masks = this.masks;
    for (let p = 0; p < this.portIdx.length; p++) {
      const j = this.portIdx[p];
      if (j >= end) continue;
      const v = key[words[j]] & masks[j];
      let bits =
        this.nLive <= this.linearBuckets
          ? this.absentBitsLinear(j, v)
          : this.portTries[p].absentBits(v, this.portPlen[p], this.portWalk);
      if (bits >= 0) {
        const g = this.granularity;
        if (g > 1) bits = Math.min(Math.ceil(bits / g) * g, 32);
        wc[words[j]] |= masks[j] & (bits >= 32 ? -1 : bits === 0 ? 0 : -1 << (32 - bits));
        return;
      }
    }
    for (let j = 0; j < end; j++) wc[words[j]] |= masks[j];
  }

  /**
   * What the port trie of word index `j` answers for masked value `v`, read off the few buckets'
   * keys instead: -1 if some bucket has `v` there, else the leading bits that tell `v` apart from
   * every bucket's value (one more than the longest common prefix), as a walk would end.
   */
  private absentBitsLinear(j: number, v: number): number {
    const keys = this.table.keys;
    const stride = this.table.stride;
    const live = this.liveIds;
    let common = -1;
    for (let b = 0, nb = this.nLive; b < nb; b++) {
      const diff = keys[live[b] * stride + j] ^ v;
      if (diff === 0) return -1;
      const lcp = Math.clz32(diff);
      if (lcp > common) common = lcp;
    }
    return common + 1;
  }

  /** Adds `rule` (its value is already masked with this subtable's mask). Returns true if a new bucket was made. */
  add(rule: Rule<T>): boolean {
    const value = rule.value;
    const hash = this.bucketHash(value);
    let id = this.table.findMasked(hash, value, this.words, this.masks);
    let created = false;
    if (id < 0) {
      id = this.table.insertMasked(hash, value, this.words, this.masks);
      this.heads[id] = null;
      this.tails[id] = null;
      this.setHead(id, -1);
      this.foreign[id] = 0;
      this.addLive(id);
      this.stageHashes(value, true);
      this.filterCount(value, 1);
      for (let p = 0; p < this.portTries.length; p++) {
        const j = this.portIdx[p];
        this.portWord[0] = value[this.words[j]] & this.masks[j];
        this.portTries[p].insert(this.portWord, 0, this.portPlen[p]);
      }
      created = true;
    }
    // Keep the bucket sorted by descending priority; equal priorities keep insertion order. Rules
    // usually arrive in descending priority (flow dumps, ClassBench), so try the tail first.
    const tail = this.tails[id];
    let next: Rule<T> | null = null;
    if (tail !== null && tail.priority < rule.priority) {
      next = this.heads[id];
      while (next !== null && next.priority >= rule.priority) next = next.next;
    }
    const prev = next === null ? tail : next.prev;
    rule.next = next;
    rule.prev = prev;
    rule.bucket = id;
    rule.subtable = this;
    rule.exact = sameMask(rule.mask, this.mask);
    const slot = this.allocateSlot();
    rule.slot = slot;
    this.slotRules[slot] = rule;
    const at = slot * this.recordSize;
    const recs = this.records;
    if ((rule.priority | 0) !== rule.priority) this.int32Priorities = false;
    recs[at + REC_PRIORITY] = rule.priority | 0;
    recs[at + REC_NEXT] = next === null ? -1 : next.slot;
    recs[at + REC_FLAGS] = (rule.exact ? 0 : REC_MERGED) | (rule.conjunctions.length !== 0 ? REC_SOFT : 0);
    if (!rule.exact) {
      this.foreign[id]++;
      const w = this.mask.length;
      let extra = 0;
      for (let i = 0; i < w; i++) if ((rule.mask[i] & ~this.mask[i]) !== 0) extra |= 1 << i;
      recs[at + REC_EXTRA] = w > 32 ? -1 : extra;
      // (Word by word: `set` from a Uint32Array into an Int32Array takes V8's slow converting path.)
      const rv = rule.value;
      const rm = rule.mask;
      for (let i = 0, vb = at + REC_VALUE, mb = vb + w; i < w; i++) {
        recs[vb + i] = rv[i];
        recs[mb + i] = rm[i];
      }
    }
    if (prev === null) {
      this.heads[id] = rule;
      this.setHead(id, slot);
    } else {
      prev.next = rule;
      recs[prev.slot * this.recordSize + REC_NEXT] = slot;
    }
    if (next === null) this.tails[id] = rule;
    else next.prev = rule;
    this.nRules++;
    this.priorityCounts.set(rule.priority, (this.priorityCounts.get(rule.priority) ?? 0) + 1);
    if (rule.priority > this.maxPriority) this.maxPriority = rule.priority;
    return created;
  }

  /** Removes `rule` from this subtable. Returns true if its bucket became empty (and was removed). */
  delete(rule: Rule<T>): boolean {
    const id = rule.bucket;
    if (rule.subtable !== this || id < 0) throw new Error('Subtable.delete: rule is not in this subtable');
    const { prev, next } = rule;
    const nextSlot = next === null ? -1 : next.slot;
    if (prev === null) {
      this.heads[id] = next;
      this.setHead(id, nextSlot);
    } else {
      prev.next = next;
      this.records[prev.slot * this.recordSize + REC_NEXT] = nextSlot;
    }
    if (next === null) this.tails[id] = prev;
    else next.prev = prev;
    rule.next = null;
    rule.prev = null;
    if (!rule.exact) this.foreign[id]--;
    this.slotRules[rule.slot] = null;
    this.freeSlots.push(rule.slot);
    rule.slot = -1;
    rule.bucket = -1;
    rule.subtable = null;
    this.nRules--;
    const count = this.priorityCounts.get(rule.priority)! - 1;
    if (count === 0) {
      this.priorityCounts.delete(rule.priority);
      if (rule.priority === this.maxPriority) {
        let max = Number.NEGATIVE_INFINITY;
        for (const p of this.priorityCounts.keys()) if (p > max) max = p;
        this.maxPriority = max;
      }
    } else this.priorityCounts.set(rule.priority, count);
    if (this.heads[id] !== null) return false;
    this.table.remove(id);
    this.dropLive(id);
    this.stageHashes(rule.value, false);
    this.filterCount(rule.value, -1);
    for (let p = 0; p < this.portTries.length; p++) {
      const j = this.portIdx[p];
      this.portWord[0] = rule.value[this.words[j]] & this.masks[j];
      this.portTries[p].remove(this.portWord, 0, this.portPlen[p]);
    }
    return true;
  }

  /** Bucket `id`'s first slot (-1 when empty). */
  headSlot(id: number): number {
    return this.table.keys[id * this.table.stride + this.table.width + HEAD_SLOT];
  }

  /** Records `slot` (whose record is written) as bucket `id`'s first, in the bucket's hash-table row. */
  private setHead(id: number, slot: number): void {
    const at = id * this.table.stride + this.table.width;
    const keys = this.table.keys;
    keys[at + HEAD_SLOT] = slot;
    keys[at + HEAD_PRIORITY] = slot < 0 ? 0 : this.records[slot * this.recordSize + REC_PRIORITY];
    keys[at + HEAD_FLAGS] = slot < 0 ? 0 : this.records[slot * this.recordSize + REC_FLAGS];
  }

  /** Bucket id for a (masked) value, or -1. */
  bucketOf(value: Uint32Array): number {
    return this.table.findMasked(this.bucketHash(value), value, this.words, this.masks);
  }

  /** Rules with finer masks already in the bucket `value` would land in (0 if no such bucket). */
  foreignIn(value: Uint32Array): number {
    const id = this.bucketOf(value);
    return id < 0 ? 0 : this.foreign[id];
  }

  /** True if every rule with mask `mask` could live here (this mask is a subset of it). */
  covers(mask: Uint32Array): boolean {
    for (let i = 0; i < mask.length; i++) if ((this.mask[i] & ~mask[i]) !== 0) return false;
    return true;
  }

  hasPriority(priority: number): boolean {
    return this.priorityCounts.has(priority);
  }

  /** Every rule, bucket by bucket. */
  *rules(): Generator<Rule<T>> {
    for (let id = 0; id < this.heads.length; id++) {
      for (let r = this.heads[id]; r !== null; r = r.next) if (r.bucket === id) yield r;
    }
  }

  get byteLength(): number {
    let n = this.table.byteLength + this.heads.length * 24 + this.records.byteLength + this.slotRules.length * 8 + 200;
    for (const s of this.stageSets) n += s.byteLength;
    return n;
  }

  private addLive(id: number): void {
    if (this.nLive === this.liveIds.length) {
      const grown = new Int32Array(this.liveIds.length * 2);
      grown.set(this.liveIds);
      this.liveIds = grown;
    }
    this.livePos[id] = this.nLive;
    this.liveIds[this.nLive++] = id;
  }

  private dropLive(id: number): void {
    const at = this.livePos[id];
    const last = this.liveIds[--this.nLive];
    this.liveIds[at] = last;
    this.livePos[last] = at;
  }

  /** True once enough rules came in since the last `compact` that it pays for itself (amortized O(1) per insert). */
  get scattered(): boolean {
    return this.sinceCompact > 0 && this.sinceCompact * 4 >= this.nRules;
  }

  /**
   * Lays the records out again bucket by bucket, each bucket's rules in priority order in
   * consecutive slots: slots are handed out in insertion order, so a bucket's rules end up
   * scattered over the records, and a walk past the first one would miss the cache on every rule.
   */
  compact(): void {
    const size = this.recordSize;
    const old = this.records;
    // Room for the inserts until the next compaction (`scattered`: a quarter of the rules), so
    // the next insert does not grow (copy) the records at once; never more than the old capacity.
    const cap = Math.max(4, Math.min(old.length / size, this.nRules + (this.nRules >> 2) + 4));
    const recs = new Int32Array(Math.max(cap, this.nRules) * size);
    const rules: (Rule<T> | null)[] = new Array(this.nRules).fill(null);
    const keys = this.table.keys;
    const stride = this.table.stride;
    const width = this.table.width;
    let n = 0;
    for (let b = 0; b < this.nLive; b++) {
      const id = this.liveIds[b];
      let prev = -1;
      for (let r = this.heads[id]; r !== null; r = r.next) {
        const slot = n++;
        recs.set(old.subarray(r.slot * size, r.slot * size + size), slot * size);
        recs[slot * size + REC_NEXT] = -1;
        if (prev >= 0) recs[prev * size + REC_NEXT] = slot;
        else keys[id * stride + width + HEAD_SLOT] = slot;
        r.slot = slot;
        rules[slot] = r;
        prev = slot;
      }
    }
    this.records = recs;
    this.slotRules = rules;
    this.freeSlots.length = 0;
    this.nextSlot = n;
    this.sinceCompact = 0;
  }

  private allocateSlot(): number {
    this.sinceCompact++;
    if (this.freeSlots.length > 0) return this.freeSlots.pop()!;
    const slot = this.nextSlot++;
    if ((slot + 1) * this.recordSize > this.records.length) {
      const grown = new Int32Array(this.records.length * 2);
      grown.set(this.records);
      this.records = grown;
    }
    return slot;
  }

  private bucketHash(value: Uint32Array): number {
    let h = 0;
    const n = this.words.length;
    for (let i = 0; i < n; i++) h = hashAdd(h, value[this.words[i]] & this.masks[i]);
    return hashFinish(h, n * 4);
  }

  /** Counts a new (`delta` 1) or removed (-1) bucket's value in the first-word filter. */
  private filterCount(value: Uint32Array, delta: number): void {
    if (this.filterWord < 0) return;
    const bit = filterBit(value[this.filterWord] & this.filterMask);
    this.filterCounts[bit] += delta;
    if (this.filterCounts[bit] === 0) this.filterBits &= ~(1 << bit);
    else this.filterBits |= 1 << bit;
  }

  /** Adds (or deletes) a bucket's per-stage hashes of `value` to (from) the stage sets. */
  private stageHashes(value: Uint32Array, add: boolean): void {
    let h = 0;
    let i = 0;
    for (let s = 0; s < this.stageSets.length; s++) {
      for (; i < this.stageEnds[s]; i++) h = hashAdd(h, value[this.words[i]] & this.masks[i]);
      if (add) this.stageSets[s].add(hashFinish(h, i * 4));
      else this.stageSets[s].delete(hashFinish(h, i * 4));
    }
  }
}

/** Default `linearBuckets`: subtables with at most this many buckets are probed by comparison instead of hashing. */
const LINEAR_BUCKETS = 8;

/** Words after a bucket's key in its hash-table row: first slot, its priority and flags. */
export const HEAD_SLOT = 0;
export const HEAD_PRIORITY = 1;
export const HEAD_FLAGS = 2;
const HEAD_WORDS = 3;

/** Record layout (see `Subtable.records`). */
export const REC_PRIORITY = 0;
export const REC_NEXT = 1;
export const REC_FLAGS = 2;
/**
 * Merged rules: bit i set if the rule's mask has bits in word i beyond the subtable's (only those
 * words need checking: the bucket already matched the rest); -1 (all) for keys over 32 words.
 */
export const REC_EXTRA = 3;
export const REC_VALUE = 4;
export const REC_MERGED = 1;
export const REC_SOFT = 2;

/** The first-word filter's bit for a masked value (multiplicative hashing: the top 5 bits). */
export function filterBit(value: number): number {
  return Math.imul(value, 0x9e3779b1) >>> 27;
}

function sameMask(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}
