import type { TrieWalk } from './prefix-trie.js';

/**
 * A direct-mapped memo of a 32-bit trie's walks from the root, by the key's field value: packets
 * that reach the classifier share few addresses (a host talks on many ports), and a walk down a
 * large trie costs a dependent load and a data-dependent branch per node (100-200 ns for the two
 * address tries of a 10k-rule table), against one entry read here.
 *
 * An entry holds what `PrefixTrie.advance` leaves in a walk (node, depth, end, matched prefix
 * lengths, tags) for one value and walk target, stamped with the trie's generation: any insert or
 * remove starts a new generation (`invalidate`), which makes every older entry a miss without
 * touching the table.
 */
export class WalkMemo {
  private readonly entries: Int32Array;
  private readonly shift: number;
  /** Current generation (entries hold it in their stamp word; 0 is never current). */
  private generation = 1;

  /** A memo of `2 ** bits` entries (32 bytes each). */
  constructor(bits: number) {
    this.entries = new Int32Array(STRIDE << bits);
    this.shift = 32 - bits;
  }

  get byteLength(): number {
    return this.entries.byteLength;
  }

  /** Forgets every entry (the trie changed). */
  invalidate(): void {
    if (++this.generation < GENERATION_LIMIT) return;
    // Wrapped: clear the stamps so that no entry of an old generation can match a reused one.
    this.entries.fill(0);
    this.generation = 1;
  }

  /** Index of `value`'s entry (multiplicative hashing: nearby addresses land apart). */
  at(value: number): number {
    return (Math.imul(value, 0x9e3779b1) >>> this.shift) * STRIDE;
  }

  /**
   * If entry `e` holds the walk of `value` to `target` in this generation, ORs it into `walk`
   * (a fresh walk at the root) and returns true.
   */
  read(e: number, value: number, target: number, walk: TrieWalk): boolean {
    const m = this.entries;
    if (m[e] !== (value | 0) || m[e + STAMP] !== ((this.generation << 6) | target)) return false;
    const packed = m[e + PACKED];
    walk.node = m[e + NODE];
    walk.depth = packed & 0xff;
    walk.end = ((packed >>> 8) & 0xff) - 1;
    walk.plens[0] |= m[e + PLENS];
    walk.plens[1] |= packed >>> 16;
    walk.tagsLo |= m[e + TAGS_LO];
    walk.tagsHi |= m[e + TAGS_HI];
    return true;
  }

  /** Stores in entry `e` the walk of `value` to `target` (`target` ≤ 32), just made from the root. */
  write(e: number, value: number, target: number, walk: TrieWalk): void {
    const m = this.entries;
    m[e] = value;
    m[e + STAMP] = (this.generation << 6) | target;
    m[e + NODE] = walk.node;
    // depth 0..32, end -1..32, and bit 32 of the prefix lengths (the only bit of plens[1]).
    m[e + PACKED] = walk.depth | ((walk.end + 1) << 8) | ((walk.plens[1] & 1) << 16);
    m[e + PLENS] = walk.plens[0];
    m[e + TAGS_LO] = walk.tagsLo;
    m[e + TAGS_HI] = walk.tagsHi;
  }
}

// Entry layout: value, stamp (generation << 6 | target), node, packed depth/end/plens bit 32,
// prefix lengths 0..31, tags; 8 int32s so an entry never straddles a cache line.
const STRIDE = 8;
const STAMP = 1;
const NODE = 2;
const PACKED = 3;
const PLENS = 4;
const TAGS_LO = 5;
const TAGS_HI = 6;
// Generations fit in the 26 bits above the target.
const GENERATION_LIMIT = 1 << 25;
