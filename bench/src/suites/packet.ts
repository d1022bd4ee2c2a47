import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  composePacket,
  createFlowKey,
  extractFlow,
  FLOW_WORDS,
  HeaderOffsets,
  hashMasked,
  hashWords,
  mutateFrames,
  samplePackets,
} from '@softswitch/packet';
import { readCaptureFile } from '@softswitch/pcap';
import { type BenchResult, measureRate, type Suite } from '../harness.js';

// bench/dist/suites -> repo root
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const generated = join(repoRoot, 'fixtures', 'generated');
/** Frames per measured set: enough to defeat branch-history tricks, small enough for L2. */
const MAX_FRAMES = 100_000;

async function loadFrames(
  file: string,
  fallback: () => Uint8Array[],
): Promise<{ frames: Uint8Array[]; source: string }> {
  const path = join(generated, file);
  if (!existsSync(path)) return { frames: fallback(), source: 'composed (run fixtures make --big for the pcap)' };
  const packets = await readCaptureFile(path);
  return { frames: packets.slice(0, MAX_FRAMES).map((p) => p.data), source: `fixtures/generated/${file}` };
}

function composedTcp(): Uint8Array[] {
  return Array.from({ length: 1024 }, (_, i) =>
    composePacket(
      `tcp,dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02,nw_src=10.0.${i >> 8}.${i & 255},nw_dst=10.1.0.1,nw_ttl=64,tp_src=${1024 + i},tp_dst=80,tcp_flags=ack`,
      { payload: new Uint8Array(6) },
    ),
  );
}

function composedMix(): Uint8Array[] {
  const samples = samplePackets().map((s) => s.data);
  const tcp = composedTcp();
  // Mostly TCP, then every protocol of the sample corpus, then some malformed frames.
  return [...tcp, ...tcp, ...samples, ...mutateFrames(samples, 256, 3)];
}

/** Bare loop over the same buffers: one byte read per frame. */
function baseline(frames: Uint8Array[]): (n: number) => void {
  let sink = 0;
  return (n) => {
    let s = 0;
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < frames.length; i++) s += frames[i][12];
    }
    sink += s;
    if (sink === -1) console.log(sink);
  };
}

function extraction(frames: Uint8Array[]): (n: number) => void {
  const key = createFlowKey();
  const offsets = new HeaderOffsets();
  let sink = 0;
  return (n) => {
    let s = 0;
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < frames.length; i++) {
        extractFlow(frames[i], 1, key, offsets);
        s ^= key[61];
      }
    }
    sink ^= s;
    if (sink === -1) console.log(sink);
  };
}

function extractAndHash(frames: Uint8Array[]): (n: number) => void {
  const key = createFlowKey();
  const offsets = new HeaderOffsets();
  let sink = 0;
  return (n) => {
    let s = 0;
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < frames.length; i++) {
        extractFlow(frames[i], 1, key, offsets);
        s ^= hashWords(key);
      }
    }
    sink ^= s;
    if (sink === -1) console.log(sink);
  };
}

export const suite: Suite = {
  name: 'packet',
  async run(): Promise<BenchResult[]> {
    const tcp = await loadFrames('ipv4-tcp-64b.pcap', composedTcp);
    const mix = await loadFrames('mix-10k-zipf.pcap', composedMix);
    const results: BenchResult[] = [];
    for (const [label, set] of [
      ['eth/ipv4/tcp', tcp],
      ['mixed', mix],
    ] as const) {
      const params = { frames: set.frames.length, source: set.source };
      const base = `packet ${label}: bare loop (1 byte/frame)`;
      results.push({
        name: base,
        value: measureRate(baseline(set.frames), set.frames.length),
        unit: 'packets/s',
        higherIsBetter: true,
        params,
      });
      results.push({
        name: `packet ${label}: extractFlow`,
        value: measureRate(extraction(set.frames), set.frames.length),
        unit: 'packets/s',
        higherIsBetter: true,
        params,
        baseline: base,
      });
      results.push({
        name: `packet ${label}: extractFlow + hashWords`,
        value: measureRate(extractAndHash(set.frames), set.frames.length),
        unit: 'packets/s',
        higherIsBetter: true,
        params,
        baseline: base,
      });
    }
    // Hashing alone, over distinct keys extracted from the mix.
    const keys = mix.frames.slice(0, 4096).map((f) => {
      const k = createFlowKey();
      extractFlow(f, 1, k);
      return k;
    });
    const mask = createFlowKey().fill(0xffffffff);
    let sink = 0;
    const hashRate = measureRate((n) => {
      let s = 0;
      for (let r = 0; r < n; r++) for (let i = 0; i < keys.length; i++) s ^= hashWords(keys[i]);
      sink ^= s;
    }, keys.length);
    const maskedRate = measureRate((n) => {
      let s = 0;
      for (let r = 0; r < n; r++) for (let i = 0; i < keys.length; i++) s ^= hashMasked(keys[i], mask);
      sink ^= s;
    }, keys.length);
    if (sink === -1) console.log(sink);
    results.push({
      name: `hashWords (${FLOW_WORDS}-word key)`,
      value: hashRate,
      unit: 'hashes/s',
      higherIsBetter: true,
      params: { words: FLOW_WORDS },
    });
    results.push({
      name: `hashMasked (${FLOW_WORDS}-word key)`,
      value: maskedRate,
      unit: 'hashes/s',
      higherIsBetter: true,
      params: { words: FLOW_WORDS },
      baseline: `hashWords (${FLOW_WORDS}-word key)`,
    });
    return results;
  },
};
