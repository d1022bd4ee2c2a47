/**
 * OVS's key-value scanner (ofputil_parse_key_value), which every comma list in flow syntax goes
 * through: the match, the actions, and the arguments of ct, learn, output(...) and the like. A
 * key runs to the first of `:=(` or a delimiter; after `:` or `=` the value runs to a delimiter
 * (a parenthesized part inside kept whole), after `(` to the matching `)`, except that
 * `KEY(X)->Y` runs on to the next delimiter.
 */

/** `, \t\r\n`: between key-value pairs. */
function isPairDelim(c: number): boolean {
  return c === 44 || c === 32 || c === 9 || c === 13 || c === 10;
}

/** `:=(`: between a key and its value. */
function isKeyDelim(c: number): boolean {
  return c === 58 || c === 61 || c === 40;
}

/**
 * OVS's parse_value after `KEY(`: from `i` to the `)` that ends the value (before `n`, else `n`),
 * a parenthesized run inside kept whole.
 */
function parenValueEnd(s: string, i: number, n: number): number {
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 41) return i;
    i = c === 40 ? groupEnd(s, i, n) : i + 1;
  }
  return n;
}

/** OVS's parse_value after `:` or `=`: to the first comma or blank, a parenthesized run inside kept whole. */
function plainValueEnd(s: string, i: number, n: number): number {
  while (i < n) {
    const c = s.charCodeAt(i);
    if (isPairDelim(c)) return i;
    i = c === 40 ? groupEnd(s, i, n) : i + 1;
  }
  return n;
}

/** Past the `)` that closes the `(` at `i`, or `n` when none does. */
function groupEnd(s: string, i: number, n: number): number {
  let level = 0;
  do {
    const d = s.charCodeAt(i);
    if (d === 40) level++;
    else if (d === 41) level--;
    i++;
  } while (level > 0 && i < n);
  return i;
}

/** Where the last scanPair found its pair (module scratch: no object per pair). */
export const pair = {
  start: 0,
  keyEnd: 0,
  /** The character code after the key when it is `:`, `=` or `(`; 0 for a key without a value. */
  delim: 0,
  valueStart: 0,
  valueEnd: 0,
  /** For `KEY(`: whether its `)` was there (else the value ran to the end). */
  closed: false,
  /** Where the next pair may start: past the delimiter that ended this one. */
  next: 0,
};

/**
 * The key-value pair at or after `i` in `s[0, n)`, into `pair`; false when only delimiters are
 * left. After `KEY(` the value runs to the matching `)`, or for `KEY(X)->Y` to the delimiter after Y.
 */
export function scanPair(s: string, i: number, n = s.length): boolean {
  while (i < n && isPairDelim(s.charCodeAt(i))) i++;
  if (i >= n) return false;
  pair.start = i;
  while (i < n && !isPairDelim(s.charCodeAt(i)) && !isKeyDelim(s.charCodeAt(i))) i++;
  pair.keyEnd = i;
  // Bounded: a read past the end (NaN) deoptimised the scanners once per run.
  const delim = i < n ? s.charCodeAt(i) : 0;
  pair.delim = isKeyDelim(delim) ? delim : 0;
  pair.closed = true;
  pair.valueStart = pair.delim ? i + 1 : i;
  if (delim === 40) {
    const close = parenValueEnd(s, i + 1, n);
    pair.closed = close < n;
    pair.valueEnd = close + 3 <= n && s.startsWith(')->', close) ? plainValueEnd(s, close, n) : close;
  } else pair.valueEnd = pair.delim ? plainValueEnd(s, i + 1, n) : i;
  pair.next = pair.valueEnd + 1;
  return true;
}

/** All the key-value pairs of `arg`: `key` (an empty value), `key=value`, `key:value`, `key(value)`. */
export function keyValues(arg: string): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; scanPair(arg, i); i = pair.next) {
    out.push([arg.slice(pair.start, pair.keyEnd), arg.slice(pair.valueStart, pair.valueEnd)]);
  }
  return out;
}
