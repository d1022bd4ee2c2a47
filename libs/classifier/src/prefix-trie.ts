import { hashFinish } from './hash.js';
import { HashCountSet } from './hash-set.js';
import { WalkMemo } from './walk-memo.js';

/**
 * A path-compressed binary trie of the prefixes that rules match on one field (nw_src, nw_dst: 32
 * bits; IPv6 addresses: 128 bits over 4 words, most significant word first).
 *
 * The classifier asks it one question per lookup, field and prefix length p: "does some stored
 * p-bit prefix match this key, and if not, how many leading bits of the key decided that?". A
 * subtable whose rules all use a prefix length that did not match cannot match and is skipped;
 * only the bits that decided it are un-wildcarded, which keeps megaflows wide on address fields.
 *
 * Nodes exist only where a prefix ends or two paths branch; each stores its depth and its whole
 * path (the prefix bits down to it), so a walk verifies a whole edge with one masked compare per
 * word instead of one step per bit. Node data lives in typed arrays with a free list.
 *
 * A _tagged_ trie also records, per node, which of up to 64 owners (the classifier's subtables)
 * stored a prefix ending there, and a walk ORs the tags of the prefixes it passes: "some stored
 * p-bit prefix matches" becomes "this subtable stored a prefix that matches", which skips every
 * subtable whose own prefixes miss the key even when another subtable's prefix of the same length
 * matches. The answer still depends on the key's leading p bits only (a subtable's prefixes all
 * have one length), so a skip un-wildcards just as much.
 */
export class PrefixTrie {
  /** Field width in bits. */
  readonly bits: number;
  private readonly words: number;
  /** Int32s per node: 4 for one-word fields, 8 for wider ones. */
  private readonly stride: number;
  /**
   * Root index of a 32-bit trie (null if not asked for): per value of the leading `rootBits` bits,
   * the walk state after them (node, depth, end, matched prefix lengths), or node -1 when stale.
   * Saves a lookup the dense top levels of the trie; entries are dropped when a change under them
   * could alter them, and recomputed on demand.
   */
  private root: Int32Array | null = null;
  /** Leading bits the root index covers (0 while there is none). */
  private rootBits = 0;
  /**
   * Second-level index blocks, for root index entries whose walks go on through dense levels:
   * per value of the 8 key bits below the root index, the walk state after them relative to the
   * root entry's (node, packed depth/end/the 8 prefix lengths past `rootBits`, tags), or node -1
   * when stale. A root entry's `ROOT_BLOCK` int32 names its block (offset here; -1 not decided
   * yet, -2 none); a block lives and dies with its root entry.
   */
  private blocks: Int32Array = EMPTY_BLOCKS;
  /** Offsets of released blocks, for reuse. */
  private freeBlocks: number[] = [];
  /** Blocks handed out (in use or free): `blocks` holds this many. */
  private blockCount = 0;
  /** Whether some root entry's block field was decided since the index was made (else all -1). */
  private blocksDecided = false;
  private readonly rootIndexMinNodes: number;
  /** Walks from the root by key value (with the root index: large 32-bit tries only). */
  private memo: WalkMemo | null = null;
  /**
   * All node data interleaved, `this.stride` int32s per node so a node's fields share a cache line:
   * 0-child, 1-child (0 = none), depth, count of prefixes ending here, then `words` words of the
   * node's path (its prefix, zero past its depth). Node 0 is the root (depth 0).
   */
  private nodes: Int32Array;
  /** Tagged tries: per node, the 64 owner bits as two int32s, and per (node, owner) the prefix count. */
  private tags: Int32Array | null;
  /** Prefix count per (node, owner), keyed by a bijective mix of node * 64 + tag (no per-entry objects). */
  private readonly tagCounts = new HashCountSet();
  /**
   * Int32s per root index entry: node, depth and end packed, the second-level block, plens, and
   * for tagged tries the two tag words.
   */
  private readonly rootStride: number;
  /** Result of `walkUpTo` (scratch, so that filling an index entry allocates nothing). */
  private fillNode = 0;
  private fillDepth = 0;
  private fillEnd = -1;
  private fillPlens = 0;
  private fillTagsLo = 0;
  private fillTagsHi = 0;
  /** Node where the last `insertAt` stored its prefix. */
  private lastEnd = 0;
  private free: number[] = [];
  private next = 1;

  /**
   * `rootIndexMinNodes` (32-bit tries only): build the root index once the trie has this many
   * nodes (it pays off, and costs its 64 KiB, only on large tries); -1 never.
   */
  constructor(bits: number, capacity = 64, rootIndexMinNodes = -1, tagged = false) {
    if (bits > 128) throw new Error(`PrefixTrie: at most 128 bits, got ${bits}`);
    this.bits = bits;
    this.words = Math.ceil(bits / 32);
    this.stride = this.words === 1 ? 4 : 8;
    // The index pays off (and is allocated) only once the trie is large.
    this.rootIndexMinNodes = bits === 32 ? rootIndexMinNodes : -1;
    this.nodes = new Int32Array(capacity * this.stride);
    this.tags = tagged ? new Int32Array(capacity * 2) : null;
    this.rootStride = tagged ? 6 : 4;
  }

  /** Nodes in use (including the root). */
  get nodeCount(): number {
    return this.next - this.free.length;
  }

  get byteLength(): number {
    return (
      this.nodes.byteLength +
      (this.root?.byteLength ?? 0) +
      this.blocks.byteLength +
      (this.memo?.byteLength ?? 0) +
      (this.tags?.byteLength ?? 0) +
      this.tagCounts.byteLength
    );
  }

  /**
   * Adds a prefix of `plen` bits taken from `value[word...]`; in a tagged trie, `tag` (0..63, or
   * -1 for none) names its owner.
   */
  insert(value: Uint32Array, word: number, plen: number, tag = -1): void {
    const d = this.insertAt(value, word, plen);
    if (tag >= 0 && this.tags !== null) this.addTag(this.lastEnd, tag);
    if (this.root !== null) this.invalidateRoot(value[word], d);
    this.memo?.invalidate();
    // Grow the index with the trie: 12 bits (64-96 KiB) from rootIndexMinNodes, 16 bits (1-1.5 MiB)
    // from 32k nodes, when the trie itself is about as big.
    const min = this.rootIndexMinNodes;
    if (
      min >= 0 &&
      this.rootBits < 16 &&
      this.next >= (this.rootBits === 0 ? min : Math.max(min, ROOT_INDEX_16_NODES))
    ) {
      this.rootBits = this.rootBits === 0 ? 12 : 16;
      this.root = new Int32Array(this.rootStride << this.rootBits).fill(-1);
      // Blocks belong to the old index's entries.
      this.blocks = EMPTY_BLOCKS;
      this.freeBlocks = [];
      this.blockCount = 0;
      this.blocksDecided = false;
      this.memo ??= new WalkMemo(MEMO_BITS);
    }
  }

  /** `insert`; returns the depth of the node under which the trie changed. */
  private insertAt(value: Uint32Array, word: number, plen: number): number {
    let node = 0;
    let d = 0;
    for (;;) {
      if (d === plen) {
        this.nodes[node * this.stride + META] += ENDS_ONE;
        this.lastEnd = node;
        return d;
      }
      const bit = bitAt(value, word, d);
      const c = this.nodes[node * this.stride + bit];
      if (c === 0) {
        // (Allocate before indexing: allocation may replace the array.)
        const leaf = this.newNode(value, word, plen, 1);
        this.nodes[node * this.stride + bit] = leaf;
        this.lastEnd = leaf;
        return d;
      }
      const cd = this.nodes[c * this.stride + META] & DEPTH_MASK;
      const m = this.mismatch(value, word, c, d, Math.min(cd, plen));
      if (m === cd) {
        node = c;
        d = cd;
        continue;
      }
      // The new prefix leaves (or ends inside) the edge to c at depth m: split the edge there.
      const split = this.newNode(value, word, m, m === plen ? 1 : 0);
      this.nodes[node * this.stride + bit] = split;
      this.nodes[split * this.stride + this.pathBit(c, m)] = c;
      this.lastEnd = split;
      if (m < plen) {
        const leaf = this.newNode(value, word, plen, 1);
        this.nodes[split * this.stride + bitAt(value, word, m)] = leaf;
        this.lastEnd = leaf;
      }
      return d;
    }
  }

  /** Removes one copy of a prefix added by `insert` (with the same `tag`). */
  remove(value: Uint32Array, word: number, plen: number, tag = -1): void {
    const nodes = this.nodes;
    let grand = -1;
    let parent = -1;
    let node = 0;
    let d = 0;
    let parentDepth = 0;
    let grandDepth = 0;
    while (d < plen) {
      const c = nodes[node * this.stride + bitAt(value, word, d)];
      const cd = c === 0 ? 0 : nodes[c * this.stride + META] & DEPTH_MASK;
      if (c === 0 || cd > plen || this.mismatch(value, word, c, d, cd) !== cd) {
        throw new Error(`PrefixTrie.remove: /${plen} prefix is not present`);
      }
      grand = parent;
      parent = node;
      grandDepth = parentDepth;
      parentDepth = d;
      node = c;
      d = cd;
    }
    // Whatever changes below is under the grandparent (released nodes may be reused elsewhere).
    if (this.root !== null) this.invalidateRoot(value[word], grand < 0 ? 0 : grandDepth);
    this.memo?.invalidate();
    const at = node * this.stride;
    if (nodes[at + META] < ENDS_ONE) throw new Error(`PrefixTrie.remove: /${plen} prefix is not present`);
    nodes[at + META] -= ENDS_ONE;
    if (tag >= 0 && this.tags !== null) this.dropTag(node, tag);
    if (nodes[at + META] >= ENDS_ONE || node === 0) return;
    const c0 = nodes[at];
    const c1 = nodes[at + 1];
    if (c0 !== 0 && c1 !== 0) return;
    // The node no longer ends a prefix and does not branch: unlink it.
    this.replaceChild(parent, node, c0 | c1);
    this.release(node);
    const pa = parent * this.stride;
    if (c0 === 0 && c1 === 0 && parent !== 0 && nodes[pa + META] < ENDS_ONE) {
      // Its parent may now be a useless pass-through node too.
      this.replaceChild(grand, parent, nodes[pa] | nodes[pa + 1]);
      this.release(parent);
    }
  }

  /**
   * Walks the trie along `key[word...]`. Sets bit p of `plens` (bit p%32 of word p>>5) for every
   * prefix length p ≥ 1 with a stored prefix matching the key, and returns how many leading bits
   * of the field determine that answer (every key sharing those bits gets the same `plens`).
   */
  lookup(key: Uint32Array, word: number, plens: Uint32Array): number {
    const walk = new TrieWalk(this.bits);
    this.advance(walk, key, word, this.bits);
    plens.set(walk.plens);
    return walk.end >= 0 ? walk.end : this.bits;
  }

  /**
   * Resumable walk: continues from where `walk` stopped until it has verified at least `target`
   * leading bits or the key left the trie, so a lookup only pays for the prefix lengths its
   * subtables ask about.
   */
  advance(walk: TrieWalk, key: Uint32Array, word: number, target: number): void {
    if (walk.end >= 0) return;
    if (this.words === 1) {
      this.advance32(walk, key[word], target);
      return;
    }
    const nodes = this.nodes;
    let node = walk.node;
    let d = walk.depth;
    while (d < target) {
      const at = node * this.stride;
      const c = nodes[at + ((key[word + (d >>> 5)] >>> (31 - (d & 31))) & 1)];
      if (c === 0) {
        walk.end = nodes[at] === 0 && nodes[at + 1] === 0 ? d : d + 1;
        break;
      }
      const cd = nodes[c * this.stride + META] & DEPTH_MASK;
      const m = this.mismatch(key, word, c, d, cd);
      if (m < cd) {
        // The key leaves the trie inside this edge: no prefix longer than m matches.
        walk.end = m + 1;
        d = m;
        break;
      }
      node = c;
      d = cd;
      if (nodes[c * this.stride + META] >= ENDS_ONE) {
        walk.plens[d >>> 5] |= 1 << (d & 31);
        if (this.tags !== null) {
          walk.tagsLo |= this.tags[2 * c];
          walk.tagsHi |= this.tags[2 * c + 1];
        }
      }
    }
    if (d === this.bits) walk.end = d;
    walk.node = node;
    walk.depth = d;
  }

  /**
   * For a 32-bit trie whose prefixes all have length `plen`: -1 if `value`'s first `plen` bits
   * are stored, else how many leading bits of `value` show they are not.
   */
  absentBits(value: number, plen: number, walk: TrieWalk): number {
    walk.reset();
    this.advance32(walk, value, plen);
    if (walk.depth >= plen) return (walk.plens[plen >>> 5] >>> (plen & 31)) & 1 ? -1 : plen;
    return walk.end;
  }

  /** `advance` for single-word fields (IPv4 addresses), through the memo for fresh walks. */
  private advance32(walk: TrieWalk, k: number, target: number): void {
    const memo = this.memo;
    if (memo === null || walk.depth !== 0 || walk.node !== 0) {
      this.descend32(walk, k, target);
      return;
    }
    const e = memo.at(k);
    if (memo.read(e, k, target, walk)) return;
    this.descend32(walk, k, target);
    memo.write(e, k, target, walk);
  }

  /** The walk itself for single-word fields: the whole edge check is one masked XOR. */
  private descend32(walk: TrieWalk, k: number, target: number): void {
    const root = this.root;
    if (root !== null && walk.depth === 0 && walk.node === 0) {
      // Start from the root index: the walk state after the key's leading `rootBits` bits.
      const e = (k >>> (32 - this.rootBits)) * this.rootStride;
      if (root[e] < 0) this.fillRoot(e, k);
      walk.node = root[e];
      const packed = root[e + ROOT_PACKED];
      walk.depth = packed & 0xff;
      walk.end = (packed >> 8) - 1;
      walk.plens[0] |= root[e + 3];
      if (this.rootStride === 6) {
        walk.tagsLo |= root[e + 4];
        walk.tagsHi |= root[e + 5];
      }
      if (walk.end >= 0) return;
      const blockLimit = this.rootBits + BLOCK_BITS;
      if (target >= blockLimit) {
        let b = root[e + ROOT_BLOCK];
        if (b === BLOCK_UNCHECKED) b = this.blockFor(e, k, walk.node);
        if (b >= 0) {
          this.fromBlock(walk, b + ((k >>> (32 - blockLimit)) & BLOCK_INDEX_MASK) * BLOCK_STRIDE, k);
          if (walk.end >= 0) return;
        }
      }
    }
    const nodes = this.nodes;
    const tags = this.tags;
    let node = walk.node;
    let d = walk.depth;
    while (d < target) {
      const at = node * 4;
      const c = nodes[at + ((k >>> (31 - d)) & 1)];
      if (c === 0) {
        walk.end = nodes[at] === 0 && nodes[at + 1] === 0 ? d : d + 1;
        break;
      }
      const ct = c * 4;
      const meta = nodes[ct + META];
      const cd = meta & DEPTH_MASK;
      // Bits d..cd-1 (from the most significant) of the key against the edge.
      const diff = (k ^ nodes[ct + PATH]) & (0xffffffff >>> d) & (cd === 32 ? -1 : ~(0xffffffff >>> cd));
      if (diff !== 0) {
        const m = Math.clz32(diff);
        walk.end = m + 1;
        d = m;
        break;
      }
      node = c;
      d = cd;
      if (meta >= ENDS_ONE) {
        walk.plens[d >>> 5] |= 1 << (d & 31);
        if (tags !== null) {
          walk.tagsLo |= tags[2 * c];
          walk.tagsHi |= tags[2 * c + 1];
        }
      }
    }
    if (d === 32) walk.end = 32;
    walk.node = node;
    walk.depth = d;
  }

  /**
   * Continues a walk just started from its root index entry with second-level entry `be` (filled
   * now if stale), for key `k`.
   */
  private fromBlock(walk: TrieWalk, be: number, k: number): void {
    const blocks = this.blocks;
    if (blocks[be] < 0) this.fillBlock(be, k, walk.node, walk.depth);
    const packed = blocks[be + 1];
    walk.node = blocks[be];
    walk.depth = packed & 0xff;
    walk.end = ((packed >>> 8) & 0xff) - 1;
    walk.plens[0] |= (packed >>> 16) << (this.rootBits + 1);
    walk.tagsLo |= blocks[be + 2];
    walk.tagsHi |= blocks[be + 3];
  }

  /**
   * Computes second-level entry `be` for key `k` from its root entry's walk state (`node` at
   * `depth`): the walk on to bit `rootBits + BLOCK_BITS`, as `fillRoot` does to `rootBits`, with
   * only the prefix lengths (all past `rootBits`) and tags it adds.
   */
  private fillBlock(be: number, k: number, node: number, depth: number): void {
    this.walkUpTo(k, node, depth, this.rootBits + BLOCK_BITS);
    const blocks = this.blocks;
    blocks[be] = this.fillNode;
    blocks[be + 1] = this.fillDepth | ((this.fillEnd + 1) << 8) | ((this.fillPlens >>> (this.rootBits + 1)) << 16);
    blocks[be + 2] = this.fillTagsLo;
    blocks[be + 3] = this.fillTagsHi;
  }

  /**
   * Decides once whether root entry `e` (key `k`, its walk at `node`) gets a second-level block:
   * one if the trie has at least `BLOCK_MIN_NODES` nodes in the levels a block covers under it
   * (then a walk through them passes about 3 or more), within the blocks' budget. Returns the
   * block, or `BLOCK_NONE` (kept in the entry until a change under it drops the entry).
   */
  private blockFor(e: number, k: number, node: number): number {
    const root = this.root!;
    const at = e + ROOT_BLOCK;
    root[at] = BLOCK_NONE;
    this.blocksDecided = true;
    if (this.countBelow(k, node, this.rootBits + BLOCK_BITS) < BLOCK_MIN_NODES) return BLOCK_NONE;
    let b = this.freeBlocks.pop();
    if (b === undefined) {
      if (this.blockCount >= Math.max(BLOCKS_MIN, this.next >>> BLOCKS_PER_NODES_SHIFT)) return BLOCK_NONE;
      b = this.blockCount++ * BLOCK_SIZE;
      if (b + BLOCK_SIZE > this.blocks.length) {
        const blocks = new Int32Array(Math.max(BLOCK_SIZE * 8, this.blocks.length * 2));
        blocks.set(this.blocks);
        this.blocks = blocks;
      }
    }
    this.blocks.fill(-1, b, b + BLOCK_SIZE);
    root[at] = b;
    return b;
  }

  /**
   * Nodes at depths up to `limit` under `node` (where the root index left key `k`'s walk) that
   * keys with k's leading `rootBits` bits can reach, counted up to `BLOCK_MIN_NODES`.
   */
  private countBelow(k: number, node: number, limit: number): number {
    const nodes = this.nodes;
    const rootBits = this.rootBits;
    const stack = COUNT_STACK;
    let top = 0;
    let count = 0;
    stack[top++] = node;
    while (top > 0 && count < BLOCK_MIN_NODES) {
      const n = stack[--top];
      const d = nodes[n * 4 + META] & DEPTH_MASK;
      for (let bit = 0; bit < 2; bit++) {
        const c = nodes[n * 4 + bit];
        if (c === 0) continue;
        const cd = nodes[c * 4 + META] & DEPTH_MASK;
        if (cd > limit) continue;
        // Above rootBits, only the edge on k's path (the root entry's node may sit above them).
        if (d < rootBits) {
          const upto = Math.min(cd, rootBits);
          if (((k ^ nodes[c * 4 + PATH]) & (0xffffffff >>> d) & ~(0xffffffff >>> upto)) !== 0) continue;
        }
        count++;
        if (top < stack.length) stack[top++] = c;
      }
    }
    return count;
  }

  /**
   * Computes root index entry `e` (for keys whose leading `rootBits` bits are k's): the walk from
   * the root that reads no bit past `rootBits`, as `advance32` would do it (node, depth, end,
   * matched prefix lengths). An edge reaching past `rootBits` is left for the lookup to check.
   */
  private fillRoot(e: number, k: number): void {
    this.walkUpTo(k, 0, 0, this.rootBits);
    const root = this.root!;
    root[e] = this.fillNode;
    // (The block field is the entry's own: see blockFor and invalidateRoot.)
    root[e + ROOT_PACKED] = this.fillDepth | ((this.fillEnd + 1) << 8);
    root[e + 3] = this.fillPlens;
    if (this.tags !== null) {
      root[e + 4] = this.fillTagsLo;
      root[e + 5] = this.fillTagsHi;
    }
  }

  /**
   * The walk of key `k` from `node` at `depth` that reads no bit past `limit` (< 32), into the
   * `fill*` fields: node, depth, end, and the prefix lengths and tags it passes.
   */
  private walkUpTo(k: number, node: number, depth: number, limit: number): void {
    const nodes = this.nodes;
    const tags = this.tags;
    let d = depth;
    let end = -1;
    let plens = 0;
    let tagsLo = 0;
    let tagsHi = 0;
    while (d < limit) {
      const at = node * 4;
      const c = nodes[at + ((k >>> (31 - d)) & 1)];
      if (c === 0) {
        end = nodes[at] === 0 && nodes[at + 1] === 0 ? d : d + 1;
        break;
      }
      const ct = c * 4;
      const meta = nodes[ct + META];
      const cd = meta & DEPTH_MASK;
      const upto = Math.min(cd, limit);
      const diff = (k ^ nodes[ct + PATH]) & (0xffffffff >>> d) & ~(0xffffffff >>> upto);
      if (diff !== 0) {
        const m = Math.clz32(diff);
        end = m + 1;
        d = m;
        break;
      }
      if (cd > limit) break;
      node = c;
      d = cd;
      if (meta >= ENDS_ONE) {
        plens |= 1 << d;
        if (tags !== null) {
          tagsLo |= tags[2 * c];
          tagsHi |= tags[2 * c + 1];
        }
      }
    }
    this.fillNode = node;
    this.fillDepth = d;
    this.fillEnd = end;
    this.fillPlens = plens;
    this.fillTagsLo = tagsLo;
    this.fillTagsHi = tagsHi;
  }

  /** Drops the root index entries of keys sharing `value`'s leading `bits` bits. */
  private invalidateRoot(value: number, bits: number): void {
    const root = this.root!;
    const rootBits = this.rootBits;
    const b = Math.min(bits, rootBits);
    const count = 1 << (rootBits - b);
    const stride = this.rootStride;
    const first = ((value >>> (32 - rootBits)) & ~(count - 1)) * stride;
    if (!this.blocksDecided) {
      // Every block field is still undecided (a table being filled before any lookup).
      for (let e = first, n = 0; n < count; n++, e += stride) root[e] = -1;
      return;
    }
    for (let e = first, n = 0; n < count; n++, e += stride) {
      root[e] = -1;
      // A block holds walks on from its root entry's state: it goes with it.
      const b = root[e + ROOT_BLOCK];
      if (b >= 0) this.freeBlocks.push(b);
      root[e + ROOT_BLOCK] = BLOCK_UNCHECKED;
    }
  }

  private addTag(node: number, tag: number): void {
    const key = hashFinish(node * 64 + tag, 0);
    if (!this.tagCounts.has(key)) this.tags![2 * node + (tag >>> 5)] |= 1 << (tag & 31);
    this.tagCounts.add(key);
  }

  private dropTag(node: number, tag: number): void {
    const key = hashFinish(node * 64 + tag, 0);
    this.tagCounts.delete(key);
    if (!this.tagCounts.has(key)) this.tags![2 * node + (tag >>> 5)] &= ~(1 << (tag & 31));
  }

  /** First bit position in [from, to) where `key[word...]` differs from node n's path, or `to`. */
  private mismatch(key: Uint32Array, word: number, n: number, from: number, to: number): number {
    const nodes = this.nodes;
    const base = n * this.stride + PATH;
    for (let w = from >>> 5; w * 32 < to; w++) {
      const lo = Math.max(from - w * 32, 0);
      const hi = Math.min(to - w * 32, 32);
      // Bits lo..hi-1 of this word, counted from the most significant.
      const mask = (hi === 32 ? 0xffffffff : ~(0xffffffff >>> hi)) & (0xffffffff >>> lo);
      const diff = (key[word + w] ^ nodes[base + w]) & mask;
      if (diff !== 0) return w * 32 + Math.clz32(diff);
    }
    return to;
  }

  private pathBit(n: number, d: number): number {
    return (this.nodes[n * this.stride + PATH + (d >>> 5)] >>> (31 - (d & 31))) & 1;
  }

  private replaceChild(parent: number, old: number, replacement: number): void {
    const at = parent * this.stride;
    if (this.nodes[at] === old) this.nodes[at] = replacement;
    else this.nodes[at + 1] = replacement;
  }

  private newNode(value: Uint32Array, word: number, depth: number, ends: number): number {
    const n = this.allocate();
    const nodes = this.nodes;
    const at = n * this.stride;
    nodes[at] = 0;
    nodes[at + 1] = 0;
    nodes[at + META] = depth | (ends * ENDS_ONE);
    for (let w = 0; w < this.words; w++) {
      const keep = Math.min(Math.max(depth - w * 32, 0), 32);
      nodes[at + PATH + w] = keep === 0 ? 0 : value[word + w] & (keep === 32 ? -1 : ~(0xffffffff >>> keep));
    }
    return n;
  }

  private release(n: number): void {
    const at = n * this.stride;
    this.nodes[at] = 0;
    this.nodes[at + 1] = 0;
    this.nodes[at + META] = 0;
    if (this.tags !== null) {
      this.tags[2 * n] = 0;
      this.tags[2 * n + 1] = 0;
    }
    this.free.push(n);
  }

  private allocate(): number {
    if (this.free.length > 0) return this.free.pop()!;
    const id = this.next++;
    if ((id + 1) * this.stride > this.nodes.length) {
      const nodes = new Int32Array(this.nodes.length * 2);
      nodes.set(this.nodes);
      this.nodes = nodes;
      if (this.tags !== null) {
        const tags = new Int32Array(this.tags.length * 2);
        tags.set(this.tags);
        this.tags = tags;
      }
    }
    return id;
  }
}

// Node layout: 0-child, 1-child, META (depth in the low 8 bits, count of prefixes ending here
// above them), then the path words. One-word (IPv4) tries use 4 int32s per node, four nodes per
// cache line; wider tries 8.
const META = 2;
// Walk memo entries (2 ** MEMO_BITS, 32 bytes each: 256 KiB), kept with the root index.
const MEMO_BITS = 13;
// Trie size from which the root index covers 16 leading bits instead of 12.
const ROOT_INDEX_16_NODES = 32 * 1024;
const PATH = 3;
const DEPTH_MASK = 0xff;
// Second-level blocks cover the 8 key bits below the root index (16..23 under a 16-bit index), so
// a walk reads one entry instead of up to 8 nodes where those levels are dense (acl1_100k's
// nw_dst: ~400 /16s with full binary subtrees, 7 nodes a walk below the root index).
const BLOCK_BITS = 8;
// Root index entry fields (node at 0, plens at 3, tags at 4 and 5): depth | (end + 1) << 8, block.
const ROOT_PACKED = 1;
const ROOT_BLOCK = 2;
const BLOCK_INDEX_MASK = 0xff;
const BLOCK_STRIDE = 4;
const BLOCK_SIZE = 256 * BLOCK_STRIDE;
// A root entry gets a block if the levels it would cover hold this many nodes under it.
const BLOCK_MIN_NODES = 8;
// A root entry's block field: not yet decided, or no block.
const BLOCK_UNCHECKED = -1;
const BLOCK_NONE = -2;
// Block budget: one 4 KiB block per 128 trie nodes (at least 16), about 32 bytes per node.
const BLOCKS_PER_NODES_SHIFT = 7;
const BLOCKS_MIN = 16;
const EMPTY_BLOCKS = new Int32Array(0);
// Scratch stack for `countBelow` (shared: it never outlives one call).
const COUNT_STACK = new Int32Array(BLOCK_MIN_NODES * 2);
const ENDS_ONE = 0x100;

function bitAt(value: Uint32Array, word: number, d: number): number {
  return (value[word + (d >>> 5)] >>> (31 - (d & 31))) & 1;
}

/** State of one lookup's walk down a trie (see `PrefixTrie.advance`). */
export class TrieWalk {
  node = 0;
  depth = 0;
  /** Bits that decided where the walk ended, or -1 while it can go deeper. */
  end = -1;
  /** Bit p set: a stored prefix of length p matches the key (valid for p <= depth). */
  readonly plens: Uint32Array;
  /** Tagged tries: owners (bit = tag) of the stored prefixes that match the key, up to depth. */
  tagsLo = 0;
  tagsHi = 0;
  constructor(bits: number) {
    this.plens = new Uint32Array((bits >>> 5) + 1);
  }
  reset(): void {
    this.node = 0;
    this.depth = 0;
    this.end = -1;
    this.tagsLo = 0;
    this.tagsHi = 0;
    const plens = this.plens;
    for (let i = 0; i < plens.length; i++) plens[i] = 0;
  }
}

/** Prefix length of a mask over `n` words from `word` (leading ones then zeros), 0 for all-zero, -1 if not a prefix. */
export function prefixLength(mask: Uint32Array, word: number, n: number): number {
  let len = 0;
  let i = 0;
  for (; i < n; i++) {
    const m = mask[word + i];
    if (m === 0xffffffff) {
      len += 32;
      continue;
    }
    const ones = Math.clz32(~m);
    if (((m << ones) | 0) !== 0) return -1;
    len += ones;
    i++;
    break;
  }
  for (; i < n; i++) if (mask[word + i] !== 0) return -1;
  return len;
}
