import { execFileSync } from 'node:child_process';
import { createWriteStream, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CapturedPacket,
  CaptureFormatError,
  encodePcap,
  openCapture,
  readCaptureBuffer,
  readCaptureFile,
  readCaptureStream,
} from '@softswitch/pcap';
import { beforeAll, describe, expect, it } from 'vitest';
import { chunked, collect, frame, PcapngBuilder, toBigEndianPcap } from './builders.js';

const summary = (packets: CapturedPacket[]) =>
  packets.map((p) => [p.index, p.timestampNs, p.originalLength, p.linkType, Buffer.from(p.data).toString('hex')]);

const packets = Array.from({ length: 5 }, (_, i) => ({
  data: frame(20 + i * 13, i),
  timestampNs: 1_000_000_123n * BigInt(i + 1),
}));
const samples: Record<string, Uint8Array> = {
  'classic, microseconds': encodePcap(packets),
  'classic, nanoseconds': encodePcap(packets, { nanosecond: true }),
  'classic, big-endian nanoseconds': toBigEndianPcap(encodePcap(packets, { nanosecond: true })),
  'pcapng, two sections': new PcapngBuilder()
    .section(true)
    .iface(1, 0, { tsresol: 9 })
    .epb(0, 5n, frame(30, 1))
    .nrb()
    .spb(25, frame(25, 2))
    .section(false)
    .iface(101)
    .epb(0, 7n, frame(40, 3))
    .done(),
};

describe('streaming reader', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pcap-stream-'));
  });

  for (const [name, bytes] of Object.entries(samples)) {
    it(`openCapture gives what readCaptureBuffer gives: ${name}`, async () => {
      const path = join(dir, `${name.replace(/\W+/g, '-')}.pcap`);
      writeFileSync(path, bytes);
      const expected = summary(readCaptureBuffer(bytes));
      expect(expected.length).toBeGreaterThan(2);
      expect(summary(await collect(openCapture(path)))).toEqual(expected);
      expect(summary(await readCaptureFile(path))).toEqual(expected);
    });

    it(`any chunking of the input gives the same packets: ${name}`, async () => {
      const expected = summary(readCaptureBuffer(bytes));
      for (const size of [1, 2, 3, 5, 7, 16, 23, 24, 25, 64, 4096]) {
        expect(summary(await collect(readCaptureStream(chunked(bytes, size))))).toEqual(expected);
      }
    });
  }

  it('can be iterated again, and closes the file when the loop breaks', async () => {
    const path = join(dir, 'again.pcap');
    writeFileSync(path, samples['classic, microseconds']);
    const capture = openCapture(path);
    for await (const p of capture) {
      expect(p.index).toBe(0);
      break;
    }
    expect((await collect(capture)).length).toBe(5);
  });

  it.runIf(process.platform === 'linux')('leaks no file descriptors when loops break early', async () => {
    const path = join(dir, 'fds.pcap');
    writeFileSync(path, encodePcap(Array.from({ length: 2000 }, (_, i) => ({ data: frame(60, i) }))));
    const ngPath = join(dir, 'fds.pcapng');
    writeFileSync(ngPath, samples['pcapng, two sections']);
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 50; i++) {
      for await (const p of openCapture(path)) if (p.index === 10) break;
      for await (const p of openCapture(ngPath)) if (p.index === 1) break;
    }
    const deadline = Date.now() + 5000;
    while (open() > before && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(open()).toBeLessThanOrEqual(before);
  });

  it('streams a large file with the consumer slower than the input', async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({ data: frame(60 + (i % 200), i), timestampNs: BigInt(i) }));
    const path = join(dir, 'large.pcap');
    writeFileSync(path, encodePcap(many, { nanosecond: true }));
    let n = 0;
    for await (const p of openCapture(path)) {
      if (p.index !== n || p.timestampNs !== BigInt(n) || p.data.length !== 60 + (n % 200))
        throw new Error(`packet ${n} differs`);
      if (n % 5000 === 0) await new Promise((r) => setTimeout(r, 5));
      n++;
    }
    expect(n).toBe(20_000);
  });

  it('yields the packets before a fault, then throws the fault', async () => {
    for (const bytes of [samples['classic, microseconds'], samples['pcapng, two sections']]) {
      const cut = bytes.subarray(0, bytes.length - 3);
      const got: CapturedPacket[] = [];
      let error: unknown;
      try {
        for await (const p of readCaptureStream(chunked(cut, 10))) got.push(p);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CaptureFormatError);
      expect(got.length).toBe(readCaptureBuffer(bytes).length - 1);
    }
  });

  it.runIf(process.platform === 'linux')('reads a FIFO as its writer fills it', async () => {
    const fifo = join(dir, 'capture.fifo');
    execFileSync('mkfifo', [fifo]);
    const bytes = samples['classic, nanoseconds'];
    const writer = createWriteStream(fifo);
    // Header and first record first; the rest only once the reader has seen a packet.
    writer.write(bytes.subarray(0, 24 + 16 + 20));
    const got: CapturedPacket[] = [];
    for await (const p of openCapture(fifo)) {
      got.push(p);
      if (got.length === 1) writer.end(bytes.subarray(24 + 16 + 20));
    }
    expect(summary(got)).toEqual(summary(readCaptureBuffer(bytes)));
  });

  it('reports a missing file as the file system error', async () => {
    await expect(collect(openCapture(join(dir, 'missing.pcap')))).rejects.toThrow(/ENOENT/);
  });
});
