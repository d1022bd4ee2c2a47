import {
  checksum,
  csumAdd,
  csumFinish,
  ETH_TYPE,
  type HeaderOffsets,
  IP_PROTO,
  ipv4PseudoSum,
  ipv6PseudoSum,
  NW_FRAG_LATER,
  read16,
  sctpChecksum,
  W,
} from '@softswitch/packet';

/**
 * Recomputes every checksum of a parsed packet from scratch and lists the ones that are wrong:
 * the oracle for the incremental updates done by the writers.
 */
export function badChecksums(p: Uint8Array, key: Uint32Array, off: HeaderOffsets): string[] {
  const bad: string[] = [];
  const dl = key[W.DL_TYPE];
  const proto = key[W.NW] & 0xff;
  const later = ((key[W.NW] >>> 24) & NW_FRAG_LATER) !== 0;
  if (off.l4 < 0) return bad;
  const l3 = off.l3;
  const l4 = off.l4;
  const end = off.end;
  let pseudo = 0;
  if (dl === ETH_TYPE.IP) {
    const ihl = (p[l3] & 15) * 4;
    if (checksum(p, l3, l3 + ihl) !== 0) bad.push('ipv4 header');
    pseudo = ipv4PseudoSum(p, l3, proto, end - l4);
  } else {
    pseudo = ipv6PseudoSum(p, l3, proto, end - l4);
  }
  if (later) return bad;
  if (proto === IP_PROTO.TCP && end - l4 >= 20) {
    if (csumFinish(csumAdd(p, l4, end, pseudo)) !== 0) bad.push('tcp');
  } else if (proto === IP_PROTO.UDP && end - l4 >= 8) {
    const zeroOk = dl === ETH_TYPE.IP && read16(p, l4 + 6) === 0;
    if (!zeroOk && csumFinish(csumAdd(p, l4, end, pseudo)) !== 0) bad.push('udp');
  } else if (proto === IP_PROTO.ICMP && dl === ETH_TYPE.IP && end - l4 >= 4) {
    if (checksum(p, l4, end) !== 0) bad.push('icmp');
  } else if (proto === IP_PROTO.ICMPV6 && dl === ETH_TYPE.IPV6 && end - l4 >= 4) {
    if (csumFinish(csumAdd(p, l4, end, pseudo)) !== 0) bad.push('icmpv6');
  } else if (proto === IP_PROTO.SCTP && end - l4 >= 12) {
    const crc = sctpChecksum(p, l4, end);
    const stored = (p[l4 + 8] | (p[l4 + 9] << 8) | (p[l4 + 10] << 16) | (p[l4 + 11] << 24)) >>> 0;
    if (crc !== stored) bad.push('sctp');
  }
  return bad;
}
