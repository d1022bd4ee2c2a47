/**
 * Bigint constants the codecs need per action or field, made once: `(1n << BigInt(n)) - 1n`
 * and `BigInt(n)` per load or set_field allocated several bigints each time, and bigint work was
 * about 6% of a parse-flows run. Widths go up to tun_metadata's 124 bytes (992 bits).
 */
const MAX = 1024;
const ONES: bigint[] = [];
const SMALL: bigint[] = [];
for (let i = 0; i <= MAX; i++) {
  SMALL.push(BigInt(i));
  ONES.push((1n << BigInt(i)) - 1n);
}

/** n one bits, as a bigint. */
export function onesBig(n: number): bigint {
  return n <= MAX ? ONES[n] : (1n << BigInt(n)) - 1n;
}

/** BigInt(n) for a shift count or a small constant (n >= 0). */
export function bigN(n: number): bigint {
  return n <= MAX ? SMALL[n] : BigInt(n);
}
