import {
  type Action,
  decodeActions,
  decodeError,
  OFPBMC,
  OFPBRC,
  OFPET,
  portFromOf11,
  pullNxMatch,
} from '@softswitch/openflow';

export interface PacketOut {
  bufferId: number;
  inPort: number;
  actions: Action[];
  data: Uint8Array;
}

const OFPT_PACKET_OUT = 13;

/** True for a packet-out that libs/openflow does not decode (OpenFlow 1.4 and 1.5). */
export function isPacketOut14(b: Uint8Array): boolean {
  return b[1] === OFPT_PACKET_OUT && b[0] >= 5;
}

/**
 * OpenFlow 1.4 keeps 1.3's fixed in_port; 1.5 replaces it with a match carrying in_port (and
 * possibly other metadata; only in_port matters for running the actions here).
 */
export function decodePacketOut14(b: Uint8Array): PacketOut {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = b[0];
  if (b.length < 24) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 2, 'packet out too short');
  const bufferId = v.getUint32(8);
  if (version === 5) {
    const inPort = portFromOf11(v.getUint32(12));
    const alen = v.getUint16(16);
    if (inPort < 0) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 12, 'bad in_port');
    if (24 + alen > b.length) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 16, 'actions overrun the message');
    return { bufferId, inPort, actions: decodeActions(b, 24, alen, version), data: b.slice(24 + alen) };
  }
  const alen = v.getUint16(12);
  if (v.getUint16(16) !== 1) throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_TYPE, 16, 'match type is not OXM');
  const mlen = v.getUint16(18);
  const actionsAt = 16 + ((mlen + 7) & ~7);
  if (mlen < 4 || actionsAt + alen > b.length)
    throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, 18, 'match or actions overrun the message');
  const { match } = pullNxMatch(b, 20, mlen - 4, 0);
  const inPort = match.num('in_port');
  return {
    bufferId,
    inPort,
    actions: decodeActions(b, actionsAt, alen, version),
    data: b.slice(actionsAt + alen),
  };
}
