// The reading API: whole buffers, whole files, and streams, in any supported format.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { CapturedPacket } from './captured-packet.js';
import { decodeClassic } from './classic-decoder.js';
import { PCAP_FILE_HEADER_LENGTH, parseClassicHeader } from './classic-format.js';
import { streamClassic } from './classic-stream.js';
import { CaptureFormatError } from './errors.js';
import { decodePcapng, PcapngDecoder } from './pcapng-decoder.js';
import { sniffFormat } from './sniff.js';

/**
 * Decodes a whole capture file held in memory: classic pcap (either byte order, micro- or
 * nanosecond timestamps) or pcapng. Packet data are views into `bytes`. Throws
 * CaptureFormatError (with the packets read before the fault) on a damaged file, including
 * one whose last record is cut short.
 */
export function readCaptureBuffer(bytes: Uint8Array): CapturedPacket[] {
  return sniffFormat(bytes) === 'pcap' ? decodeClassic(bytes) : decodePcapng(bytes);
}

/** Reads and decodes a whole capture file; see readCaptureBuffer. */
export async function readCaptureFile(path: string): Promise<CapturedPacket[]> {
  const bytes = await readFile(path);
  return readCaptureBuffer(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * Streams the packets of a capture file (or FIFO) without holding it in memory. Each iteration
 * opens the file anew. A damaged file yields the packets before the fault, then throws
 * CaptureFormatError; breaking out of the loop closes the file.
 */
export function openCapture(path: string): AsyncIterable<CapturedPacket> {
  return {
    [Symbol.asyncIterator]: () => readCaptureStream(createReadStream(path))[Symbol.asyncIterator](),
  };
}

/** Streams the packets of capture-file bytes arriving in chunks (a file, a pipe, a socket). */
export async function* readCaptureStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<CapturedPacket> {
  const chunks = source[Symbol.asyncIterator]();
  try {
    // Gather enough bytes to tell the format and, for classic pcap, check the file header.
    let head = Buffer.alloc(0);
    while (head.length < PCAP_FILE_HEADER_LENGTH) {
      const next = await chunks.next();
      if (next.done) break;
      head = Buffer.concat([head, asBuffer(next.value)]);
    }
    const rest: AsyncIterable<Buffer> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          const next = await chunks.next();
          return next.done ? next : { done: false, value: asBuffer(next.value) };
        },
      }),
    };
    if (sniffFormat(head) === 'pcap') {
      yield* streamClassic(head, rest, parseClassicHeader(head));
    } else {
      yield* streamPcapng(head, rest);
    }
  } finally {
    await chunks.return?.();
  }
}

async function* streamPcapng(head: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncGenerator<CapturedPacket> {
  const decoder = new PcapngDecoder();
  const out: CapturedPacket[] = [];
  // Packets decoded before a fault in the same chunk are still delivered, then the fault.
  const feed = function* (chunk: Uint8Array | undefined): Generator<CapturedPacket> {
    let failure: CaptureFormatError | undefined;
    try {
      if (chunk) decoder.push(chunk, out);
      else decoder.finish();
    } catch (e) {
      if (!(e instanceof CaptureFormatError)) throw e;
      failure = e;
    }
    for (const packet of out) yield packet;
    out.length = 0;
    if (failure) throw failure;
  };
  yield* feed(head);
  for await (const chunk of rest) yield* feed(chunk);
  yield* feed(undefined);
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
