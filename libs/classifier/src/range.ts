/** A value/mask pair over one word. */
export interface MaskedValue {
  readonly value: number;
  readonly mask: number;
}

/**
 * The minimal set of value/mask pairs (prefix blocks) whose union is the inclusive range
 * [lo, hi] of a `bits`-wide field (e.g. a port range over 16 bits): at most 2*(bits-1) pairs.
 * Masks are aligned to the field's own width (a 16-bit port mask 0xffff matches one port).
 */
export function expandRange(lo: number, hi: number, bits = 16): MaskedValue[] {
  const full = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  if (!(lo >= 0 && hi <= full && lo <= hi)) throw new Error(`expandRange: bad range ${lo}:${hi} for ${bits} bits`);
  const out: MaskedValue[] = [];
  let cur = lo;
  while (cur <= hi) {
    // Largest aligned block starting at cur that stays within hi.
    let size = 1;
    while (size < 2 ** bits && cur % (size * 2) === 0 && cur + size * 2 - 1 <= hi) size *= 2;
    out.push({ value: cur >>> 0, mask: (full - (size - 1)) >>> 0 });
    cur += size;
  }
  return out;
}
