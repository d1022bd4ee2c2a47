import { readCaptureBuffer } from '@softswitch/pcap';
import { describe, expect, it } from 'vitest';
import { frame, PcapngBuilder } from './builders.js';

describe('pcapng', () => {
  for (const littleEndian of [true, false]) {
    it(`reads enhanced packet blocks (${littleEndian ? 'little' : 'big'}-endian section)`, () => {
      const bytes = new PcapngBuilder()
        .section(littleEndian, [{ code: 4, value: Array.from(new TextEncoder().encode('softswitch test')) }])
        .iface(1, 262144, { name: 'eth0' })
        .epb(0, 1_700_000_000_123_456n, frame(60, 1))
        .epb(0, 1_700_000_000_123_457n, frame(100, 2), 1500, [{ code: 2, value: [0, 0, 0, 1] }])
        .done();
      const read = readCaptureBuffer(bytes);
      expect(read.map((p) => [p.index, p.timestampNs, p.data.length, p.originalLength, p.linkType])).toEqual([
        [0, 1_700_000_000_123_456_000n, 60, 60, 1],
        [1, 1_700_000_000_123_457_000n, 100, 1500, 1],
      ]);
      expect(read[1].data).toEqual(frame(100, 2));
    });
  }

  it('applies if_tsresol (powers of 10 and of 2) and if_tsoffset per interface', () => {
    const bytes = new PcapngBuilder()
      .section(true)
      .iface(1, 0, { tsresol: 9 })
      .iface(1, 0, { tsresol: 3 })
      .iface(1, 0, { tsresol: 0x80 | 10 }) // units of 1/1024 s
      .iface(1, 0, { tsresol: 12 }) // picoseconds
      .iface(1, 0, { tsoffset: 100n }) // default microseconds, plus 100 s
      .epb(0, 1_700_000_000_123_456_789n, frame(10))
      .epb(1, 1_700_000_000_123n, frame(10))
      .epb(2, 1024n * 5n + 512n, frame(10))
      .epb(3, 1_000_000_000_123_999n, frame(10))
      .epb(4, 7n, frame(10))
      .done();
    expect(readCaptureBuffer(bytes).map((p) => p.timestampNs)).toEqual([
      1_700_000_000_123_456_789n,
      1_700_000_000_123_000_000n,
      5_500_000_000n,
      1_000_000_000_123n,
      100_000_007_000n,
    ]);
  });

  it('gives each packet the link type of its interface', () => {
    const bytes = new PcapngBuilder()
      .section(true)
      .iface(1)
      .iface(101)
      .epb(1, 0n, frame(20))
      .epb(0, 0n, frame(20))
      .done();
    expect(readCaptureBuffer(bytes).map((p) => p.linkType)).toEqual([101, 1]);
  });

  it('reads simple packet blocks, cut to the snapshot length, with no timestamp', () => {
    const bytes = new PcapngBuilder().section(false).iface(1, 64).spb(60, frame(60)).spb(1000, frame(64)).done();
    const read = readCaptureBuffer(bytes);
    expect(read.map((p) => [p.data.length, p.originalLength, p.timestampNs])).toEqual([
      [60, 60, 0n],
      [64, 1000, 0n],
    ]);
  });

  it('reads obsolete packet blocks', () => {
    const bytes = new PcapngBuilder().section(true).iface(1).opb(0, 2_000_000n, frame(42)).done();
    expect(readCaptureBuffer(bytes).map((p) => [p.data.length, p.timestampNs])).toEqual([[42, 2_000_000_000n]]);
  });

  it('skips name resolution, statistics and unknown blocks', () => {
    const bytes = new PcapngBuilder()
      .section(true)
      .nrb()
      .iface(1)
      .isb(0)
      .block(0x40000bad, (w) => w.u32(0xdeadbeef))
      .epb(0, 0n, frame(30))
      .done();
    expect(readCaptureBuffer(bytes).length).toBe(1);
  });

  it('starts afresh at each section: byte order and interfaces', () => {
    const bytes = new PcapngBuilder()
      .section(true)
      .iface(1)
      .iface(1)
      .epb(1, 1n, frame(10, 1))
      .section(false)
      .iface(101, 0, { tsresol: 9 })
      .epb(0, 5n, frame(11, 2))
      .section(true)
      .iface(113)
      .epb(0, 3n, frame(12, 3))
      .done();
    const read = readCaptureBuffer(bytes);
    expect(read.map((p) => [p.index, p.linkType, p.timestampNs, p.data.length])).toEqual([
      [0, 1, 1000n, 10],
      [1, 101, 5n, 11],
      [2, 113, 3000n, 12],
    ]);
    expect(read[1].data).toEqual(frame(11, 2));
  });

  it('reads a section with no packets as empty', () => {
    expect(readCaptureBuffer(new PcapngBuilder().section(true).iface(1).done())).toEqual([]);
  });
});
