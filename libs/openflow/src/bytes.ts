/**
 * A growable big-endian byte writer: reserve a header, write the body, patch lengths afterwards
 * (OpenFlow nests lengths: message, match, instruction, action).
 */
export class Writer {
  buf: Uint8Array;
  view: DataView;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.length, v & 0xffff);
    this.length += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.length, v >>> 0);
    this.length += 4;
    return this;
  }

  u64(v: bigint): this {
    this.ensure(8);
    // Cookies and their masks are mostly 0: no bigint builtins for those.
    if (v === 0n) {
      const b = this.buf;
      const p = this.length;
      b[p] = b[p + 1] = b[p + 2] = b[p + 3] = b[p + 4] = b[p + 5] = b[p + 6] = b[p + 7] = 0;
    } else this.view.setBigUint64(this.length, BigInt.asUintN(64, v));
    this.length += 8;
    return this;
  }

  /** Writes the low `bytes` bytes of `v`, big-endian. */
  uint(v: bigint, bytes: number): this {
    this.ensure(bytes);
    if (bytes <= 4) {
      let n = Number(v & 0xffffffffn);
      for (let i = bytes - 1; i >= 0; i--) {
        this.buf[this.length + i] = n & 0xff;
        n = Math.floor(n / 256);
      }
      this.length += bytes;
      return this;
    }
    if (bytes > 16) return this.uintLong(v, bytes);
    // MACs, 64-bit and IPv6 values: a few 32-bit words, not a bigint shift per byte.
    let n = BigInt.asUintN(bytes * 8, v);
    for (let end = this.length + bytes; end > this.length; end -= 4) {
      let word = Number(n & 0xffffffffn);
      n >>= 32n;
      for (let i = end - 1; i >= end - 4 && i >= this.length; i--) {
        this.buf[i] = word & 0xff;
        word >>>= 8;
      }
    }
    this.length += bytes;
    return this;
  }

  /** uint for wide values (tun_metadata's up to 124 bytes): one hex string, not a shift per byte. */
  private uintLong(v: bigint, bytes: number): this {
    const hex = BigInt.asUintN(bytes * 8, v)
      .toString(16)
      .padStart(bytes * 2, '0');
    for (let i = 0; i < bytes; i++) this.buf[this.length++] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return this;
  }

  /** Writes the low `bytes` (at most 4) bytes of the number `v`, big-endian. */
  uintNum(v: number, bytes: number): this {
    this.ensure(bytes);
    const b = this.buf;
    let p = this.length;
    if (bytes === 4) b[p++] = v >>> 24;
    if (bytes >= 3) b[p++] = v >>> 16;
    if (bytes >= 2) b[p++] = v >>> 8;
    b[p++] = v;
    this.length = p;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    // Padding is a few bytes: a loop beats fill()'s call into the runtime.
    if (n > 16) this.buf.fill(0, this.length, this.length + n);
    else for (let i = this.length; i < this.length + n; i++) this.buf[i] = 0;
    this.length += n;
    return this;
  }

  /** Pads with zeros to a multiple of `align` counted from `start`. */
  pad(align: number, start = 0): this {
    const rem = (this.length - start) % align;
    if (rem) this.zeros(align - rem);
    return this;
  }

  setU16(offset: number, v: number): void {
    this.view.setUint16(offset, v & 0xffff);
  }

  setU32(offset: number, v: number): void {
    this.view.setUint32(offset, v >>> 0);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function readU32(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

/** Reads `bytes` (at most 4) bytes big-endian at `off` as a number. */
export function readUintNum(b: Uint8Array, off: number, bytes: number): number {
  let n = 0;
  for (let i = 0; i < bytes; i++) n = n * 256 + b[off + i];
  return n;
}

/** Reads `bytes` bytes big-endian at `off` as a bigint. */
export function readUint(b: Uint8Array, off: number, bytes: number): bigint {
  // Common widths through plain numbers; bigint per byte is slow.
  if (bytes <= 4) {
    let n = 0;
    for (let i = 0; i < bytes; i++) n = n * 256 + b[off + i];
    return BigInt(n);
  }
  if (bytes === 6) return BigInt(((b[off] << 8) | b[off + 1]) * 0x100000000 + readU32(b, off + 2));
  if (bytes === 8) return (BigInt(readU32(b, off)) << 32n) | BigInt(readU32(b, off + 4));
  if (bytes > 16) {
    // Wide values (tun_metadata's up to 124 bytes): one hex string, not a bigint op per byte.
    let hex = '0x';
    for (let i = 0; i < bytes; i++) hex += HEX_BYTE[b[off + i]];
    return BigInt(hex);
  }
  let v = 0n;
  for (let i = 0; i < bytes; i++) v = (v << 8n) | BigInt(b[off + i]);
  return v;
}

/** Each byte value's two lower-case hex digits. */
export const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
}

export function fromHex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  if (clean.length % 2 || /[^0-9a-fA-F]/.test(clean)) throw new Error('trailing garbage in hex data');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Appends a property (OVS's ofpprop_put) padded to 8 bytes. */
export function putProp(w: Writer, type: number, payload: (w: Writer) => void): void {
  const start = w.length;
  w.u16(type).u16(0);
  payload(w);
  w.setU16(start + 2, w.length - start);
  w.pad(8, start);
}
