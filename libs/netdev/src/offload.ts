// Finishing what the sending kernel left to "hardware": partial L4 checksums and TCP segmentation.
//
// A veth or tap peer with checksum offload on hands over TCP/UDP frames whose checksum field holds
// only the pseudo-header sum (CHECKSUM_PARTIAL), and with TSO on, TCP frames of up to 64 KiB. The
// virtio-net header (PACKET_VNET_HDR / IFF_VNET_HDR) says so: where the checksum starts and is
// stored, and the segment size. A soft switch forwards frames to ports that will not finish the
// job (a pcap, a dummy stream, another AF_PACKET socket without offload), so every such frame is
// completed on receipt: the checksum is summed, a super-frame is cut into MTU-sized segments.
// Pure functions over Uint8Array.
import type { FrameOffload } from './netdev.js';

/** What the virtio-net header says about one received frame. */
export type OffloadInfo = FrameOffload;

export const VIRTIO_NET_HDR_LEN = 10;
export const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
export const GSO_NONE = 0;
export const GSO_TCPV4 = 1;
export const GSO_UDP = 3;
export const GSO_TCPV6 = 4;
const GSO_ECN = 0x80;

/** Reads a virtio_net_hdr (little-endian fields, as on x86 and every little-endian host). */
export function readVirtioNetHdr(bytes: Uint8Array, at: number, into: OffloadInfo): OffloadInfo {
  into.needsChecksum = (bytes[at] & VIRTIO_NET_HDR_F_NEEDS_CSUM) !== 0;
  into.gsoType = bytes[at + 1] & ~GSO_ECN;
  into.gsoSize = bytes[at + 4] | (bytes[at + 5] << 8);
  into.csumStart = bytes[at + 6] | (bytes[at + 7] << 8);
  into.csumOffset = bytes[at + 8] | (bytes[at + 9] << 8);
  return into;
}

/**
 * Writes a virtio-net header for a frame to send: the offload as received, with hdr_len (the
 * bytes of headers before the TCP payload) recomputed for super-frames. All zero when nothing
 * is pending.
 */
export function writeVirtioNetHdr(bytes: Uint8Array, at: number, frame: Uint8Array, o: FrameOffload | undefined): void {
  bytes.fill(0, at, at + VIRTIO_NET_HDR_LEN);
  if (!o || (!o.needsChecksum && o.gsoType === GSO_NONE)) return;
  let hdrLen = 0;
  if (o.gsoType !== GSO_NONE && o.csumStart + 13 < frame.length)
    hdrLen = o.csumStart + (frame[o.csumStart + 12] >>> 4) * 4;
  bytes[at] = o.needsChecksum ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0;
  bytes[at + 1] = o.gsoType;
  bytes[at + 2] = hdrLen & 0xff;
  bytes[at + 3] = hdrLen >>> 8;
  bytes[at + 4] = o.gsoSize & 0xff;
  bytes[at + 5] = o.gsoSize >>> 8;
  bytes[at + 6] = o.csumStart & 0xff;
  bytes[at + 7] = o.csumStart >>> 8;
  bytes[at + 8] = o.csumOffset & 0xff;
  bytes[at + 9] = o.csumOffset >>> 8;
}

/** One's-complement sum of bytes[from..to) added to `sum` (not folded). */
function sum16(bytes: Uint8Array, from: number, to: number, sum: number): number {
  let i = from;
  for (; i + 1 < to; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i < to) sum += bytes[i] << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * Completes a partial checksum in place: sums frame[csumStart..end) (whose checksum field already
 * holds the pseudo-header sum) and stores the complement, as the kernel's skb_checksum_help does.
 * Returns false when the offsets do not fit the frame.
 */
export function completeChecksum(frame: Uint8Array, csumStart: number, csumOffset: number): boolean {
  const field = csumStart + csumOffset;
  if (csumStart >= frame.length || field + 2 > frame.length) return false;
  let c = ~fold(sum16(frame, csumStart, frame.length, 0)) & 0xffff;
  // UDP (field at offset 6) cannot carry 0, which means "no checksum".
  if (c === 0 && csumOffset === 6) c = 0xffff;
  frame[field] = c >>> 8;
  frame[field + 1] = c & 0xff;
  return true;
}

/** Offset of the L3 header: after the Ethernet header and any 802.1Q/802.1ad tags. */
export function l3Offset(frame: Uint8Array): number {
  let at = 12;
  while (
    at + 4 <= frame.length &&
    (frame[at] === 0x81 || frame[at] === 0x88) &&
    (frame[at + 1] === 0x00 || frame[at + 1] === 0xa8)
  ) {
    at += 4;
  }
  return at + 2;
}

function ipv4HeaderChecksum(frame: Uint8Array, l3: number, ihl: number): void {
  frame[l3 + 10] = 0;
  frame[l3 + 11] = 0;
  const c = ~fold(sum16(frame, l3, l3 + ihl, 0)) & 0xffff;
  frame[l3 + 10] = c >>> 8;
  frame[l3 + 11] = c & 0xff;
}

/** Full TCP checksum of the segment in place (pseudo-header included). */
function tcpChecksum(seg: Uint8Array, l3: number, l4: number, v6: boolean): void {
  const tcpLen = seg.length - l4;
  seg[l4 + 16] = 0;
  seg[l4 + 17] = 0;
  let s = v6 ? sum16(seg, l3 + 8, l3 + 40, 0) : sum16(seg, l3 + 12, l3 + 20, 0);
  s += 6 + tcpLen;
  s = sum16(seg, l4, seg.length, s);
  const c = ~fold(s) & 0xffff;
  seg[l4 + 16] = c >>> 8;
  seg[l4 + 17] = c & 0xff;
}

/**
 * Cuts a TCP super-frame (TSO/GSO) into segments of at most `gsoSize` payload bytes, each a
 * complete frame with fixed lengths, IPv4 ids and checksums, sequence numbers, and FIN/PSH only on
 * the last (CWR only on the first). Segments are written back to back into `scratch` and handed
 * to `emit` as views of it. Returns the number of segments, or -1 when the frame is not TCP over
 * IPv4/IPv6 without extension headers, or `scratch` is too small.
 */
export function segmentTcp(
  frame: Uint8Array,
  gsoSize: number,
  scratch: Uint8Array,
  emit: (segment: Uint8Array) => void,
): number {
  const l3 = l3Offset(frame);
  if (l3 + 20 > frame.length || gsoSize <= 0) return -1;
  const version = frame[l3] >>> 4;
  let l4: number;
  if (version === 4) {
    if (frame[l3 + 9] !== 6) return -1;
    l4 = l3 + (frame[l3] & 0x0f) * 4;
  } else if (version === 6) {
    if (frame[l3 + 6] !== 6) return -1;
    l4 = l3 + 40;
  } else {
    return -1;
  }
  if (l4 + 20 > frame.length) return -1;
  const hdrLen = l4 + (frame[l4 + 12] >>> 4) * 4;
  if (hdrLen > frame.length) return -1;
  const payload = frame.length - hdrLen;
  const count = Math.max(1, Math.ceil(payload / gsoSize));
  if (count * hdrLen + payload > scratch.length) return -1;
  const seq0 = ((frame[l4 + 4] << 24) | (frame[l4 + 5] << 16) | (frame[l4 + 6] << 8) | frame[l4 + 7]) >>> 0;
  const id0 = version === 4 ? (frame[l3 + 4] << 8) | frame[l3 + 5] : 0;
  const flags = frame[l4 + 13];
  let out = 0;
  for (let i = 0; i < count; i++) {
    const from = hdrLen + i * gsoSize;
    const len = Math.min(gsoSize, frame.length - from);
    const seg = scratch.subarray(out, out + hdrLen + len);
    seg.set(frame.subarray(0, hdrLen), 0);
    seg.set(frame.subarray(from, from + len), hdrLen);
    if (version === 4) {
      const total = seg.length - l3;
      seg[l3 + 2] = total >>> 8;
      seg[l3 + 3] = total & 0xff;
      const id = (id0 + i) & 0xffff;
      seg[l3 + 4] = id >>> 8;
      seg[l3 + 5] = id & 0xff;
      ipv4HeaderChecksum(seg, l3, l4 - l3);
    } else {
      const plen = seg.length - l4;
      seg[l3 + 4] = plen >>> 8;
      seg[l3 + 5] = plen & 0xff;
    }
    const seq = (seq0 + i * gsoSize) >>> 0;
    seg[l4 + 4] = seq >>> 24;
    seg[l4 + 5] = (seq >>> 16) & 0xff;
    seg[l4 + 6] = (seq >>> 8) & 0xff;
    seg[l4 + 7] = seq & 0xff;
    let f = flags;
    if (i < count - 1) f &= ~0x09; // FIN and PSH only on the last segment
    if (i > 0) f &= ~0x80; // CWR only on the first
    seg[l4 + 13] = f;
    tcpChecksum(seg, l3, l4, version === 6);
    emit(seg);
    out += seg.length;
  }
  return count;
}
