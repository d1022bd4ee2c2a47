import { readFileSync } from 'node:fs';

/**
 * Input helpers for ovs-ofctl's undocumented test commands, which read their cases from stdin one
 * line at a time and parse hex the way OVS's ofpbuf_put_hex does.
 */

/** All of stdin (the commands read it to the end before printing anything, so output is one write). */
export function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

/** The lines of `text` as ds_get_line gives them: a last line without a newline still counts. */
function rawLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** OVS's ds_get_preprocessed_line: everything from `#` dropped, then lines of only blanks skipped. */
export function preprocessedLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of rawLines(text)) {
    const hash = raw.indexOf('#');
    const line = hash >= 0 ? raw.slice(0, hash) : raw;
    if (/[^ \t\n]/.test(line)) out.push(line);
  }
  return out;
}

/**
 * OVS's ds_get_test_line, for commands that echo their input's layout: a line starting with `#`
 * is echoed (`echo`), a `#` comment elsewhere is cut, trailing blanks are cut, and a line left
 * empty stands for an empty output line (`echo` of '').
 */
export function testLines(text: string): { line: string; echo: boolean }[] {
  const out: { line: string; echo: boolean }[] = [];
  for (const raw of rawLines(text)) {
    if (raw.startsWith('#')) {
      out.push({ line: raw, echo: true });
      continue;
    }
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).replace(/\s+$/, '');
    out.push(line ? { line, echo: false } : { line: '', echo: true });
  }
  return out;
}

const HEXIT = /[0-9a-fA-F]/;

/**
 * OVS's ofpbuf_put_hex: pairs of hex digits, blanks (space, tab, CR, LF) allowed between pairs;
 * parsing stops at the first thing that is not a pair. `rest` is what was left unparsed.
 */
export function parseHexPairs(s: string): { bytes: Uint8Array; rest: string } {
  const out: number[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && ' \t\r\n'.includes(s[i])) i++;
    if (i + 1 >= s.length || !HEXIT.test(s[i]) || !HEXIT.test(s[i + 1])) break;
    out.push(Number.parseInt(s.slice(i, i + 2), 16));
    i += 2;
  }
  return { bytes: Uint8Array.from(out), rest: s.slice(i) };
}

/** OVS's print_differences: each byte that differs, then the bytes only one side has. */
export function formatDifferences(prefix: string, a: Uint8Array, b: Uint8Array): string {
  let s = '';
  const pos = (i: number) => String(i).padStart(2, ' ');
  const hex = (x: number) => x.toString(16).padStart(2, '0');
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) if (a[i] !== b[i]) s += `${prefix}${pos(i)}: ${hex(a[i])} -> ${hex(b[i])}\n`;
  for (let i = a.length; i < b.length; i++) s += `${prefix}${pos(i)}: (none) -> ${hex(b[i])}\n`;
  for (let i = b.length; i < a.length; i++) s += `${prefix}${pos(i)}: ${hex(a[i])} -> (none)\n`;
  return s;
}

/** OVS's ovs_hex_dump without the ASCII column: 16 bytes a line, a `-` before the ninth. */
export function bareHexDump(b: Uint8Array): string {
  let s = '';
  for (let off = 0; off < b.length; off += 16) {
    s += `${off.toString(16).padStart(8, '0')} `;
    for (let i = off; i < Math.min(off + 16, b.length); i++) {
      s += `${i - off === 8 ? '-' : ' '}${b[i].toString(16).padStart(2, '0')}`;
    }
    s += '\n';
  }
  return s;
}

/**
 * C's strtol(s, NULL, 0) stored into a uint32_t: leading blanks, a sign, then hex after `0x`,
 * octal after `0`, else decimal; digits stop at the first that does not fit; nothing gives 0.
 */
export function strtolU32(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX](?=[0-9a-fA-F])|0?)([0-9a-zA-Z]*)/.exec(s);
  if (!m) return 0;
  const base = m[2].length === 2 ? 16 : m[2] === '0' ? 8 : 10;
  let v = 0n;
  for (const c of m[3]) {
    const d = Number.parseInt(c, 36);
    if (!(d < base)) break;
    v = v * BigInt(base) + BigInt(d);
  }
  // strtol saturates at the limits of a 64-bit long.
  const limit = m[1] === '-' ? 1n << 63n : (1n << 63n) - 1n;
  if (v > limit) v = limit;
  if (m[1] === '-') v = -v;
  return Number(BigInt.asUintN(32, v));
}
