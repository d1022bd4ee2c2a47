/**
 * The lenient readings OVS's own scanf (ovs_scan) gives MAC and IPv4 addresses: each part a C
 * integer that may have blanks and a sign before it (and for hex a `0x`), as many digits as
 * there are, the value cut to the part's bits. So OVS takes "87b" in a MAC as 0x7b and "896" in
 * an IPv4 address as 128. Only text the strict scanners refused comes here (error paths and
 * odd input), so these favour plainness over speed.
 */

/** Where the last successful scan ended, and what it read (modulo 2^64, as uintmax_t). */
export const scanned = { end: 0, value: 0n };

/** C's isspace. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** A hex digit's value, or -1 (OVS's hexit_value). */
function digitValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * One `%d`/`%u`/`%x`/`%i` conversion (OVS's scan_int) of `s` at `i` in `base` (0: by prefix):
 * true and `scanned` set, or false when no digit is there.
 */
export function scanInt(s: string, i: number, base: number): boolean {
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const negative = s[i] === '-';
  if (negative || s[i] === '+') i++;
  if ((base === 0 || base === 16) && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
    base = 16;
    i += 2;
  } else if (base === 0) base = s[i] === '0' ? 8 : 10;
  let value = 0n;
  let digits = 0;
  for (; i < s.length; i++) {
    const d = digitValue(s.charCodeAt(i));
    if (d < 0 || d >= base) break;
    value = BigInt.asUintN(64, value * BigInt(base) + BigInt(d));
    digits++;
  }
  if (!digits) return false;
  scanned.end = i;
  scanned.value = negative ? BigInt.asUintN(64, -value) : value;
  return true;
}

/**
 * `count` integers in `base` joined by `sep`, each cut to 8 bits (`%hhx:%hhx...`), from `i`:
 * their bytes as one number with `scanned.end` after the last, or undefined.
 */
function scanBytes(s: string, i: number, count: number, sep: string, base: number): bigint | undefined {
  let v = 0n;
  for (let k = 0; k < count; k++) {
    if (k) {
      if (s[i] !== sep) return undefined;
      i++;
    }
    if (!scanInt(s, i, base)) return undefined;
    v = (v << 8n) | (scanned.value & 0xffn);
    i = scanned.end;
  }
  scanned.end = i;
  return v;
}

/** ETH_ADDR_SCAN_FMT at `i`: the address, `scanned.end` after it; undefined when it does not scan. */
export function scanMac(s: string, i = 0): bigint | undefined {
  return scanBytes(s, i, 6, ':', 16);
}

/** IP_SCAN_FMT at `i`: the address, `scanned.end` after it; undefined when it does not scan. */
export function scanIpv4(s: string, i = 0): bigint | undefined {
  return scanBytes(s, i, 4, '.', 10);
}

/** `%d` at `i`, as the int it stores (low 32 bits, signed); undefined when no digit is there. */
export function scanCInt(s: string, i: number): number | undefined {
  return scanInt(s, i, 10) ? Number(BigInt.asIntN(32, scanned.value)) : undefined;
}

/** The digits of `s` from `i` in `base`: their end. */
function digitsEnd(s: string, i: number, base: number): number {
  while (i < s.length) {
    const d = digitValue(s.charCodeAt(i));
    if (d < 0 || d >= base) break;
    i++;
  }
  return i;
}

const LONG_MAX = 0x7fffffffffffffffn;
const ULLONG_MAX = 0xffffffffffffffffn;

/**
 * C's atoi as glibc has it, (int) strtol(s, NULL, 10): blanks, a sign, decimal digits, whatever
 * follows ignored; 0 when there is no digit; a long out of range clamped, then cut to 32 bits.
 */
export function cAtoi(s: string): number {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const negative = s[i] === '-';
  if (negative || s[i] === '+') i++;
  const end = digitsEnd(s, i, 10);
  if (end === i) return 0;
  // Up to 15 digits are exact in a double (the usual case, without a bigint).
  if (end - i <= 15) {
    const v = Number(s.slice(i, end));
    return (negative ? -v : v) | 0;
  }
  let v = BigInt(s.slice(i, end));
  if (v > LONG_MAX) v = negative ? -LONG_MAX - 1n : LONG_MAX;
  else if (negative) v = -v;
  return Number(BigInt.asIntN(32, v));
}

/**
 * C's strtoull(s, NULL, 0): blanks, a sign, then 0x-hex, 0-octal or decimal, whatever follows
 * ignored; 0 when there is no number; past 64 bits ULLONG_MAX; a minus sign negates modulo 2^64.
 */
export function cStrtoull(s: string): bigint {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const negative = s[i] === '-';
  if (negative || s[i] === '+') i++;
  let base = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && digitValue(s.charCodeAt(i + 2)) >= 0) {
    base = 16;
    i += 2;
  } else if (s[i] === '0') base = 8;
  const end = digitsEnd(s, i, base);
  if (end === i) return 0n;
  const digits = s.slice(i, end);
  const v = base === 16 ? BigInt(`0x${digits}`) : base === 8 ? BigInt(`0o${digits}`) : BigInt(digits);
  if (v > ULLONG_MAX) return ULLONG_MAX;
  return negative ? BigInt.asUintN(64, -v) : v;
}

/** Whether character code `c` is one of `chars` (by code: no one-character string per test). */
function isOneOf(c: number, chars: string): boolean {
  for (let k = 0; k < chars.length; k++) if (chars.charCodeAt(k) === c) return true;
  return false;
}

/** C's strtok_r over one string: each call the next run of characters outside that call's delimiters. */
export class Strtok {
  private at = 0;

  constructor(private readonly s: string) {}

  next(delims: string): string | undefined {
    const s = this.s;
    while (this.at < s.length && isOneOf(s.charCodeAt(this.at), delims)) this.at++;
    if (this.at >= s.length) return undefined;
    const start = this.at;
    while (this.at < s.length && !isOneOf(s.charCodeAt(this.at), delims)) this.at++;
    const token = s.slice(start, this.at);
    // strtok_r overwrites the delimiter that ended the token and goes on after it.
    if (this.at < s.length) this.at++;
    return token;
  }

  /** All that is left (strtok_r with no delimiters), undefined when nothing is. */
  rest(): string | undefined {
    const token = this.at < this.s.length ? this.s.slice(this.at) : undefined;
    this.at = this.s.length;
    return token;
  }

  /** The next `count` tokens (undefined past the last). */
  take(count: number, delims: string): (string | undefined)[] {
    const out: (string | undefined)[] = [];
    for (let i = 0; i < count; i++) out.push(this.next(delims));
    return out;
  }
}
