import {
  createFlowKey,
  ETH_TYPE,
  extractFlow,
  formatFlow,
  HeaderOffsets,
  mutateFrames,
  NW_FRAG_LATER,
  samplePackets,
  W,
} from '@softswitch/packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const key = createFlowKey();
const off = new HeaderOffsets();
const samples = samplePackets().map((s) => s.data);

/** Invariants every extracted key satisfies, whatever the input. */
function checkInvariants(frame: Uint8Array): void {
  extractFlow(frame, 5, key, off);
  expect(key[W.IN_PORT]).toBe(5);
  const dl = key[W.DL_TYPE];
  const isIp = dl === ETH_TYPE.IP || dl === ETH_TYPE.IPV6;
  const isArp = dl === ETH_TYPE.ARP || dl === ETH_TYPE.RARP;
  if (!isIp && !isArp) expect(key[W.NW] | key[W.NW_SRC] | key[W.TP]).toBe(0);
  if (isIp && (key[W.NW] >>> 24) & NW_FRAG_LATER) expect(key[W.TP]).toBe(0);
  if (off.l4 >= 0) expect(off.l4).toBeLessThanOrEqual(off.end);
  expect(off.end).toBeLessThanOrEqual(frame.length);
  expect(typeof formatFlow(key)).toBe('string');
}

describe('malformed frames never throw', () => {
  it('100k deterministic mutations of the sample corpus', () => {
    const frames = mutateFrames(samples, 100_000, 12345);
    let parsed = 0;
    for (const f of frames) {
      extractFlow(f, 1, key, off);
      parsed++;
    }
    expect(parsed).toBe(100_000);
    for (const f of frames.slice(0, 2000)) checkInvariants(f);
  });

  it('random byte strings (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (frame) => checkInvariants(frame)),
      { numRuns: 20_000 },
    );
  });

  it('valid frames with random edits: truncation, byte writes, appended tails (fast-check)', () => {
    const edit = fc.record({
      base: fc.integer({ min: 0, max: samples.length - 1 }),
      cut: fc.nat(),
      writes: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      tail: fc.uint8Array({ maxLength: 32 }),
    });
    fc.assert(
      fc.property(edit, ({ base, cut, writes, tail }) => {
        const b = samples[base];
        const q = new Uint8Array(b.length + tail.length);
        q.set(b);
        q.set(tail, b.length);
        for (const [at, v] of writes) q[at % q.length] = v;
        checkInvariants(q.subarray(0, cut % (q.length + 1)));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('padding invariance', () => {
  it('bytes after the IP packet never change the flow', () => {
    const ipFrames = samples.filter((p) => {
      extractFlow(p, 1, key, off);
      return off.l4 >= 0;
    });
    expect(ipFrames.length).toBeGreaterThan(50);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: ipFrames.length - 1 }),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        (i, pad) => {
          const p = ipFrames[i];
          extractFlow(p, 1, key);
          const before = formatFlow(key);
          const padded = new Uint8Array(p.length + pad.length);
          padded.set(p);
          padded.set(pad, p.length);
          extractFlow(padded, 1, key);
          expect(formatFlow(key)).toBe(before);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
