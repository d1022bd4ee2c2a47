import { describe, expect, it } from 'vitest';
import { encodeStreamFrame, FrameStreamDecoder, FrameStreamError } from '../src/frame-stream.js';

function frame(n: number, len: number): Uint8Array {
  return Uint8Array.from({ length: len }, (_, i) => (n * 31 + i) & 0xff);
}

function decodeAll(chunks: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  const d = new FrameStreamDecoder((f) => out.push(f.slice()));
  for (const c of chunks) d.push(c);
  if (d.buffered !== 0) throw new Error(`${d.buffered} bytes left over`);
  return out;
}

describe('dummy stream framing', () => {
  const frames = [frame(1, 14), frame(2, 60), frame(3, 1514), frame(4, 300), frame(5, 65535)];
  const wire = new Uint8Array(Buffer.concat(frames.map((f) => encodeStreamFrame(f))));

  it('is a 2-byte big-endian length then the frame', () => {
    expect(Array.from(encodeStreamFrame(frame(0, 300)).subarray(0, 2))).toEqual([1, 44]);
    expect(wire.length).toBe(frames.reduce((n, f) => n + 2 + f.length, 0));
  });

  it('decodes the same frames however the stream is cut (every boundary, two cuts)', () => {
    const small = new Uint8Array(Buffer.concat(frames.slice(0, 4).map((f) => encodeStreamFrame(f))));
    // Deep equality of big arrays is slow: compare a digest of the decoded frames instead.
    const digest = (fs: Uint8Array[]) => `${fs.map((f) => f.length).join(',')}:${Buffer.concat(fs).toString('base64')}`;
    const want = digest(frames.slice(0, 4));
    const failures: string[] = [];
    for (let cut = 0; cut <= small.length; cut++) {
      if (digest(decodeAll([small.subarray(0, cut), small.subarray(cut)])) !== want) failures.push(`cut ${cut}`);
    }
    for (let a = 0; a < 80; a++) {
      for (let b = a; b <= 160; b += 3) {
        if (digest(decodeAll([small.subarray(0, a), small.subarray(a, b), small.subarray(b)])) !== want)
          failures.push(`cuts ${a},${b}`);
      }
    }
    expect(failures).toEqual([]);
    expect(decodeAll([wire])).toEqual(frames);
    expect(decodeAll(Array.from(wire, (b) => Uint8Array.of(b)))).toEqual(frames);
  });

  it('rejects a frame shorter than an Ethernet header, naming its offset, after the good ones', () => {
    const out: number[] = [];
    let flushed = 0;
    const d = new FrameStreamDecoder(
      (f) => out.push(f.length),
      () => flushed++,
    );
    const bad = Buffer.concat([encodeStreamFrame(frame(1, 20)), Uint8Array.of(0, 13)]);
    expect(() => d.push(bad)).toThrow(FrameStreamError);
    expect(out).toEqual([20]);
    expect(flushed).toBe(1);
    const d2 = new FrameStreamDecoder(() => {});
    try {
      d2.push(bad);
    } catch (e) {
      expect((e as FrameStreamError).offset).toBe(22);
      expect((e as Error).message).toMatch(/frame length 13 at byte 22/);
    }
  });

  it('refuses to encode what cannot travel', () => {
    expect(() => encodeStreamFrame(new Uint8Array(13))).toThrow(RangeError);
    expect(() => encodeStreamFrame(new Uint8Array(65536))).toThrow(RangeError);
  });
});
