// Every capture file cut at every byte boundary, and randomly damaged: the readers give packets
// or a CaptureFormatError that says where, never another exception, never a hang.
import {
  type CapturedPacket,
  CaptureFormatError,
  encodePcap,
  readCaptureBuffer,
  readCaptureStream,
} from '@softswitch/pcap';
import { describe, expect, it } from 'vitest';
import { chunked, frame, PcapngBuilder, toBigEndianPcap } from './builders.js';

const packets = [
  { data: frame(42, 1), timestampNs: 1_000_000_001n },
  { data: frame(0), timestampNs: 2_000_000_002n },
  { data: frame(17, 2), timestampNs: 3_000_000_003n },
];
const files: Record<string, Uint8Array> = {
  'classic LE us': encodePcap(packets),
  'classic BE ns': toBigEndianPcap(encodePcap(packets, { nanosecond: true })),
  pcapng: new PcapngBuilder()
    .section(true, [{ code: 1, value: [104, 105] }])
    .iface(1, 0, { tsresol: 9, name: 'p0' })
    .epb(0, 1n, frame(13, 1))
    .isb(0)
    .section(false)
    .iface(1)
    .iface(101)
    .epb(1, 2n, frame(21, 2))
    .spb(9, frame(9, 3))
    .done(),
};

type Outcome = { packets: string[]; error?: { message: string; offset: number } };

const key = (p: CapturedPacket) =>
  `${p.index}/${p.timestampNs}/${p.linkType}/${p.originalLength}/${Buffer.from(p.data).toString('hex')}`;

function syncOutcome(bytes: Uint8Array): Outcome {
  try {
    return { packets: readCaptureBuffer(bytes).map(key) };
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) throw new Error(`not a CaptureFormatError: ${e}`);
    return { packets: e.packets.map(key), error: { message: e.message, offset: e.offset } };
  }
}

async function streamOutcome(bytes: Uint8Array, chunk: number): Promise<Outcome> {
  const got: string[] = [];
  try {
    for await (const p of readCaptureStream(chunked(bytes, chunk))) got.push(key(p));
    return { packets: got };
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) throw new Error(`not a CaptureFormatError: ${e}`);
    return { packets: got, error: { message: e.message, offset: e.offset } };
  }
}

describe('cut at every byte boundary', () => {
  for (const [name, bytes] of Object.entries(files)) {
    it(`${name}: a prefix of the packets, and an error exactly when the cut is inside a record`, async () => {
      const full = syncOutcome(bytes);
      expect(full.error).toBeUndefined();
      for (let cut = 0; cut < bytes.length; cut++) {
        const got = syncOutcome(bytes.subarray(0, cut));
        expect(full.packets.slice(0, got.packets.length)).toEqual(got.packets);
        if (got.error) {
          expect(got.error.offset).toBeLessThanOrEqual(cut);
          expect(got.error.message).toMatch(/truncated|too short|not a capture file/);
        }
        // The streaming reader, fed in odd-sized chunks, agrees to the byte offset and message.
        expect(await streamOutcome(bytes.subarray(0, cut), 1 + (cut % 7))).toEqual(got);
      }
    });
  }

  it('classic pcap: a cut on a record boundary is a shorter valid file; anything else names the record', () => {
    const bytes = files['classic LE us'];
    const starts = [24, 24 + 16 + 42, 24 + 16 + 42 + 16];
    const ends = [...starts.slice(1), bytes.length];
    for (let cut = 24; cut < bytes.length; cut++) {
      const got = syncOutcome(bytes.subarray(0, cut));
      const boundary = ends.indexOf(cut);
      if (starts.includes(cut) || boundary >= 0) {
        expect(got.error).toBeUndefined();
      } else {
        const record = starts.filter((s) => s < cut).at(-1)!;
        expect(got.error?.offset).toBe(record);
      }
    }
  });
});

describe('random damage', () => {
  // A tiny seeded generator: the same damage on every run.
  let state = 0x12345678;
  const rand = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };

  for (const [name, bytes] of Object.entries(files)) {
    it(`${name}: 3000 mutated copies give packets or a CaptureFormatError, sync and streamed alike`, async () => {
      for (let round = 0; round < 3000; round++) {
        const copy = bytes.slice();
        const edits = 1 + rand(4);
        for (let i = 0; i < edits; i++) copy[rand(copy.length)] = rand(256);
        const cut = rand(4) === 0 ? copy.subarray(0, rand(copy.length + 1)) : copy;
        const got = syncOutcome(cut);
        if (round % 10 === 0) expect(await streamOutcome(cut, 1 + rand(40))).toEqual(got);
      }
    });
  }
});
