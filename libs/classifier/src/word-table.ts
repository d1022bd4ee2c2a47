/**
 * A hash table from fixed-width word tuples to small integer ids, on typed arrays: open addressing
 * with linear probing over (hash, id) slots, and the tuples themselves stored flat in one
 * `Uint32Array` (`width` words per id). Ids are dense and recycled, so callers keep per-entry data
 * in plain arrays indexed by id.
 *
 * The tuple is the masked projection of a key: `words[j]` names the key word and `masks[j]` its
 * mask, so a lookup compares `key[words[j]] & masks[j]` without building a masked copy.
 */
export class WordTable {
  readonly width: number;
  private slotHash: Uint32Array;
  private slotId: Int32Array;
  private slotMask: number;
  /** Tuple words, `width` per id, stored signed so they compare directly with `&` results. */
  keys: Int32Array;
  /** Full hash of each id's tuple (to rehash without recomputing). */
  hashes: Uint32Array;
  private freeIds: number[] = [];
  private nextId = 0;
  private used = 0;

  constructor(width: number, capacity = 8) {
    this.width = width;
    const cap = 1 << Math.max(3, Math.ceil(Math.log2(capacity * 2)));
    this.slotHash = new Uint32Array(cap);
    this.slotId = new Int32Array(cap).fill(-1);
    this.slotMask = cap - 1;
    this.keys = new Int32Array(Math.max(1, width) * (cap >>> 1));
    this.hashes = new Uint32Array(cap >>> 1);
  }

  get size(): number {
    return this.used;
  }

  /** Bytes held by the typed arrays. */
  get byteLength(): number {
    return this.slotHash.byteLength + this.slotId.byteLength + this.keys.byteLength + this.hashes.byteLength;
  }

  /** Id of the tuple equal to the masked projection of `key`, or -1. */
  findMasked(hash: number, key: Uint32Array, words: Int32Array, masks: Uint32Array): number {
    const slotHash = this.slotHash;
    const slotId = this.slotId;
    const keys = this.keys;
    const width = this.width;
    const m = this.slotMask;
    for (let i = hash & m; ; i = (i + 1) & m) {
      const id = slotId[i];
      if (id < 0) return -1;
      if (slotHash[i] !== hash) continue;
      let base = id * width;
      let j = 0;
      for (; j < width; j++, base++) {
        if (keys[base] !== (key[words[j]] & masks[j])) break;
      }
      if (j === width) return id;
    }
  }

  /** Id of the tuple equal to `key` word for word (full keys, `width` words from `offset`), or -1. */
  findExact(hash: number, key: Uint32Array, offset = 0): number {
    const width = this.width;
    const m = this.slotMask;
    for (let i = hash & m; ; i = (i + 1) & m) {
      const id = this.slotId[i];
      if (id < 0) return -1;
      if (this.slotHash[i] !== hash) continue;
      let base = id * width;
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
    const base = id * this.width;
    for (let j = 0; j < this.width; j++) this.keys[base + j] = key[words[j]] & masks[j];
    return id;
  }

  /** Adds `width` words of `key` from `offset` (the caller checked it is absent) and returns its new id. */
  insertExact(hash: number, key: Uint32Array, offset = 0): number {
    const id = this.allocate(hash);
    const base = id * this.width;
    for (let j = 0; j < this.width; j++) this.keys[base + j] = key[offset + j];
    return id;
  }

  /** Removes id (returned by an insert and not yet removed). */
  remove(id: number): void {
    const hash = this.hashes[id];
    const m = this.slotMask;
    let i = hash & m;
    while (this.slotId[i] !== id) {
      if (this.slotId[i] < 0) throw new Error(`WordTable.remove: id ${id} is not present`);
      i = (i + 1) & m;
    }
    let hole = i;
    this.slotId[hole] = -1;
    for (let j = (i + 1) & m; this.slotId[j] >= 0; j = (j + 1) & m) {
      const home = this.slotHash[j] & m;
      const movable = hole <= j ? home <= hole || home > j : home <= hole && home > j;
      if (movable) {
        this.slotHash[hole] = this.slotHash[j];
        this.slotId[hole] = this.slotId[j];
        this.slotId[j] = -1;
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
        const keys = new Int32Array(Math.max(1, this.width) * hashes.length);
        keys.set(this.keys);
        this.keys = keys;
      }
    }
    this.hashes[id] = hash;
    const m = this.slotMask;
    let i = hash & m;
    while (this.slotId[i] >= 0) i = (i + 1) & m;
    this.slotHash[i] = hash;
    this.slotId[i] = id;
    this.used++;
    return id;
  }

  private grow(): void {
    const cap = (this.slotMask + 1) * 2;
    const oldId = this.slotId;
    this.slotHash = new Uint32Array(cap);
    this.slotId = new Int32Array(cap).fill(-1);
    this.slotMask = cap - 1;
    for (let k = 0; k < oldId.length; k++) {
      const id = oldId[k];
      if (id < 0) continue;
      const hash = this.hashes[id];
      let i = hash & this.slotMask;
      while (this.slotId[i] >= 0) i = (i + 1) & this.slotMask;
      this.slotHash[i] = hash;
      this.slotId[i] = id;
    }
  }
}
