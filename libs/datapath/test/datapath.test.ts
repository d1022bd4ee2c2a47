import { DummyNetdev, type FrameOffload } from '@softswitch/netdev';
import { composePacket, createFlowKey, FLOW_WORDS, flowField, maskField, W } from '@softswitch/packet';
import { describe, expect, it } from 'vitest';
import { compileActions, Datapath, Dpctl, output, parseActions, setFields, type UpcallHandler } from '../src/index.js';

/** A dummy device that remembers what it sent and in how many batches. */
class RecordingNetdev extends DummyNetdev {
  readonly sent: Uint8Array[] = [];
  readonly batches: number[] = [];
  override sendBatch(frames: readonly Uint8Array[], count = frames.length, offloads?: readonly FrameOffload[]): number {
    for (let i = 0; i < count; i++) this.sent.push(frames[i].slice());
    this.batches.push(count);
    return super.sendBatch(frames, count, offloads);
  }
}

const hex = (p: Uint8Array) => Buffer.from(p).toString('hex');

const UDP =
  'udp,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tp_src=1000,tp_dst=53';
const TCP =
  'tcp,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tp_src=1000,tp_dst=80';

function setup(options: ConstructorParameters<typeof Datapath>[0] = {}) {
  let t = 1000;
  const dp = new Datapath({ clock: () => t, ...options });
  const devs = [1, 2, 3].map((i) => new RecordingNetdev(`p${i}`));
  devs.forEach((d, i) => {
    dp.addPort(d, i + 1);
  });
  return { dp, dpctl: new Dpctl(dp), p1: devs[0], p2: devs[1], p3: devs[2], tick: (ms: number) => (t += ms) };
}

describe('datapath: flows installed with dpctl', () => {
  it('forwards and rewrites byte-exactly, with checksums fixed', () => {
    const { dpctl, p1, p2, p3 } = setup();
    dpctl.addFlow(
      'in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,proto=17,frag=no),udp(dst=53)',
      'set(ipv4(src=10.9.9.9,ttl=7)),set(udp(dst=5353)),2,push_vlan(vid=10,pcp=3),3',
    );
    p1.receive(composePacket(UDP));
    const rewritten = composePacket(
      UDP.replace('nw_src=10.0.0.1', 'nw_src=10.9.9.9')
        .replace('nw_ttl=64', 'nw_ttl=7')
        .replace('tp_dst=53', 'tp_dst=5353'),
    );
    expect(p2.sent.map(hex)).toEqual([hex(rewritten)]);
    const tagged = composePacket(
      UDP.replace('udp,', 'udp,dl_vlan=10,dl_vlan_pcp=3,')
        .replace('nw_src=10.0.0.1', 'nw_src=10.9.9.9')
        .replace('nw_ttl=64', 'nw_ttl=7')
        .replace('tp_dst=53', 'tp_dst=5353'),
    );
    expect(p3.sent.map(hex)).toEqual([hex(tagged)]);
  });

  it('keeps an earlier output intact when later actions rewrite the packet', () => {
    const { dpctl, p1, p2, p3 } = setup();
    dpctl.addFlow('in_port(1),eth_type(0x0800),ipv4(frag=no)', '2,set(eth(dst=00:00:00:00:00:99)),3');
    const frame = composePacket(UDP);
    p1.receive(frame.slice());
    expect(p2.sent.map(hex)).toEqual([hex(frame)]);
    expect(p3.sent.map(hex)).toEqual([
      hex(composePacket(UDP.replace('dl_dst=00:00:00:00:00:02', 'dl_dst=00:00:00:00:00:99'))),
    ]);
  });

  it('pops a VLAN, truncates, and clones', () => {
    const { dpctl, p1, p2, p3 } = setup();
    dpctl.addFlow(
      'in_port(1),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800))',
      'pop_vlan,clone(set(udp(dst=1)),3),trunc(20),2',
    );
    p1.receive(composePacket(UDP.replace('udp,', 'udp,dl_vlan=10,')));
    const plain = composePacket(UDP);
    expect(p2.sent.map(hex)).toEqual([hex(plain.subarray(0, 20))]);
    expect(p3.sent.map(hex)).toEqual([hex(composePacket(UDP.replace('tp_dst=53', 'tp_dst=1')))]);
  });

  it('branches on the frame length with check_pkt_len (padding not counted), on a copy unless last', () => {
    const { dpctl, p1, p2, p3 } = setup();
    const small = composePacket(UDP);
    const size = small.length;
    const padded = Uint8Array.from([...small, ...new Uint8Array(10)]);
    // Not last: the branch rewrites a copy; the output after it sends the packet as it came.
    dpctl.addFlow(
      'in_port(1),eth_type(0x0800),ipv4(proto=17,frag=no)',
      `check_pkt_len(size=${size},gt(set(udp(dst=7)),2),le(set(udp(dst=8)),3)),2`,
    );
    p1.receive(small.slice());
    p1.receive(padded.slice());
    const dst8 = composePacket(UDP.replace('tp_dst=53', 'tp_dst=8'));
    expect(p3.sent.map(hex)).toEqual([hex(dst8), hex(Uint8Array.from([...dst8, ...new Uint8Array(10)]))]);
    expect(p2.sent.map(hex)).toEqual([hex(small), hex(padded)]);
    // Last: in place; one byte over the size goes to gt.
    const { dpctl: d2, p1: q1, p2: q2 } = setup();
    d2.addFlow(
      'in_port(1),eth_type(0x0800),ipv4(frag=no)',
      `2,check_pkt_len(size=${size - 1},gt(set(udp(dst=9)),2),le(drop))`,
    );
    q1.receive(small.slice());
    expect(q2.sent.map(hex)).toEqual([hex(small), hex(composePacket(UDP.replace('tp_dst=53', 'tp_dst=9')))]);
  });

  it('counts stats, shows them like dpctl, and batches outputs per port', () => {
    const { dp, dpctl, p2, tick } = setup();
    dpctl.addFlow('in_port(1),eth(),eth_type(0x0800),ipv4(proto=6,frag=no)', '2');
    const frame = composePacket(`${TCP},tcp_flags=0x012`);
    dp.processBatch(1, [frame.slice(), frame.slice(), frame.slice()]);
    expect(p2.batches).toEqual([3]);
    tick(250);
    expect(dpctl.dumpFlows()).toBe(
      'flow-dump from the main thread:\n' +
        `recirc_id(0),in_port(1),eth_type(0x0800),ipv4(proto=6,frag=no), packets:3, bytes:${3 * frame.length}, used:0.250s, flags:S., actions:2\n`,
    );
    expect(dpctl.show()).toBe(
      'dummy@ovs-dummy:\n  lookups: hit:3 missed:0 lost:0\n  flows: 1\n  port 1: p1 (dummy)\n  port 2: p2 (dummy)\n  port 3: p3 (dummy)\n',
    );
    expect(dpctl.dumpFlowsArgs(['--names'])).toContain('in_port(p1)');
    expect(dpctl.dumpFlowsArgs(['--names'])).toContain('actions:p2');
    expect(dpctl.dumpFlowsArgs(['type=tc'])).toBe('');
    expect(dpctl.dumpFlowsArgs(['filter=in_port(2)'])).toBe('');
  });

  it('queues an outputs-only action list straight to its ports, others through their steps', () => {
    expect(Array.from(compileActions(parseActions('2,3,2')).outputs ?? [])).toEqual([2, 3, 2]);
    expect(compileActions(parseActions('set(ipv4(ttl=9)),2')).outputs).toBeUndefined();
    expect(compileActions(parseActions('trunc(100),2')).outputs).toBeUndefined();
    expect(compileActions([]).outputs).toBeUndefined();
    const { dp, dpctl, p2, p3 } = setup();
    dpctl.addFlow('in_port(1),eth_type(0x0800),ipv4(proto=6,frag=no)', '2,3,2,9');
    const frame = composePacket(TCP);
    dp.processBatch(1, [frame.slice(), frame.slice()]);
    expect(p2.batches).toEqual([4]);
    expect(p3.batches).toEqual([2]);
    expect(p2.sent.map(hex)).toEqual(Array(4).fill(hex(frame)));
    expect(dp.drops.snapshot()).toEqual({ invalid_port: 2 });
  });

  it('manages flows: add twice, mod, del, get by ufid, del-flows', () => {
    const { dp, dpctl, p1, p2, p3 } = setup();
    const flow = 'in_port(1),eth_type(0x0800),ipv4(frag=no)';
    dpctl.addFlow(flow, '2');
    expect(() => dpctl.addFlow(flow, '3')).toThrow('updating flow table (File exists)');
    expect(() => dpctl.modFlow('in_port(2),eth_type(0x0800),ipv4(frag=no)', '3')).toThrow(/No such file/);
    dpctl.modFlow(flow, '3');
    p1.receive(composePacket(UDP));
    expect(p2.sent).toHaveLength(0);
    expect(p3.sent).toHaveLength(1);
    const ufid = /ufid:([0-9a-f-]+)/.exec(dpctl.dumpFlows({ verbose: true }))?.[1];
    expect(dpctl.getFlow(`ufid:${ufid}`)).toContain('actions:p3');
    expect(() => dpctl.getFlow(flow)).toThrow('parsing flow ufid');
    dpctl.delFlow(flow);
    expect(() => dpctl.delFlow(flow)).toThrow(/deleting flow \(No such file or directory\)/);
    dpctl.addFlow(flow, '2');
    dpctl.delFlows();
    expect(dp.stats.flows).toBe(0);
    expect(dpctl.dumpFlows()).toBe('');
  });
});

describe('datapath: upcalls and drops', () => {
  /** A learning-free handler: UDP to port 2 matching on in_port and nw_dst, anything else dropped. */
  function handler(calls: Uint32Array[]): UpcallHandler {
    return (key) => {
      calls.push(key.slice());
      const mask = createFlowKey();
      for (const n of ['in_port', 'dl_type', 'nw_proto', 'nw_frag', 'nw_dst']) maskField(mask, flowField(n) as never);
      if ((key[W.NW] & 0xff) === 17) return { actions: [output(2)], mask };
      if ((key[W.NW] & 0xff) === 6) return undefined;
      return { actions: [], mask };
    };
  }

  it('installs the megaflow an upcall returns and hits it afterwards', () => {
    const calls: Uint32Array[] = [];
    const { dp, dpctl, p2 } = setup({ upcall: handler(calls) });
    const a = composePacket(UDP);
    const b = composePacket(UDP.replace('tp_src=1000', 'tp_src=2000'));
    dp.processBatch(1, [a.slice(), b.slice(), a.slice()]);
    expect(calls).toHaveLength(1);
    expect(calls[0][W.IN_PORT]).toBe(1);
    expect(p2.sent.map(hex)).toEqual([hex(a), hex(b), hex(a)]);
    expect(dp.stats).toMatchObject({ hit: 2, missed: 1, lost: 0, upcalls: 1, flows: 1 });
    // As Open vSwitch: the packet that caused the upcall is not counted in the flow's stats.
    expect(dpctl.dumpFlows()).toBe(
      'flow-dump from the main thread:\n' +
        `recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x0800),ipv4(dst=10.0.0.2,proto=17,frag=no), packets:2, bytes:${a.length + b.length}, used:0.000s, actions:2\n`,
    );
  });

  it('accepts upcall actions as text, compiled once per distinct text', () => {
    const mask = createFlowKey();
    maskField(mask, flowField('in_port') as never);
    maskField(mask, flowField('tp_src') as never);
    const { dp, p2, p3 } = setup({ upcall: () => ({ actions: 'set(udp(dst=7)),2,3', mask }) });
    const a = composePacket(UDP);
    const b = composePacket(UDP.replace('tp_src=1000', 'tp_src=2000'));
    dp.processBatch(1, [a.slice(), b.slice()]);
    expect(p2.sent.map(hex)).toEqual(
      [a, b].map((f) =>
        hex(
          composePacket(
            UDP.replace('tp_dst=53', 'tp_dst=7').replace('tp_src=1000', f === a ? 'tp_src=1000' : 'tp_src=2000'),
          ),
        ),
      ),
    );
    expect(p3.sent).toHaveLength(2);
    const [x, y] = dp.flows();
    expect(x.actions.compiled).toBe(y.actions.compiled);
  });

  it('names every drop', () => {
    const calls: Uint32Array[] = [];
    const { dp, dpctl, p1, p2 } = setup({ upcall: handler(calls) });
    p1.receive(composePacket(TCP)); // handler has no answer
    p1.receive(new Uint8Array(10)); // runt
    p1.receive(composePacket('icmp,nw_src=1.1.1.1,nw_dst=2.2.2.2')); // empty actions from the upcall
    dpctl.addFlow('in_port(2),eth_type(0x0800),ipv4(frag=no)', '7'); // no port 7
    p2.receive(composePacket(UDP));
    dpctl.addFlow('in_port(3),eth_type(0x0800),ipv4(frag=no)', 'recirc(0x1)');
    dp.processBatch(3, [composePacket(UDP)]);
    p2.setMtu(100);
    dpctl.addFlow('in_port(1),eth_type(0x86dd),ipv6(frag=no)', '2');
    p1.receive(composePacket('udp6,ipv6_src=::1,ipv6_dst=::2', { payload: new Uint8Array(200) }));
    p2.setAdminState('down');
    p1.receive(composePacket('udp6,ipv6_src=::1,ipv6_dst=::2'));
    dpctl.addFlow('in_port(3),eth_type(0x86dd),ipv6(frag=no)', 'userspace(pid=0)');
    dp.processBatch(3, [composePacket('udp6,ipv6_src=::1,ipv6_dst=::2')]);
    expect(dp.drops.snapshot()).toEqual({
      no_flow: 1,
      invalid_packet: 1,
      drop_action: 1,
      invalid_port: 1,
      recirc_error: 1,
      mtu_exceeded: 1,
      port_down: 1,
      userspace_error: 1,
    });
    expect(dpctl.showDrops()).toContain('  datapath_drop_upcall_error: 1\n');
    expect(dpctl.showDrops()).toContain('  drop_action_of_pipeline: 1\n');
    expect(dpctl.showDrops()).not.toContain('upcall_limit');
    expect(dpctl.showDrops(true)).toContain('  datapath_drop_upcall_limit: 0\n');
  });

  it('tells which cache holds a flow (dump-flows -m, type=emc|megaflow) and shows masks', () => {
    const { dp, dpctl } = setup({ cache: { emcInsertProbability: 1 } });
    dpctl.addFlow('in_port(1),eth_type(0x0800),ipv4(proto=17,frag=no),udp()', '2');
    dpctl.addFlow('in_port(1),eth_type(0x0800),ipv4(proto=6,frag=no),tcp()', '3');
    dp.processBatch(1, [composePacket(UDP), composePacket(UDP)]);
    const emc = dpctl.dumpFlowsArgs(['type=emc']);
    expect(emc.split('\n').filter((l) => l.includes('proto=17'))).toHaveLength(1);
    expect(emc).not.toContain('proto=6');
    expect(dpctl.dumpFlowsArgs(['type=megaflow'])).toContain('proto=6');
    const verbose = dpctl.dumpFlowsArgs(['-m']);
    expect(verbose).toMatch(
      /^ufid:[0-9a-f-]{36}, skb_priority\(0\/0\),.*in_port\(p1\).*dp:ovs, actions:p2, dp-extra-info:cache\(emc\)$/m,
    );
    expect(verbose).toContain('dp-extra-info:cache(megaflow)');
    expect(dpctl.show({ masks: true })).toContain('  masks: hit:');
    expect(dpctl.show({ masks: true })).toContain('total:1 ');
    expect(dpctl.show({ statistics: true })).toContain('    TX packets:2 ');
  });

  it('hands userspace actions a copy of the packet', () => {
    const got: [string, number, string][] = [];
    const { dpctl, p1 } = setup({ userspace: (pkt, port, args) => got.push([hex(pkt), port, args]) });
    dpctl.addFlow('in_port(1),eth_type(0x0800),ipv4(frag=no)', 'userspace(pid=0,slow_path(controller))');
    const f = composePacket(UDP);
    p1.receive(f.slice());
    expect(got).toEqual([[hex(f), 1, 'pid=0,slow_path(controller)']]);
  });

  it('bounds upcalls per batch and per second, counting the rest as lost', () => {
    const calls: Uint32Array[] = [];
    const { dp, tick } = setup({
      upcall: () => {
        calls.push(new Uint32Array(1));
        return undefined;
      },
      maxUpcallsPerBatch: 2,
      maxUpcallsPerSecond: 3,
    });
    const f = composePacket(UDP);
    dp.processBatch(1, [f, f, f, f]);
    expect(calls).toHaveLength(2);
    dp.processBatch(1, [f, f]);
    expect(calls).toHaveLength(3); // the per-second bucket is empty now
    tick(1000);
    dp.processBatch(1, [f, f, f]);
    expect(calls).toHaveLength(5);
    expect(dp.stats).toMatchObject({ missed: 9, lost: 4 });
    expect(dp.drops.get('upcall_limit')).toBe(4);
    expect(dp.drops.get('no_flow')).toBe(5);
  });

  it('revalidates through ofproto and flushes', () => {
    const calls: Uint32Array[] = [];
    const { dp, p1, p2, p3 } = setup({ upcall: handler(calls) });
    p1.receive(composePacket(UDP));
    expect(dp.stats.flows).toBe(1);
    const r = dp.revalidate((_key, mask) => ({ actions: [output(3)], mask }));
    expect(r).toMatchObject({ checked: 1, modified: 1 });
    p1.receive(composePacket(UDP));
    expect(p3.sent).toHaveLength(1);
    dp.revalidate(() => null);
    expect(dp.stats.flows).toBe(0);
    p1.receive(composePacket(UDP));
    expect(p2.sent).toHaveLength(2);
    dp.flush();
    expect(dp.stats.flows).toBe(0);
  });

  it('runs actions directly (packet-out style)', () => {
    const { dp, p2 } = setup();
    const f = composePacket(UDP);
    dp.execute(f, 1, [setFields('eth', 'src=00:00:00:00:00:77'), ...parseActions('2')]);
    expect(p2.sent.map(hex)).toEqual([
      hex(composePacket(UDP.replace('dl_src=00:00:00:00:00:01', 'dl_src=00:00:00:00:00:77'))),
    ]);
    expect(FLOW_WORDS).toBe(64);
  });

  it('counts frames a device refuses as queue_full', () => {
    const dp = new Datapath();
    const full = new (class extends RecordingNetdev {
      override sendBatch(frames: readonly Uint8Array[], count = frames.length): number {
        super.sendBatch(frames, count);
        return Math.min(count, 1);
      }
    })('full');
    dp.addPort(new RecordingNetdev('in'), 1);
    dp.addPort(full, 2);
    new Dpctl(dp).addFlow('in_port(1),eth_type(0x0800),ipv4(frag=no)', '2');
    const f = composePacket(UDP);
    dp.processBatch(1, [f, f, f]);
    expect(dp.drops.snapshot()).toEqual({ queue_full: 2 });
  });

  it('pushes and pops MPLS byte-exactly', () => {
    const { dpctl, p1, p2, p3 } = setup();
    dpctl.addFlow(
      'in_port(1),eth_type(0x0800),ipv4(frag=no)',
      'push_mpls(label=100,tc=3,ttl=9,bos=1,eth_type=0x8847),2',
    );
    dpctl.addFlow('in_port(2),eth_type(0x8847),mpls(label=100,tc=3,ttl=9,bos=1)', 'pop_mpls(eth_type=0x800),3');
    const f = composePacket(UDP);
    p1.receive(f.slice());
    const labelled = composePacket(
      `mpls,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,mpls_label=100,mpls_tc=3,mpls_ttl=9,mpls_bos=1`,
    );
    // The MPLS payload is the original IP packet.
    expect(hex(p2.sent[0])).toBe(hex(labelled.subarray(0, 18)) + hex(f.subarray(14)));
    p2.receive(p2.sent[0].slice());
    expect(p3.sent.map(hex)).toEqual([hex(f)]);
    dpctl.addFlow(
      'in_port(3),eth_type(0x8847),mpls(label=100,tc=3,ttl=9,bos=1)',
      'set(mpls(label=7/0xfffff,tc=0/0,ttl=1/0xff,bos=0/0)),1',
    );
    p3.receive(p2.sent[0].slice());
    const relabelled = p2.sent[0].slice();
    relabelled.set([0x00, 0x00, 0x77, 0x01], 14); // label 7, tc 3, bos 1, ttl 1
    expect(p1.sent.map(hex)).toEqual([hex(relabelled)]);
  });

  it('runs dpctl commands as ovs-appctl passes them', async () => {
    const { dpctl } = setup();
    await dpctl.command('add-flow', ['dummy@ovs-dummy', 'in_port(1),eth_type(0x0800),ipv4(frag=no)', '2']);
    await dpctl.command('mod-flow', ['--clear', 'in_port(1),eth_type(0x0800),ipv4(frag=no)', '3']);
    expect(await dpctl.command('dump-flows', [])).toContain('actions:3');
    expect(await dpctl.command('show', ['-s'])).toContain('RX packets:');
    expect(await dpctl.command('dump-dps', [])).toBe('dummy@ovs-dummy\n');
    await expect(dpctl.command('add-flow', ['in_port(1)'])).rejects.toThrow(/requires at least 2 arguments/);
    await expect(dpctl.command('frob', [])).rejects.toThrow('unknown command "dpctl/frob"');
    await dpctl.command('del-flows', []);
    expect(await dpctl.command('dump-flows', [])).toBe('');
  });

  it('defers re-entrant batches (a device looping back) and bounds loops', () => {
    const dp = new Datapath();
    // Port 2 delivers what it sends straight back in on port 3, synchronously, like a patch pair.
    const p3 = new RecordingNetdev('p3');
    const p2 = new (class extends RecordingNetdev {
      override sendBatch(frames: readonly Uint8Array[], count = frames.length): number {
        const n = super.sendBatch(frames, count);
        dp.processBatch(3, frames, count);
        return n;
      }
    })('p2');
    const p4 = new RecordingNetdev('p4');
    dp.addPort(new RecordingNetdev('p1'), 1);
    dp.addPort(p2, 2);
    dp.addPort(p3, 3);
    dp.addPort(p4, 4);
    const dpctl = new Dpctl(dp);
    dpctl.addFlow('in_port(1),eth_type(0x0800),ipv4(frag=no)', '2');
    dpctl.addFlow('in_port(3),eth_type(0x0800),ipv4(frag=no)', 'set(eth(src=00:00:00:00:00:33)),4');
    const f = composePacket(UDP);
    dp.processBatch(1, [f.slice(), f.slice()]);
    expect(p2.sent.map(hex)).toEqual([hex(f), hex(f)]);
    const relabelled = composePacket(UDP.replace('dl_src=00:00:00:00:00:01', 'dl_src=00:00:00:00:00:33'));
    expect(p4.sent.map(hex)).toEqual([hex(relabelled), hex(relabelled)]);
    // A loop: port 3 back out of port 2 forever, stopped by the bound.
    dpctl.modFlow('in_port(3),eth_type(0x0800),ipv4(frag=no)', '2');
    dp.processBatch(1, [f.slice()]);
    expect(dp.drops.get('recursion_too_deep')).toBeGreaterThan(0);
  });

  it('adds and removes interfaces by spec', async () => {
    const { dp, dpctl } = setup();
    await dpctl.addIf('p9,type=dummy,port_no=9');
    expect(dpctl.show()).toContain('port 9: p9 (dummy)');
    await expect(dpctl.addIf('p9')).rejects.toThrow(/already exists/);
    await dpctl.delIf('p9');
    expect(dp.portByName('p9')).toBeUndefined();
  });
});
