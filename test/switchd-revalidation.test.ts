import type { DummyNetdev } from '@softswitch/netdev';
import { FlowModCommand, formatDatapathActions } from '@softswitch/ofproto';
import { parseFlow, prng } from '@softswitch/openflow';
import { composePacket, createFlowKey, extractFlow } from '@softswitch/packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeConfig } from '../apps/switchd/src/bridge-config.js';
import { BridgeSet } from '../apps/switchd/src/bridge-set.js';

const PORTS = [1, 2, 3, 4];

function bridgeConfig(failMode?: string): BridgeConfig {
  return {
    uuid: 'br0-uuid',
    name: 'br0',
    failMode,
    otherConfig: {},
    controllers: [],
    ports: PORTS.map((n) => ({
      name: `p${n}`,
      trunks: [],
      ifaces: [{ uuid: `p${n}-uuid`, name: `p${n}`, type: 'dummy', options: {}, ofport: n }],
    })),
  };
}

describe('switchd revalidation', () => {
  let set: BridgeSet | undefined;
  afterEach(async () => {
    await set?.close();
    set = undefined;
  });

  it('never forwards by a stale megaflow: interleaved flow-mods and packets match a cacheless switch', async () => {
    set = new BridgeSet(() => undefined);
    await set.start();
    await set.reconcile([bridgeConfig('secure')]);
    const bridge = set.bridges.get('br0')!;
    const dev = (n: number) => bridge.ifaces.get(`p${n}`)?.netdev as DummyNetdev;
    // Seeded, so a failure replays.
    const random = prng(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const macs = ['50:54:00:00:00:01', '50:54:00:00:00:02', '50:54:00:00:00:03'];
    const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
    const matches: string[] = [];
    const key = createFlowKey();
    let forwarded = 0;
    let hits = 0;
    for (let step = 0; step < 400; step++) {
      const r = random();
      if (r < 0.25 || matches.length === 0) {
        const parts = [`priority=${1 + Math.floor(random() * 5)}`];
        if (random() < 0.5) parts.push(`in_port=${pick(PORTS)}`);
        if (random() < 0.5) parts.push(`dl_dst=${pick(macs)}`);
        if (random() < 0.5) parts.push('ip', `nw_src=${pick(ips)}`);
        const match = parts.join(',');
        const actions = random() < 0.2 ? 'drop' : [1, 2].map(() => `output:${pick(PORTS)}`).join(',');
        bridge.ofproto.addFlows(`${match},actions=${actions}`);
        matches.push(match);
        bridge.flowsChanged();
      } else if (r < 0.35) {
        const match = matches.splice(Math.floor(random() * matches.length), 1)[0];
        const fm = parseFlow(match, FlowModCommand.DELETE_STRICT).fm;
        bridge.ofproto.flowMod(fm);
        bridge.flowsChanged();
      } else {
        // The change takes effect before the next packet is read, as on the event loop.
        await new Promise((resolve) => setImmediate(resolve));
        const inPort = pick(PORTS);
        const frame = composePacket(`dl_src=${pick(macs)},dl_dst=${pick(macs)},ip,nw_src=${pick(ips)},nw_dst=10.0.0.9`);
        extractFlow(frame, inPort, key);
        const expected = formatDatapathActions(bridge.ofproto.translate(key, {}).actions);
        const want = new Map<number, number>();
        for (const a of expected.split(',')) if (/^\d+$/.test(a)) want.set(Number(a), (want.get(Number(a)) ?? 0) + 1);
        const before = PORTS.map((n) => dev(n).stats.tx_packets);
        const dpHitsBefore = set.datapath.stats.hit;
        dev(inPort).receive(frame);
        hits += set.datapath.stats.hit - dpHitsBefore;
        const got = PORTS.map((n, i) => dev(n).stats.tx_packets - before[i]);
        expect({ step, expected, got }).toEqual({ step, expected, got: PORTS.map((n) => want.get(n) ?? 0) });
        forwarded += got.reduce((a, b) => a + b, 0);
      }
    }
    // The run must have exercised both the cache and the pipeline.
    expect(forwarded).toBeGreaterThan(50);
    expect(hits).toBeGreaterThan(20);
  });

  it('adding and removing ports keeps the other devices and learned MACs', async () => {
    set = new BridgeSet(() => undefined);
    await set.start();
    await set.reconcile([bridgeConfig()]);
    const bridge = set.bridges.get('br0')!;
    const p1 = bridge.ifaces.get('p1')?.netdev;
    (p1 as DummyNetdev).receive(composePacket('dl_src=50:54:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff'));
    expect(bridge.ofproto.macs.size).toBe(1);
    const smaller = bridgeConfig();
    await set.reconcile([{ ...smaller, ports: smaller.ports.filter((p) => p.name !== 'p4') }]);
    expect(bridge.ifaces.has('p4')).toBe(false);
    expect(bridge.ifaces.get('p1')?.netdev).toBe(p1);
    expect(bridge.ofproto.macs.size).toBe(1);
    expect(set.datapath.portList.map((p) => p.portNo)).toEqual([0, 1, 2, 3]);
    await set.reconcile([]);
    expect(set.bridges.size).toBe(0);
    expect(set.datapath.portList.map((p) => p.portNo)).toEqual([0]);
  });
});
