// The classic libpcap file format: a 24-byte file header, then records of a 16-byte header and
// the captured bytes. The magic number tells byte order and timestamp resolution.
import { MAX_CAPTURED_LENGTH } from './captured-packet.js';
import { CaptureFormatError } from './errors.js';

export const PCAP_FILE_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;

/** Magic numbers as read in the file's own byte order. */
export const PcapMagic = {
  MICROSECOND: 0xa1b2c3d4,
  NANOSECOND: 0xa1b23c4d,
  /** Alexey Kuznetzov's patched format: extra record fields; not supported. */
  KUZNETZOV: 0xa1b2cd34,
} as const;

export interface ClassicHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  /** Snapshot length; 0 means "not recorded" and is not enforced. */
  snaplen: number;
  linkType: number;
}

/** Whether these (at least 4) bytes start a classic pcap file, in either byte order. */
export function isClassicMagic(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const le of [false, true]) {
    const magic = view.getUint32(0, le);
    if (magic === PcapMagic.MICROSECOND || magic === PcapMagic.NANOSECOND || magic === PcapMagic.KUZNETZOV) return true;
  }
  return false;
}

/** Decodes and checks the file header at the start of `bytes` (which must start the file). */
export function parseClassicHeader(bytes: Uint8Array): ClassicHeader {
  if (bytes.length < PCAP_FILE_HEADER_LENGTH) {
    throw new CaptureFormatError(
      `truncated pcap file header: ${bytes.length} of ${PCAP_FILE_HEADER_LENGTH} bytes present`,
      0,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let littleEndian: boolean;
  if (view.getUint32(0, false) >>> 16 === 0xa1b2) littleEndian = false;
  else if (view.getUint32(0, true) >>> 16 === 0xa1b2) littleEndian = true;
  else throw new CaptureFormatError(`bad pcap magic 0x${hex32(view.getUint32(0, false))}`, 0);
  const magic = view.getUint32(0, littleEndian);
  if (magic === PcapMagic.KUZNETZOV) {
    throw new CaptureFormatError('unsupported pcap variant (Kuznetzov patched format, magic 0xa1b2cd34)', 0);
  }
  if (magic !== PcapMagic.MICROSECOND && magic !== PcapMagic.NANOSECOND) {
    throw new CaptureFormatError(`bad pcap magic 0x${hex32(view.getUint32(0, false))}`, 0);
  }
  const versionMajor = view.getUint16(4, littleEndian);
  const versionMinor = view.getUint16(6, littleEndian);
  if (versionMajor !== 2) {
    throw new CaptureFormatError(`unsupported pcap version ${versionMajor}.${versionMinor} (expected 2.x)`, 4);
  }
  const snaplen = view.getUint32(16, littleEndian);
  // The top bits of the link-type word carry FCS information; the type is the low 16 bits.
  const linkType = view.getUint32(20, littleEndian) & 0xffff;
  return { littleEndian, nanosecond: magic === PcapMagic.NANOSECOND, versionMajor, versionMinor, snaplen, linkType };
}

/**
 * Checks a record header's lengths against the file header and libpcap's limit. `offset` is
 * the record header's offset in the file.
 */
export function checkRecordLengths(header: ClassicHeader, capturedLength: number, offset: number): void {
  if (capturedLength > MAX_CAPTURED_LENGTH) {
    throw new CaptureFormatError(
      `pcap record captured length ${capturedLength} exceeds the ${MAX_CAPTURED_LENGTH}-byte limit`,
      offset,
    );
  }
  if (header.snaplen !== 0 && capturedLength > header.snaplen) {
    throw new CaptureFormatError(
      `pcap record captured length ${capturedLength} exceeds the file's snapshot length ${header.snaplen}`,
      offset,
    );
  }
}

/**
 * A record's timestamp in nanoseconds; the fraction is micro- or nanoseconds per the magic. A
 * fraction of a second or more (some writers produce it) is carried into the seconds, as libpcap
 * readers do, rather than rejected.
 */
export function recordTimestampNs(header: ClassicHeader, seconds: number, fraction: number): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(header.nanosecond ? fraction : fraction * 1000);
}

/** Error for a record cut short by the end of the file. */
export function truncatedRecordError(
  offset: number,
  needed: number,
  present: number,
  what: string,
): CaptureFormatError {
  return new CaptureFormatError(`truncated pcap record ${what}: ${present} of ${needed} bytes present`, offset);
}

export function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}
