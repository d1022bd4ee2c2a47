/**
 * VXLAN (RFC 7348) and Geneve (RFC 8926) headers, as found in the payload of an outer UDP
 * packet (ports 4789 and 6081). Parsers return undefined for a header that is truncated or
 * malformed; they never throw.
 */

export const VXLAN_PORT = 4789;
export const GENEVE_PORT = 6081;

export interface VxlanHeader {
  /** Flags byte; 0x08 (I) means the VNI is valid. */
  flags: number;
  vni: number;
  /** Offset of the inner Ethernet frame. */
  innerOffset: number;
}

export function parseVxlan(p: Uint8Array, at: number): VxlanHeader | undefined {
  if (at < 0 || p.length - at < 8) return undefined;
  const flags = p[at];
  if (!(flags & 0x08)) return undefined;
  return { flags, vni: (p[at + 4] << 16) | (p[at + 5] << 8) | p[at + 6], innerOffset: at + 8 };
}

export interface GeneveOption {
  optClass: number;
  type: number;
  /** Option data (a view into the packet). */
  data: Uint8Array;
}

export interface GeneveHeader {
  version: number;
  /** O bit: control packet. */
  oam: boolean;
  /** C bit: critical options present. */
  critical: boolean;
  protocol: number;
  vni: number;
  options: GeneveOption[];
  innerOffset: number;
}

export function parseGeneve(p: Uint8Array, at: number): GeneveHeader | undefined {
  if (at < 0 || p.length - at < 8) return undefined;
  const version = p[at] >>> 6;
  if (version !== 0) return undefined;
  const optLen = (p[at] & 0x3f) * 4;
  if (p.length - at < 8 + optLen) return undefined;
  const options: GeneveOption[] = [];
  const end = at + 8 + optLen;
  for (let o = at + 8; o < end; ) {
    if (end - o < 4) return undefined;
    const len = (p[o + 3] & 0x1f) * 4;
    if (end - o - 4 < len) return undefined;
    options.push({ optClass: (p[o] << 8) | p[o + 1], type: p[o + 2], data: p.subarray(o + 4, o + 4 + len) });
    o += 4 + len;
  }
  return {
    version,
    oam: (p[at + 1] & 0x80) !== 0,
    critical: (p[at + 1] & 0x40) !== 0,
    protocol: (p[at + 2] << 8) | p[at + 3],
    vni: (p[at + 4] << 16) | (p[at + 5] << 8) | p[at + 6],
    options,
    innerOffset: end,
  };
}

/** An 8-byte VXLAN header with the I flag and `vni`. */
export function buildVxlan(vni: number): Uint8Array {
  return Uint8Array.of(0x08, 0, 0, 0, (vni >>> 16) & 0xff, (vni >>> 8) & 0xff, vni & 0xff, 0);
}

/** A Geneve header carrying Ethernet (0x6558) with the given options. */
export function buildGeneve(vni: number, options: readonly GeneveOption[] = []): Uint8Array {
  const optBytes = options.reduce((n, o) => n + 4 + o.data.length, 0);
  if (optBytes % 4 !== 0 || optBytes > 252)
    throw new RangeError(`Geneve options: ${optBytes} bytes, need a multiple of 4 up to 252`);
  const out = new Uint8Array(8 + optBytes);
  out[0] = optBytes / 4;
  out[2] = 0x65;
  out[3] = 0x58;
  out[4] = (vni >>> 16) & 0xff;
  out[5] = (vni >>> 8) & 0xff;
  out[6] = vni & 0xff;
  let o = 8;
  for (const opt of options) {
    if (opt.data.length % 4 !== 0 || opt.data.length > 124)
      throw new RangeError(`Geneve option data: ${opt.data.length} bytes`);
    out[o] = opt.optClass >>> 8;
    out[o + 1] = opt.optClass & 0xff;
    out[o + 2] = opt.type;
    out[o + 3] = opt.data.length / 4;
    out.set(opt.data, o + 4);
    o += 4 + opt.data.length;
  }
  return out;
}
