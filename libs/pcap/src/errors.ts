import type { CapturedPacket } from './captured-packet.js';

/**
 * A capture file that is not what it claims to be: bad magic, a record or block that runs past
 * the end of the file, lengths that contradict each other. `offset` is the byte offset (from the
 * start of the file) of the structure at fault, so a hex dump shows the problem at once.
 */
export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';
  /** Byte offset, from the start of the file, of the header, record or block at fault. */
  readonly offset: number;
  /**
   * Packets decoded before the fault, for callers that want to salvage a damaged file (the way
   * `tcpdump -r` prints what it could read). Empty when they were already streamed out.
   */
  packets: readonly CapturedPacket[] = [];

  constructor(message: string, offset: number) {
    super(`${message} (at byte offset ${offset})`);
    this.offset = offset;
  }
}
