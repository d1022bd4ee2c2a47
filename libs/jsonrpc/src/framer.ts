/**
 * Splits a byte stream into JSON texts sent back to back with no delimiter, as Open vSwitch's
 * JSON-RPC does. The scanner keeps its state (string, escape, bracket depth) between chunks, so
 * each byte is examined once however the stream is cut.
 */

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A stream that cannot be framed: the connection must be dropped. */
export class FramingError extends Error {
  constructor(
    message: string,
    /** Offset in the stream (bytes since the connection began) where the problem was seen. */
    readonly streamOffset: number,
  ) {
    super(`${message} at byte ${streamOffset}`);
  }

  /** JSON texts that were complete before the bad byte (still valid, in order). */
  completed: unknown[] = [];
}

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export class JsonFramer {
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private consumed = 0;
  private valueStart = 0;

  constructor(readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** True while a JSON text has begun but not ended. */
  get pending(): boolean {
    return this.depth > 0;
  }

  /**
   * Feeds one chunk; returns every JSON value completed by it, in order. Throws FramingError on
   * bytes that cannot start a JSON-RPC message, on malformed JSON and on oversized messages.
   */
  push(chunk: Uint8Array): unknown[] {
    const out: unknown[] = [];
    try {
      this.scan(chunk, out);
    } catch (err) {
      if (err instanceof FramingError) err.completed = out;
      throw err;
    }
    return out;
  }

  private scan(chunk: Uint8Array, out: unknown[]): void {
    let start = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.depth === 0) {
        if (isWhitespace(b)) continue;
        if (b !== OPEN_BRACE && b !== OPEN_BRACKET) {
          throw new FramingError(
            `unexpected character '${String.fromCharCode(b)}' outside a JSON text`,
            this.consumed + i,
          );
        }
        this.valueStart = this.consumed + i;
        start = i;
        this.depth = 1;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
        continue;
      }
      if (b === QUOTE) this.inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.depth++;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) {
          const tail = chunk.subarray(start, i + 1);
          this.checkSize(this.partBytes + tail.length, this.consumed + i);
          out.push(this.parse(tail));
          start = -1;
        }
      }
    }
    if (this.depth > 0 && start >= 0) {
      const tail = chunk.subarray(start);
      this.checkSize(this.partBytes + tail.length, this.consumed + chunk.length);
      // Copy: the caller may reuse its buffer.
      this.parts.push(Uint8Array.prototype.slice.call(tail));
      this.partBytes += tail.length;
    }
    this.consumed += chunk.length;
  }

  private checkSize(size: number, offset: number): void {
    if (size > this.maxMessageBytes) {
      throw new FramingError(`message exceeds ${this.maxMessageBytes} bytes`, offset);
    }
  }

  private parse(tail: Uint8Array): unknown {
    let bytes: Uint8Array;
    if (this.parts.length === 0) bytes = tail;
    else {
      bytes = new Uint8Array(this.partBytes + tail.length);
      let o = 0;
      for (const p of this.parts) {
        bytes.set(p, o);
        o += p.length;
      }
      bytes.set(tail, o);
    }
    this.parts = [];
    this.partBytes = 0;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new FramingError(`malformed JSON text (${(err as Error).message})`, this.valueStart);
    }
  }
}
