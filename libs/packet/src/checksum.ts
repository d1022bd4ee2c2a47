/**
 * Internet checksum (RFC 1071) helpers, incremental updates (RFC 1624) and CRC32c for SCTP.
 * Partial sums are plain numbers that stay below 2^31 between folds.
 */

/** Adds the 16-bit big-endian words of p[start, end) to `sum` (an odd tail is zero-padded). */
export function csumAdd(p: Uint8Array, start: number, end: number, sum = 0): number {
  let s = sum;
  let i = start;
  for (; i + 1 < end; i += 2) {
    s += (p[i] << 8) | p[i + 1];
    if (s > 0x3fffffff) s = (s & 0xffff) + (s >>> 16);
  }
  if (i < end) s += p[i] << 8;
  return s;
}

/** Folds a partial sum to 16 bits and complements it. */
export function csumFinish(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Checksum of p[start, end). */
export function checksum(p: Uint8Array, start: number, end: number): number {
  return csumFinish(csumAdd(p, start, end));
}

/** RFC 1624 eqn. 3: new checksum after one 16-bit word changes from `oldWord` to `newWord`. */
export function csumUpdate16(csum: number, oldWord: number, newWord: number): number {
  let s = (~csum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Same for a 32-bit value (two words). */
export function csumUpdate32(csum: number, oldValue: number, newValue: number): number {
  return csumUpdate16(csumUpdate16(csum, oldValue >>> 16, newValue >>> 16), oldValue & 0xffff, newValue & 0xffff);
}

export function read16(p: Uint8Array, o: number): number {
  return (p[o] << 8) | p[o + 1];
}

export function write16(p: Uint8Array, o: number, v: number): void {
  p[o] = (v >>> 8) & 0xff;
  p[o + 1] = v & 0xff;
}

export function read32(p: Uint8Array, o: number): number {
  return ((p[o] << 24) | (p[o + 1] << 16) | (p[o + 2] << 8) | p[o + 3]) >>> 0;
}

export function write32(p: Uint8Array, o: number, v: number): void {
  p[o] = (v >>> 24) & 0xff;
  p[o + 1] = (v >>> 16) & 0xff;
  p[o + 2] = (v >>> 8) & 0xff;
  p[o + 3] = v & 0xff;
}

/** Sum of the IPv4 pseudo-header (addresses, protocol, L4 length) for the header at `ip`. */
export function ipv4PseudoSum(p: Uint8Array, ip: number, proto: number, l4Len: number): number {
  return csumAdd(p, ip + 12, ip + 20, proto + l4Len);
}

/** Sum of the IPv6 pseudo-header for the header at `ip`. */
export function ipv6PseudoSum(p: Uint8Array, ip: number, proto: number, l4Len: number): number {
  return csumAdd(p, ip + 8, ip + 40, proto + (l4Len >>> 16) + (l4Len & 0xffff));
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC32c (Castagnoli) of p[start, end), as SCTP uses it (RFC 4960 appendix B). */
export function crc32c(p: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC32C_TABLE[(c ^ p[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * SCTP checksum of the packet at sctp..end, with the checksum field taken as zero. The result
 * is stored little-endian in the header (RFC 4960: the CRC's bytes in transmission order).
 */
export function sctpChecksum(p: Uint8Array, sctp: number, end: number): number {
  const saved = read32(p, sctp + 8);
  write32(p, sctp + 8, 0);
  const c = crc32c(p, sctp, end);
  write32(p, sctp + 8, saved);
  return c;
}

/** Writes an SCTP checksum (as returned by sctpChecksum) into the header. */
export function writeSctpChecksum(p: Uint8Array, sctp: number, crc: number): void {
  p[sctp + 8] = crc & 0xff;
  p[sctp + 9] = (crc >>> 8) & 0xff;
  p[sctp + 10] = (crc >>> 16) & 0xff;
  p[sctp + 11] = (crc >>> 24) & 0xff;
}
