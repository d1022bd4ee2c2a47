import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePcap, readCaptureFile } from '@softswitch/pcap';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PcapNetdev } from '../src/pcap-netdev.js';
import { createNetdev } from '../src/registry.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netdev-pcap-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function frame(n: number, len = 64): Uint8Array {
  const f = new Uint8Array(len);
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5, n >> 8, n & 255]);
  return f;
}

function writeFixture(frames: Uint8Array[], spacingNs = 0n): string {
  const path = join(dir, 'in.pcap');
  writeFileSync(path, encodePcap(frames.map((data, i) => ({ data, timestampNs: BigInt(i) * spacingNs }))));
  return path;
}

describe('pcap netdev', () => {
  it('replays rx_pcap in batches, writes tx_pcap, counts both', async () => {
    const frames = Array.from({ length: 100 }, (_, i) => frame(i, 64 + (i % 7)));
    const dev = createNetdev('pcap', 'p0', {
      rx_pcap: writeFixture(frames),
      tx_pcap: join(dir, 'out.pcap'),
    }) as PcapNetdev;
    const got: Uint8Array[] = [];
    const sizes: number[] = [];
    dev.onReceive((b) => {
      sizes.push(b.count);
      for (let i = 0; i < b.count; i++) got.push(b.frames[i].slice());
      dev.sendBatch(b.frames, b.count); // a hairpin: everything goes back out
    });
    expect(await dev.open()).toBeUndefined();
    expect(await dev.whenReplayed()).toBe(100);
    expect(got).toEqual(frames);
    expect(Math.max(...sizes)).toBe(32);
    await dev.close();
    expect((await readCaptureFile(join(dir, 'out.pcap'))).map((p) => p.data)).toEqual(frames);
    const bytes = frames.reduce((n, f) => n + f.length, 0);
    expect(dev.stats).toMatchObject({ rx_packets: 100, rx_bytes: bytes, tx_packets: 100, tx_bytes: bytes });
  });

  it('starts replaying only once a receive handler is installed, and loops', async () => {
    const frames = [frame(1), frame(2), frame(3)];
    const dev = new PcapNetdev('p0', { rx_pcap: writeFixture(frames), rx_pcap_loop: '3' });
    await dev.open();
    await new Promise((r) => setImmediate(r));
    expect(dev.stats.rx_packets).toBe(0);
    const got: number[] = [];
    dev.onReceive((b) => {
      for (let i = 0; i < b.count; i++) got.push(b.frames[i][15]);
    });
    expect(await dev.whenReplayed()).toBe(9);
    expect(got).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    await dev.close();
  });

  it('paces by rx_pcap_rate', async () => {
    const frames = Array.from({ length: 20 }, (_, i) => frame(i));
    const dev = new PcapNetdev('p0', { rx_pcap: writeFixture(frames), rx_pcap_rate: '200' });
    dev.onReceive(() => {});
    const t0 = performance.now();
    await dev.open();
    expect(await dev.whenReplayed()).toBe(20);
    // 20 frames at 200/s: the last is due 95 ms after the first.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(90);
    await dev.close();
  });

  it('paces by the capture timestamps with rx_pcap_pace=true', async () => {
    const frames = Array.from({ length: 5 }, (_, i) => frame(i));
    const dev = new PcapNetdev('p0', { rx_pcap: writeFixture(frames, 25_000_000n), rx_pcap_pace: 'true' });
    dev.onReceive(() => {});
    const t0 = performance.now();
    await dev.open();
    expect(await dev.whenReplayed()).toBe(5);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    await dev.close();
  });

  it('reports a missing or damaged file in error', async () => {
    const dev = new PcapNetdev('p0', { rx_pcap: join(dir, 'nope.pcap') });
    expect(await dev.open()).toMatch(/^p0: .*nope\.pcap/);
    expect(dev.linkState).toBe('down');
    const bad = join(dir, 'bad.pcap');
    writeFileSync(bad, new Uint8Array(10));
    expect(await dev.setConfig({ rx_pcap: bad })).toMatch(/p0: /);
    expect(await dev.setConfig({ rx_pcap_rate: 'fast' })).toMatch(/rx_pcap_rate=fast is not a positive number/);
    expect(await dev.setConfig({})).toBeUndefined();
    expect(dev.linkState).toBe('up');
    await dev.close();
  });
});
