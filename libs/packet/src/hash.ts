/**
 * 32-bit hashing of flow keys, word by word.
 *
 * The function is MurmurHash3's x86_32 body and finaliser applied to 32-bit words (the same
 * construction Open vSwitch's `hash_add`/`hash_finish` use): each word is multiplied by c1,
 * rotated by 15, multiplied by c2 and xored into the state, which is then rotated by 13 and
 * multiplied-and-added; the finaliser (fmix32) makes every input bit affect every output bit.
 * It is fast in JavaScript because every step is a `Math.imul`, a shift or an xor on int32s, and
 * it distributes well even for keys that differ in one low bit (the finaliser passes SMHasher's
 * avalanche test). Not cryptographic: do not use where an attacker chooses keys and collisions
 * matter beyond performance.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Mixes one word into the running hash `h`. */
export function hashAdd(h: number, word: number): number {
  let k = Math.imul(word, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Final avalanche; `nBytes` is folded in as MurmurHash3 does with the input length. */
export function hashFinish(h: number, nBytes: number): number {
  h ^= nBytes;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of words [start, end) of `words`. */
export function hashWords(words: Uint32Array, seed = 0, start = 0, end = words.length): number {
  let h = seed | 0;
  for (let i = start; i < end; i++) {
    let k = Math.imul(words[i], C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return hashFinish(h, (end - start) * 4);
}

/**
 * Hash of (words & mask) over [start, end), without materialising the masked key: equal to
 * `hashWords` of the masked copy, so a classifier can hash a packet's key with a subtable's mask
 * and find rules stored under their own (already masked) keys.
 */
export function hashMasked(words: Uint32Array, mask: Uint32Array, seed = 0, start = 0, end = words.length): number {
  let h = seed | 0;
  for (let i = start; i < end; i++) {
    let k = Math.imul(words[i] & mask[i], C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return hashFinish(h, (end - start) * 4);
}
