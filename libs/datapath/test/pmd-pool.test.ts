import { DummyNetdev, type FrameOffload } from '@softswitch/netdev';
import { composePacket, createFlowKey, flowField, maskField } from '@softswitch/packet';
import { afterEach, describe, expect, it } from 'vitest';
import { Datapath, PmdPool, rssHash, type UpcallHandler } from '../src/index.js';
import { createRingBuffer, RingReader, RingWriter } from '../src/pmd-ring.js';

/** A dummy device that remembers what it sent. */
class RecordingNetdev extends DummyNetdev {
  readonly sent: Uint8Array[] = [];
  override sendBatch(frames: readonly Uint8Array[], count = frames.length, offloads?: readonly FrameOffload[]): number {
    for (let i = 0; i < count; i++) this.sent.push(frames[i].slice());
    return super.sendBatch(frames, count, offloads);
  }
}

const hex = (p: Uint8Array) => Buffer.from(p).toString('hex');

function maskOf(...fields: string[]): Uint32Array {
  const mask = createFlowKey();
  for (const f of fields) maskField(mask, flowField(f) as NonNullable<ReturnType<typeof flowField>>);
  return mask;
}

/**
 * A small translator: TCP to port 80 is rewritten and sent to 2, other TCP to 3, UDP to 2 and 3,
 * the rest dropped; megaflows wildcard the source port (so one covers many flows).
 */
function translator(actionsFor?: (key: Uint32Array) => string): { handler: UpcallHandler; calls: () => number } {
  let calls = 0;
  const mask = maskOf('in_port', 'dl_type', 'nw_proto', 'nw_frag', 'tp_dst');
  const handler: UpcallHandler = (key, packet) => {
    calls++;
    if (actionsFor !== undefined) return { actions: actionsFor(key), mask };
    const ip = packet[12] === 0x08 && packet[13] === 0x00;
    const proto = ip ? packet[23] : -1;
    const dst = (packet[36] << 8) | packet[37];
    if (proto === 6) return { actions: dst === 80 ? 'set(ipv4(src=10.9.9.9)),2' : '3', mask };
    if (proto === 17) return { actions: '2,3', mask };
    return { actions: 'drop', mask };
  };
  return { handler, calls: () => calls };
}

/** `count` frames over `flows` flows in a shuffled order, each frame tagged with its index. */
function traffic(count: number, flows: number, seed = 7): Uint8Array[] {
  let x = seed;
  const rnd = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
  const base: Uint8Array[] = [];
  for (let f = 0; f < flows; f++) {
    const proto = f % 3 === 0 ? 'udp' : 'tcp';
    const dst = f % 4 === 1 ? 80 : 443 + (f % 5);
    base.push(
      composePacket(
        `${proto},dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.${f >> 8}.${f & 255},nw_dst=10.1.0.1,nw_ttl=64,tp_src=${2000 + f},tp_dst=${dst}`,
      ),
    );
  }
  base.push(composePacket('arp,dl_src=00:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1'));
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const b = base[Math.floor(rnd() * base.length)];
    // Trailing bytes past the IP datagram: they travel with the frame and tell packets apart.
    const frame = new Uint8Array(b.length + 2);
    frame.set(b);
    frame[b.length] = i >> 8;
    frame[b.length + 1] = i & 255;
    out.push(frame);
  }
  return out;
}

function bridge(handler: UpcallHandler) {
  const dp = new Datapath({ upcall: handler });
  const devs = [1, 2, 3].map((i) => new RecordingNetdev(`p${i}`));
  devs.forEach((d, i) => {
    dp.addPort(d, i + 1);
  });
  return { dp, p2: devs[1], p3: devs[2] };
}

/** One thread, the reference: the plain datapath in batches of 32. */
function reference(frames: readonly Uint8Array[], actionsFor?: (key: Uint32Array) => string) {
  const t = translator(actionsFor);
  const b = bridge(t.handler);
  for (let i = 0; i < frames.length; i += 32) {
    const batch = frames.slice(i, i + 32).map((f) => f.slice());
    b.dp.processBatch(1, batch, batch.length);
  }
  return { ...b, calls: t.calls };
}

let pools: PmdPool[] = [];
afterEach(async () => {
  await Promise.all(pools.map((p) => p.close()));
  pools = [];
});

async function threaded(threads: number, handler: UpcallHandler, dp?: Datapath) {
  const b = dp === undefined ? bridge(handler) : undefined;
  const datapath = dp ?? (b?.dp as Datapath);
  const pool = await PmdPool.start(datapath, { threads, capture: true, ringBytes: 64 << 10 });
  pools.push(pool);
  return { pool, ...b };
}

async function feed(pool: PmdPool, frames: readonly Uint8Array[], batch = 32): Promise<void> {
  for (let i = 0; i < frames.length; ) {
    const chunk = frames.slice(i, i + batch);
    if (pool.submit(1, chunk)) i += chunk.length;
    else await pool.waitForRoom();
  }
  await pool.drain();
}

describe('pmd ring', () => {
  it('carries records in order across many wrap-arounds', () => {
    const buf = createRingBuffer(4096);
    const w = new RingWriter(buf);
    const r = new RingReader(buf);
    let written = 0;
    let read = 0;
    for (let round = 0; round < 2000; round++) {
      const size = 8 + ((round * 52) % 1000);
      const bytes = (size + 3) & ~3;
      const at = w.reserve(bytes);
      if (at >= 0) {
        w.words[at >>> 2] = written++;
        w.words[(at >>> 2) + 1] = bytes;
        w.commit(bytes);
      }
      // Read every other round, so the ring fills up and frees again.
      if (round % 2 === 1 || at < 0) {
        for (let at2 = r.next(); at2 >= 0; at2 = r.next()) {
          expect(r.words[at2 >>> 2]).toBe(read++);
          r.release(at2, r.words[(at2 >>> 2) + 1]);
        }
      }
    }
    expect(read).toBeGreaterThan(1000);
    expect(r.next()).toBe(-1);
  });

  it('refuses a record while full and takes it once the reader moves', () => {
    const buf = createRingBuffer(4096);
    const w = new RingWriter(buf);
    const r = new RingReader(buf);
    expect(w.reserve(3000)).toBe(0);
    w.commit(3000);
    expect(w.reserve(2000)).toBe(-1);
    const at = r.next();
    r.release(at, 3000);
    expect(w.reserve(2000)).toBeGreaterThanOrEqual(0);
    expect(() => w.reserve(8192)).toThrow(RangeError);
  });
});

describe('rssHash', () => {
  it('is the same for every packet of a flow and spreads flows', () => {
    const a = composePacket('tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1,tp_dst=80,nw_ttl=64');
    const b = composePacket('tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1,tp_dst=80,nw_ttl=12,nw_tos=4');
    expect(rssHash(a)).toBe(rssHash(b));
    const threads = new Set<number>();
    for (let i = 0; i < 64; i++)
      threads.add(rssHash(composePacket(`udp,nw_src=10.0.0.${i},nw_dst=10.0.0.2,tp_src=${i},tp_dst=53`)) % 4);
    expect(threads.size).toBe(4);
  });
});

describe('PmdPool: datapath threads', () => {
  it('sends exactly what one thread sends, in the same order, and merges the counters', async () => {
    const frames = traffic(4000, 300);
    const ref = reference(frames);
    const { handler, calls } = translator();
    const { pool, dp, p2, p3 } = await threaded(2, handler);
    await feed(pool, frames);
    const d = dp as Datapath;
    expect((p2 as RecordingNetdev).sent.map(hex)).toEqual(ref.p2.sent.map(hex));
    expect((p3 as RecordingNetdev).sent.map(hex)).toEqual(ref.p3.sent.map(hex));
    expect(ref.p2.sent.length).toBeGreaterThan(1000);
    const s = d.stats;
    const r = ref.dp.stats;
    expect(s.hit + s.missed + s.lost).toBe(frames.length);
    expect(s.emcHits + s.megaflowHits).toBe(s.hit);
    // One translation per megaflow, whichever thread saw it first.
    expect(s.missed).toBe(r.missed);
    expect(s.upcalls).toBe(r.upcalls);
    expect(calls()).toBe(ref.calls());
    expect(d.drops.snapshot()).toEqual(ref.dp.drops.snapshot());
    // The main datapath holds every megaflow, with the threads' packets and bytes.
    const sum = (dpx: Datapath) => dpx.flows().reduce((n, f) => n + f.packets, 0);
    const bytes = (dpx: Datapath) => dpx.flows().reduce((n, f) => n + f.bytes, 0);
    expect(d.flows().length).toBe(ref.dp.flows().length);
    expect(sum(d)).toBe(sum(ref.dp));
    expect(bytes(d)).toBe(bytes(ref.dp));
    expect(pool.stats.coveredUpcalls).toBeGreaterThan(0);
  });

  it('gives each thread its share of the flows', async () => {
    const { handler } = translator();
    const { pool } = await threaded(3, handler);
    const frames = traffic(600, 100);
    const per = [0, 0, 0];
    for (const f of frames) per[pool.threadOf(f)]++;
    expect(Math.min(...per)).toBeGreaterThan(100);
    const plan = pool.plan(frames);
    expect(plan.before.map((b) => b[frames.length])).toEqual(per);
  });

  it('feeds a planned capture, looped, as one thread would', async () => {
    const frames = traffic(1500, 120, 11);
    const looped = [...frames, ...frames, ...frames];
    const ref = reference(looped);
    const { handler } = translator();
    const { pool, dp, p2, p3 } = await threaded(2, handler);
    const plan = pool.plan(frames);
    for (let loop = 0; loop < 3; loop++) {
      for (let at = 0; at < frames.length; ) {
        const to = Math.min(frames.length, at + 100);
        if (pool.submitPlan(plan, 1, at, to)) at = to;
        else await pool.waitForRoom();
      }
    }
    await pool.drain();
    expect((p2 as RecordingNetdev).sent.map(hex)).toEqual(ref.p2.sent.map(hex));
    expect((p3 as RecordingNetdev).sent.map(hex)).toEqual(ref.p3.sent.map(hex));
    expect((dp as Datapath).stats.hit).toBe(ref.dp.stats.hit);
  });

  it('follows flow removals and action changes of the main datapath', async () => {
    let port = '2';
    const { handler, calls } = translator(() => port);
    const { pool, dp, p2, p3 } = await threaded(2, handler);
    const d = dp as Datapath;
    const frames = traffic(500, 40);
    await feed(pool, frames);
    const first = calls();
    expect((p2 as RecordingNetdev).sent.length).toBe(frames.length);
    // Revalidation changes the actions: the threads' copies follow.
    port = '3';
    const mask = maskOf('in_port', 'dl_type', 'nw_proto', 'nw_frag', 'tp_dst');
    d.revalidate(() => ({ actions: [{ type: 'output', port: 3 }], mask }));
    pool.sync();
    await feed(pool, frames);
    expect(calls()).toBe(first);
    expect((p3 as RecordingNetdev).sent.length).toBe(frames.length);
    // A flush removes every flow: the threads miss again.
    d.flush();
    pool.sync();
    await feed(pool, frames);
    expect(calls()).toBeGreaterThan(first);
    expect(d.flows().length).toBeGreaterThan(0);
  });

  it('counts drops by reason, and counts outputs when not capturing', async () => {
    const { handler } = translator(() => '9,2');
    const { dp, p2 } = bridge(handler);
    const pool = await PmdPool.start(dp, { threads: 2 });
    pools.push(pool);
    const frames = traffic(300, 20).filter((f) => f.length >= 14);
    await feed(pool, frames);
    expect(dp.drops.get('invalid_port')).toBe(frames.length);
    // Counted by the threads, not sent.
    expect(p2.sent.length).toBe(0);
    expect(pool.stats.tx.get(2)?.packets).toBe(frames.length);
    expect(dp.stats.hit + dp.stats.missed).toBe(frames.length);
  });
});
