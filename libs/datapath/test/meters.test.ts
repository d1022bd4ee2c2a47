import { DummyNetdev } from '@softswitch/netdev';
import { composePacket } from '@softswitch/packet';
import { describe, expect, it } from 'vitest';
import { Datapath, Dpctl, DpMeters, formatActions, parseActions } from '../src/index.js';

const UDP =
  'udp,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tp_src=1000,tp_dst=53';

describe('meters', () => {
  it('meter(N) parses and prints as OVS', () => {
    expect(formatActions(parseActions('meter(0),2'))).toBe('meter(0),2');
  });

  it('pktps: the burst passes, then the rate; drops are counted per band', () => {
    const m = new DpMeters();
    m.set(0, 2 | 4, [{ rate: 2, burstSize: 3 }], 0);
    const passed = [0, 0, 0, 0, 0].map(() => m.run(0, 100, 0));
    expect(passed).toEqual([true, true, true, false, false]);
    // 500 ms later: one more packet's worth (2 pkt/s).
    expect([m.run(0, 100, 500), m.run(0, 100, 500)]).toEqual([true, false]);
    expect(m.stats(0)).toEqual({ packets: 7, bytes: 700, bands: [{ packets: 3, bytes: 300 }] });
  });

  it('kbps: bits against a bucket of burst_size kilobits', () => {
    const m = new DpMeters();
    m.set(1, 1, [{ rate: 8, burstSize: 0 }], 0); // 8 kbps, bucket 8000 bits = 1000 bytes
    expect([m.run(1, 600, 0), m.run(1, 600, 0), m.run(1, 300, 0)]).toEqual([true, false, true]);
    expect(m.run(1, 600, 100)).toBe(false); // 100 ms: +800 bits, 900 bits in the bucket
    expect(m.run(1, 600, 700)).toBe(true); // 700 ms: full again
  });

  it('the datapath drops over-rate packets under reason meter and stops the actions', () => {
    let t = 1000;
    const dp = new Datapath({ clock: () => t });
    const p1 = new DummyNetdev('p1');
    const p2 = new DummyNetdev('p2');
    dp.addPort(p1, 1);
    dp.addPort(p2, 2);
    dp.meters.set(0, 2, [{ rate: 1, burstSize: 2 }], t);
    new Dpctl(dp).addFlow('in_port(1),eth_type(0x0800),ipv4(frag=no)', 'meter(0),2');
    for (let i = 0; i < 5; i++) p1.receive(composePacket(UDP));
    expect(dp.drops.get('meter')).toBe(3);
    expect(dp.meters.stats(0)?.bands[0].packets).toBe(3);
    t += 1000;
    p1.receive(composePacket(UDP));
    expect(dp.drops.get('meter')).toBe(3);
    expect(dp.meters.stats(0)?.packets).toBe(6);
  });
});
