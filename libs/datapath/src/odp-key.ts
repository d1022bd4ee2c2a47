/**
 * The ODP key attributes (`eth(...)`, `ipv4(...)`, `tcp(...)`, ...) over the libs/packet flow-key
 * layout: which words and bits each field of each attribute lives in, and how Open vSwitch's
 * odp-util prints and parses a field with its mask. Shared by the flow syntax (key + mask) and by
 * the `set(...)` action, which Open vSwitch prints with the same attribute syntax.
 */
import { formatIpv4, formatIpv6, formatMac, parseIpv4, parseIpv6, parseMac, W } from '@softswitch/packet';

/**
 * How a field's value is written: decimal (mask `%#x`), decimal with a `0x%x` mask (VLAN fields),
 * `%#x` hex, MAC, dotted quad, IPv6, or `frag=no|first|later`.
 */
export type FieldKind = 'dec' | 'vlan' | 'hex' | 'mac' | 'ipv4' | 'ipv6' | 'frag';

export interface AttrField {
  readonly name: string;
  readonly kind: FieldKind;
  /** First key word. */
  readonly word: number;
  /** For scalar kinds: bit position and width within `word`. */
  readonly shift: number;
  readonly bits: number;
}

const f = (name: string, kind: FieldKind, word: number, shift = 0, bits = 32): AttrField => ({
  name,
  kind,
  word,
  shift,
  bits,
});

const l4Ports = [f('src', 'dec', W.TP, 16, 16), f('dst', 'dec', W.TP, 0, 16)];
const icmpFields = [f('type', 'dec', W.TP, 16, 8), f('code', 'dec', W.TP, 0, 8)];

/** Attribute name → its fields in Open vSwitch's print order. */
export const KEY_ATTRS = {
  eth: [f('src', 'mac', W.DL_SRC), f('dst', 'mac', W.DL_DST)],
  ipv4: [
    f('src', 'ipv4', W.NW_SRC),
    f('dst', 'ipv4', W.NW_DST),
    f('proto', 'dec', W.NW, 0, 8),
    f('tos', 'hex', W.NW, 16, 8),
    f('ttl', 'dec', W.NW, 8, 8),
    f('frag', 'frag', W.NW, 24, 8),
  ],
  ipv6: [
    f('src', 'ipv6', W.IPV6_SRC),
    f('dst', 'ipv6', W.IPV6_DST),
    f('label', 'hex', W.IPV6_LABEL, 0, 20),
    f('proto', 'dec', W.NW, 0, 8),
    f('tclass', 'hex', W.NW, 16, 8),
    f('hlimit', 'dec', W.NW, 8, 8),
    f('frag', 'frag', W.NW, 24, 8),
  ],
  tcp: l4Ports,
  udp: l4Ports,
  sctp: l4Ports,
  icmp: icmpFields,
  icmpv6: icmpFields,
  arp: [
    f('sip', 'ipv4', W.NW_SRC),
    f('tip', 'ipv4', W.NW_DST),
    f('op', 'dec', W.NW, 0, 8),
    f('sha', 'mac', W.ARP_SHA),
    f('tha', 'mac', W.ARP_THA),
  ],
  nd: [f('target', 'ipv6', W.ND_TARGET), f('sll', 'mac', W.ARP_SHA), f('tll', 'mac', W.ARP_THA)],
  vlan: [f('vid', 'vlan', W.VLAN0, 0, 12), f('pcp', 'vlan', W.VLAN0, 13, 3)],
} as const satisfies Record<string, readonly AttrField[]>;

export type KeyAttrName = keyof typeof KEY_ATTRS;

export function isKeyAttr(name: string): name is KeyAttrName {
  return Object.hasOwn(KEY_ATTRS, name);
}

/** Words a field spans. */
export function fieldWords(fd: AttrField): number {
  return fd.kind === 'mac' ? 2 : fd.kind === 'ipv6' ? 4 : 1;
}

const scalarMask = (fd: AttrField) => (fd.bits === 32 ? 0xffffffff : ((1 << fd.bits) - 1) << fd.shift) >>> 0;

const scalar = (words: Uint32Array, fd: AttrField) =>
  fd.bits === 32 ? words[fd.word] >>> 0 : (words[fd.word] >>> fd.shift) & ((1 << fd.bits) - 1);

/** True if any bit of the field is set in `mask`. */
export function fieldMasked(mask: Uint32Array, fd: AttrField): boolean {
  if (fd.kind === 'mac' || fd.kind === 'ipv6' || fd.bits === 32) {
    for (let i = 0; i < fieldWords(fd); i++) if (mask[fd.word + i] !== 0) return true;
    return false;
  }
  return (mask[fd.word] & scalarMask(fd)) !== 0;
}

function fieldFull(mask: Uint32Array, fd: AttrField): boolean {
  if (fd.kind === 'mac') return (mask[fd.word] & 0xffff) === 0xffff && mask[fd.word + 1] === 0xffffffff;
  if (fd.kind === 'ipv6') {
    for (let i = 0; i < 4; i++) if (mask[fd.word + i] !== 0xffffffff) return false;
    return true;
  }
  // nw_frag: Open vSwitch's mask is FLOW_NW_FRAG_MASK (the two defined bits).
  if (fd.kind === 'frag') return (scalar(mask, fd) & 3) === 3;
  return scalar(mask, fd) === (fd.bits === 32 ? 0xffffffff : (1 << fd.bits) - 1);
}

const hex = (v: number) => (v === 0 ? '0' : `0x${v.toString(16)}`);

function formatValue(words: Uint32Array, fd: AttrField): string {
  switch (fd.kind) {
    case 'mac':
      return formatMac(words[fd.word] & 0xffff, words[fd.word + 1]);
    case 'ipv4':
      return formatIpv4(words[fd.word] >>> 0);
    case 'ipv6':
      return formatIpv6(words, fd.word);
    case 'hex':
      return hex(scalar(words, fd));
    case 'frag': {
      const v = scalar(words, fd) & 3;
      return v === 0 ? 'no' : v === 1 ? 'first' : v === 3 ? 'later' : `<error: ${v}>`;
    }
    default:
      return String(scalar(words, fd));
  }
}

function formatMaskValue(mask: Uint32Array, fd: AttrField): string {
  if (fd.kind === 'vlan') return `0x${scalar(mask, fd).toString(16)}`;
  if (fd.kind === 'dec' || fd.kind === 'hex' || fd.kind === 'frag') return hex(scalar(mask, fd));
  return formatValue(mask, fd);
}

/**
 * `name=value` for each field `mask` touches (`/mask` when partially masked), joined by commas;
 * `withZeroMasks` also prints wholly wildcarded fields as `value/0` (dpctl `-m`).
 */
export function formatAttrFields(
  fields: readonly AttrField[],
  key: Uint32Array,
  mask: Uint32Array,
  withZeroMasks = false,
): string {
  const parts: string[] = [];
  for (const fd of fields) {
    const masked = fieldMasked(mask, fd);
    // Open vSwitch prints a VLAN field whose value is non-zero even when it is wildcarded.
    const shown = masked || withZeroMasks || (fd.word === W.VLAN0 && fieldMasked(key, fd));
    if (!shown) continue;
    if (masked && fieldFull(mask, fd)) parts.push(`${fd.name}=${formatValue(key, fd)}`);
    else parts.push(`${fd.name}=${formatValue(key, fd)}/${formatMaskValue(mask, fd)}`);
  }
  return parts.join(',');
}

export function attrMasked(fields: readonly AttrField[], mask: Uint32Array): boolean {
  for (const fd of fields) if (fieldMasked(mask, fd)) return true;
  return false;
}

export class OdpSyntaxError extends Error {
  constructor(
    message: string,
    readonly text: string,
  ) {
    super(`${message} (in "${text}")`);
    this.name = 'OdpSyntaxError';
  }
}

function parseNumber(text: string, where: string): number {
  const v = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(v)) throw new OdpSyntaxError(`"${text}" is not a number`, where);
  return v;
}

/** Writes value and mask words of one field. `mask` undefined means exact. */
function storeField(
  key: Uint32Array,
  mask: Uint32Array,
  fd: AttrField,
  valueText: string,
  maskText: string | undefined,
  keepUnmasked: boolean,
) {
  const where = `${fd.name}=${valueText}${maskText === undefined ? '' : `/${maskText}`}`;
  if (fd.kind === 'mac') {
    const v = parseMac(valueText);
    const m = maskText === undefined ? [0xffff, 0xffffffff] : parseMac(maskText);
    if (!v || !m) throw new OdpSyntaxError(`bad Ethernet address`, where);
    key[fd.word] = keepUnmasked ? v[0] : v[0] & m[0];
    key[fd.word + 1] = (keepUnmasked ? v[1] : v[1] & m[1]) >>> 0;
    mask[fd.word] = m[0];
    mask[fd.word + 1] = m[1];
    return;
  }
  if (fd.kind === 'ipv6') {
    const v = parseIpv6(valueText);
    const m = maskText === undefined ? Uint32Array.of(~0, ~0, ~0, ~0) : parseIpv6(maskText);
    if (!v || !m) throw new OdpSyntaxError(`bad IPv6 address`, where);
    for (let i = 0; i < 4; i++) {
      key[fd.word + i] = keepUnmasked ? v[i] : v[i] & m[i];
      mask[fd.word + i] = m[i];
    }
    return;
  }
  let v: number;
  let m: number;
  if (fd.kind === 'ipv4') {
    const pv = parseIpv4(valueText);
    const pm = maskText === undefined ? 0xffffffff : parseIpv4(maskText);
    if (pv === undefined || pm === undefined) throw new OdpSyntaxError(`bad IPv4 address`, where);
    v = pv;
    m = pm;
  } else if (fd.kind === 'frag') {
    const frags: Record<string, number> = { no: 0, first: 1, later: 3 };
    if (!Object.hasOwn(frags, valueText)) throw new OdpSyntaxError(`frag must be no, first or later`, where);
    v = frags[valueText];
    m = maskText === undefined ? 0xff : parseNumber(maskText, where);
  } else {
    v = parseNumber(valueText, where);
    m = maskText === undefined ? (fd.bits === 32 ? 0xffffffff : (1 << fd.bits) - 1) : parseNumber(maskText, where);
  }
  const full = fd.bits === 32 ? 0xffffffff : (1 << fd.bits) - 1;
  if (v > full || m > full) throw new OdpSyntaxError(`value out of range for ${fd.bits}-bit field`, where);
  const wm = scalarMask(fd);
  key[fd.word] = ((key[fd.word] & ~wm) | (((keepUnmasked ? v : v & m) << fd.shift) & wm)) >>> 0;
  mask[fd.word] = ((mask[fd.word] & ~wm) | (m << fd.shift)) >>> 0;
}

/** Splits `text` at top-level commas (commas inside parentheses stay). */
export function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last !== '' || out.length > 0) out.push(last);
  return out.filter((s) => s !== '');
}

/** `name(args)` → [name, args]; a bare word gives args undefined. */
export function splitCall(text: string): [string, string | undefined] {
  const open = text.indexOf('(');
  if (open < 0) return [text, undefined];
  if (!text.endsWith(')')) throw new OdpSyntaxError('missing ")"', text);
  return [text.slice(0, open), text.slice(open + 1, -1)];
}

/**
 * Parses `field=value[/mask],...` of attribute `attr` into `key`/`mask`. With `keepUnmasked` the
 * value is kept as written (bits outside the mask included), as Open vSwitch keeps a flow's
 * original key and a set action's value; otherwise `value & mask` is stored.
 */
export function parseAttrFields(
  attr: KeyAttrName,
  args: string,
  key: Uint32Array,
  mask: Uint32Array,
  keepUnmasked = false,
): void {
  const fields: readonly AttrField[] = KEY_ATTRS[attr];
  for (const part of splitTopLevel(args)) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new OdpSyntaxError(`expected field=value in ${attr}()`, part);
    const name = part.slice(0, eq);
    const fd = fields.find((x) => x.name === name);
    if (!fd) throw new OdpSyntaxError(`unknown field "${name}" of ${attr}()`, part);
    const value = part.slice(eq + 1);
    const slash = fd.kind === 'ipv6' ? value.indexOf('/') : value.lastIndexOf('/');
    storeField(
      key,
      mask,
      fd,
      slash < 0 ? value : value.slice(0, slash),
      slash < 0 ? undefined : value.slice(slash + 1),
      keepUnmasked,
    );
  }
}

export { parseNumber };
