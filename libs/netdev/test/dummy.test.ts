import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureFile } from '@softswitch/pcap';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DummyNetdev } from '../src/dummy.js';
import { createNetdev } from '../src/registry.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netdev-dummy-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function frame(n: number, len = 60): Uint8Array {
  const f = new Uint8Array(len);
  f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, n & 0xff, 0x88, 0xb5]);
  for (let i = 14; i < len; i++) f[i] = (n + i) & 0xff;
  return f;
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function collect(dev: DummyNetdev): Uint8Array[] {
  const got: Uint8Array[] = [];
  dev.onReceive((b) => {
    for (let i = 0; i < b.count; i++) got.push(b.frames[i].slice());
  });
  return got;
}

describe('dummy netdev', () => {
  it('injected frames reach the handler and rxq_pcap; sent frames land in tx_pcap; stats count both', async () => {
    const tx = join(dir, 'tx.pcap');
    const rxq = join(dir, 'rx.pcap');
    const dev = createNetdev('dummy', 'p1', { tx_pcap: tx, rxq_pcap: rxq }) as DummyNetdev;
    expect(await dev.open()).toBeUndefined();
    const got = collect(dev);
    dev.receive(frame(1));
    dev.receive(frame(2, 100));
    expect(got).toEqual([frame(1), frame(2, 100)]);
    expect(dev.sendBatch([frame(3), frame(4), frame(5, 1514)])).toBe(3);
    expect(dev.send(new Uint8Array(10))).toBe(false); // shorter than an Ethernet header
    expect(dev.send(frame(6, 1515))).toBe(false); // over MTU
    await dev.close();
    expect((await readCaptureFile(tx)).map((p) => p.data)).toEqual([frame(3), frame(4), frame(5, 1514)]);
    expect((await readCaptureFile(rxq)).map((p) => p.data)).toEqual([frame(1), frame(2, 100)]);
    expect(dev.stats).toEqual({
      rx_packets: 2,
      rx_bytes: 160,
      rx_errors: 0,
      rx_dropped: 0,
      tx_packets: 3,
      tx_bytes: 60 + 60 + 1514,
      tx_errors: 1,
      tx_dropped: 1,
    });
    expect(dev.linkState).toBe('up');
    expect(dev.mac).toHaveLength(6);
    expect(dev.mac[0]).toBe(0xaa);
  });

  it('a VLAN-tagged frame may be 4 bytes longer; admin down drops both ways', async () => {
    const dev = new DummyNetdev('p1');
    await dev.open();
    const got = collect(dev);
    const tagged = frame(1, 1518);
    tagged.set([0x81, 0x00, 0x00, 0x0a], 12);
    expect(dev.send(tagged)).toBe(true);
    dev.setAdminState('down');
    dev.receive(frame(2));
    expect(dev.send(frame(3))).toBe(false);
    expect(got).toHaveLength(0);
    expect(dev.stats.rx_dropped).toBe(1);
    expect(dev.stats.tx_dropped).toBe(1);
    await dev.close();
  });

  it('a handler that throws is reported as an error event; the device keeps working', async () => {
    const dev = new DummyNetdev('p1');
    await dev.open();
    const errors: string[] = [];
    dev.onEvent((e) => {
      if (e.kind === 'error') errors.push(e.message);
    });
    let calls = 0;
    dev.onReceive(() => {
      calls++;
      if (calls === 1) throw new Error('boom');
    });
    dev.receive(frame(1));
    dev.receive(frame(2));
    expect(calls).toBe(2);
    expect(errors).toEqual(['p1: receive handler failed: boom']);
    await dev.close();
  });

  for (const opts of ['tx_pcap+rxq_pcap', 'pcap']) {
    it(`${opts} naming one file share one writer`, async () => {
      const both = join(dir, 'both.pcap');
      const dev = new DummyNetdev('p1', opts === 'pcap' ? { pcap: both } : { tx_pcap: both, rxq_pcap: both });
      await dev.open();
      collect(dev);
      dev.receive(frame(1));
      dev.send(frame(2));
      dev.receive(frame(3));
      await dev.close();
      expect((await readCaptureFile(both)).map((p) => p.data)).toEqual([frame(1), frame(2), frame(3)]);
    });
  }

  it('two dummies cabled by pstream/stream pass frames both ways, and link follows the connection', async () => {
    const path = join(dir, 'cable.sock');
    const a = new DummyNetdev('a', { pstream: `punix:${path}` });
    const b = new DummyNetdev('b', { stream: `unix:${path}` });
    const links: string[] = [];
    b.onEvent((e) => {
      if (e.kind === 'link') links.push(e.state);
    });
    expect(await a.open()).toBeUndefined();
    expect(a.linkState).toBe('down');
    await b.open();
    const gotA = collect(a);
    const gotB = collect(b);
    expect(b.connState).toBe('disconnected');
    await waitFor('connection', () => (a.linkState === 'up' && b.linkState === 'up' ? true : undefined));
    expect(b.connState).toBe('connected');
    expect(a.connState).toBe('unknown'); // a listener, as netdev-dummy/conn-state reports it
    const many = Array.from({ length: 200 }, (_, i) => frame(i, 60 + i));
    b.sendBatch(many);
    a.send(frame(99));
    await waitFor('frames at a', () => (gotA.length === 200 ? true : undefined));
    await waitFor('frame at b', () => (gotB.length === 1 ? true : undefined));
    expect(gotA).toEqual(many);
    expect(gotB).toEqual([frame(99)]);
    // The listener goes away: b's link goes down, then b reconnects when it is back.
    await a.close();
    await waitFor('link down', () => (b.linkState === 'down' ? true : undefined));
    await a.open();
    await waitFor('reconnected', () => (b.linkState === 'up' ? true : undefined), 8000);
    expect(links).toEqual(['up', 'down', 'up']);
    await b.close();
    await a.close();
  });

  it('a frame length under 14 closes the connection and counts an error', async () => {
    const path = join(dir, 'bad.sock');
    const a = new DummyNetdev('a', { pstream: `punix:${path}` });
    await a.open();
    const errors: string[] = [];
    a.onEvent((e) => {
      if (e.kind === 'error') errors.push(e.message);
    });
    const got = collect(a);
    const s: Socket = createConnection(path);
    await new Promise((r) => s.once('connect', r));
    const ok = frame(1);
    s.write(Uint8Array.of(0, ok.length, ...ok, 0, 5, 1, 2, 3, 4, 5));
    await waitFor('closed', () => (s.destroyed || s.readableEnded ? true : undefined));
    await waitFor('error', () => (errors.length ? true : undefined));
    expect(got).toEqual([ok]);
    expect(errors[0]).toMatch(/frame length 5 at byte 62/);
    expect(a.stats.rx_errors).toBe(1);
    s.destroy();
    await a.close();
  });

  it('stream= connects with backoff to a listener that appears later; setConfig switches targets', async () => {
    const path = join(dir, 'late.sock');
    const dev = new DummyNetdev('c', { stream: `unix:${path}` });
    await dev.open();
    expect(dev.linkState).toBe('down');
    const received: Buffer[] = [];
    const server = createServer((sock) => sock.on('data', (d) => received.push(d)));
    await new Promise<void>((r) => server.listen(path, r));
    await waitFor('connected', () => (dev.linkState === 'up' ? true : undefined), 8000);
    dev.send(frame(7));
    await waitFor('bytes', () => (Buffer.concat(received).length === 62 ? true : undefined));
    expect(Buffer.concat(received)).toEqual(Buffer.from([0, 60, ...frame(7)]));
    expect(await dev.setConfig({})).toBeUndefined();
    expect(dev.linkState).toBe('up'); // no stream configured: a plain dummy is always up
    await dev.close();
    await new Promise((r) => server.close(r));
  });

  it('refuses pstream and stream together, as netdev-dummy does', async () => {
    const dev = new DummyNetdev('d', {
      pstream: `punix:${join(dir, 'a.sock')}`,
      stream: `unix:${join(dir, 'b.sock')}`,
    });
    expect(await dev.open()).toMatch(/^d: open failed: both punix:.*a\.sock and unix:.*b\.sock are configured$/);
    expect(dev.connState).toBe('unknown');
    await dev.close();
  });

  it('reports a bad stream option in error', async () => {
    const dev = new DummyNetdev('d', { stream: 'tcp:1.2.3.4:5' });
    expect(await dev.open()).toMatch(/stream "tcp:1.2.3.4:5" is not supported/);
    await dev.close();
  });
});
