import {
  createFlowKey,
  extractFlow,
  formatFlow,
  getVlanLimit,
  HeaderOffsets,
  setVlanLimit,
  W,
} from '@softswitch/packet';

/**
 * OVS's ofp_packet_to_string: the flow extracted from a packet (no in_port), then the L4
 * checksum field as it stands in the packet, for the packets in packet-in and packet-out prints.
 */
const key = createFlowKey();
const offsets = new HeaderOffsets();

const CHECKSUMS: Record<number, [string, number, number, number]> = {
  // protocol: name, header bytes needed, checksum offset, checksum bytes
  6: ['tcp_csum', 20, 16, 2],
  17: ['udp_csum', 8, 6, 2],
  132: ['sctp_csum', 12, 8, 4],
  1: ['icmp_csum', 8, 2, 2],
  58: ['icmp6_csum', 4, 2, 2],
};

export function packetToString(packet: Uint8Array): string {
  // ovs-ofctl parses as many VLAN headers as a flow holds (2); only a switch's vlan-limit is 1.
  const limit = getVlanLimit();
  setVlanLimit(2);
  try {
    extractFlow(packet, 0, key, offsets);
  } finally {
    setVlanLimit(limit);
  }
  let s = formatFlow(key);
  if (offsets.l4 >= 0) {
    const l4Size = packet.length - offsets.l4 - offsets.l2Pad;
    const csum = CHECKSUMS[key[W.NW] & 0xff];
    if (csum && l4Size >= csum[1]) {
      let v = 0;
      for (let i = 0; i < csum[3]; i++) v = v * 256 + packet[offsets.l4 + csum[2] + i];
      s += ` ${csum[0]}:${v.toString(16)}`;
    }
  }
  return s;
}
