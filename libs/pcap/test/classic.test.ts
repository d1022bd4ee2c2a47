import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePcap, LinkType, PcapWriter, readCaptureBuffer, readCaptureFile } from '@softswitch/pcap';
import { describe, expect, it } from 'vitest';
import { frame, sameBytes, toBigEndianPcap } from './builders.js';

const T0 = 1_700_000_000_123_456_789n;
const packets = [
  { data: frame(60, 1), timestampNs: T0 },
  { data: frame(1514, 2), timestampNs: T0 + 1_000n },
  { data: frame(0), timestampNs: T0 + 2_000_000_000n },
  { data: frame(14, 3), timestampNs: 0n },
];

describe('classic pcap round trip', () => {
  it('writes the file header libpcap writes (little-endian, 2.4, snaplen, link type)', () => {
    const bytes = encodePcap([], { linkType: LinkType.RAW, snaplen: 65535 });
    expect(Array.from(bytes)).toEqual([
      0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 101, 0, 0, 0,
    ]);
    expect(Array.from(encodePcap([], { nanosecond: true }).subarray(0, 4))).toEqual([0x4d, 0x3c, 0xb2, 0xa1]);
  });

  it('reads back microsecond files, truncating timestamps to microseconds', () => {
    const read = readCaptureBuffer(encodePcap(packets));
    expect(read.map((p) => p.index)).toEqual([0, 1, 2, 3]);
    expect(read.map((p) => p.timestampNs)).toEqual([T0 - 789n, T0 + 1_000n - 789n, T0 + 2_000_000_000n - 789n, 0n]);
    read.forEach((p, i) => {
      expect(p.data).toEqual(packets[i].data);
      expect(p.originalLength).toBe(packets[i].data.length);
      expect(p.linkType).toBe(1);
    });
  });

  it('reads back nanosecond files exactly', () => {
    const read = readCaptureBuffer(encodePcap(packets, { nanosecond: true, linkType: 113 }));
    expect(read.map((p) => p.timestampNs)).toEqual(packets.map((p) => p.timestampNs));
    expect(read.every((p) => p.linkType === 113)).toBe(true);
  });

  it('reads big-endian files, micro- and nanosecond', () => {
    for (const nanosecond of [false, true]) {
      const le = encodePcap(packets, { nanosecond });
      const be = toBigEndianPcap(le);
      expect(be[0]).toBe(0xa1);
      expect(readCaptureBuffer(be)).toEqual(readCaptureBuffer(le));
    }
  });

  it('cuts packets to the snapshot length and keeps their original length', () => {
    const read = readCaptureBuffer(encodePcap(packets, { snaplen: 64 }));
    expect(read.map((p) => p.data.length)).toEqual([60, 64, 0, 14]);
    expect(read.map((p) => p.originalLength)).toEqual([60, 1514, 0, 14]);
    expect(read[1].data).toEqual(packets[1].data.subarray(0, 64));
  });

  it('defaults timestamps to 0 so that output depends on input only', () => {
    expect(readCaptureBuffer(encodePcap([{ data: frame(60) }]))[0].timestampNs).toBe(0n);
  });

  it('gives packet data as views into the buffer, without copying', () => {
    const bytes = encodePcap(packets);
    const read = readCaptureBuffer(bytes);
    expect(read[0].data.buffer).toBe(bytes.buffer);
    expect(read[0].data.byteOffset).toBe(24 + 16);
  });

  it('carries a timestamp fraction of a second or more into the seconds', () => {
    const bytes = encodePcap([{ data: frame(4), timestampNs: 5_000_000_000n }]);
    new DataView(bytes.buffer).setUint32(24 + 4, 1_500_000, true);
    expect(readCaptureBuffer(bytes)[0].timestampNs).toBe(6_500_000_000n);
  });

  it('rejects options and timestamps pcap cannot hold', () => {
    expect(() => encodePcap([], { snaplen: 0 })).toThrow(RangeError);
    expect(() => encodePcap([], { snaplen: 262145 })).toThrow(RangeError);
    expect(() => encodePcap([], { linkType: 0x10000 })).toThrow(RangeError);
    expect(() => encodePcap([{ data: frame(1), timestampNs: -1n }])).toThrow(/before 1970/);
    expect(() => encodePcap([{ data: frame(1), timestampNs: 2n ** 32n * 1_000_000_000n }])).toThrow(/2106/);
    expect(
      readCaptureBuffer(encodePcap([{ data: frame(1), timestampNs: (2n ** 32n - 1n) * 1_000_000_000n }]))[0]
        .timestampNs,
    ).toBe((2n ** 32n - 1n) * 1_000_000_000n);
  });
});

describe('PcapWriter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pcap-writer-'));

  it('writes the same bytes as encodePcap', async () => {
    for (const nanosecond of [false, true]) {
      const path = join(dir, `w-${nanosecond}.pcap`);
      const w = PcapWriter.open(path, { nanosecond, snaplen: 1000 });
      for (const p of packets) w.write(p.data, p.timestampNs);
      await w.close();
      expect(new Uint8Array(readFileSync(path))).toEqual(encodePcap(packets, { nanosecond, snaplen: 1000 }));
    }
  });

  it('buffers many records across flushes', async () => {
    const path = join(dir, 'many.pcap');
    const w = PcapWriter.open(path);
    const many = Array.from({ length: 3000 }, (_, i) => ({
      data: frame(60 + (i % 1400), i),
      timestampNs: BigInt(i) * 1000n,
    }));
    for (const p of many) w.write(p.data, p.timestampNs);
    await w.close();
    const read = await readCaptureFile(path);
    expect(read.length).toBe(3000);
    expect(read[2999].data).toEqual(many[2999].data);
    expect(sameBytes(readFileSync(path), encodePcap(many))).toBe(true);
  });

  it('writes the header at open, makes records visible on flush, and closes once', async () => {
    const path = join(dir, 'flush.pcap');
    const w = PcapWriter.open(path);
    expect(readFileSync(path).length).toBe(24);
    w.write(frame(60), 5n);
    w.flush();
    expect((await readCaptureFile(path)).length).toBe(1);
    await w.close();
    await w.close();
    expect(() => w.write(frame(60))).toThrow(/after close/);
  });

  it('stamps packets with the wall clock by default', async () => {
    const path = join(dir, 'clock.pcap');
    const before = BigInt(Date.now()) * 1_000_000n;
    const w = PcapWriter.open(path, { nanosecond: true });
    w.write(frame(60));
    await w.close();
    const ts = (await readCaptureFile(path))[0].timestampNs;
    expect(ts >= before && ts <= BigInt(Date.now()) * 1_000_000n).toBe(true);
  });
});
