// Streaming classic pcap through the `pcap-parser` package, behind a typed async iterable.
// pcap-parser only knows the microsecond magic and does no checking of its own, so the file
// header is checked before it starts (classic-format.ts, shared with the sync decoder), each
// record header is checked as pcap-parser announces it, and at end of input the bytes left
// over reveal a truncated last record.
import { Readable } from 'node:stream';
import pcapParser from 'pcap-parser';
import type { CapturedPacket } from './captured-packet.js';
import {
  type ClassicHeader,
  checkRecordLengths,
  PCAP_FILE_HEADER_LENGTH,
  PCAP_RECORD_HEADER_LENGTH,
  recordTimestampNs,
  truncatedRecordError,
} from './classic-format.js';

/** Packets queued ahead of the consumer before the input is paused. */
const HIGH_WATER = 4096;

/**
 * Yields the records of a classic pcap file: `head` is its first bytes (at least the file
 * header, already checked into `header`), `rest` the bytes that follow. Nanosecond files are
 * handed to pcap-parser with the microsecond magic: the framing is identical, only the unit of
 * the timestamp fraction differs, and that is applied here.
 */
export async function* streamClassic(
  head: Buffer,
  rest: AsyncIterable<Buffer>,
  header: ClassicHeader,
): AsyncGenerator<CapturedPacket> {
  let received = 0;
  async function* bytes(): AsyncGenerator<Buffer> {
    const first = Buffer.from(head);
    if (header.nanosecond) first.set(header.littleEndian ? [0xd4, 0xc3, 0xb2, 0xa1] : [0xa1, 0xb2, 0xc3, 0xd4], 0);
    received += first.length;
    yield first;
    for await (const chunk of rest) {
      received += chunk.length;
      yield chunk;
    }
  }
  const input = Readable.from(bytes(), { objectMode: false });
  const parser = pcapParser.parse(input);

  const queue: CapturedPacket[] = [];
  let nextOut = 0;
  let failure: unknown;
  let ended = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const finish = (error?: unknown) => {
    if (ended) return;
    ended = true;
    failure = error;
    if (error !== undefined) input.destroy();
    signal();
  };
  // The record being parsed starts at `recordAt`; `announced` is its header once pcap-parser
  // has read it.
  let recordAt = PCAP_FILE_HEADER_LENGTH;
  let announced: pcapParser.PacketHeader | undefined;

  parser.on('packetHeader', (h) => {
    if (ended) return;
    try {
      checkRecordLengths(header, h.capturedLength, recordAt);
      announced = h;
    } catch (e) {
      finish(e);
    }
  });
  parser.on('packet', (p) => {
    if (ended || !announced) return;
    const data = p.data;
    queue.push({
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      timestampNs: recordTimestampNs(header, p.header.timestampSeconds, p.header.timestampMicroseconds),
      originalLength: p.header.originalLength,
      linkType: header.linkType,
      index: 0, // numbered when yielded
    });
    recordAt += PCAP_RECORD_HEADER_LENGTH + data.length;
    announced = undefined;
    if (queue.length - nextOut >= HIGH_WATER) input.pause();
    signal();
  });
  parser.on('error', (e) => finish(e));
  parser.on('end', () => {
    const left = received - recordAt;
    if (left <= 0) finish();
    else if (announced) {
      finish(truncatedRecordError(recordAt, announced.capturedLength, left - PCAP_RECORD_HEADER_LENGTH, 'data'));
    } else finish(truncatedRecordError(recordAt, PCAP_RECORD_HEADER_LENGTH, left, 'header'));
  });

  let index = 0;
  try {
    for (;;) {
      if (nextOut < queue.length) {
        const packet = queue[nextOut];
        queue[nextOut++] = undefined as unknown as CapturedPacket;
        if (nextOut === queue.length) {
          queue.length = 0;
          nextOut = 0;
          if (!ended && input.isPaused()) input.resume();
        }
        packet.index = index++;
        yield packet;
        continue;
      }
      if (ended) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    if (failure !== undefined) throw failure;
  } finally {
    input.destroy();
  }
}
