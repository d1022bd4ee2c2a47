import { DummyNetdev, type FrameOffload } from '@softswitch/netdev';
import { composePacket, createFlowKey, flowField, maskField } from '@softswitch/packet';
import { afterEach, describe, expect, it } from 'vitest';
import { Datapath, PmdPool, type UpcallHandler } from '../src/index.js';

/** A dummy device that remembers what it sent. */
class RecordingNetdev extends DummyNetdev {
  readonly sent: string[] = [];
  override sendBatch(frames: readonly Uint8Array[], count = frames.length, offloads?: readonly FrameOffload[]): number {
    for (let i = 0; i < count; i++) this.sent.push(Buffer.from(frames[i]).toString('hex'));
    return super.sendBatch(frames, count, offloads);
  }
}

/**
 * Megaflows of different masks (so a megaflow lookup probes several subtables): TCP by
 * destination port, UDP by source address prefix; source ports always wildcarded.
 */
const handler: UpcallHandler = (_key, packet) => {
  const mask = createFlowKey();
  const udp = packet[23] === 17;
  const fields = udp
    ? ['in_port', 'dl_type', 'nw_proto', 'nw_frag', 'nw_src']
    : ['in_port', 'dl_type', 'nw_proto', 'nw_frag', 'tp_dst'];
  for (const f of fields) maskField(mask, flowField(f) as NonNullable<ReturnType<typeof flowField>>);
  return { actions: udp ? '2' : (packet[37] & 1) === 1 ? '3' : '2,3', mask };
};

/** 3,000 frames over 600 flows (far more than an EMC that takes nothing in holds). */
function traffic(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < 3000; i++) {
    const f = (i * 7919) % 600;
    const proto = f % 2 === 0 ? 'udp' : 'tcp';
    out.push(
      composePacket(
        `${proto},dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.${f % 5}.1,nw_dst=10.1.0.1,nw_ttl=64,tp_src=${1000 + f},tp_dst=${80 + (f % 4)}`,
      ),
    );
  }
  return out;
}

function bridge(smcEnabled: boolean) {
  const dp = new Datapath({ upcall: handler, cache: { emcInsertProbability: 0, smcEnabled, smcEntries: 4096 } });
  const devs = [1, 2, 3].map((i) => new RecordingNetdev(`p${i}`));
  for (const [i, d] of devs.entries()) dp.addPort(d, i + 1);
  return { dp, p2: devs[1], p3: devs[2] };
}

function run(dp: Datapath, frames: readonly Uint8Array[]): void {
  for (let i = 0; i < frames.length; i += 32) {
    const batch = frames.slice(i, i + 32).map((f) => f.slice());
    dp.processBatch(1, batch, batch.length);
  }
}

let pools: PmdPool[] = [];
afterEach(async () => {
  await Promise.all(pools.map((p) => p.close()));
  pools = [];
});

describe('datapath with the signature match cache', () => {
  it('sends what it sends without it, and counts its hits among the megaflow hits', () => {
    const frames = traffic();
    const off = bridge(false);
    const on = bridge(true);
    run(off.dp, frames);
    run(on.dp, frames);
    expect(on.p2.sent).toEqual(off.p2.sent);
    expect(on.p3.sent).toEqual(off.p3.sent);
    const s = on.dp.stats;
    const r = off.dp.stats;
    expect(s.upcalls).toBe(r.upcalls);
    expect(s.emcHits).toBe(0);
    expect(s.emcHits + s.megaflowHits).toBe(s.hit);
    expect(r.smcHits).toBe(0);
    // Each flow's first packet finds its megaflow in the subtables (or is the upcall, which
    // points the SMC at the flow itself); later ones through the SMC, but for a few whose
    // signatures met in a bucket.
    expect(s.smcHits).toBeGreaterThan(s.megaflowHits - 650);
    expect(s.smcHits).toBeLessThanOrEqual(s.megaflowHits - 600 + s.upcalls);
    expect(on.dp.flows().reduce((n, f) => n + f.packets, 0)).toBe(off.dp.flows().reduce((n, f) => n + f.packets, 0));
  });

  it('gives each datapath thread its own SMC when the datapath has one, merging the hit counts', async () => {
    const frames = traffic();
    const ref = bridge(false);
    run(ref.dp, frames);
    const b = bridge(true);
    const pool = await PmdPool.start(b.dp, { threads: 2, capture: true, ringBytes: 64 << 10, emcInsertProbability: 0 });
    pools.push(pool);
    for (let i = 0; i < frames.length; ) {
      const chunk = frames.slice(i, i + 32);
      if (pool.submit(1, chunk)) i += chunk.length;
      else await pool.waitForRoom();
    }
    await pool.drain();
    expect(b.p2.sent).toEqual(ref.p2.sent);
    expect(b.p3.sent).toEqual(ref.p3.sent);
    const s = b.dp.stats;
    expect(s.hit + s.missed).toBe(frames.length);
    expect(s.emcHits + s.megaflowHits).toBe(s.hit);
    expect(s.smcHits).toBeGreaterThan(frames.length / 2);
  });
});
