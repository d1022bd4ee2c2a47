/**
 * Offload with the simulated NIC must be invisible: the same packets leave the same ports,
 * byte for byte and in the same order, and flow and port counters are the same, as with offload
 * off — with a TCAM small enough that eviction happens all the time, with OpenFlow changes
 * mid-stream (revalidation), and with the NIC failing or refusing operations.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Datapath, Dpctl, parseActions } from '@softswitch/datapath';
import { DummyNetdev, type FrameOffload } from '@softswitch/netdev';
import { OffloadManager, type SimOptions, SimProvider } from '@softswitch/offload';
import { formatDatapathActions, Ofproto } from '@softswitch/ofproto';
import { composePacket } from '@softswitch/packet';
import { readCaptureBuffer } from '@softswitch/pcap';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'pcap');
const PORTS = [1, 2, 3, 4];

class RecordingNetdev extends DummyNetdev {
  readonly sent: string[] = [];
  override sendBatch(frames: readonly Uint8Array[], count = frames.length, offloads?: readonly FrameOffload[]): number {
    for (let i = 0; i < count; i++) this.sent.push(Buffer.from(frames[i]).toString('hex'));
    return super.sendBatch(frames, count, offloads);
  }
}

interface Rig {
  dp: Datapath;
  dpctl: Dpctl;
  br: Ofproto;
  devs: RecordingNetdev[];
  sim?: SimProvider;
  manager?: OffloadManager;
  tick(ms: number): void;
}

/** One bridge over one datapath, ofproto answering upcalls; with `sim`, offload on. */
function rig(flows: string, sim?: SimOptions): Rig {
  let t = 1000;
  const clock = () => t;
  const br = new Ofproto({ name: 'br0', ports: PORTS.map((n) => ({ ofport: n, name: `p${n}`, dpPort: n })) });
  br.addFlows(flows);
  const dp = new Datapath({
    clock,
    // The EMC admits flows at random: keep it out so both runs make the same choices.
    cache: { emcInsertProbability: 0 },
    upcall: (key) => {
      const r = br.translate(key, {});
      return { actions: formatDatapathActions(r.actions), mask: r.mask };
    },
  });
  const devs = PORTS.map((n) => new RecordingNetdev(`p${n}`));
  devs.forEach((d, i) => {
    dp.addPort(d, PORTS[i]);
  });
  const r: Rig = {
    dp,
    dpctl: new Dpctl(dp),
    br,
    devs,
    tick: (ms) => {
      t += ms;
    },
  };
  if (sim) {
    r.sim = new SimProvider({ clock, ...sim });
    r.manager = new OffloadManager({ providers: [r.sim], intervalMs: 0 });
    r.manager.attach(dp);
  }
  return r;
}

/** Revalidation with ofproto's DpAction list: parse through the datapath's text form. */
function revalidate(r: Rig): void {
  r.dp.revalidate((key) => {
    const x = r.br.translate(key, {});
    return { actions: parseActions(formatDatapathActions(x.actions)), mask: x.mask };
  });
}

function flowMod(r: Rig, text: string): void {
  r.br.addFlows(text);
  revalidate(r);
}

/** What must be equal between the runs: outputs per port, counters per flow and per port. */
function observable(r: Rig) {
  const flows = r.dpctl
    .dumpFlows()
    .split('\n')
    .filter((l) => l.includes('actions:'))
    .map((l) => l.replace(/used:[^,]+, /, ''))
    .sort();
  return {
    sent: r.devs.map((d) => d.sent),
    ports: r.devs.map((d) => d.stats),
    flows,
    drops: r.dp.drops.snapshot(),
    rules: r.br
      .dumpFlows()
      .replace(/duration=[^,]+, /g, '')
      .replace(/(idle|hard)_age=[^,]+, /g, ''),
  };
}

/** Every packet of every fixture, round-robin over the input ports. */
function fixtureFrames(): { port: number; frame: Uint8Array }[] {
  const index = JSON.parse(readFileSync(join(FIXTURES, 'index.json'), 'utf8')) as unknown;
  const names = (Array.isArray(index) ? index : Object.keys(index as object)).map((e: unknown) =>
    typeof e === 'string' ? e : ((e as { file?: string; name?: string }).file ?? (e as { name: string }).name),
  );
  const out: { port: number; frame: Uint8Array }[] = [];
  let i = 0;
  for (const name of names) {
    const file = name.endsWith('.pcap') ? name : `${name}.pcap`;
    let packets: { data: Uint8Array }[];
    try {
      packets = readCaptureBuffer(readFileSync(join(FIXTURES, file)));
    } catch {
      continue;
    }
    // A plain Uint8Array copy: a Buffer's slice() is a view, and the datapath rewrites frames in place.
    for (const p of packets) out.push({ port: PORTS[i++ % PORTS.length], frame: new Uint8Array(p.data) });
  }
  return out;
}

const TABLE = [
  'priority=100,in_port=1,tcp,actions=mod_nw_src:10.9.9.9,output:2',
  'priority=90,in_port=1,udp,actions=output:3,output:4',
  'priority=80,in_port=2,ip,nw_dst=10.0.0.0/8,actions=mod_vlan_vid:7,output:1',
  'priority=70,dl_vlan=10,actions=strip_vlan,output:2',
  'priority=60,arp,actions=output:4',
  'priority=50,in_port=3,actions=output:1',
  'priority=40,ipv6,actions=output:2',
  'priority=10,in_port=4,actions=output:3',
  'priority=0,actions=drop',
].join('\n');

function replay(r: Rig, frames: { port: number; frame: Uint8Array }[], batch: number, midstream?: (i: number) => void) {
  for (let i = 0; i < frames.length; i += batch) {
    midstream?.(i);
    for (const port of new Set(frames.slice(i, i + batch).map((f) => f.port))) {
      const mine = frames.slice(i, i + batch).filter((f) => f.port === port);
      r.dp.processBatch(
        port,
        mine.map((f) => f.frame.slice()),
        mine.length,
      );
    }
    r.tick(1);
  }
}

describe('offload with the simulated NIC', () => {
  it('replays every fixture exactly as software alone, evicting all the time', () => {
    const frames = fixtureFrames();
    expect(frames.length).toBeGreaterThan(100);
    // Traffic twice, so flows heat up and get offloaded, then evicted by others.
    const traffic = [...frames, ...frames, ...frames];
    const mods = (r: Rig) => (i: number) => {
      if (i === 400) flowMod(r, 'priority=95,in_port=1,udp,tp_dst=53,actions=output:2');
      if (i === 800) flowMod(r, 'priority=50,in_port=3,actions=output:4');
    };
    const sw = rig(TABLE);
    replay(sw, traffic, 8, mods(sw));
    const hw = rig(TABLE, { capacity: 3 });
    replay(hw, traffic, 8, mods(hw));
    expect(observable(hw)).toEqual(observable(sw));
    const m = hw.manager!;
    expect(m.totals.hwPackets).toBeGreaterThan(20);
    expect(m.totals.evicted).toBeGreaterThan(5);
    expect(m.totals.modified + m.totals.removed).toBeGreaterThan(0);
    expect(hw.sim!.used).toBeLessThanOrEqual(3);
    expectConsistent(hw);
  });

  it('property: random tables, flow-mods and traffic forward and count the same', () => {
    const field = fc.constantFrom(
      '',
      'tcp,',
      'udp,',
      'ip,nw_src=10.0.0.0/24,',
      'tcp,tp_dst=80,',
      'udp,tp_src=1000,',
      'ip,nw_dst=10.0.0.2,',
      'dl_src=00:00:00:00:00:01,',
    );
    const action = fc.constantFrom(
      'output:2',
      'output:3',
      'output:1,output:4',
      'mod_nw_dst:10.1.1.1,output:2',
      'mod_dl_src:00:00:00:00:00:aa,output:3',
      'mod_vlan_vid:5,output:4',
      'mod_tp_dst:8080,output:1',
      'drop',
    );
    const rule = fc
      .tuple(
        fc.integer({ min: 1, max: 200 }),
        fc.option(fc.constantFrom(1, 2, 3, 4), { nil: undefined }),
        field,
        action,
      )
      .map(([prio, port, f, a]) => `priority=${prio},${port ? `in_port=${port},` : ''}${f}actions=${a}`);
    const packet = fc
      .tuple(
        fc.constantFrom(1, 2, 3, 4),
        fc.constantFrom('tcp', 'udp', 'icmp'),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(80, 53, 1000, 443),
      )
      .map(([port, proto, src, dst, tp]) => {
        const l4 = proto === 'icmp' ? 'icmp_type=8' : `tp_src=1000,tp_dst=${tp}`;
        return {
          port,
          frame: composePacket(
            `${proto},dl_src=00:00:00:00:00:0${src},dl_dst=00:00:00:00:00:0${dst},nw_src=10.0.0.${src},nw_dst=10.0.0.${dst},nw_ttl=64,${l4}`,
          ),
        };
      });
    const step = fc.oneof(
      { weight: 8, arbitrary: fc.array(packet, { minLength: 1, maxLength: 6 }).map((p) => ({ packets: p })) },
      { weight: 1, arbitrary: rule.map((mod) => ({ mod })) },
      { weight: 1, arbitrary: fc.constant({ expire: true }) },
    );
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 1, maxLength: 8 }),
        fc.array(step, { minLength: 5, maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 2, max: 7 }), { nil: undefined }),
        (rules, steps, capacity, failEvery) => {
          const table = rules.join('\n');
          const sw = rig(table);
          const hw = rig(table, { capacity, failEvery: failEvery ?? 0 });
          for (const r of [sw, hw]) {
            for (const s of steps) {
              if ('packets' in s) {
                for (const p of s.packets) r.dp.processBatch(p.port, [p.frame.slice()], 1);
                r.tick(3);
              } else if ('mod' in s) flowMod(r, s.mod);
              else {
                r.tick(11_000);
                r.dp.expire();
              }
            }
          }
          expect(observable(hw)).toEqual(observable(sw));
          // Failed removals are retried each round (and may fail again: every n-th operation does).
          for (let i = 0; i < 10 && hw.manager!.orphanCount > 0; i++) hw.manager!.run(hw.dp.now());
          expectConsistent(hw);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never loses a packet nor leaves a stale entry when the NIC fails or refuses operations', () => {
    const frames = fixtureFrames().slice(0, 600);
    const traffic = [...frames, ...frames];
    const mods = (r: Rig) => (i: number) => {
      if (i % 300 === 0)
        flowMod(r, `priority=${60 + i / 300},in_port=${1 + ((i / 300) % 4)},actions=output:${1 + ((i / 300 + 1) % 4)}`);
    };
    const sw = rig(TABLE);
    replay(sw, traffic, 4, mods(sw));
    const hw = rig(TABLE, {
      capacity: 4,
      failOps: [2, 3, 5, 8, 13, 21, 34, 55, 89],
      refuseOps: [4, 6, 10, 40],
      failEvery: 11,
    });
    replay(hw, traffic, 4, mods(hw));
    expect(observable(hw)).toEqual(observable(sw));
    const sim = hw.sim!;
    expect(sim.counters.failed).toBeGreaterThan(5);
    expect(sim.counters.refused).toBeGreaterThan(0);
    expect(hw.manager!.totals.failedRemovals).toBeGreaterThan(0);
    expect(hw.manager!.totals.hwPackets).toBeGreaterThan(0);
    // Failed removals are retried by the next rounds (every 11th still fails, so give it a few).
    for (let i = 0; i < 5 && hw.manager!.orphanCount > 0; i++) hw.manager!.run(hw.dp.now());
    expectConsistent(hw);
    // Flushing the datapath takes everything out of hardware.
    hw.dp.flush();
    for (let i = 0; i < 5 && sim.used > 0; i++) hw.manager!.run(hw.dp.now());
    expect(sim.used).toBe(0);
  });

  it('prints offloaded flows as Open vSwitch does and filters by type', () => {
    const r = rig('priority=10,in_port=1,actions=output:2\npriority=10,in_port=2,actions=controller', {
      capacity: 8,
    });
    const udp = composePacket('udp,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2');
    r.dp.userspaceHandler = () => undefined;
    for (let i = 0; i < 3; i++) {
      r.dp.processBatch(1, [udp.slice()], 1);
      r.dp.processBatch(2, [udp.slice()], 1);
      r.tick(1);
    }
    const off = r.dpctl.dumpFlows({ verbose: true, type: 'offloaded' });
    expect(off).toMatch(
      /^flow-dump from the main thread:\nufid:[0-9a-f-]+, .*in_port\(p1\).*, packets:2, bytes:\d+, used:[0-9.]+s, offloaded:yes, dp:sim, actions:p2\n$/,
    );
    const non = r.dpctl.dumpFlows({ verbose: true, type: 'non-offloaded' });
    expect(non).toContain('in_port(p2)');
    expect(non).toContain('dp:ovs, actions:userspace(');
    expect(non).not.toContain('offloaded:yes');
    expect(r.dpctl.dumpFlows({ type: 'ovs' })).not.toContain('in_port(1)');
    expect(r.dpctl.dumpFlows({ type: 'sim' })).toContain('in_port(1)');
    expect(r.dpctl.dumpFlows({ type: 'offloaded,non-offloaded' }).split('\n').length).toBe(4);
    const stats = r.dpctl.offloadStatsShow();
    expect(stats.split('\n')[0]).toBe('HW Offload stats:');
    expect(stats).toMatch(/^ {5}Total {17}Inserted offloads: {7}1$/m);
    expect(stats).toMatch(/Rejected unsupported-action: +1$/m);
  });
});

/** Hardware holds exactly the manager's entries, each for a live flow with its current actions. */
function expectConsistent(r: Rig): void {
  const sim = r.sim!;
  const m = r.manager!;
  expect(m.orphanCount).toBe(0);
  const live = new Set(r.dp.flows());
  const expected = new Set<number>();
  for (const flow of live) {
    const id = m.idOf(flow);
    if (id === undefined) continue;
    expected.add(id);
    expect(sim.holds(id, flow.key, flow.mask)).toBe(true);
  }
  expect(new Set(sim.ids())).toEqual(expected);
  for (const flow of m.offloadedFlows()) expect(live.has(flow)).toBe(true);
}
