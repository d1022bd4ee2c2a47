import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureFile } from '@softswitch/pcap';
import { describe, expect, it } from 'vitest';
import { DummyNetdev } from '../src/dummy.js';
import { completeChecksum, readVirtioNetHdr, segmentTcp } from '../src/offload.js';

function sum16(b: Uint8Array, from: number, to: number, s = 0): number {
  for (let i = from; i < to; i += 2) s += (b[i] << 8) | (i + 1 < to ? b[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

const payloadOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + 5) & 0xff);

/** Ethernet + IPv4/IPv6 + L4 header (20-byte TCP or 8-byte UDP) + payload; checksums left at 0. */
function frame(v6: boolean, proto: 6 | 17, payload: Uint8Array, tcpFlags = 0x18): Uint8Array {
  const l3 = 14;
  const ipLen = v6 ? 40 : 20;
  const l4Len = proto === 6 ? 20 : 8;
  const f = new Uint8Array(l3 + ipLen + l4Len + payload.length);
  f.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, v6 ? 0x86 : 0x08, v6 ? 0xdd : 0x00]);
  const l4 = l3 + ipLen;
  if (v6) {
    const plen = l4Len + payload.length;
    f.set([0x60, 0, 0, 0, plen >> 8, plen & 255, proto, 64], l3);
    f.set([0xfd, 0, ...new Array(13).fill(0), 1], l3 + 8);
    f.set([0xfd, 0, ...new Array(13).fill(0), 2], l3 + 24);
  } else {
    const total = 20 + l4Len + payload.length;
    f.set([0x45, 0, total >> 8, total & 255, 0x10, 0x00, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], l3);
  }
  f.set([0x30, 0x39, 0x00, 0x50], l4);
  if (proto === 6) {
    f.set([0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0, 0x50, tcpFlags, 0xff, 0xff], l4 + 4);
  } else {
    const ulen = 8 + payload.length;
    f.set([ulen >> 8, ulen & 255], l4 + 4);
  }
  f.set(payload, l4 + l4Len);
  return f;
}

function pseudoSum(f: Uint8Array, v6: boolean, proto: number, l4: number): number {
  const len = f.length - l4;
  return v6 ? sum16(f, 22, 54, proto + len) : sum16(f, 26, 34, proto + len);
}

function l4Valid(f: Uint8Array, v6: boolean, proto: number): boolean {
  const l4 = v6 ? 54 : 34;
  return sum16(f, l4, f.length, pseudoSum(f, v6, proto, l4)) === 0xffff;
}

describe('offload completion', () => {
  for (const v6 of [false, true]) {
    for (const proto of [6, 17] as const) {
      it(`completes a partial ${proto === 6 ? 'TCP' : 'UDP'} checksum over IPv${v6 ? 6 : 4}`, () => {
        const f = frame(v6, proto, payloadOf(333));
        const l4 = v6 ? 54 : 34;
        const off = proto === 6 ? 16 : 6;
        // CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum, not complemented.
        const p = pseudoSum(f, v6, proto, l4);
        f[l4 + off] = p >> 8;
        f[l4 + off + 1] = p & 255;
        expect(l4Valid(f, v6, proto)).toBe(false);
        expect(completeChecksum(f, l4, off)).toBe(true);
        expect(l4Valid(f, v6, proto)).toBe(true);
      });
    }
  }

  it('refuses offsets outside the frame', () => {
    expect(completeChecksum(new Uint8Array(60), 58, 6)).toBe(false);
  });

  it('reads a virtio-net header', () => {
    const h = Uint8Array.of(1, 0x81, 54, 0, 0xa8, 0x05, 34, 0, 16, 0);
    expect(
      readVirtioNetHdr(h, 0, { needsChecksum: false, csumStart: 0, csumOffset: 0, gsoType: 0, gsoSize: 0 }),
    ).toEqual({
      needsChecksum: true,
      gsoType: 1,
      gsoSize: 1448,
      csumStart: 34,
      csumOffset: 16,
    });
  });

  for (const v6 of [false, true]) {
    it(`cuts a TCPv${v6 ? 6 : 4} super-frame into valid segments`, () => {
      const payload = payloadOf(5000);
      const f = frame(v6, 6, payload, 0x19); // FIN|PSH|ACK
      const scratch = new Uint8Array(70000);
      const segs: Uint8Array[] = [];
      expect(segmentTcp(f, 1448, scratch, (s) => segs.push(s.slice()))).toBe(4);
      const l4 = v6 ? 54 : 34;
      const parts: Uint8Array[] = [];
      segs.forEach((s, i) => {
        expect(s.length).toBe(l4 + 20 + Math.min(1448, 5000 - i * 1448));
        expect(l4Valid(s, v6, 6)).toBe(true);
        if (v6) {
          expect((s[18] << 8) | s[19]).toBe(s.length - 54);
        } else {
          expect((s[16] << 8) | s[17]).toBe(s.length - 14);
          expect(sum16(s, 14, 34)).toBe(0xffff);
          expect((s[18] << 8) | s[19]).toBe(0x1000 + i);
        }
        const seq = ((s[l4 + 4] << 24) | (s[l4 + 5] << 16) | (s[l4 + 6] << 8) | s[l4 + 7]) >>> 0;
        expect(seq).toBe(0x01020304 + i * 1448);
        expect(s[l4 + 13]).toBe(i === 3 ? 0x19 : 0x10);
        parts.push(s.subarray(l4 + 20));
      });
      expect(Buffer.concat(parts)).toEqual(Buffer.from(payload));
    });
  }

  it('declines what it cannot segment', () => {
    const udp = frame(false, 17, payloadOf(3000));
    expect(segmentTcp(udp, 1448, new Uint8Array(70000), () => {})).toBe(-1);
    const tcp = frame(false, 6, payloadOf(3000));
    expect(segmentTcp(tcp, 1448, new Uint8Array(100), () => {})).toBe(-1);
  });
});

describe('devices without offload support finish pending work on send', () => {
  it('a dummy cuts a super-frame and completes a partial checksum, leaving the caller’s frames intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netdev-offload-'));
    try {
      const dev = new DummyNetdev('p1', { tx_pcap: join(dir, 'tx.pcap') });
      await dev.open();
      const big = frame(false, 6, payloadOf(4000), 0x18);
      const small = frame(true, 17, payloadOf(100));
      const p = pseudoSum(small, true, 17, 54);
      small[54 + 6] = p >> 8;
      small[54 + 7] = p & 255;
      const plain = frame(false, 17, payloadOf(10));
      const before = [big.slice(), small.slice()];
      const offloads = [
        { needsChecksum: true, csumStart: 34, csumOffset: 16, gsoType: 1, gsoSize: 1448 },
        { needsChecksum: true, csumStart: 54, csumOffset: 6, gsoType: 0, gsoSize: 0 },
        { needsChecksum: false, csumStart: 0, csumOffset: 0, gsoType: 0, gsoSize: 0 },
      ];
      expect(dev.sendBatch([big, small, plain], 3, offloads)).toBe(3);
      expect([big, small]).toEqual(before);
      await dev.close();
      const out = (await readCaptureFile(join(dir, 'tx.pcap'))).map((r) => r.data);
      expect(out.map((f) => f.length)).toEqual([
        34 + 20 + 1448,
        34 + 20 + 1448,
        34 + 20 + 1104,
        small.length,
        plain.length,
      ]);
      expect(out.slice(0, 3).every((f) => l4Valid(f, false, 6))).toBe(true);
      expect(l4Valid(out[3], true, 17)).toBe(true);
      expect(out[4]).toEqual(plain);
      expect(dev.stats.tx_packets).toBe(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
