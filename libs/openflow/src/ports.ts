import type { Writer } from './bytes.js';
import { readUint } from './bytes.js';
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

export const PORT_LEN = (version: number): number => (version === 1 ? 48 : 64);

export function encodePort(w: Writer, p: PortDesc, version: number): void {
  if (version === 1) {
    w.u16(p.portNo).uint(p.hwAddr, 6);
    writeName(w, p.name);
    w.u32(p.config).u32(p.state & 0x301);
    for (const f of [p.curr, p.advertised, p.supported, p.peer]) w.u32(features11to10(f));
  } else {
    w.u32(portToOf11(p.portNo)).zeros(4).uint(p.hwAddr, 6).zeros(2);
    writeName(w, p.name);
    w.u32(p.config).u32(p.state & 7);
    for (const f of [p.curr, p.advertised, p.supported, p.peer]) w.u32(f);
    w.u32(p.currSpeed).u32(p.maxSpeed);
  }
}

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
