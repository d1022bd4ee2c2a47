// Synchronous decoder for a whole classic pcap file held in memory.
import type { CapturedPacket } from './captured-packet.js';
import {
  checkRecordLengths,
  PCAP_FILE_HEADER_LENGTH,
  PCAP_RECORD_HEADER_LENGTH,
  parseClassicHeader,
  recordTimestampNs,
  truncatedRecordError,
} from './classic-format.js';
import { CaptureFormatError } from './errors.js';

/** Decodes every record; packet data are views into `bytes` (no copies). */
export function decodeClassic(bytes: Uint8Array): CapturedPacket[] {
  const packets: CapturedPacket[] = [];
  try {
    const header = parseClassicHeader(bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const le = header.littleEndian;
    let offset = PCAP_FILE_HEADER_LENGTH;
    while (offset < bytes.length) {
      const left = bytes.length - offset;
      if (left < PCAP_RECORD_HEADER_LENGTH)
        throw truncatedRecordError(offset, PCAP_RECORD_HEADER_LENGTH, left, 'header');
      const seconds = view.getUint32(offset, le);
      const fraction = view.getUint32(offset + 4, le);
      const capturedLength = view.getUint32(offset + 8, le);
      const originalLength = view.getUint32(offset + 12, le);
      checkRecordLengths(header, capturedLength, offset);
      const start = offset + PCAP_RECORD_HEADER_LENGTH;
      if (bytes.length - start < capturedLength) {
        throw truncatedRecordError(offset, capturedLength, bytes.length - start, 'data');
      }
      packets.push({
        data: bytes.subarray(start, start + capturedLength),
        timestampNs: recordTimestampNs(header, seconds, fraction),
        originalLength,
        linkType: header.linkType,
        index: packets.length,
      });
      offset = start + capturedLength;
    }
  } catch (e) {
    if (e instanceof CaptureFormatError) e.packets = packets;
    throw e;
  }
  return packets;
}
