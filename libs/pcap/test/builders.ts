// Test-side writers for capture formats the library only reads: pcapng (both byte orders) and
// big-endian classic pcap. Written independently of the decoders, from the format documents.

export class ByteWriter {
  private bytes: number[] = [];
  constructor(readonly littleEndian: boolean) {}
  u8(n: number): this {
    this.bytes.push(n & 0xff);
    return this;
  }
  u16(n: number): this {
    const b = [(n >>> 8) & 0xff, n & 0xff];
    this.bytes.push(...(this.littleEndian ? b.reverse() : b));
    return this;
  }
  u32(n: number): this {
    const b = [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
    this.bytes.push(...(this.littleEndian ? b.reverse() : b));
    return this;
  }
  u64(n: bigint): this {
    const hi = Number((n >> 32n) & 0xffffffffn);
    const lo = Number(n & 0xffffffffn);
    return this.littleEndian ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  raw(data: ArrayLike<number>): this {
    for (let i = 0; i < data.length; i++) this.bytes.push(data[i]);
    return this;
  }
  pad4(): this {
    while (this.bytes.length % 4) this.bytes.push(0);
    return this;
  }
  get length(): number {
    return this.bytes.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export interface NgOption {
  code: number;
  value: ArrayLike<number>;
}

export class PcapngBuilder {
  private parts: Uint8Array[] = [];
  private le = true;

  /** Appends a block of `type` with `body` (a function filling the body) and options. */
  block(type: number, body: (w: ByteWriter) => void, options: NgOption[] = [], opts: { trailing?: number } = {}): this {
    const w = new ByteWriter(this.le);
    body(w);
    w.pad4();
    if (options.length) {
      for (const o of options) w.u16(o.code).u16(o.value.length).raw(o.value).pad4();
      w.u16(0).u16(0);
    }
    const total = w.length + 12;
    const out = new ByteWriter(this.le)
      .u32(type)
      .u32(total)
      .raw(w.done())
      .u32(opts.trailing ?? total);
    this.parts.push(out.done());
    return this;
  }

  section(littleEndian: boolean, options: NgOption[] = [], version: [number, number] = [1, 0]): this {
    this.le = littleEndian;
    return this.block(
      0x0a0d0d0a,
      (w) =>
        w
          .u32(0x1a2b3c4d)
          .u16(version[0])
          .u16(version[1])
          .u64(-1n & 0xffffffffffffffffn),
      options,
    );
  }

  /** An interface; `tsresol` is the raw if_tsresol byte, `tsoffset` seconds. */
  iface(linkType = 1, snaplen = 262144, opt: { tsresol?: number; tsoffset?: bigint; name?: string } = {}): this {
    const options: NgOption[] = [];
    if (opt.name) options.push({ code: 2, value: Array.from(new TextEncoder().encode(opt.name)) });
    if (opt.tsresol !== undefined) options.push({ code: 9, value: [opt.tsresol] });
    if (opt.tsoffset !== undefined) {
      const w = new ByteWriter(this.le).u64(opt.tsoffset);
      options.push({ code: 14, value: w.done() });
    }
    return this.block(1, (w) => w.u16(linkType).u16(0).u32(snaplen), options);
  }

  epb(ifId: number, units: bigint, data: Uint8Array, originalLength = data.length, options: NgOption[] = []): this {
    return this.block(
      6,
      (w) =>
        w
          .u32(ifId)
          .u32(Number(units >> 32n))
          .u32(Number(units & 0xffffffffn))
          .u32(data.length)
          .u32(originalLength)
          .raw(data),
      options,
    );
  }

  spb(originalLength: number, data: Uint8Array): this {
    return this.block(3, (w) => w.u32(originalLength).raw(data));
  }

  opb(ifId: number, units: bigint, data: Uint8Array): this {
    return this.block(2, (w) =>
      w
        .u16(ifId)
        .u16(0)
        .u32(Number(units >> 32n))
        .u32(Number(units & 0xffffffffn))
        .u32(data.length)
        .u32(data.length)
        .raw(data),
    );
  }

  /** Name resolution block with one IPv4 record, to be skipped by readers. */
  nrb(): this {
    return this.block(4, (w) => w.u16(1).u16(8).raw([10, 0, 0, 1]).raw([104, 111, 115, 116]).u16(0).u16(0));
  }

  /** Interface statistics block, to be skipped by readers. */
  isb(ifId: number): this {
    return this.block(5, (w) => w.u32(ifId).u32(0).u32(0));
  }

  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    return this;
  }

  done(): Uint8Array {
    const n = this.parts.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Rewrites a little-endian classic pcap (as encodePcap makes) in big-endian byte order. */
export function toBigEndianPcap(le: Uint8Array): Uint8Array {
  const out = le.slice();
  const swap = (at: number, n: number) => out.subarray(at, at + n).reverse();
  swap(0, 4);
  swap(4, 2);
  swap(6, 2);
  for (const at of [8, 12, 16, 20]) swap(at, 4);
  const view = new DataView(le.buffer, le.byteOffset, le.byteLength);
  let at = 24;
  while (at < le.length) {
    const caplen = view.getUint32(at + 8, true);
    for (let i = 0; i < 16; i += 4) swap(at + i, 4);
    at += 16 + caplen;
  }
  return out;
}

/** Frames with recognisable contents. */
export function frame(n: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
}

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Feeds `bytes` as an async stream of `chunk`-byte pieces. */
export async function* chunked(bytes: Uint8Array, chunk: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += chunk) yield bytes.slice(at, at + chunk);
}

/** Byte equality for large arrays (vitest's deep equality is slow on megabytes). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
