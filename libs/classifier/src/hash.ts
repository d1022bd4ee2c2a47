/**
 * A fast 32-bit hash over 32-bit words (the Murmur3 32-bit word step and finalizer, as Open vSwitch's
 * `hash_add`/`hash_finish` use).
 *
 * Why this one: it mixes a whole word per step with two multiplies and a rotate, so hashing a
 * masked flow key costs a handful of integer operations per word and never allocates; the
 * finalizer (`hashFinish`) avalanches every input bit into the low bits, which matters because the
 * hash tables below take their slot index from the low bits. All arithmetic stays in int32 via
 * `Math.imul` and `| 0`, which V8 compiles to plain machine integer instructions.
 *
 * Usage: `h = basis; for each word: h = hashAdd(h, word); h = hashFinish(h, nWords * 4)`.
 */
export function hashAdd(hash: number, word: number): number {
  let w = Math.imul(word, 0xcc9e2d51);
  w = (w << 15) | (w >>> 17);
  w = Math.imul(w, 0x1b873593);
  let h = hash ^ w;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Final avalanche; `nBytes` folds the input length in so keys of different lengths differ. Returns an unsigned 32-bit value. */
export function hashFinish(hash: number, nBytes: number): number {
  let h = hash ^ nBytes;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of all words of `key` (the exact-match key hash). */
export function hashWords(key: Uint32Array, basis = 0): number {
  let h = basis;
  for (let i = 0; i < key.length; i++) h = hashAdd(h, key[i]);
  return hashFinish(h, key.length * 4);
}

/** Hash of `key & mask`, over all words (zero mask words hash as zero). */
export function hashMasked(key: Uint32Array, mask: Uint32Array, basis = 0): number {
  let h = basis;
  for (let i = 0; i < mask.length; i++) h = hashAdd(h, key[i] & mask[i]);
  return hashFinish(h, mask.length * 4);
}
