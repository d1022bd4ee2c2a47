import type { Match } from './match.js';
import { pullNxMatch } from './nxm.js';

/** NXT_PACKET_IN2 (Nicira subtype 30), the property-based packet-in OVS sends when asked for it. */
export const NXT_PACKET_IN2 = 30;

export interface PacketIn2 {
  version: number;
  xid: number;
  packet: Uint8Array;
  /** NXPINT_FULL_LEN, when the packet was truncated. */
  fullLen?: number;
  bufferId: number;
  tableId: number;
  cookie: bigint;
  reason: number;
  /** NXPINT_METADATA: in_port and the other metadata fields, as a match. */
  metadata: Match;
}

export function isPacketIn2(b: Uint8Array): boolean {
  if (b.length < 16 || b[1] !== 4) return false;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return v.getUint32(8) === 0x2320 && v.getUint32(12) === NXT_PACKET_IN2;
}

/** Decodes the properties (NXPINT_*) of an NXT_PACKET_IN2; unknown ones are skipped. */
export function decodePacketIn2(b: Uint8Array): PacketIn2 {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pin: PacketIn2 = {
    version: b[0],
    xid: v.getUint32(4),
    packet: new Uint8Array(0),
    bufferId: 0xffffffff,
    tableId: 0,
    cookie: 0xffffffffffffffffn,
    reason: 0,
    metadata: pullNxMatch(b, 16, 0).match,
  };
  for (let off = 16; off + 4 <= b.length; ) {
    const type = v.getUint16(off);
    const len = v.getUint16(off + 2);
    if (len < 4 || off + len > b.length) break;
    const body = off + 4;
    switch (type) {
      case 0:
        pin.packet = b.subarray(body, off + len);
        break;
      case 1:
        pin.fullLen = v.getUint32(body);
        break;
      case 2:
        pin.bufferId = v.getUint32(body);
        break;
      case 3:
        pin.tableId = b[body];
        break;
      case 4:
        pin.cookie = v.getBigUint64(body + 4);
        break;
      case 5:
        pin.reason = b[body];
        break;
      case 6:
        pin.metadata = pullNxMatch(b, body, len - 4).match;
        break;
    }
    off += (len + 7) & ~7;
  }
  return pin;
}
