import { onesBig } from './bigint-bits.js';
import { scanCInt, scanIpv4, scanMac, scanned } from './c-scan.js';
import type { FieldDef } from './fields.js';
import { parsePortName } from './format-values.js';

/** Field values in text, parsed as Open vSwitch's mf_parse does. */

/** An integer as C's strtoull with base 0 reads it: 0x hex, leading-0 octal, else decimal. */
export function parseInteger(s: string): bigint | undefined {
  // Hand-rolled scan (no regex, no bigint until the end): this runs for most words of a flow.
  const n = s.length;
  if (n === 0) return undefined;
  const c0 = s.charCodeAt(0);
  if (c0 === 48 && n > 1) {
    const c1 = s.charCodeAt(1);
    if (c1 === 120 || c1 === 88) {
      if (n === 2) return undefined;
      for (let i = 2; i < n; i++) if (hexDigit(s.charCodeAt(i)) < 0) return undefined;
      if (n <= 15) return BigInt(Number.parseInt(s.slice(2), 16));
      return BigInt(s);
    }
    for (let i = 1; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 55) return undefined;
    }
    if (n <= 17) return BigInt(Number.parseInt(s.slice(1), 8));
    return BigInt(`0o${s.slice(1)}`);
  }
  return parseDecimal(s);
}

/** OVS's str_to_u16 (strtoll in base 0 over the whole string): `invalid NAME "S"` on anything but 0..65535. */
export function strToU16(s: string, name: string | null): number {
  return strToUint(s, 0xffff, name);
}

/** OVS's str_to_u8: as str_to_u16, 0..255. */
export function strToU8(s: string, name: string): number {
  return strToUint(s, 0xff, name);
}

function strToUint(s: string, max: number, name: string | null): number {
  // The plain number most flows have, without parseCInteger's regex.
  const n = parseIntegerNum(s);
  if (n >= 0 && n <= max) return n;
  const v = parseCInteger(s);
  if (v === undefined || v < 0n || v > BigInt(max)) throw new Error(`invalid ${name ?? '(null)'} "${s}"`);
  return Number(v);
}

/** OVS's str_to_u64: strtoull in base 0 over the whole text (blanks and a sign before it). */
export function strToU64(s: string): bigint {
  const plain = parseInteger(s);
  if (plain !== undefined && plain <= 0xffffffffffffffffn) return plain;
  if (!s) throw new Error('missing required numeric argument');
  const t = s.trimStart();
  const neg = t.startsWith('-');
  const v = parseInteger(neg || t.startsWith('+') ? t.slice(1) : t);
  if (v === undefined || v > 0xffffffffffffffffn) throw new Error(`invalid numeric format ${s}`);
  return neg ? BigInt.asUintN(64, -v) : v;
}

/** C's strtol with base 0 over a whole string: leading blanks, a sign, then as parseInteger. */
export function parseCInteger(text: string): bigint | undefined {
  const m = /^\s*([+-]?)(.*)$/s.exec(text) as RegExpExecArray;
  const v = parseInteger(m[2]);
  if (v === undefined) return undefined;
  return m[1] === '-' ? -v : v;
}

/** A hex digit's value, or -1. */
export function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Port numbers are always decimal. */
export function parseDecimal(s: string): bigint | undefined {
  const v = parseDecimalNum(s);
  if (v < 0) return undefined;
  // Up to 15 digits are exact in a double; longer ones go through BigInt's own parser.
  return s.length <= 15 ? BigInt(v) : BigInt(s);
}

/**
 * parseDecimal as a number, -1 when not all digits: exact up to 2^53, which is beyond every
 * limit its callers check (ports, tables), so larger values only ever fail those checks.
 */
export function parseDecimalNum(s: string): number {
  if (s.length === 0) return -1;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

export function parseMac(s: string): bigint | undefined {
  // Six groups of 1-2 hex digits separated by ':'; built as a number (48 bits fit a double).
  let v = 0;
  let groups = 0;
  let digits = 0;
  let cur = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 58;
    if (c === 58) {
      if (digits === 0 || ++groups > 6) return undefined;
      v = v * 256 + cur;
      cur = 0;
      digits = 0;
      continue;
    }
    const d = hexDigit(c);
    if (d < 0 || ++digits > 2) return undefined;
    cur = cur * 16 + d;
  }
  return groups === 6 ? BigInt(v) : undefined;
}

export function parseIpv4(s: string): bigint | undefined {
  const n = parseIpv4Number(s);
  return n < 0 ? undefined : BigInt(n);
}

/** Dotted quad as an unsigned number, or -1. */
function parseIpv4Number(s: string): number {
  let v = 0;
  let parts = 0;
  let digits = 0;
  let cur = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || cur > 255 || ++parts > 4) return -1;
      v = v * 256 + cur;
      cur = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57 || ++digits > 3) return -1;
    cur = cur * 10 + (c - 48);
  }
  return parts === 4 ? v : -1;
}

export function parseIpv6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let head = s;
  let tailV4: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    tailV4 = parseIpv4(s.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = head.split('::');
  if (dbl.length > 2) return undefined;
  const parseGroups = (x: string): number[] | undefined => {
    if (x === '') return [];
    const out: number[] = [];
    for (const g of x.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(dbl[0]);
  const right = dbl.length === 2 ? parseGroups(dbl[1]) : [];
  if (!left || !right) return undefined;
  let groups: number[];
  if (dbl.length === 2) {
    if (left.length + right.length > 7) return undefined;
    groups = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  } else {
    if (left.length !== 8) return undefined;
    groups = left;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

const prefixMask = (len: number, bits: number): bigint =>
  len === 0 ? 0n : (((1n << BigInt(len)) - 1n) << BigInt(bits - len)) & ((1n << BigInt(bits)) - 1n);

const TCP_FLAGS = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ns'];
const CT_FLAGS = ['new', 'est', 'rel', 'rpl', 'inv', 'trk', 'snat', 'dnat'];
/** The one tunnel flag OpenFlow sees (NX_TUN_FLAG_OAM). */
const TUN_FLAGS = ['oam'];

/**
 * OVS's parse_flags: `VALUE/MASK` in numbers, `+name-name...` (masked), or `name|name|NUMBER`
 * (all bits matched); bits outside `allowed` and unknown names are refused with OVS's texts, which
 * quote the input from the offending flag on.
 */
function parseFlagsField(
  s: string,
  names: readonly string[],
  field: string,
  allowed: bigint,
  allMask: bigint,
): { value: bigint; mask: bigint } {
  const unknown = (at: string) => new Error(`${at}: unknown ${field} flag(s)`);
  const slash = s.indexOf('/');
  if (slash > 0) {
    const v = parseInteger(s.slice(0, slash));
    const m = parseInteger(s.slice(slash + 1));
    if (v !== undefined && m !== undefined) {
      if (v & ~allowed || m & ~allowed) throw unknown(s);
      return { value: v, mask: m };
    }
  }
  if (s.startsWith('+') || s.startsWith('-')) {
    let value = 0n;
    let mask = 0n;
    let i = 0;
    while (i < s.length) {
      const sign = s[i];
      if (sign !== '+' && sign !== '-')
        throw new Error(`${s.slice(i)}: ${field} must be preceded by '+' (for SET) or '-' (NOT SET)`);
      i++;
      const rest = s.slice(i);
      const bit = names.findIndex((n) => n !== '' && rest.startsWith(n) && /^([+-]|$)/.test(rest.slice(n.length)));
      if (bit < 0) throw unknown(rest);
      const b = 1n << BigInt(bit);
      if (mask & b) throw new Error(`${rest}: Each ${field} flag can be specified only once`);
      if (!(b & allowed)) throw unknown(rest);
      mask |= b;
      if (sign === '+') value |= b;
      i += names[bit].length;
    }
    return { value, mask };
  }
  let value = 0n;
  for (const word of s.split('|')) {
    const n = parseInteger(word);
    if (n !== undefined) {
      if (n & ~allowed) throw unknown(s);
      value |= n;
      continue;
    }
    const bit = names.indexOf(word);
    if (bit < 0 || word === '' || !((1n << BigInt(bit)) & allowed)) throw unknown(s);
    value |= 1n << BigInt(bit);
  }
  return { value, mask: allMask };
}

export interface ParsedValue {
  value: bigint;
  mask: bigint;
}

/**
 * Parses VALUE or VALUE/MASK for field `f`; throws with OVS's message on error. As OVS's
 * mf_parse, a field that cannot be masked still takes a mask of all zeros (no match) or all ones.
 */
export function parseFieldValue(f: FieldDef, s: string): ParsedValue {
  const parsed = parseFieldValueText(f, s);
  if (f.maskable || s.indexOf('/') < 0) return parsed;
  if (f.format === 'tcp_flags' || f.format === 'ct_state' || f.format === 'tun_flags') return parsed;
  if (parsed.mask !== 0n && (parsed.mask | ~onesBig(f.bytes * 8)) !== -1n) {
    throw new Error(`${s}: invalid mask for field ${f.name}`);
  }
  return parsed;
}

function parseFieldValueText(f: FieldDef, s: string): ParsedValue {
  // allOnes, not the named bits: ERSPAN and GTP-U values may use their whole bytes.
  const all =
    f.format === 'mac'
      ? onesBig(48)
      : f.format === 'ipv6'
        ? onesBig(128)
        : f.format === 'ipv4'
          ? onesBig(32)
          : f.allOnes;
  const slash = s.indexOf('/');
  const valueText = slash >= 0 ? s.slice(0, slash) : s;
  const maskText = slash >= 0 ? s.slice(slash + 1) : undefined;
  switch (f.format) {
    case 'mac': {
      const v = parseMac(valueText);
      const m = maskText === undefined ? all : parseMac(maskText);
      if (v !== undefined && m !== undefined) return { value: v, mask: m };
      return parseMacMasked(s);
    }
    case 'ipv4': {
      const v = parseIpv4(valueText);
      if (v !== undefined) {
        if (maskText === undefined) return { value: v, mask: all };
        const len = parseDecimalNum(maskText);
        if (len >= 0 && len <= 32) return { value: v, mask: prefixMask(len, 32) };
        const m = parseIpv4(maskText);
        if (m !== undefined) return { value: v, mask: m };
      }
      return parseIpv4Masked(s);
    }
    case 'ipv6': {
      const v = parseIpv6(valueText);
      if (v !== undefined) {
        if (maskText === undefined) return { value: v, mask: all };
        const len = parseDecimalNum(maskText);
        if (len >= 0 && len <= 128) return { value: v, mask: prefixMask(len, 128) };
        // OVS reads a prefix length first: a mask that starts with a digit is one (so "12ab::" fails).
        const c = maskText.charCodeAt(0);
        const m = c >= 48 && c <= 57 ? undefined : parseIpv6(maskText);
        if (m !== undefined) return { value: v, mask: m };
      }
      return parseIpv6Masked(s);
    }
    case 'port':
    case 'port11': {
      // The whole text is the port (a mask makes it no port), as OVS's mf_from_ofp_port_string(32).
      const bad = () =>
        new Error(
          f.format === 'port'
            ? `${s}: invalid or unknown port for ${f.name}`
            : `${s}: port value out of range for ${f.name}`,
        );
      if (maskText !== undefined) throw bad();
      const named = parsePortName(valueText);
      if (named !== undefined) return { value: BigInt(named), mask: 0xffffn };
      const n = parseDecimal(valueText);
      if (n === undefined || n > 0xffffffffn || (n > 0xffffn && n < 0xffffff00n)) throw bad();
      // OpenFlow 1.1 reserved ports (0xffffff00 and up) name the same 16-bit ports.
      return { value: n > 0xffffn ? n - 0xffff0000n : n, mask: 0xffffn };
    }
    case 'tcp_flags':
      return parseFlagsField(s, TCP_FLAGS, 'TCP', 0xfffn, 0xfffn);
    case 'ct_state':
      return parseFlagsField(s, CT_FLAGS, 'ct_state', 0xffn, 0xffffffffn);
    case 'tun_flags':
      return parseFlagsField(s, TUN_FLAGS, 'tunnel', 1n, 0xffffn);
    case 'packet_type':
      return { value: parsePacketType(s), mask: 0xffffffffn };
    case 'frag': {
      const table: Record<string, [bigint, bigint]> = {
        no: [0n, 3n],
        yes: [1n, 1n],
        first: [1n, 3n],
        later: [3n, 3n],
        not_later: [0n, 2n],
      };
      const e = table[s];
      if (!e)
        throw new Error(`${s}: unknown fragment type (valid types are "no", "yes", "first", "later", "not_later"`);
      return { value: e[0], mask: e[1] };
    }
    default: {
      const v = parseInteger(valueText);
      const m = maskText === undefined ? all : parseInteger(maskText);
      const byteAll = onesBig(f.bytes * 8);
      if (v !== undefined && m !== undefined && v <= byteAll && m <= byteAll) return { value: v, mask: m };
      return parseIntegerMasked(f, s);
    }
  }
}

/**
 * OVS's mf_from_ethernet_string by its scanf, for text the strict reading refused: MAC or
 * MAC/MAC, each part as many hex digits as there are (cut to a byte), nothing after.
 */
function parseMacMasked(s: string): ParsedValue {
  const v = scanMac(s);
  if (v !== undefined) {
    if (scanned.end === s.length) return { value: v, mask: onesBig(48) };
    const m = s[scanned.end] === '/' ? scanMac(s, scanned.end + 1) : undefined;
    if (m !== undefined && scanned.end === s.length) return { value: v, mask: m };
  }
  throw new Error(`${s}: invalid Ethernet address`);
}

/**
 * OVS's ip_parse_masked by its scanf, for text the strict reading refused: IP/IP, else IP/PREFIX
 * (a prefix out of 0..32 refused before anything else), else IP; nothing may follow.
 */
function parseIpv4Masked(s: string): ParsedValue {
  const invalid = () => new Error(`${s}: invalid IP address`);
  const v = scanIpv4(s);
  if (v === undefined) throw invalid();
  let end = scanned.end;
  let mask = onesBig(32);
  if (s[end] === '/') {
    const m = scanIpv4(s, end + 1);
    const prefix = m === undefined ? scanCInt(s, end + 1) : undefined;
    if (m !== undefined) mask = m;
    else if (prefix !== undefined) {
      if (prefix < 0 || prefix > 32) throw new Error(`${s}: IPv4 network prefix bits not between 0 and 32, inclusive`);
      mask = prefixMask(prefix, 32);
    }
    if (m !== undefined || prefix !== undefined) end = scanned.end;
  }
  if (end !== s.length) throw invalid();
  return { value: v, mask };
}

/** `%46[0123456789abcdefABCDEF:.]` at `i`: where the run of address characters ends, or -1 for none. */
function scanIpv6Chars(s: string, i: number): number {
  let j = i;
  while (j < s.length && j - i < 46 && (hexDigit(s.charCodeAt(j)) >= 0 || s[j] === ':' || s[j] === '.')) j++;
  return j > i ? j : -1;
}

/**
 * OVS's ipv6_parse_masked, for text the strict reading refused: an address (blanks before it
 * skipped), then /PREFIX or /MASK or nothing; nothing may follow.
 */
function parseIpv6Masked(s: string): ParsedValue {
  const invalid = () => new Error(`${s}: invalid IPv6 address`);
  let i = 0;
  while (i < s.length && /\s/.test(s[i])) i++;
  const ipEnd = scanIpv6Chars(s, i);
  const v = ipEnd < 0 ? undefined : parseIpv6(s.slice(i, ipEnd));
  if (v === undefined) throw invalid();
  let end = ipEnd;
  let mask = onesBig(128);
  if (s[end] === '/') {
    const prefix = scanCInt(s, end + 1);
    if (prefix !== undefined) {
      if (prefix < 0 || prefix > 128)
        throw new Error(`${s}: IPv6 network prefix bits not between 0 and 128, inclusive`);
      mask = prefixMask(prefix, 128);
      end = scanned.end;
    } else {
      const maskEnd = scanIpv6Chars(s, end + 1);
      if (maskEnd >= 0) {
        const m = parseIpv6(s.slice(end + 1, maskEnd));
        if (m === undefined) throw new Error(`${s}: Invalid IPv6 mask`);
        mask = m;
        end = maskEnd;
      }
    }
  }
  if (end !== s.length) throw invalid();
  return { value: v, mask };
}

/** OVS's mf_from_integer_string for field `f`, for text the strict reading refused. */
function parseIntegerMasked(f: FieldDef, s: string): ParsedValue {
  const { value, mask } = parseIntegerText(f.name, f.bytes, s);
  return { value, mask: mask ?? f.allOnes };
}

/**
 * OVS's mf_from_integer_string for field `name` of `bytes` bytes: VALUE[/MASK], each read by
 * parse_int_string ("0x" alone is 0, a sign wraps as strtoull does); a number past the field's
 * bytes is "too large", anything else unread "bad syntax"; both messages quote all of `s`.
 */
export function parseIntegerText(name: string, bytes: number, s: string): { value: bigint; mask: bigint | undefined } {
  // The usual text: one or two clean numbers that fit, read by the fast scanner.
  const slash = s.indexOf('/');
  const valueText = slash < 0 ? s : s.slice(0, slash);
  const v = parseInteger(valueText);
  if (v !== undefined && intFits(valueText, v, bytes)) {
    if (slash < 0) return { value: v, mask: undefined };
    const maskText = s.slice(slash + 1);
    const m = parseInteger(maskText);
    if (m !== undefined && intFits(maskText, m, bytes)) return { value: v, mask: m };
  }
  return parseIntegerTextSlowly(name, bytes, s);
}

/** parseIntegerText for anything but clean numbers that fit, by parse_int_string's rules. */
function parseIntegerTextSlowly(name: string, bytes: number, s: string): { value: bigint; mask: bigint | undefined } {
  // A number read with text after it is bad syntax; one not read, too large or bad syntax.
  const fail = (what: string, read: boolean) =>
    new Error(
      !read && intTooLarge
        ? `${s}: ${what} too large for ${bytes}-byte field ${name}`
        : `${s}: bad syntax for ${name} ${what}`,
    );
  const value = parseIntPrefix(s, bytes);
  if (value === undefined || (intEnd < s.length && s[intEnd] !== '/')) throw fail('value', value !== undefined);
  if (intEnd === s.length) return { value, mask: undefined };
  const maskText = s.slice(intEnd + 1);
  const mask = parseIntPrefix(maskText, bytes);
  if (mask === undefined || intEnd < maskText.length) throw fail('mask', mask !== undefined);
  return { value, mask };
}

/** An integer as parseInteger reads it, as a number; -1 when invalid or above 0xffffffff. */
export function parseIntegerNum(s: string): number {
  const n = s.length;
  if (n === 0) return -1;
  let v = 0;
  if (s.charCodeAt(0) === 48 && n > 1) {
    const c1 = s.charCodeAt(1);
    if (c1 === 120 || c1 === 88) {
      if (n === 2) return -1;
      for (let i = 2; i < n; i++) {
        const d = hexDigit(s.charCodeAt(i));
        if (d < 0) return -1;
        v = v * 16 + d;
      }
    } else {
      for (let i = 1; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c < 48 || c > 55) return -1;
        v = v * 8 + (c - 48);
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return -1;
      v = v * 10 + (c - 48);
    }
  }
  return v > 0xffffffff ? -1 : v;
}

/** The result of parseFieldValueNum (module scratch: no object per field). */
export const parsedNum = { value: 0, mask: 0 };

const NUM_BYTE_ONES = [0, 0xff, 0xffff, 0xffffff, 0xffffffff];

/**
 * parseFieldValue in numbers for fields of up to 32 bits with decimal, hex, IPv4 or port
 * syntax, into `parsedNum`. Returns false for anything else and for any error, so that the
 * caller takes parseFieldValue for the result or the exact error message.
 */
export function parseFieldValueNum(f: FieldDef, s: string, slash: number): boolean {
  if (f.bits > 32) return false;
  if (slash >= 0 && !f.maskable) return false;
  const valueText = slash >= 0 ? s.slice(0, slash) : s;
  switch (f.format) {
    case 'ipv4': {
      const v = parseIpv4Number(valueText);
      if (v < 0) return false;
      parsedNum.value = v;
      if (slash < 0) {
        parsedNum.mask = 0xffffffff;
        return true;
      }
      const maskText = s.slice(slash + 1);
      let len = 0;
      let digits = true;
      for (let i = 0; i < maskText.length; i++) {
        const c = maskText.charCodeAt(i);
        if (c < 48 || c > 57) {
          digits = false;
          break;
        }
        len = len * 10 + (c - 48);
      }
      if (digits && maskText.length) {
        if (len > 32) return false;
        parsedNum.mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
        return true;
      }
      const m = parseIpv4Number(maskText);
      if (m < 0) return false;
      parsedNum.mask = m;
      return true;
    }
    case 'port':
    case 'port11': {
      const named = parsePortName(valueText);
      if (named !== undefined) {
        parsedNum.value = named;
        parsedNum.mask = 0xffff;
        return true;
      }
      let v = 0;
      if (!valueText.length || valueText.length > 10) return false;
      for (let i = 0; i < valueText.length; i++) {
        const c = valueText.charCodeAt(i);
        if (c < 48 || c > 57) return false;
        v = v * 10 + (c - 48);
      }
      if (v > 0xffff) return false;
      parsedNum.value = v;
      parsedNum.mask = 0xffff;
      return true;
    }
    case 'decimal':
    case 'hex':
    case 'ethertype': {
      const all = f.allOnesNum;
      const byteAll = NUM_BYTE_ONES[f.bytes];
      const v = parseIntegerNum(valueText);
      if (v < 0 || v > byteAll) return false;
      let m = all;
      if (slash >= 0) {
        m = parseIntegerNum(s.slice(slash + 1));
        if (m < 0 || m > byteAll) return false;
      }
      parsedNum.value = v;
      parsedNum.mask = m;
      return true;
    }
  }
  return false;
}

/**
 * OVS's mf_from_packet_type_string: "(NS,TYPE)", each a 16-bit number; an error quotes the text
 * from where parsing stood, as OVS does.
 */
function parsePacketType(s: string): bigint {
  const bad = (at: string, what: string) => new Error(`${at}: bad syntax for packet type ${what}`);
  if (s[0] !== '(') throw bad(s, "missing '('");
  let rest = s.slice(1);
  const ns = parseIntPrefix16(rest);
  if (ns < 0) throw bad(rest, 'ns');
  if (rest[intEnd] !== ',') throw bad(rest, "missing ','");
  rest = rest.slice(intEnd + 1);
  const type = parseIntPrefix16(rest);
  if (type < 0) throw bad(rest, 'ns_type');
  if (rest[intEnd] !== ')') throw bad(rest, "missing ')'");
  return BigInt(ns * 0x10000 + type);
}

/** parse_int_string over all of `s` (nothing may follow the number), or undefined. */
export function parseIntWhole(s: string, bytes: number): bigint | undefined {
  const v = parseIntPrefix(s, bytes);
  return v !== undefined && intEnd === s.length ? v : undefined;
}

/**
 * Whether `v`, read by parseInteger from all of `s`, is what parse_int_string gives for a
 * `bytes`-byte field: hex digits (past leading zeros) that fit, else a strtoull number that does.
 */
function intFits(s: string, v: bigint, bytes: number): boolean {
  const hex = s.length > 1 && (s.charCodeAt(1) === 120 || s.charCodeAt(1) === 88);
  if (!hex && v > 0xffffffffffffffffn) return false;
  return bytes >= 8 && !hex ? true : v >> BigInt(8 * bytes) === 0n;
}

/** Where parseIntPrefix stopped, and whether it failed for a number too large (ERANGE). */
let intEnd = 0;
let intTooLarge = false;

/** Where the last parseIntPrefix stopped reading. */
export function intPrefixEnd(): number {
  return intEnd;
}

/**
 * OVS's ofputil_table_from_string for a number: decimal as strtoll reads a whole text (blanks and
 * `+` before it), no minus sign, at most 255; -1 for anything else.
 */
export function tableFromString(s: string): number {
  const t = parseDecimalNum(s);
  if (t >= 0) return t <= 255 ? t : -1;
  // Blanks or a `+` before the digits, as strtoll allows.
  const m = /^\s*\+?(\d+)$/.exec(s);
  return m && Number(m[1]) <= 255 ? Number(m[1]) : -1;
}

function parseIntPrefix16(s: string): number {
  const v = parseIntPrefix(s, 2);
  return v === undefined ? -1 : Number(v);
}

/**
 * OVS's parse_int_string into a `bytes`-byte field, at the start of `s` (what follows is left to
 * the caller, as OVS leaves it): "0x" and hex digits (blanks between them skipped, none is 0),
 * else a C integer as strtoull reads it (blanks, sign, decimal, 0-octal, 0x-hex); undefined when
 * there is no number or it does not fit. Sets intEnd.
 */
export function parseIntPrefix(s: string, bytes: number): bigint | undefined {
  // The usual text is one clean number: read it by the fast scanner (every load takes this).
  const whole = parseInteger(s);
  intTooLarge = true;
  if (whole !== undefined) {
    intEnd = s.length;
    return intFits(s, whole, bytes) ? whole : undefined;
  }
  if (s.startsWith('0x') || s.startsWith('0X')) {
    let i = 2;
    let v = 0n;
    let digits = 0;
    for (;;) {
      while (i < s.length && ' \t\r\n'.includes(s[i])) i++;
      const d = i < s.length ? hexDigit(s.charCodeAt(i)) : -1;
      if (d < 0) break;
      if (d || digits) {
        if (++digits > 2 * bytes) return undefined;
        v = v * 16n + BigInt(d);
      }
      i++;
    }
    intEnd = i;
    return v;
  }
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) {
    intTooLarge = false;
    return undefined;
  }
  intEnd = m[0].length;
  const text = m[2];
  let v =
    text.length > 1 && text[0] === '0' && (text[1] === 'x' || text[1] === 'X')
      ? BigInt(text)
      : text[0] === '0'
        ? BigInt(`0o${text.slice(1) || '0'}`)
        : BigInt(text);
  // strtoull: ERANGE past 64 bits; a minus sign negates modulo 2^64.
  if (v > 0xffffffffffffffffn) return undefined;
  if (m[1] === '-' && v !== 0n) v = (1n << 64n) - v;
  return bytes < 8 && v >> BigInt(8 * bytes) ? undefined : v;
}
