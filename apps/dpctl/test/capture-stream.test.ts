import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCaptureLine, formatCaptureTime } from '../src/live/capture-lines.js';
import {
  type CaptureRecord,
  CaptureStreamError,
  CaptureStreamReader,
  encodeCaptureRecord,
  RECORD_HEADER_BYTES,
} from '../src/live/capture-stream.js';

const record = (direction: 'rx' | 'tx', ns: bigint, bytes: number[]): CaptureRecord => ({
  direction,
  timestampNs: ns,
  data: Uint8Array.from(bytes),
  originalLength: bytes.length,
});

describe('capture stream reader', () => {
  const records = [
    record('rx', 1_700_000_000_123_456_789n, [1, 2, 3, 4]),
    record('tx', 1_700_000_001_000_000_000n, []),
    record(
      'tx',
      5n,
      Array.from({ length: 70 }, (_, i) => i),
    ),
  ];
  const stream = Buffer.concat(records.map((r) => encodeCaptureRecord(r)));

  it('reads records cut at every byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new CaptureStreamReader();
      const got = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(got, `cut at ${cut}`).toEqual(records);
      expect(reader.leftover).toBe(0);
    }
  });

  it('reads any records fed in any chunking (property)', () => {
    const arbRecord = fc.record({
      direction: fc.constantFrom<'rx' | 'tx'>('rx', 'tx'),
      timestampNs: fc.bigInt({ min: 0n, max: 4_000_000_000n * 1_000_000_000n }),
      data: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(fc.array(arbRecord, { maxLength: 20 }), fc.array(fc.nat(400), { maxLength: 30 }), (rs, cuts) => {
        const bytes = Buffer.concat(rs.map((r) => encodeCaptureRecord(r)));
        const reader = new CaptureStreamReader();
        const got: CaptureRecord[] = [];
        let at = 0;
        for (const c of cuts) {
          got.push(...reader.push(bytes.subarray(at, Math.min(bytes.length, at + c))));
          at = Math.min(bytes.length, at + c);
        }
        got.push(...reader.push(bytes.subarray(at)));
        expect(got).toEqual(rs.map((r) => ({ ...r, originalLength: r.data.length })));
      }),
    );
  });

  it('keeps a cut record as leftover and refuses garbage with its offset', () => {
    const reader = new CaptureStreamReader();
    expect(reader.push(stream.subarray(0, RECORD_HEADER_BYTES + 2))).toEqual([]);
    expect(reader.leftover).toBe(RECORD_HEADER_BYTES + 2);
    const bad = Buffer.alloc(RECORD_HEADER_BYTES);
    bad.writeUInt32LE(7, 0);
    expect(() => new CaptureStreamReader().push(bad)).toThrow(CaptureStreamError);
    expect(() => new CaptureStreamReader().push(bad)).toThrow(/offset 0 \(direction 7/);
  });
});

describe('capture lines', () => {
  it('prints time with microseconds, port, direction, the flow in OVS syntax and the length', () => {
    const frame = Buffer.from(
      // Ethernet + IPv4 + UDP 10.0.0.1:1234 -> 10.0.0.2:53
      'ffffffffffff0000000000010800' + '4500001c00000000401100000a0000010a000002' + '04d200350008' + '0000',
      'hex',
    );
    const ns = BigInt(new Date(2026, 0, 2, 3, 4, 5).getTime()) * 1_000_000n + 123_456_789n;
    const line = formatCaptureLine('p1', { direction: 'tx', timestampNs: ns, data: frame, originalLength: 60 });
    expect(formatCaptureTime(ns)).toBe('03:04:05.123456');
    expect(line).toMatch(/^03:04:05\.123456 p1 tx udp,/);
    expect(line).toContain('nw_src=10.0.0.1,nw_dst=10.0.0.2');
    expect(line).toContain('tp_src=1234,tp_dst=53');
    expect(line).toMatch(/ len=60$/);
  });
});
