import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeFlowMod,
  encodeMessage,
  generateFlows,
  OpenFlowDecodeError,
  Protocol,
  parseFlow,
  prng,
  tryDecodeMessage,
} from '../src/index.js';
import { arbAsyncConfig, arbMessage } from './arbitraries.js';

/**
 * Random and mutated messages through the decoder: nothing but messages or OpenFlow errors may
 * come out; no exception escapes and nothing hangs.
 */
const seeds: Uint8Array[] = [];
for (const flow of generateFlows(300, 42)) {
  try {
    const { fm, usable } = parseFlow(flow);
    for (const p of [Protocol.OF10_STD_TID, Protocol.OF10_NXM_TID, Protocol.OF13_OXM, Protocol.OF15_OXM]) {
      if (usable & p) seeds.push(encodeFlowMod(fm, p, 1));
    }
  } catch {
    // flows our parser rejects have no bytes to mutate
  }
}

// Every other message type too (multipart replies with entries, ports, flow_removed...).
for (const version of [1, 4]) {
  for (const m of fc.sample(arbMessage(version), { numRuns: 300, seed: 99 + version })) seeds.push(encodeMessage(m));
}
// OpenFlow 1.4/1.5 property forms (async config), whose property lengths can lie.
for (const version of [5, 6]) {
  for (const config of fc.sample(arbAsyncConfig(version), { numRuns: 20, seed: 5 + version })) {
    seeds.push(encodeMessage({ type: 'set_async', version, xid: 1, config }));
  }
}

/**
 * Hand-made liars: a write_actions instruction whose inner action claims more bytes than the
 * instruction holds, a note action shorter than its header, a flow stats entry longer than the
 * reply, an OXM entry running past the match (the CVE-2017-9214 class).
 */
function liars(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const fm = encodeFlowMod(parseFlow('ip,actions=write_actions(output:1)').fm, Protocol.OF13_OXM, 1);
  const inner = fm.slice();
  const instr = fm.length - 24; // write_actions (8) + output (16)
  new DataView(inner.buffer).setUint16(instr + 8 + 2, 64);
  out.push(inner);
  const outer = fm.slice();
  new DataView(outer.buffer).setUint16(instr + 2, 4096);
  out.push(outer);
  const note = encodeFlowMod(parseFlow('actions=note:01.02.03').fm, Protocol.OF10_STD, 1);
  const short = note.slice();
  new DataView(short.buffer).setUint16(72 + 2, 8);
  out.push(short);
  const oxm = encodeFlowMod(parseFlow('tcp,tp_dst=80,actions=drop').fm, Protocol.OF13_OXM, 1);
  for (let k = 0; k < 8; k++) {
    const b = oxm.slice();
    b[55 + k * 5] = 0xff;
    out.push(b);
  }
  return out;
}
seeds.push(...liars());

function mutate(rnd: () => number, src: Uint8Array): Uint8Array {
  const b = src.slice(0, rnd() < 0.1 ? Math.floor(rnd() * src.length) : src.length);
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n && b.length > 8; i++) {
    const at = 8 + Math.floor(rnd() * (b.length - 8));
    const r = rnd();
    if (r < 0.4) b[at] = Math.floor(rnd() * 256);
    else if (r < 0.7)
      b[at] = rnd() < 0.5 ? 0 : 0xff; // lengths that lie: zero or huge
    else b[at] ^= 1 << Math.floor(rnd() * 8);
  }
  // Keep the header length consistent most of the time so the body decoders are exercised.
  if (rnd() < 0.9 && b.length >= 4) {
    b[2] = b.length >> 8;
    b[3] = b.length & 0xff;
  }
  return b;
}

describe('decoder fuzz', () => {
  it('survives 1,000,000 random and mutated messages', () => {
    const rnd = prng(2024);
    let messages = 0;
    let errors = 0;
    const heapBefore = process.memoryUsage().heapUsed;
    const N = 1_000_000;
    for (let i = 0; i < N; i++) {
      let b: Uint8Array;
      if (i % 10 === 0) {
        b = new Uint8Array(Math.floor(rnd() * 48));
        for (let k = 0; k < b.length; k++) b[k] = Math.floor(rnd() * 256);
        if (b.length >= 2) b[0] = 1 + Math.floor(rnd() * 6);
      } else if (i % 1000 === 1) {
        b = new Uint8Array(65535 + 100); // oversized: more bytes than a header can describe
        b[0] = 4;
        b[1] = 14;
        b[2] = 0xff;
        b[3] = 0xff;
      } else b = mutate(rnd, seeds[i % seeds.length]);
      const r = tryDecodeMessage(b);
      if (r instanceof OpenFlowDecodeError) {
        errors++;
        expect(r.type).toBeGreaterThanOrEqual(0);
      } else messages++;
    }
    expect(messages + errors).toBe(N);
    expect(errors).toBeGreaterThan(0);
    expect(messages).toBeGreaterThan(0);
    // Memory stays flat: decoding keeps nothing alive between messages.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  }, 120_000); // no hang: a million decodes take ~15-30 s; a wall-clock bound here only measured the machine's load
});
