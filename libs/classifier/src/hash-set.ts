/**
 * An open-addressing multiset of 32-bit hashes (linear probing, backward-shift deletion), used as
 * a subtable's per-stage index: "does any bucket of this subtable have this partial hash?". A
 * collision only makes the answer a false "maybe", which the final stage resolves, so storing
 * hashes alone is enough.
 */
export class HashCountSet {
  private hashes: Uint32Array;
  private counts: Uint32Array;
  private mask: number;
  private used = 0;

  constructor(capacity = 8) {
    const cap = 1 << Math.max(3, Math.ceil(Math.log2(capacity)));
    this.hashes = new Uint32Array(cap);
    this.counts = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.used;
  }

  get byteLength(): number {
    return this.hashes.byteLength + this.counts.byteLength;
  }

  has(hash: number): boolean {
    const hashes = this.hashes;
    const counts = this.counts;
    const mask = this.mask;
    for (let i = hash & mask; counts[i] !== 0; i = (i + 1) & mask) {
      if (hashes[i] === hash) return true;
    }
    return false;
  }

  add(hash: number): void {
    const mask = this.mask;
    let i = hash & mask;
    for (; this.counts[i] !== 0; i = (i + 1) & mask) {
      if (this.hashes[i] === hash) {
        this.counts[i]++;
        return;
      }
    }
    this.hashes[i] = hash;
    this.counts[i] = 1;
    if (++this.used * 2 > mask + 1) this.resize((mask + 1) * 2);
  }

  /** Drops one reference to `hash`; it must be present. */
  delete(hash: number): void {
    const mask = this.mask;
    let i = hash & mask;
    while (this.hashes[i] !== hash || this.counts[i] === 0) {
      if (this.counts[i] === 0) throw new Error(`HashCountSet.delete: hash ${hash} is not present`);
      i = (i + 1) & mask;
    }
    if (--this.counts[i] !== 0) return;
    this.used--;
    // Backward-shift deletion keeps probe chains unbroken without tombstones.
    let hole = i;
    for (let j = (i + 1) & mask; this.counts[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashes[j] & mask;
      const movable = hole <= j ? home <= hole || home > j : home <= hole && home > j;
      if (movable) {
        this.hashes[hole] = this.hashes[j];
        this.counts[hole] = this.counts[j];
        this.counts[j] = 0;
        hole = j;
      }
    }
    if (this.used * 8 < mask + 1 && mask + 1 > 8) this.resize((mask + 1) >>> 1);
  }

  private resize(capacity: number): void {
    const oldHashes = this.hashes;
    const oldCounts = this.counts;
    this.hashes = new Uint32Array(capacity);
    this.counts = new Uint32Array(capacity);
    this.mask = capacity - 1;
    for (let k = 0; k < oldCounts.length; k++) {
      if (oldCounts[k] === 0) continue;
      let i = oldHashes[k] & this.mask;
      while (this.counts[i] !== 0) i = (i + 1) & this.mask;
      this.hashes[i] = oldHashes[k];
      this.counts[i] = oldCounts[k];
    }
  }
}
