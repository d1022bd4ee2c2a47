// Our dummy netdev cabled to a real ovs-vswitchd's dummy port over a Unix stream socket: the
// framing must be exactly netdev-dummy's, in both directions and with either side listening.
import { join } from 'node:path';
import { DummyNetdev } from '@softswitch/netdev';
import { readCaptureFile } from '@softswitch/pcap';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Frames of several shapes: minimum size, VLAN-tagged, odd length, full MTU. */
function testFrames(tag: number): Uint8Array[] {
  const make = (len: number, vlan: boolean, n: number) => {
    const f = new Uint8Array(len);
    f.set([0x50, 0x54, 0, 0, 0, 2, 0x50, 0x54, 0, 0, 0, 1]);
    let at = 12;
    if (vlan) {
      f.set([0x81, 0x00, 0x00, 0x0a], 12);
      at = 16;
    }
    f.set([0x88, 0xb5, tag, n], at);
    for (let i = at + 4; i < len; i++) f[i] = (i * 7 + n) & 0xff;
    return f;
  };
  return [make(60, false, 1), make(64, true, 2), make(333, false, 3), make(1514, false, 4), make(1518, true, 5)];
}

async function capture(path: string, count: number): Promise<Uint8Array[]> {
  return waitFor(`${count} frames in ${path}`, async () => {
    try {
      const packets = await readCaptureFile(path);
      return packets.length >= count ? packets.map((p) => p.data) : undefined;
    } catch {
      return undefined; // not created yet, or a record half-written
    }
  });
}

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl'] },
  'netdev: dummy streams against real Open vSwitch',
  () => {
    let ovs: OvsSandbox;
    beforeAll(() => {
      ovs = startOvsSandbox();
      const d = ovs.dir;
      ovs.vsctl(
        ...dummyBridgeArgs(
          'br0',
          [
            { name: 'p1', ofport: 1, iface: [`options:pstream=punix:${join(d, 'p1.sock')}`] },
            { name: 'p2', ofport: 2, iface: [`options:tx_pcap=${join(d, 'p2-tx.pcap')}`] },
            { name: 'p3', ofport: 3, iface: [`options:stream=unix:${join(d, 'ours.sock')}`] },
            { name: 'p4', ofport: 4, iface: [`options:tx_pcap=${join(d, 'p4-tx.pcap')}`] },
          ],
          { bridge: ['fail-mode=secure'] },
        ),
      );
      ovs.run(
        'ovs-ofctl',
        ['add-flows', 'br0', '-'],
        'in_port=1,actions=output:2\nin_port=2,actions=output:1\nin_port=3,actions=output:4\nin_port=4,actions=output:3\n',
      );
    });
    afterAll(() => ovs?.stop());

    it('ours connects (stream=) to OVS listening (pstream=): frames go through OVS byte for byte, both ways', async () => {
      const dev = new DummyNetdev('cable', { stream: `unix:${join(ovs.dir, 'p1.sock')}` });
      const got: Uint8Array[] = [];
      dev.onReceive((b) => {
        for (let i = 0; i < b.count; i++) got.push(b.frames[i].slice());
      });
      try {
        await dev.open();
        await waitFor('connected to OVS', () => (dev.linkState === 'up' ? true : undefined));
        expect(dev.connState).toBe('connected');
        await waitFor('OVS sees the link up', () =>
          ovs.vsctl('get', 'interface', 'p1', 'link_state').trim() === 'up' ? true : undefined,
        );
        const frames = testFrames(0x11);
        expect(dev.sendBatch(frames)).toBe(frames.length);
        expect(await capture(join(ovs.dir, 'p2-tx.pcap'), frames.length)).toEqual(frames);

        const back = testFrames(0x22);
        for (const f of back) ovs.appctl('netdev-dummy/receive', 'p2', Buffer.from(f).toString('hex'));
        await waitFor('frames from OVS', () => (got.length >= back.length ? true : undefined));
        expect(got).toEqual(back);
        expect(dev.stats).toMatchObject({ rx_packets: back.length, tx_packets: frames.length, rx_errors: 0 });

        // The link follows the connection: OVS's port (and listener) goes away, then comes back.
        const links: string[] = [];
        dev.onEvent((e) => {
          if (e.kind === 'link') links.push(e.state);
        });
        ovs.vsctl('del-port', 'br0', 'p1');
        await waitFor('link down', () => (dev.linkState === 'down' ? true : undefined));
        ovs.vsctl(
          'add-port',
          'br0',
          'p1',
          '--',
          'set',
          'interface',
          'p1',
          'type=dummy',
          `options:pstream=punix:${join(ovs.dir, 'p1.sock')}`,
          'ofport_request=1',
        );
        await waitFor('reconnected', () => (dev.linkState === 'up' ? true : undefined), 15_000);
        expect(links).toEqual(['down', 'up']);
        dev.send(frames[0]);
        expect((await capture(join(ovs.dir, 'p2-tx.pcap'), frames.length + 1)).at(-1)).toEqual(frames[0]);
      } finally {
        await dev.close();
      }
    });

    it('ours listens (pstream=) and OVS connects (stream=): frames go through OVS byte for byte, both ways', async () => {
      const dev = new DummyNetdev('cable2', { pstream: `punix:${join(ovs.dir, 'ours.sock')}` });
      const got: Uint8Array[] = [];
      dev.onReceive((b) => {
        for (let i = 0; i < b.count; i++) got.push(b.frames[i].slice());
      });
      try {
        expect(await dev.open()).toBeUndefined();
        // OVS retries its connection with backoff.
        await waitFor('OVS connected to us', () => (dev.linkState === 'up' ? true : undefined), 20_000);
        // OVS's view of the same cable, and ours of a listener, by netdev-dummy/conn-state's rules.
        await waitFor('OVS conn-state', () =>
          ovs.appctl('netdev-dummy/conn-state', 'p3').trim() === 'p3: connected' ? true : undefined,
        );
        expect(dev.connState).toBe('unknown');
        const frames = testFrames(0x33);
        expect(dev.sendBatch(frames)).toBe(frames.length);
        expect(await capture(join(ovs.dir, 'p4-tx.pcap'), frames.length)).toEqual(frames);

        const back = testFrames(0x44);
        for (const f of back) ovs.appctl('netdev-dummy/receive', 'p4', Buffer.from(f).toString('hex'));
        await waitFor('frames from OVS', () => (got.length >= back.length ? true : undefined));
        expect(got).toEqual(back);
      } finally {
        await dev.close();
      }
    });
  },
);
