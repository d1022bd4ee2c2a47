import { OfflineFatal } from './fatal.js';
import { parseHexPairs } from './hex-input.js';

type OpenFlow = typeof import('@softswitch/openflow');

/** NXM_NX_COOKIE: not a field, but a flow cookie that NXM matches may carry. */
const NXM_NX_COOKIE = 0x00013c08;
const HAS_MASK = 0x100;

/** Every NXM/OXM field name by its exact (unmasked) header, and the reverse. */
interface FieldNames {
  byName: Map<string, number>;
  byHeader: Map<number, string>;
  /** Exact headers whose `_W` (masked) form exists. */
  maskable: Set<number>;
}

let names: FieldNames | undefined;

function fieldNames(of: OpenFlow): FieldNames {
  if (names) return names;
  const byName = new Map<string, number>([['NXM_NX_COOKIE', NXM_NX_COOKIE]]);
  const byHeader = new Map<number, string>([[NXM_NX_COOKIE, 'NXM_NX_COOKIE']]);
  const maskable = new Set<number>([NXM_NX_COOKIE]);
  for (const f of of.FIELDS) {
    for (const [name, header] of [
      [f.nxmName, f.nxm],
      [f.oxmName, f.oxm],
      [f.onfName, f.onfOxm],
    ] as const) {
      if (name === undefined || header === undefined) continue;
      byName.set(name, header);
      byHeader.set(header, name);
      // The VLAN VID masks its present bit although the field itself is not maskable.
      if (f.maskable || f.name === 'vlan_vid') maskable.add(header);
    }
  }
  names = { byName, byHeader, maskable };
  return names;
}

/** Experimenter OXMs (class 0xffff) carry a 4-byte experimenter ID, counted in the length. */
const EXPERIMENTER_CLASS = 0xffff;
const ONF_EXPERIMENTER = 0x4f4e4600;
const experimenterLen = (header: number) => (header >>> 16 === EXPERIMENTER_CLASS ? 4 : 0);

/** The masked form of an exact header: the value and mask lengths doubled. */
function maskedHeader(header: number): number {
  const extra = experimenterLen(header);
  return ((header & ~0xff) | HAS_MASK | (((header & 0xff) - extra) * 2 + extra)) >>> 0;
}

/**
 * OVS's nx_match_from_string: `NAME(HEX)` and `NAME_W(HEX/HEX)` entries separated by commas or
 * blanks, or `<any>`, as the NXM/OXM entries they stand for; a string is the (fatal) error.
 */
function nxMatchFromString(of: OpenFlow, text: string): Uint8Array | string {
  if (text === '<any>') return new Uint8Array(0);
  const { byName, maskable } = fieldNames(of);
  const w = new of.Writer();
  let s = text;
  const skip = (chars: string) => {
    let i = 0;
    while (i < s.length && chars.includes(s[i])) i++;
    s = s.slice(i);
  };
  for (skip(', '); s; skip(', ')) {
    const open = s.indexOf('(');
    if (open < 0) return `${text}: missing ( at end of nx_match`;
    const name = s.slice(0, open);
    const masked = name.endsWith('_W') && !byName.has(name);
    const tunIdx = tunMdNameIndex(masked ? name.slice(0, -2) : name);
    const value = parseHexPairs(s.slice(open + 1));
    let bytes: number;
    if (tunIdx >= 0) {
      // Variable length: the value's bytes, up to 124.
      bytes = value.bytes.length;
      if (bytes > of.TUN_METADATA_MAX_BYTES)
        return `expected to read at most ${of.TUN_METADATA_MAX_BYTES} bytes but got ${bytes}`;
      w.u32(of.tunMdHeader(tunIdx, masked ? 2 * bytes : bytes, masked));
    } else {
      const exact = byName.get(masked ? name.slice(0, -2) : name);
      if (exact === undefined || (masked && !maskable.has(exact))) return `${text}: unknown field \`${name}'`;
      bytes = (exact & 0xff) - experimenterLen(exact);
      w.u32(masked ? maskedHeader(exact) : exact);
      if (experimenterLen(exact)) w.u32(ONF_EXPERIMENTER);
      if (value.bytes.length !== bytes) {
        return `expected to read ${bytes} bytes but got ${value.bytes.length}`;
      }
    }
    w.bytes(value.bytes);
    s = value.rest;
    if (masked) {
      skip(' ');
      if (s[0] !== '/') return `${text}: missing / in masked field ${name}`;
      const mask = parseHexPairs(s.slice(1));
      if (mask.bytes.length !== bytes) return `${mask.rest.slice(0, 2)}: hex digits expected`;
      w.bytes(mask.bytes);
      s = mask.rest;
    }
    skip(' ');
    if (s[0] !== ')') return `${text}: missing ) following field ${name}`;
    s = s.slice(1);
  }
  return w.finish();
}

/** `N` of an NXM_NX_TUN_METADATAN name (0..63), else -1. */
function tunMdNameIndex(name: string): number {
  const m = /^NXM_NX_TUN_METADATA(0|[1-9][0-9]?)$/.exec(name);
  return m && Number(m[1]) < 64 ? Number(m[1]) : -1;
}

/**
 * ovs-ofctl parse-nx-match/parse-oxm write each tun_metadata value (and mask) of length L back
 * as the first L bytes of the 124-byte field holding it right-aligned: the value's last
 * 124 - L bytes shifted out, zeros shifted in (what its round trip without a TLV map does; a
 * flow_mod with the same bytes prints the right value). Rewrites the entries of `b` in place.
 */
function shiftTunMdPayloads(of: OpenFlow, b: Uint8Array): void {
  let p = 0;
  while (p + 4 <= b.length) {
    const header = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    const len = header & 0xff;
    if (of.tunMdIndexOfHeader(header) >= 0) {
      const n = header & HAS_MASK ? len >> 1 : len;
      for (let part = p + 4; part < p + 4 + len; part += n)
        shiftRight(b.subarray(part, part + n), of.TUN_METADATA_MAX_BYTES - n);
    }
    p += 4 + len;
  }
}

/** Moves `bytes` right by `by` places (dropping what falls off), zero-filling from the left. */
function shiftRight(bytes: Uint8Array, by: number): void {
  for (let i = bytes.length - 1; i >= 0; i--) bytes[i] = i >= by ? bytes[i - by] : 0;
}

/** OVS's nx_match_to_string: the entries by name, values (and masks) in hex; `<any>` for none. */
export function nxMatchToString(of: OpenFlow, b: Uint8Array): string {
  if (!b.length) return '<any>';
  const { byHeader } = fieldNames(of);
  const parts: string[] = [];
  let p = 0;
  while (p + 4 <= b.length) {
    const header = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    const masked = (header & HAS_MASK) !== 0;
    const len = header & 0xff;
    const extra = experimenterLen(header);
    const n = masked ? (len - extra) >> 1 : len - extra;
    const exact = masked ? ((header & ~0x1ff) | (n + extra)) >>> 0 : header;
    if (p + 4 + len > b.length || n < 0) break;
    const tunIdx = of.tunMdIndexOfHeader(header);
    const name =
      tunIdx >= 0
        ? `NXM_NX_TUN_METADATA${tunIdx}`
        : (byHeader.get(exact) ?? `${header >>> 16}:${(header >>> 9) & 0x7f}`);
    const hex = (from: number) => of.toHex(b.subarray(from, from + n));
    const v = p + 4 + extra;
    parts.push(masked ? `${name}_W(${hex(v)}/${hex(v + n)})` : `${name}(${hex(v)})`);
    p += 4 + len;
  }
  if (p < b.length) parts.push(`<${b.length - p} invalid bytes>`);
  return parts.join(', ');
}

/** One line of parse-nx-match / parse-oxm, decoded. */
export interface NxMatchLine {
  input: string;
  /** The match in flow syntax, and its entries written again as OVS orders them. */
  match?: string;
  entries?: string;
  /** The OFPERR name when the entries did not decode. */
  error?: string;
}

/**
 * ovs-ofctl parse-nx-match (`version` 0) and parse-oxm VERSION: each line's entries decoded
 * loosely into a match (unknown fields skipped, prerequisites unchecked) and written again.
 * Echoed lines (comments, blanks) come back as `{ input }` alone. A bad line is fatal.
 */
export function decodeNxMatchLines(
  of: OpenFlow,
  lines: { line: string; echo: boolean }[],
  version: number,
): { lines: NxMatchLine[]; fatal?: string } {
  const out: NxMatchLine[] = [];
  for (const { line, echo } of lines) {
    if (echo) {
      out.push({ input: line });
      continue;
    }
    const entries = nxMatchFromString(of, line);
    if (typeof entries === 'string') return { lines: out, fatal: entries };
    let pulled: import('@softswitch/openflow').PulledMatch;
    try {
      pulled = of.pullNxMatch(entries, 0, entries.length, 0, true);
    } catch (e) {
      if (!(e instanceof of.OpenFlowDecodeError)) throw e;
      out.push({ input: line, error: of.errorName(e.type, e.code) });
      continue;
    }
    const w = new of.Writer();
    if (version) of.putNxMatch(w, pulled.match, version);
    else of.putNxMatch(w, pulled.match, 0, pulled.cookie, pulled.cookieMask);
    const written = w.finish();
    shiftTunMdPayloads(of, written);
    out.push({ input: line, match: of.formatMatch(pulled.match), entries: nxMatchToString(of, written) });
  }
  return { lines: out };
}

/** The text ovs-ofctl prints for decoded lines; throws OfflineFatal at a bad line. */
export function parseNxMatchLines(of: OpenFlow, lines: { line: string; echo: boolean }[], version: number): string {
  const decoded = decodeNxMatchLines(of, lines, version);
  let out = '';
  for (const l of decoded.lines) {
    out += `${l.entries ?? (l.error ? `nx_pull_match() returned error ${l.error}` : l.input)}\n`;
  }
  if (decoded.fatal) throw new OfflineFatal(decoded.fatal, out);
  return out;
}
