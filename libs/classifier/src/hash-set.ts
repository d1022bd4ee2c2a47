/**
 * An open-addressing multiset of 32-bit hashes (linear probing, backward-shift deletion), used as
 * a subtable's per-stage index: "does any bucket of this subtable have this partial hash?". A
 * collision only makes the answer a false "maybe", which the final stage resolves, so storing
 * hashes alone is enough. Each slot is a (hash, count) pair in one array, so a probe touches one
 * cache line; count 0 marks an empty slot.
 */
export class HashCountSet {
  private slots: Uint32Array;
  private mask: number;
  private used = 0;

  constructor(capacity = 8) {
    const cap = 1 << Math.max(3, Math.ceil(Math.log2(capacity)));
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.used;
  }

  get byteLength(): number {
    return this.slots.byteLength;
  }

  has(hash: number): boolean {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = hash & mask; slots[2 * i + 1] !== 0; i = (i + 1) & mask) {
      if (slots[2 * i] === hash) return true;
    }
    return false;
  }

  add(hash: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash & mask;
    for (; slots[2 * i + 1] !== 0; i = (i + 1) & mask) {
      if (slots[2 * i] === hash) {
        slots[2 * i + 1]++;
        return;
      }
    }
    slots[2 * i] = hash;
    slots[2 * i + 1] = 1;
    if (++this.used * 2 > mask + 1) this.resize((mask + 1) * 2);
  }

  /** Drops one reference to `hash`; it must be present. */
  delete(hash: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash & mask;
    while (slots[2 * i] !== hash || slots[2 * i + 1] === 0) {
      if (slots[2 * i + 1] === 0) throw new Error(`HashCountSet.delete: hash ${hash} is not present`);
      i = (i + 1) & mask;
    }
    if (--slots[2 * i + 1] !== 0) return;
    this.used--;
    // Backward-shift deletion keeps probe chains unbroken without tombstones.
    let hole = i;
    for (let j = (i + 1) & mask; slots[2 * j + 1] !== 0; j = (j + 1) & mask) {
      const home = slots[2 * j] & mask;
      const movable = hole <= j ? home <= hole || home > j : home <= hole && home > j;
      if (movable) {
        slots[2 * hole] = slots[2 * j];
        slots[2 * hole + 1] = slots[2 * j + 1];
        slots[2 * j + 1] = 0;
        hole = j;
      }
    }
    if (this.used * 8 < mask + 1 && mask + 1 > 8) this.resize((mask + 1) >>> 1);
  }

  private resize(capacity: number): void {
    const old = this.slots;
    const slots = new Uint32Array(capacity * 2);
    const mask = capacity - 1;
    for (let k = 0; k < old.length; k += 2) {
      if (old[k + 1] === 0) continue;
      let i = old[k] & mask;
      while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
      slots[2 * i] = old[k];
      slots[2 * i + 1] = old[k + 1];
    }
    this.slots = slots;
    this.mask = mask;
  }
}
