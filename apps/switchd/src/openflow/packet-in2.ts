import { Match, putNxMatch, Writer } from '@softswitch/openflow';

/** NXPINT_* property types of NXT_PACKET_IN2. */
const NXPINT = { PACKET: 0, FULL_LEN: 1, BUFFER_ID: 2, TABLE_ID: 3, COOKIE: 4, REASON: 5, METADATA: 6 } as const;
const NXT_PACKET_IN2 = 30;

/** An ofpprop: type, length (without padding), value, padded to 8. */
function prop(w: Writer, type: number, put: (w: Writer) => void): void {
  const start = w.length;
  w.u16(type).u16(0);
  put(w);
  w.setU16(start + 2, w.length - start);
  w.pad(8, start);
}

/**
 * NXT_PACKET_IN2 as OVS's ofputil_put_packet_in writes it: the packet, table id, cookie (left out
 * when all ones), the reason in the connection's version's numbering, and the metadata (in_port)
 * as NXM (OpenFlow 1.0/1.1) or OXM. No buffers: the whole packet, so no full_len.
 */
export function encodePacketIn2(
  version: number,
  pin: { packet: Uint8Array; inPort: number; tableId: number; cookie: bigint },
  wireReason: number,
): Uint8Array {
  const w = new Writer(64 + pin.packet.length);
  w.u8(version).u8(4).u16(0).u32(0).u32(0x2320).u32(NXT_PACKET_IN2);
  prop(w, NXPINT.PACKET, (p) => p.bytes(pin.packet));
  prop(w, NXPINT.TABLE_ID, (p) => p.u8(pin.tableId));
  if (pin.cookie !== 0xffffffffffffffffn) prop(w, NXPINT.COOKIE, (p) => p.zeros(4).u64(pin.cookie));
  prop(w, NXPINT.REASON, (p) => p.u8(wireReason));
  const metadata = new Match();
  metadata.setSlot('in_port', BigInt(pin.inPort), 0xffffn);
  prop(w, NXPINT.METADATA, (p) => putNxMatch(p, metadata, version >= 3 ? version : 0));
  w.setU16(2, w.length);
  return w.finish();
}
