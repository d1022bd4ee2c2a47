import { HEX_BYTE } from './bytes.js';
import type { FieldDef } from './fields.js';

/** Text forms of field values, exactly as Open vSwitch prints them. */

export function formatMac(v: bigint): string {
  const n = Number(v & 0xffffffffffffn);
  const hi = Math.floor(n / 0x100000000);
  const lo = n >>> 0;
  return `${hex2((hi >>> 8) & 255)}:${hex2(hi & 255)}:${hex2(lo >>> 24)}:${hex2((lo >>> 16) & 255)}:${hex2((lo >>> 8) & 255)}:${hex2(lo & 255)}`;
}

const hex2 = (b: number): string => HEX_BYTE[b];

export function formatIpv4(v: bigint | number): string {
  const n = Number(v) >>> 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Prefix length if `mask` is a CIDR mask of `bits` bits, else -1. */
export function cidrLength(mask: bigint, bits: number): number {
  if (bits <= 32) {
    // Number arithmetic: the common IPv4 case must not allocate bigints.
    const full = bits === 32 ? 0xffffffff : 2 ** bits - 1;
    const inv = (full - (Number(mask & BigInt(full)) >>> 0)) >>> 0;
    if (inv !== 0 && (inv & (inv + 1)) >>> 0 !== 0) return -1;
    if (inv === 0xffffffff) return bits - 32;
    return bits - (inv === 0 ? 0 : 32 - Math.clz32(inv));
  }
  const inv = ~mask & ((1n << BigInt(bits)) - 1n);
  if ((inv & (inv + 1n)) !== 0n) return -1;
  return bits - (inv === 0n ? 0 : inv.toString(2).length);
}

export function formatIpv4Masked(v: bigint, m: bigint): string {
  let s = formatIpv4(v);
  if (m !== 0xffffffffn) {
    const len = cidrLength(m, 32);
    s += len >= 0 ? `/${len}` : `/${formatIpv4(m)}`;
  }
  return s;
}

/** formatIpv4Masked in numbers (unsigned 32-bit value and mask). */
export function formatIpv4MaskedNum(v: number, m: number): string {
  const s = formatIpv4(v);
  if (m === 0xffffffff) return s;
  const inv = ~m >>> 0;
  if ((inv & (inv + 1)) >>> 0 === 0) return `${s}/${32 - (inv === 0 ? 0 : 32 - Math.clz32(inv))}`;
  return `${s}/${formatIpv4(m)}`;
}

/** RFC 5952-ish text as glibc's inet_ntop produces it. */
export function formatIpv6(v: bigint): string {
  const w: number[] = [];
  for (let i = 7; i >= 0; i--) w.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
    } else curBase = -1;
  }
  if (bestLen < 2) bestBase = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i) s += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      s += `${w[6] >> 8}.${w[6] & 255}.${w[7] >> 8}.${w[7] & 255}`;
      break;
    }
    s += w[i].toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) s += ':';
  return s;
}

const ALL128 = (1n << 128n) - 1n;

export function formatIpv6Masked(v: bigint, m: bigint): string {
  let s = formatIpv6(v);
  if (m !== ALL128) {
    const len = cidrLength(m, 128);
    s += len >= 0 ? `/${len}` : `/${formatIpv6(m)}`;
  }
  return s;
}

/** `%#x`: "0" for zero, else "0x..." */
export function hexAlt(v: bigint | number): string {
  if (typeof v === 'number') return v === 0 ? '0' : `0x${v.toString(16)}`;
  const b = v;
  return b === 0n ? '0' : `0x${b.toString(16)}`;
}

export const OFPP = {
  MAX: 0xff00,
  UNSET: 0xfff7,
  IN_PORT: 0xfff8,
  TABLE: 0xfff9,
  NORMAL: 0xfffa,
  FLOOD: 0xfffb,
  ALL: 0xfffc,
  CONTROLLER: 0xfffd,
  LOCAL: 0xfffe,
  NONE: 0xffff,
} as const;

const PORT_NAMES: Record<number, string> = {
  [OFPP.UNSET]: 'UNSET',
  [OFPP.IN_PORT]: 'IN_PORT',
  [OFPP.TABLE]: 'TABLE',
  [OFPP.NORMAL]: 'NORMAL',
  [OFPP.FLOOD]: 'FLOOD',
  [OFPP.ALL]: 'ALL',
  [OFPP.CONTROLLER]: 'CONTROLLER',
  [OFPP.LOCAL]: 'LOCAL',
  [OFPP.NONE]: 'ANY',
};

/**
 * A switch's port names for `ovs-ofctl --names` (its ofputil_port_map): names to print, quoted
 * where the flow syntax needs it, and names to accept. A name two ports share is left out.
 */
export interface PortNameMap {
  readonly byNumber: ReadonlyMap<number, string>;
  readonly byName: ReadonlyMap<string, number>;
}

export function portNameMap(ports: Iterable<{ portNo: number; name: string }>): PortNameMap {
  const byName = new Map<string, number>();
  const shared = new Set<string>();
  for (const p of ports) {
    if (byName.has(p.name) && byName.get(p.name) !== p.portNo) shared.add(p.name);
    byName.set(p.name, p.portNo);
  }
  for (const name of shared) byName.delete(name);
  const byNumber = new Map<number, string>();
  for (const [name, port] of byName)
    byNumber.set(port, /^[A-Za-z][A-Za-z0-9]*$/.test(name) ? name : JSON.stringify(name));
  return { byNumber, byName };
}

/** The map formatPort and parsePortName consult, set only inside withPortNames. */
let activePortNames: PortNameMap | undefined;

/**
 * Runs `body` with ports printed (and accepted) by name. The map is module state scoped to this
 * call so that every printer reaches it without a parameter threaded through; without one the
 * formatters pay a single undefined check.
 */
export function withPortNames<T>(names: PortNameMap | undefined, body: () => T): T {
  const outer = activePortNames;
  activePortNames = names;
  try {
    return body();
  } finally {
    activePortNames = outer;
  }
}

/** A port as ovs-ofctl prints it: reserved ports by keyword, then by name under --names, else the number. */
export function formatPort(port: number): string {
  const reserved = PORT_NAMES[port];
  if (reserved !== undefined) return reserved;
  if (activePortNames !== undefined) {
    const name = activePortNames.byNumber.get(port);
    if (name !== undefined) return name;
  }
  return String(port);
}

/** Parses a port as OVS's ofputil_port_from_string: a name or a number. */
const PORTS_BY_NAME = new Map<string, number>([
  ...Object.entries(PORT_NAMES).map(([num, name]): [string, number] => [name, Number(num)]),
  ['NONE', OFPP.NONE],
]);

const PORTS_BY_LOWER_NAME = new Map(
  [...PORTS_BY_NAME].map(([name, port]): [string, number] => [name.toLowerCase(), port]),
);

export function parsePortName(s: string): number | undefined {
  if (activePortNames !== undefined) {
    const named = activePortNames.byName.get(s);
    if (named !== undefined && PORTS_BY_NAME.get(s.toUpperCase()) === undefined) return named;
  }
  // Port names are letters and '_' only; skip the case conversion for numbers, for words
  // longer than any name and for words in one case (most action and field names).
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || s.length > 10) return undefined;
  let lower = false;
  let upper = false;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i);
    if (d >= 97 && d <= 122) lower = true;
    else if (d >= 65 && d <= 90) upper = true;
    else if (d >= 128) return PORTS_BY_NAME.get(s.toUpperCase());
  }
  if (!upper) return PORTS_BY_LOWER_NAME.get(s);
  if (!lower) return PORTS_BY_NAME.get(s);
  return PORTS_BY_NAME.get(s.toUpperCase());
}

/** OpenFlow 1.1+ 32-bit port numbers to OVS's 16-bit ones and back. */
export function portFromOf11(p: number): number {
  if (p < OFPP.MAX) return p;
  if (p >= 0xffffff00) return (p - 0xffff0000) & 0xffff;
  return -1;
}

export function portToOf11(p: number): number {
  return p < OFPP.MAX ? p : (p + 0xffff0000) >>> 0;
}

const TCP_FLAG_NAMES = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ns'];
export function tcpFlagName(bit: number): string | undefined {
  const i = 31 - Math.clz32(bit);
  return TCP_FLAG_NAMES[i] ?? `[${bit.toString(16)}]`;
}

/** The tunnel flag OpenFlow sees (NX_TUN_FLAG_OAM, bit 0). */
export function tunFlagName(bit: number): string | undefined {
  return bit === 1 ? 'oam' : undefined;
}

const CT_STATE_NAMES = ['new', 'est', 'rel', 'rpl', 'inv', 'trk', 'snat', 'dnat'];
export function ctStateName(bit: number): string | undefined {
  return CT_STATE_NAMES[31 - Math.clz32(bit)];
}

export function formatFlags(flags: number, name: (bit: number) => string | undefined, del: string): string {
  if (!flags) return '0';
  const parts: string[] = [];
  let bad = 0;
  let f = flags >>> 0;
  while (f) {
    const bit = f & -f;
    const s = name(bit >>> 0);
    if (s) parts.push(s);
    else bad |= bit;
    f = (f & ~bit) >>> 0;
  }
  if (bad) parts.push(`0x${(bad >>> 0).toString(16)}`);
  return parts.join(del);
}

export function formatFlagsMasked(
  flags: number,
  mask: number,
  maxMask: number,
  name: (bit: number) => string | undefined,
): string {
  if (mask >>> 0 === maxMask >>> 0) return formatFlags(flags, name, '|');
  if (!mask) return '0/0';
  let s = '';
  let m = mask >>> 0;
  while (m) {
    const bit = (m & -m) >>> 0;
    s += (flags & bit ? '+' : '-') + (name(bit) ?? '[Unknown]');
    m = (m & ~bit) >>> 0;
  }
  return s;
}

/** A field's value as OVS's mf_format prints it in a message. */
export function formatImmediateValue(f: FieldDef, v: bigint): string {
  switch (f.format) {
    case 'mac':
      return formatMac(v);
    case 'ipv4':
      return formatIpv4(Number(v));
    case 'ipv6':
      return formatIpv6(v);
    case 'decimal':
      return String(v);
    default:
      return hexAlt(v);
  }
}
