import { DummyNetdev, type FrameOffload } from '@softswitch/netdev';
import { composePacket } from '@softswitch/packet';
import { describe, expect, it } from 'vitest';
import {
  type CompiledActions,
  compileActions,
  Datapath,
  type DatapathOffload,
  Dpctl,
  type DpFlow,
  HW_CONSUMED,
  parseActions,
} from '../src/index.js';

class RecordingNetdev extends DummyNetdev {
  readonly sent: Uint8Array[] = [];
  override sendBatch(frames: readonly Uint8Array[], count = frames.length, offloads?: readonly FrameOffload[]): number {
    for (let i = 0; i < count; i++) this.sent.push(frames[i].slice());
    return super.sendBatch(frames, count, offloads);
  }
}

/** A hook that records calls and answers `ingress` with whatever the test sets. */
class FakeOffload implements DatapathOffload {
  answer: CompiledActions | typeof HW_CONSUMED | undefined;
  readonly calls: string[] = [];
  layer: string | undefined;
  ingress() {
    this.calls.push('ingress');
    return this.answer;
  }
  afterBatch() {
    this.calls.push('afterBatch');
  }
  flowInstalled() {
    this.calls.push('flowInstalled');
  }
  flowRemoved(flow: DpFlow) {
    this.calls.push(`flowRemoved:${flow.dead}`);
  }
  flowModified() {
    this.calls.push('flowModified');
  }
  reconcile() {
    this.calls.push('reconcile');
  }
  syncStats() {
    this.calls.push('syncStats');
  }
  layerOf() {
    return this.layer;
  }
  counters() {
    return [
      { name: 'Enqueued offloads', value: 0 },
      { name: 'Inserted offloads', value: 8283 },
    ];
  }
}

function setup() {
  let t = 1000;
  const dp = new Datapath({ clock: () => t });
  const devs = [1, 2].map((n) => new RecordingNetdev(`p${n}`));
  devs.forEach((d, i) => {
    dp.addPort(d, i + 1);
  });
  const hook = new FakeOffload();
  dp.offload = hook;
  return { dp, dpctl: new Dpctl(dp), hook, p1: devs[0], p2: devs[1], tick: (ms: number) => (t += ms) };
}

const UDP = composePacket('udp,nw_src=10.0.0.1,nw_dst=10.0.0.2');

describe('datapath offload hook', () => {
  it('asks the hook before the caches: consumed packets go nowhere, actions given are run', () => {
    const { dp, dpctl, hook, p1, p2 } = setup();
    dpctl.addFlow('in_port(1),eth_type(0x0800),ipv4(frag=no)', '2');
    hook.answer = HW_CONSUMED;
    p1.receive(UDP.slice());
    expect(p2.sent.length).toBe(0);
    hook.answer = compileActions(parseActions('set(ipv4(ttl=9)),2'));
    p1.receive(UDP.slice());
    expect(p2.sent.length).toBe(1);
    expect(p2.sent[0][22]).toBe(9);
    hook.answer = undefined;
    p1.receive(UDP.slice());
    expect(p2.sent.length).toBe(2);
    // Hardware-handled packets count as hits (and apart); only the software one reached the flow.
    expect(dp.stats).toMatchObject({ hit: 3, missed: 0, offloadHits: 2 });
    expect(dp.flows()[0].packets).toBe(1);
    expect(hook.calls.filter((c) => c === 'afterBatch').length).toBe(3);
  });

  it('tells the hook about every flow table change, before a removal happens', () => {
    const { dp, dpctl, hook } = setup();
    dpctl.addFlow('in_port(1),eth_type(0x0800),ipv4(frag=no)', '2');
    dpctl.modFlow('in_port(1),eth_type(0x0800),ipv4(frag=no)', '1');
    dpctl.delFlow('in_port(1),eth_type(0x0800),ipv4(frag=no)');
    dpctl.addFlow('in_port(2),eth_type(0x0800),ipv4(frag=no)', '1');
    dp.flush();
    dp.revalidate(() => null);
    dp.expire();
    expect(hook.calls.filter((c) => c !== 'syncStats')).toEqual([
      'flowInstalled',
      'flowModified',
      'flowRemoved:false',
      'flowInstalled',
      'flowRemoved:false',
      'reconcile',
      'reconcile',
    ]);
  });

  it('prints offloaded flows as Open vSwitch (offloaded:yes, dp:LAYER) and the offload stats', () => {
    const { dpctl, hook } = setup();
    dpctl.addFlow('in_port(1),eth_type(0x0800),ipv4(frag=no)', '2');
    hook.layer = 'tc';
    const dump = dpctl.dumpFlows({ verbose: true });
    expect(dump).toMatch(/, packets:0, bytes:0, used:never, offloaded:yes, dp:tc, actions:p2\n$/);
    expect(dpctl.dumpFlows({ type: 'offloaded' })).toContain('in_port(1)');
    expect(dpctl.dumpFlows({ type: 'tc' })).toContain('in_port(1)');
    expect(dpctl.dumpFlows({ type: 'non-offloaded' })).toBe('');
    expect(dpctl.dumpFlows({ type: 'ovs' })).toBe('');
    hook.layer = undefined;
    expect(dpctl.dumpFlows({ type: 'non-offloaded' })).toContain('in_port(1)');
    expect(dpctl.offloadStatsShow()).toBe(
      'HW Offload stats:\n' +
        '     Total                 Enqueued offloads:       0\n' +
        '     Total                 Inserted offloads:    8283\n',
    );
  });
});
