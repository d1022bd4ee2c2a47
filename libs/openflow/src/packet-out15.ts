import type { Action } from './actions.js';
import { Writer } from './bytes.js';
import { encodeBucketActions } from './control.js';
import { type FieldDef, fieldByName } from './fields.js';
import type { Match } from './match.js';
import { putVersionMatch } from './version-match.js';

const OFP15_VERSION = 6;
const OFPT_PACKET_OUT = 13;

/** An OpenFlow 1.5 packet-out: in_port and the other pipeline fields travel in a match. */
export interface PacketOut15 {
  xid: number;
  bufferId: number;
  /** in_port (required by OpenFlow 1.5) and any other pipeline fields. */
  metadata: Match;
  actions: Action[];
  data: Uint8Array;
}

const IN_PORT = fieldByName('in_port') as FieldDef;

/** Sets a packet-out's in_port in its metadata match (OpenFlow 1.5 requires it there). */
export function setPacketOutInPort(metadata: Match, inPort: number): Match {
  metadata.setField(IN_PORT, BigInt(inPort), 0xffffn);
  return metadata;
}

/**
 * OpenFlow 1.5's ofp_packet_out: buffer_id, actions_len, 2 pad bytes, the OXM match (padded to
 * 8 bytes), the bare actions, then the packet.
 */
export function encodePacketOut15(po: PacketOut15): Uint8Array {
  const w = new Writer(64 + po.data.length);
  w.u8(OFP15_VERSION).u8(OFPT_PACKET_OUT).u16(0).u32(po.xid);
  w.u32(po.bufferId);
  const lenAt = w.length;
  w.u16(0).zeros(2);
  putVersionMatch(w, po.metadata, OFP15_VERSION);
  const start = w.length;
  encodeBucketActions(w, { weight: 0, watchPort: 0, watchGroup: 0, actions: po.actions }, OFP15_VERSION);
  w.setU16(lenAt, w.length - start);
  w.bytes(po.data);
  w.setU16(2, w.length);
  return w.finish();
}
