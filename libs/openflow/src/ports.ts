import type { Writer } from './bytes.js';
import { readUint } from './bytes.js';
import { decodeError, OFPBRC, OFPET } from './errors.js';
import { formatMac, formatPort, portFromOf11, portToOf11 } from './format-values.js';

/** A switch port description (ofp_phy_port / ofp_port), version-independent. */
export interface PortDesc {
  portNo: number;
  hwAddr: bigint;
  name: string;
  config: number;
  /** OVS's internal state bits: LINK_DOWN 1, BLOCKED 2, LIVE 4, STP state in bits 8-9. */
  state: number;
  /** Features, in the OpenFlow 1.1+ bit order (10MB-HD = bit 0 ... PAUSE_ASYM = bit 15). */
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  /** kbps */
  currSpeed: number;
  maxSpeed: number;
}

/** A port's features and speeds when nothing is known of them (OVS's dummy and internal ports). */
export const NO_PORT_FEATURES = { curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 } as const;

/** OFPPF_* bit names, lowest bit first, as ovs-ofctl prints them. */
export const PORT_FEATURE_NAMES = [
  '10MB-HD',
  '10MB-FD',
  '100MB-HD',
  '100MB-FD',
  '1GB-HD',
  '1GB-FD',
  '10GB-FD',
  '40GB-FD',
  '100GB-FD',
  '1TB-FD',
  'OTHER',
  'COPPER',
  'FIBER',
  'AUTO_NEG',
  'AUTO_PAUSE',
  'AUTO_PAUSE_ASYM',
];
/** OFPPC_* bit names. */
export const PORT_CONFIG_NAMES: Record<number, string> = {
  1: 'PORT_DOWN',
  2: 'NO_STP',
  4: 'NO_RECV',
  8: 'NO_RECV_STP',
  16: 'NO_FLOOD',
  32: 'NO_FWD',
  64: 'NO_PACKET_IN',
};
const STATE_NAMES: Record<number, string> = { 1: 'LINK_DOWN', 2: 'BLOCKED', 4: 'LIVE' };
const FEATURE_BPS = [10e6, 10e6, 100e6, 100e6, 1e9, 1e9, 10e9, 40e9, 100e9, 1e12];

/** OpenFlow 1.0 feature bits to the 1.1+ order (1.0 lacks 40G/100G/1T/OTHER). */
export function features10to11(f: number): number {
  return (f & 0x7f) | ((f & 0xf80) << 4);
}
export function features11to10(f: number): number {
  return (f & 0x7f) | ((f >> 4) & 0xf80);
}

/** Space-separated names of the set bits, `0` for none (unknown bits in hex), as ovs-ofctl prints flags. */
export function bitNames(v: number, names: (bit: number) => string | undefined): string {
  if (!v) return '0';
  const parts: string[] = [];
  for (let i = 0; i < 32; i++) {
    const bit = (1 << i) >>> 0;
    if (v & bit) parts.push(names(bit) ?? `0x${bit.toString(16)}`);
  }
  return parts.join(' ');
}

function featureBps(f: number): number {
  let best = 0;
  for (let i = 0; i < FEATURE_BPS.length; i++) if (f & (1 << i)) best = Math.max(best, FEATURE_BPS[i]);
  return best;
}

export function formatPortDesc(p: PortDesc, version: number): string {
  let name = '';
  for (const ch of p.name) {
    const c = ch.charCodeAt(0);
    if (c < 32 || c > 126) break;
    name += ch;
  }
  let s = ` ${formatPort(p.portNo)}(${name}): addr:${formatMac(p.hwAddr)}\n`;
  s += `     config:     ${bitNames(p.config, (b) => PORT_CONFIG_NAMES[b])}\n`;
  const stp = p.state & 0x300;
  let state: string;
  if (stp) {
    state = stp === 0x100 ? 'STP_LEARN' : stp === 0x200 ? 'STP_FORWARD' : 'STP_BLOCK';
    // OVS prints no separator here.
    if (p.state & ~0x300) state += bitNames(p.state & ~0x300, (b) => STATE_NAMES[b]);
  } else state = bitNames(p.state, (b) => STATE_NAMES[b]);
  s += `     state:      ${state}\n`;
  const feat = (label: string, f: number) => {
    if (f) s += `     ${label}${bitNames(f, (b) => PORT_FEATURE_NAMES[31 - Math.clz32(b)])}\n`;
  };
  feat('current:    ', p.curr);
  feat('advertised: ', p.advertised);
  feat('supported:  ', p.supported);
  feat('peer:       ', p.peer);
  const now = version === 1 ? featureBps(p.curr) / 1000 : p.currSpeed;
  const max = version === 1 ? featureBps(p.supported) / 1000 : p.maxSpeed;
  s += `     speed: ${Math.floor(now / 1000)} Mbps now, ${Math.floor(max / 1000)} Mbps max\n`;
  return s;
}

function writeName(w: Writer, name: string): void {
  const bytes = new TextEncoder().encode(name).subarray(0, 15);
  w.bytes(bytes).zeros(16 - bytes.length);
}

function readName(b: Uint8Array, off: number): string {
  let end = off;
  while (end < off + 16 && b[end]) end++;
  return new TextDecoder().decode(b.subarray(off, end));
}

/** Fixed part of ofp_port: 1.0's ofp_phy_port, 1.1-1.3's ofp11_port, 1.4+'s ofp14_port (properties follow). */
export const PORT_LEN = (version: number): number => (version === 1 ? 48 : version >= 5 ? 40 : 64);
/** ofp14_port_desc_prop_ethernet: type, length, pad, six 32-bit feature and speed words. */
const PORT_PROP_ETHERNET_LEN = 32;

/** Bytes `p` takes on the wire in `version`. */
export function encodedPortLength(version: number): number {
  return PORT_LEN(version) + (version >= 5 ? PORT_PROP_ETHERNET_LEN : 0);
}

/** Length of the port at `off` (1.4+ ports carry their own), or 0 if it does not fit in `end`. */
export function portLengthAt(b: Uint8Array, off: number, end: number, version: number): number {
  const fixed = PORT_LEN(version);
  if (off + fixed > end) return 0;
  const len = version >= 5 ? (b[off + 4] << 8) | b[off + 5] : fixed;
  return len < fixed || off + len > end ? 0 : len;
}

export function encodePort(w: Writer, p: PortDesc, version: number): void {
  if (version === 1) {
    w.u16(p.portNo).uint(p.hwAddr, 6);
    writeName(w, p.name);
    w.u32(p.config).u32(p.state & 0x301);
    for (const f of [p.curr, p.advertised, p.supported, p.peer]) w.u32(features11to10(f));
  } else if (version >= 5) {
    w.u32(portToOf11(p.portNo)).u16(encodedPortLength(version)).zeros(2).uint(p.hwAddr, 6).zeros(2);
    writeName(w, p.name);
    w.u32(p.config).u32(p.state & 7);
    w.u16(0).u16(PORT_PROP_ETHERNET_LEN).zeros(4); // OFPPDPT14_ETHERNET
    for (const f of [p.curr, p.advertised, p.supported, p.peer, p.currSpeed, p.maxSpeed]) w.u32(f);
  } else {
    w.u32(portToOf11(p.portNo)).zeros(4).uint(p.hwAddr, 6).zeros(2);
    writeName(w, p.name);
    w.u32(p.config).u32(p.state & 7);
    for (const f of [p.curr, p.advertised, p.supported, p.peer]) w.u32(f);
    w.u32(p.currSpeed).u32(p.maxSpeed);
  }
}

/**
 * The port at `off`; for 1.4+ its length must already be checked (portLengthAt). As in OVS, a
 * 1.4+ port without an Ethernet property has no features, and other properties (optical,
 * experimenter) are skipped.
 */
export function decodePort(b: Uint8Array, off: number, version: number): PortDesc {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (version === 1) {
    const f = (o: number) => features10to11(v.getUint32(off + o));
    return {
      portNo: v.getUint16(off),
      hwAddr: readUint(b, off + 2, 6),
      name: readName(b, off + 8),
      config: v.getUint32(off + 24),
      state: v.getUint32(off + 28) & 0x301,
      curr: f(32),
      advertised: f(36),
      supported: f(40),
      peer: f(44),
      currSpeed: 0,
      maxSpeed: 0,
    };
  }
  if (version >= 5) {
    const port: PortDesc = {
      portNo: portFromOf11(v.getUint32(off)) & 0xffff,
      hwAddr: readUint(b, off + 8, 6),
      name: readName(b, off + 16),
      config: v.getUint32(off + 32),
      state: v.getUint32(off + 36) & 7,
      ...NO_PORT_FEATURES,
    };
    const end = off + v.getUint16(off + 4);
    for (let p = off + PORT_LEN(version); p + 4 <= end; ) {
      const type = v.getUint16(p);
      const len = v.getUint16(p + 2);
      if (len < 4 || p + len > end) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, p, 'bad port property length');
      if (type === 0 && len >= PORT_PROP_ETHERNET_LEN) {
        port.curr = v.getUint32(p + 8);
        port.advertised = v.getUint32(p + 12);
        port.supported = v.getUint32(p + 16);
        port.peer = v.getUint32(p + 20);
        port.currSpeed = v.getUint32(p + 24);
        port.maxSpeed = v.getUint32(p + 28);
      }
      p += (len + 7) & ~7;
    }
    return port;
  }
  return {
    portNo: portFromOf11(v.getUint32(off)) & 0xffff,
    hwAddr: readUint(b, off + 8, 6),
    name: readName(b, off + 16),
    config: v.getUint32(off + 32),
    state: v.getUint32(off + 36) & 7,
    curr: v.getUint32(off + 40),
    advertised: v.getUint32(off + 44),
    supported: v.getUint32(off + 48),
    peer: v.getUint32(off + 52),
    currSpeed: v.getUint32(off + 56),
    maxSpeed: v.getUint32(off + 60),
  };
}
