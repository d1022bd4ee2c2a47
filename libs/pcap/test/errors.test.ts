import { CaptureFormatError, encodePcap, readCaptureBuffer } from '@softswitch/pcap';
import { describe, expect, it } from 'vitest';
import { ByteWriter, frame, PcapngBuilder, toBigEndianPcap } from './builders.js';

/** The CaptureFormatError `bytes` give, checked for type, message and offset. */
function failure(bytes: Uint8Array, message: RegExp, offset: number): CaptureFormatError {
  let error: unknown;
  try {
    readCaptureBuffer(bytes);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CaptureFormatError);
  const e = error as CaptureFormatError;
  expect(e.message).toMatch(message);
  expect(e.offset).toBe(offset);
  expect(e.message).toContain(`at byte offset ${offset}`);
  return e;
}

const two = encodePcap([{ data: frame(60) }, { data: frame(70) }]);
const set32 = (bytes: Uint8Array, at: number, value: number, le = true) => {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(at, value, le);
  return copy;
};

describe('capture format errors', () => {
  it('empty and tiny files', () => {
    failure(new Uint8Array(0), /not a capture file: 0 bytes/, 0);
    failure(Uint8Array.of(0xd4, 0xc3), /not a capture file: 2 bytes/, 0);
  });

  it('unknown magic', () => {
    failure(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]), /unknown magic 0x7f454c46/, 0);
  });

  it('truncated classic file header', () => {
    failure(two.subarray(0, 20), /truncated pcap file header: 20 of 24 bytes/, 0);
  });

  it('Kuznetzov variant and unsupported version', () => {
    failure(set32(two, 0, 0xa1b2cd34), /Kuznetzov/, 0);
    const v3 = two.slice();
    v3[4] = 3;
    failure(v3, /unsupported pcap version 3\.4/, 4);
  });

  it('truncated last record: header, then data', () => {
    // Records start at 24 and 24 + 16 + 60 = 100.
    failure(two.subarray(0, 100 + 10), /truncated pcap record header: 10 of 16 bytes/, 100);
    const e = failure(two.subarray(0, 100 + 16 + 69), /truncated pcap record data: 69 of 70 bytes/, 100);
    expect(e.packets.length).toBe(1);
    expect(e.packets[0].data).toEqual(frame(60));
  });

  it('the same in big-endian files', () => {
    const be = toBigEndianPcap(two);
    failure(be.subarray(0, 100 + 16 + 1), /truncated pcap record data: 1 of 70 bytes/, 100);
  });

  it('captured length over the snapshot length or the 256 KiB limit', () => {
    const small = encodePcap([{ data: frame(60) }, { data: frame(60) }], { snaplen: 100 });
    failure(set32(small, 100 + 8, 101), /captured length 101 exceeds the file's snapshot length 100/, 100);
    failure(set32(two, 24 + 8, 262145), /captured length 262145 exceeds the 262144-byte limit/, 24);
    // snaplen 0 means "not recorded": only the hard limit applies.
    const unrecorded = set32(two, 16, 0);
    expect(readCaptureBuffer(unrecorded).length).toBe(2);
  });

  describe('pcapng', () => {
    const good = () => new PcapngBuilder().section(true).iface(1, 1000).epb(0, 0n, frame(60));
    // Offsets in `good()`: SHB 0..28, IDB 28..48, EPB 48..140.

    it('bad byte-order magic', () => {
      failure(set32(good().done(), 8, 0x12345678), /bad pcapng byte-order magic 0x78563412/, 8);
    });

    it('unsupported major version', () => {
      failure(new PcapngBuilder().section(true, [], [2, 0]).done(), /unsupported pcapng version 2\.0/, 12);
    });

    it('block lengths: below the minimum, not a multiple of 4, over the limit', () => {
      failure(set32(good().done(), 4, 24), /bad pcapng block length 24 \(below the minimum 28\)/, 4);
      failure(set32(good().done(), 28 + 4, 8), /bad pcapng block length 8 \(below the minimum 12\)/, 32);
      failure(set32(good().done(), 28 + 4, 21), /bad pcapng block length 21 \(not a multiple of 4\)/, 32);
      failure(set32(good().done(), 48 + 4, 0x7ffffff0), /bad pcapng block length 2147483632 \(over the limit\)/, 52);
    });

    it('leading and trailing block lengths that differ', () => {
      const bytes = new PcapngBuilder()
        .section(true)
        .block(1, (w) => w.u16(1).u16(0).u32(0), [], { trailing: 24 })
        .done();
      failure(bytes, /block length mismatch in block type 0x00000001: leading 20, trailing 24/, 28 + 16);
    });

    it('truncated block header and truncated block', () => {
      const bytes = good().done();
      failure(bytes.subarray(0, 48 + 8), /truncated pcapng block header: 8 of 12 bytes/, 48);
      const e = failure(bytes.subarray(0, 100), /truncated pcapng block type 0x00000006: 52 of 92 bytes/, 48);
      expect(e.packets).toEqual([]);
    });

    it('blocks too short for their fixed fields', () => {
      failure(
        new PcapngBuilder()
          .section(true)
          .block(1, (w) => w.u32(1))
          .done(),
        /block type 0x00000001 too short: body of 4 bytes, needs 8/,
        28,
      );
      failure(
        new PcapngBuilder()
          .section(true)
          .iface(1)
          .block(6, (w) => w.u32(0).u32(0))
          .done(),
        /type 0x00000006 too short: body of 8 bytes, needs 20/,
        48,
      );
      failure(
        new PcapngBuilder()
          .section(true)
          .iface(1)
          .block(3, () => {})
          .done(),
        /type 0x00000003 too short: body of 0 bytes, needs 4/,
        48,
      );
    });

    it('a packet for an interface the section does not describe', () => {
      failure(
        new PcapngBuilder().section(true).iface(1).epb(1, 0n, frame(4)).done(),
        /names interface 1, but the section describes 1/,
        56,
      );
      failure(
        new PcapngBuilder().section(true).spb(4, frame(4)).done(),
        /names interface 0, but the section describes 0/,
        28,
      );
      // A new section forgets the interfaces of the previous one.
      failure(
        new PcapngBuilder().section(true).iface(1).section(true).epb(0, 0n, frame(4)).done(),
        /names interface 0/,
        76 + 8,
      );
    });

    it('captured lengths over the block, the snapshot length, or the limit', () => {
      const overrun = good().done();
      new DataView(overrun.buffer).setUint32(48 + 20, 61, true);
      failure(overrun, /captured length 61 overruns its block \(60 bytes of data room\)/, 48);
      failure(
        new PcapngBuilder().section(true).iface(1, 50).epb(0, 0n, frame(60)).done(),
        /captured length 60 exceeds the interface's snapshot length 50/,
        48,
      );
      failure(
        new PcapngBuilder().section(true).iface(1, 0).epb(0, 0n, frame(262148)).done(),
        /262148 exceeds the 262144-byte limit/,
        48,
      );
    });

    it('options that overrun their block, and malformed if_tsresol/if_tsoffset', () => {
      const overrun = new PcapngBuilder()
        .section(true)
        .block(1, (w) => w.u16(1).u16(0).u32(0).u16(2).u16(9).raw([1, 2, 3, 4]))
        .done();
      failure(overrun, /pcapng option 2 of length 9 overruns its block \(which starts at 28\)/, 28 + 16);
      const tsresol = new PcapngBuilder()
        .section(true)
        .block(1, (w) => w.u16(1).u16(0).u32(0), [{ code: 9, value: [6, 0] }])
        .done();
      failure(tsresol, /if_tsresol option of length 2, expected 1/, 28 + 20);
      const tsoffset = new PcapngBuilder()
        .section(true)
        .block(1, (w) => w.u16(1).u16(0).u32(0), [{ code: 14, value: [1, 2, 3, 4] }])
        .done();
      failure(tsoffset, /if_tsoffset option of length 4, expected 8/, 28 + 20);
    });

    it('a second section with a bad byte-order magic', () => {
      const bytes = good()
        .raw(new ByteWriter(true).u32(0x0a0d0d0a).u32(28).u32(0xcafebabe).u32(0).u32(0).u32(0).u32(28).done())
        .done();
      const e = failure(bytes, /bad pcapng byte-order magic 0xbebafeca/, 140 + 8);
      expect(e.packets.length).toBe(1);
    });
  });
});
