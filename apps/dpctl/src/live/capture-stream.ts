/**
 * The record stream switchd's `dpctl/capture` sends over its capture socket (the writer is
 * apps/switchd/src/capture.ts): each record is a 20-byte little-endian header — direction
 * (0 received, 1 sent), seconds, nanoseconds, captured length, original length — then the
 * captured bytes. Records may arrive cut anywhere; the reader keeps only the leftover bytes.
 */

export const RECORD_HEADER_BYTES = 20;

export interface CaptureRecord {
  direction: 'rx' | 'tx';
  timestampNs: bigint;
  /** The captured bytes (a copy the caller may keep). */
  data: Uint8Array;
  originalLength: number;
}

export class CaptureStreamError extends Error {}

/** Largest record a capture can hold (pcap's snapshot limit). */
const MAX_CAPTURED = 262_144;

export class CaptureStreamReader {
  private buffered: Buffer = Buffer.alloc(0);

  /** Feeds bytes as they arrive; returns every record they complete. */
  push(chunk: Uint8Array): CaptureRecord[] {
    this.buffered = this.buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffered, chunk]);
    const out: CaptureRecord[] = [];
    let at = 0;
    const b = this.buffered;
    while (b.length - at >= RECORD_HEADER_BYTES) {
      const dir = b.readUInt32LE(at);
      const captured = b.readUInt32LE(at + 12);
      if (dir > 1 || captured > MAX_CAPTURED)
        throw new CaptureStreamError(
          `bad capture record at stream offset ${at} (direction ${dir}, length ${captured})`,
        );
      if (b.length - at < RECORD_HEADER_BYTES + captured) break;
      const ns = BigInt(b.readUInt32LE(at + 4)) * 1_000_000_000n + BigInt(b.readUInt32LE(at + 8));
      out.push({
        direction: dir === 0 ? 'rx' : 'tx',
        timestampNs: ns,
        data: new Uint8Array(b.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + captured)),
        originalLength: b.readUInt32LE(at + 16),
      });
      at += RECORD_HEADER_BYTES + captured;
    }
    this.buffered = at === b.length ? Buffer.alloc(0) : b.subarray(at);
    return out;
  }

  /** Bytes of an unfinished record still held (non-zero at the end means a cut stream). */
  get leftover(): number {
    return this.buffered.length;
  }
}

/** Encodes one record (tests and tools; switchd has its own writer on the hot side). */
export function encodeCaptureRecord(r: Omit<CaptureRecord, 'originalLength'> & { originalLength?: number }): Buffer {
  const out = Buffer.alloc(RECORD_HEADER_BYTES + r.data.length);
  out.writeUInt32LE(r.direction === 'rx' ? 0 : 1, 0);
  out.writeUInt32LE(Number(r.timestampNs / 1_000_000_000n), 4);
  out.writeUInt32LE(Number(r.timestampNs % 1_000_000_000n), 8);
  out.writeUInt32LE(r.data.length, 12);
  out.writeUInt32LE(r.originalLength ?? r.data.length, 16);
  out.set(r.data, RECORD_HEADER_BYTES);
  return out;
}
