// The framing of Open vSwitch's netdev-dummy streams (lib/netdev-dummy.c): each Ethernet frame
// travels as a 2-byte big-endian length followed by the frame. A length under the 14 bytes of an
// Ethernet header is a protocol error there (the connection is closed), and so it is here.
import { ETH_HEADER_LEN } from './netdev.js';

export const FRAME_PREFIX_LEN = 2;
export const MAX_STREAM_FRAME = 0xffff;

export class FrameStreamError extends Error {
  constructor(
    message: string,
    /** Byte offset in the stream (counted from the connection's first byte). */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'FrameStreamError';
  }
}

/** Prefixes a frame with its length; `into` (when big enough) avoids an allocation. */
export function encodeStreamFrame(frame: Uint8Array, into?: Uint8Array): Uint8Array {
  if (frame.length < ETH_HEADER_LEN || frame.length > MAX_STREAM_FRAME) {
    throw new RangeError(`frame of ${frame.length} bytes cannot travel on a dummy stream (14..65535)`);
  }
  const out =
    into && into.length >= frame.length + FRAME_PREFIX_LEN
      ? into.subarray(0, frame.length + FRAME_PREFIX_LEN)
      : new Uint8Array(frame.length + FRAME_PREFIX_LEN);
  out[0] = frame.length >>> 8;
  out[1] = frame.length & 0xff;
  out.set(frame, FRAME_PREFIX_LEN);
  return out;
}

/**
 * Splits a byte stream into frames. `push` hands every complete frame to the callback as a view
 * (valid during the call only) and keeps just the incomplete tail.
 */
export class FrameStreamDecoder {
  private pending = new Uint8Array(MAX_STREAM_FRAME + FRAME_PREFIX_LEN);
  private used = 0;
  private consumed = 0;

  /**
   * `onFlush` (optional) runs at the end of every `push`, before the held-back tail is rewritten:
   * a consumer that gathers frames into a batch delivers it there, while every view is valid.
   */
  constructor(
    private readonly onFrame: (frame: Uint8Array) => void,
    private readonly onFlush?: () => void,
  ) {}

  /** Bytes of an incomplete frame held back. */
  get buffered(): number {
    return this.used;
  }

  push(chunk: Uint8Array): void {
    try {
      this.consume(chunk);
    } catch (e) {
      // Frames before the fault were good: hand them over before reporting it.
      this.onFlush?.();
      throw e;
    }
  }

  private consume(chunk: Uint8Array): void {
    let at = 0;
    // Finish a frame started by an earlier chunk.
    while (this.used > 0 && at < chunk.length) {
      const need = this.needed(this.pending, 0, this.used);
      const take = Math.min(need, chunk.length - at);
      this.pending.set(chunk.subarray(at, at + take), this.used);
      this.used += take;
      at += take;
      if (take === need && this.used > FRAME_PREFIX_LEN) {
        this.onFrame(this.pending.subarray(FRAME_PREFIX_LEN, this.used));
        this.consumed += this.used;
        this.used = 0;
      }
    }
    // Whole frames straight out of the chunk, without copying.
    while (at + FRAME_PREFIX_LEN <= chunk.length) {
      const len = this.frameLength(chunk, at);
      if (at + FRAME_PREFIX_LEN + len > chunk.length) break;
      this.onFrame(chunk.subarray(at + FRAME_PREFIX_LEN, at + FRAME_PREFIX_LEN + len));
      at += FRAME_PREFIX_LEN + len;
      this.consumed += FRAME_PREFIX_LEN + len;
    }
    this.onFlush?.();
    if (at < chunk.length) {
      this.pending.set(chunk.subarray(at), 0);
      this.used = chunk.length - at;
      if (this.used >= FRAME_PREFIX_LEN) this.frameLength(this.pending, 0);
    }
  }

  /** Bytes still missing for the frame begun in `buf[start..start+have)`. */
  private needed(buf: Uint8Array, start: number, have: number): number {
    if (have < FRAME_PREFIX_LEN) return FRAME_PREFIX_LEN - have;
    return FRAME_PREFIX_LEN + this.frameLength(buf, start) - have;
  }

  private frameLength(buf: Uint8Array, at: number): number {
    const len = (buf[at] << 8) | buf[at + 1];
    if (len < ETH_HEADER_LEN) {
      throw new FrameStreamError(
        `dummy stream: frame length ${len} at byte ${this.consumed} is shorter than an Ethernet header`,
        this.consumed,
      );
    }
    return len;
  }
}
