import { encodePort, type PortDesc, portToOf11, Writer } from '@softswitch/openflow';
import type { PortInfo } from './bridge-api.js';

const OFPPC_PORT_DOWN = 1;
const OFPPS_LINK_DOWN = 1;
const OFPPS_LIVE = 4;

export function macToBigint(mac: Uint8Array): bigint {
  let n = 0n;
  for (const b of mac) n = (n << 8n) | BigInt(b);
  return n;
}

/** A bridge port as an OpenFlow port description. */
export function portDesc(p: PortInfo): PortDesc {
  return {
    portNo: p.ofport,
    hwAddr: macToBigint(p.mac),
    name: p.name,
    config: p.up ? 0 : OFPPC_PORT_DOWN,
    state: p.up ? OFPPS_LIVE : OFPPS_LINK_DOWN,
    curr: 0,
    advertised: 0,
    supported: 0,
    peer: 0,
    currSpeed: 0,
    maxSpeed: 0,
  };
}

/** ofp_port for `version`: OpenFlow 1.4+ carries the Ethernet features as a property. */
export function encodePortDesc(p: PortDesc, version: number): Uint8Array {
  const w = new Writer(80);
  if (version < 5) {
    encodePort(w, p, version);
    return w.finish();
  }
  w.u32(portToOf11(p.portNo)).u16(72).zeros(2).uint(p.hwAddr, 6).zeros(2);
  const name = new TextEncoder().encode(p.name).subarray(0, 15);
  w.bytes(name).zeros(16 - name.length);
  w.u32(p.config).u32(p.state & 7);
  w.u16(0).u16(32).zeros(4); // OFPPDPT_ETHERNET
  for (const f of [p.curr, p.advertised, p.supported, p.peer, p.currSpeed, p.maxSpeed]) w.u32(f);
  return w.finish();
}

/** One port statistics entry for `version`; ms is the port's age in milliseconds. */
export function encodePortStats(p: PortInfo, version: number, ms: number): Uint8Array {
  const s = p.stats;
  const main = [s.rxPackets, s.txPackets, s.rxBytes, s.txBytes, s.rxDropped, s.txDropped, s.rxErrors, s.txErrors];
  const w = new Writer(128);
  const sec = Math.floor(ms / 1000);
  const nsec = (ms % 1000) * 1_000_000;
  if (version >= 5) {
    // ofp14_port_stats leads with its length (ofp14_port leads with the port number).
    w.u16(120).zeros(2).u32(portToOf11(p.ofport)).u32(sec).u32(nsec);
    for (const c of main) w.u64(BigInt(c));
    w.u16(0).u16(40).zeros(4).zeros(32); // OFPPSPT_ETHERNET: frame, over, crc, collisions
    return w.finish();
  }
  if (version === 1) w.u16(p.ofport).zeros(6);
  else w.u32(portToOf11(p.ofport)).zeros(4);
  for (const c of main) w.u64(BigInt(c));
  w.zeros(32);
  if (version === 4) w.u32(sec).u32(nsec);
  return w.finish();
}
