// Tells capture formats apart by their first four bytes.
import { hex32, isClassicMagic } from './classic-format.js';
import { CaptureFormatError } from './errors.js';
import { PcapngBlock } from './pcapng-decoder.js';

export type CaptureFormat = 'pcap' | 'pcapng';

/** The format of a file starting with `head` (its first bytes; at least 4 unless the file is shorter). */
export function sniffFormat(head: Uint8Array): CaptureFormat {
  if (head.length < 4) {
    throw new CaptureFormatError(`not a capture file: ${head.length} bytes, too short for a magic number`, 0);
  }
  if (isClassicMagic(head)) return 'pcap';
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const first = view.getUint32(0, false);
  if (first === PcapngBlock.SECTION_HEADER) return 'pcapng';
  throw new CaptureFormatError(`not a capture file: unknown magic 0x${hex32(first)}`, 0);
}
