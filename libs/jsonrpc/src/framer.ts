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

/** Where two JSON texts sent back to back meet. */
const MESSAGE_JOINT = Buffer.from('}{');

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
    const single = this.depth === 0 ? this.wholeMessage(chunk) : undefined;
    if (single !== undefined) return [single];
    const out: unknown[] = [];
    try {
      this.scan(chunk, out);
    } catch (err) {
      if (err instanceof FramingError) err.completed = out;
      throw err;
    }
    return out;
  }

  /**
   * The usual chunk holds exactly one message (a client waiting for each reply): then it is
   * parsed without the byte-by-byte scan. It qualifies if it starts with '{' or '[', ends with
   * '}' or ']', and has no "}{" where two messages would meet; JSON.parse then succeeds only if
   * it is one JSON text. Anything else (or a parse error) is left to the scanner.
   */
  private wholeMessage(chunk: Uint8Array): unknown {
    const n = chunk.length;
    if (n < 2 || n > this.maxMessageBytes) return undefined;
    const first = chunk[0];
    const last = chunk[n - 1];
    if ((first !== OPEN_BRACE && first !== OPEN_BRACKET) || (last !== CLOSE_BRACE && last !== CLOSE_BRACKET)) {
      return undefined;
    }
    // Sockets hand over Buffers; anything else goes to the scanner.
    if (!(chunk instanceof Buffer) || chunk.indexOf(MESSAGE_JOINT) >= 0) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(chunk.toString('utf8'));
    } catch {
      return undefined;
    }
    this.consumed += n;
    return value;
  }

  private scan(chunk: Uint8Array, out: unknown[]): void {
    // The scanner's state lives in locals inside the loop (stored back before anything that may
    // throw or return): this loop sees every byte of every message.
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let start = depth > 0 ? 0 : -1;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
        continue;
      }
      if (depth === 0) {
        if (isWhitespace(b)) continue;
        if (b !== OPEN_BRACE && b !== OPEN_BRACKET) {
          this.depth = 0;
          throw new FramingError(
            `unexpected character '${String.fromCharCode(b)}' outside a JSON text`,
            this.consumed + i,
          );
        }
        this.valueStart = this.consumed + i;
        start = i;
        depth = 1;
        continue;
      }
      if (b === QUOTE) inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        if (--depth === 0) {
          this.depth = 0;
          this.inString = false;
          this.escaped = false;
          this.checkSize(this.partBytes + (i + 1 - start), this.consumed + i);
          out.push(this.parse(chunk, start, i + 1));
          start = -1;
        }
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    if (depth > 0 && start >= 0) {
      const tail = chunk.subarray(start);
      this.checkSize(this.partBytes + tail.length, this.consumed + n);
      // Copy: the caller may reuse its buffer.
      this.parts.push(Uint8Array.prototype.slice.call(tail));
      this.partBytes += tail.length;
    }
    this.consumed += n;
  }

  private checkSize(size: number, offset: number): void {
    if (size > this.maxMessageBytes) {
      throw new FramingError(`message exceeds ${this.maxMessageBytes} bytes`, offset);
    }
  }

  /** Parses chunk[start, end), after the parts kept from earlier chunks. */
  private parse(chunk: Uint8Array, start: number, end: number): unknown {
    let text: string;
    if (this.parts.length === 0) {
      // The usual case, a message within one chunk: decode it in place, no copy.
      text = Buffer.isBuffer(chunk)
        ? chunk.toString('utf8', start, end)
        : Buffer.from(chunk.buffer, chunk.byteOffset + start, end - start).toString('utf8');
    } else {
      const bytes = Buffer.allocUnsafe(this.partBytes + (end - start));
      let o = 0;
      for (const p of this.parts) {
        bytes.set(p, o);
        o += p.length;
      }
      bytes.set(chunk.subarray(start, end), o);
      this.parts = [];
      this.partBytes = 0;
      text = bytes.toString('utf8');
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new FramingError(`malformed JSON text (${(err as Error).message})`, this.valueStart);
    }
  }
}
