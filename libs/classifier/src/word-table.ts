/**
 * A hash table from fixed-width word tuples to small integer ids, on typed arrays: open addressing
 * with linear probing over (hash, id) slots, and the tuples themselves stored flat in one
 * `Int32Array` (`width` words per id, plus any extra words the caller keeps with them). Ids are
 * dense and recycled, so callers keep per-entry data in plain arrays indexed by id.
 *
 * The tuple is the masked projection of a key: `words[j]` names the key word and `masks[j]` its
 * mask, so a lookup compares `key[words[j]] & masks[j]` without building a masked copy.
 */
export class WordTable {
  readonly width: number;
  /** Int32s per id in `keys`: the tuple's `width` words, then `extra` words the caller owns. */
  readonly stride: number;
  /** (hash, id) pairs, so a probe touches one cache line; id -1 marks an empty slot. */
  private slots: Int32Array;
  private slotMask: number;
  /**
   * Tuple words, `stride` per id (the tuple, then the caller's extra words, which a probe that
   * found the id has in cache already), stored signed so they compare directly with `&` results.
   */
  keys: Int32Array;
  /** Full hash of each id's tuple (to rehash without recomputing). */
  hashes: Uint32Array;
  private freeIds: number[] = [];
  private nextId = 0;
  private used = 0;

  constructor(width: number, capacity = 8, extra = 0) {
    this.width = width;
    this.stride = width + extra;
    const cap = 1 << Math.max(3, Math.ceil(Math.log2(capacity * 2)));
    this.slots = emptySlots(cap);
    this.slotMask = cap - 1;
    this.keys = new Int32Array(Math.max(1, this.stride) * (cap >>> 1));
    this.hashes = new Uint32Array(cap >>> 1);
  }

  get size(): number {
    return this.used;
  }

  /** Bytes held by the typed arrays. */
  get byteLength(): number {
    return this.slots.byteLength + this.keys.byteLength + this.hashes.byteLength;
  }

  /** Id of the tuple equal to the masked projection of `key`, or -1. */
  findMasked(hash: number, key: Uint32Array, words: Int32Array, masks: Uint32Array): number {
    const slots = this.slots;
    const keys = this.keys;
    const width = this.width;
    const stride = this.stride;
    const m = this.slotMask;
    const h = hash | 0;
    for (let i = hash & m; ; i = (i + 1) & m) {
      const id = slots[2 * i + 1];
      if (id < 0) return -1;
      if (slots[2 * i] !== h) continue;
      let base = id * stride;
      let j = 0;
      for (; j < width; j++, base++) {
        if (keys[base] !== (key[words[j]] & masks[j])) break;
      }
      if (j === width) return id;
    }
  }

  /**
   * `findMasked` for two-word tuples, given as their two masked values: the same probe sequence
   * with no word or mask arrays to read (the lookup's most frequent probe; see `Subtable.probe`).
   */
  findPair(hash: number, v0: number, v1: number): number {
    const slots = this.slots;
    const keys = this.keys;
    const stride = this.stride;
    const m = this.slotMask;
    const h = hash | 0;
    for (let i = hash & m; ; i = (i + 1) & m) {
      const id = slots[2 * i + 1];
      if (id < 0) return -1;
      if (slots[2 * i] !== h) continue;
      const base = id * stride;
      if (keys[base] === v0 && keys[base + 1] === v1) return id;
    }
  }

  /** Id of the tuple equal to `key` word for word (full keys, `width` words from `offset`), or -1. */
  findExact(hash: number, key: Uint32Array, offset = 0): number {
    const width = this.width;
    const m = this.slotMask;
    const slots = this.slots;
    const h = hash | 0;
    for (let i = hash & m; ; i = (i + 1) & m) {
      const id = slots[2 * i + 1];
      if (id < 0) return -1;
      if (slots[2 * i] !== h) continue;
      let base = id * this.stride;
      let j = 0;
      for (; j < width; j++, base++) {
        if (this.keys[base] !== (key[offset + j] | 0)) break;
      }
      if (j === width) return id;
    }
  }

  /** Adds the masked projection of `key` (the caller checked it is absent) and returns its new id. */
  insertMasked(hash: number, key: Uint32Array, words: Int32Array, masks: Uint32Array): number {
    const id = this.allocate(hash);
    const base = id * this.stride;
    for (let j = 0; j < this.width; j++) this.keys[base + j] = key[words[j]] & masks[j];
    return id;
  }

  /** Adds `width` words of `key` from `offset` (the caller checked it is absent) and returns its new id. */
  insertExact(hash: number, key: Uint32Array, offset = 0): number {
    const id = this.allocate(hash);
    const base = id * this.stride;
    for (let j = 0; j < this.width; j++) this.keys[base + j] = key[offset + j];
    return id;
  }

  /** Removes id (returned by an insert and not yet removed). */
  remove(id: number): void {
    const hash = this.hashes[id];
    const m = this.slotMask;
    const slots = this.slots;
    let i = hash & m;
    while (slots[2 * i + 1] !== id) {
      if (slots[2 * i + 1] < 0) throw new Error(`WordTable.remove: id ${id} is not present`);
      i = (i + 1) & m;
    }
    let hole = i;
    slots[2 * hole + 1] = -1;
    for (let j = (i + 1) & m; slots[2 * j + 1] >= 0; j = (j + 1) & m) {
      const home = slots[2 * j] & m;
      const movable = hole <= j ? home <= hole || home > j : home <= hole && home > j;
      if (movable) {
        slots[2 * hole] = slots[2 * j];
        slots[2 * hole + 1] = slots[2 * j + 1];
        slots[2 * j + 1] = -1;
        hole = j;
      }
    }
    this.freeIds.push(id);
    this.used--;
  }

  private allocate(hash: number): number {
    if ((this.used + 1) * 2 > this.slotMask + 1) this.grow();
    let id: number;
    if (this.freeIds.length > 0) id = this.freeIds.pop()!;
    else {
      id = this.nextId++;
      if (id >= this.hashes.length) {
        const hashes = new Uint32Array(this.hashes.length * 2);
        hashes.set(this.hashes);
        this.hashes = hashes;
        const keys = new Int32Array(Math.max(1, this.stride) * hashes.length);
        keys.set(this.keys);
        this.keys = keys;
      }
    }
    this.hashes[id] = hash;
    const m = this.slotMask;
    const slots = this.slots;
    let i = hash & m;
    while (slots[2 * i + 1] >= 0) i = (i + 1) & m;
    slots[2 * i] = hash;
    slots[2 * i + 1] = id;
    this.used++;
    return id;
  }

  private grow(): void {
    const cap = (this.slotMask + 1) * 2;
    const old = this.slots;
    const slots = emptySlots(cap);
    const m = cap - 1;
    for (let k = 1; k < old.length; k += 2) {
      const id = old[k];
      if (id < 0) continue;
      const hash = this.hashes[id];
      let i = hash & m;
      while (slots[2 * i + 1] >= 0) i = (i + 1) & m;
      slots[2 * i] = hash;
      slots[2 * i + 1] = id;
    }
    this.slots = slots;
    this.slotMask = m;
  }
}

/** `cap` empty (hash, id) slots. */
function emptySlots(cap: number): Int32Array {
  const slots = new Int32Array(cap * 2);
  for (let i = 1; i < slots.length; i += 2) slots[i] = -1;
  return slots;
}
