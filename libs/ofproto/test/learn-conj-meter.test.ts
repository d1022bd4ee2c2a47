import { parseFlow } from '@softswitch/openflow';
import { parseFlowString } from '@softswitch/packet';
import { describe, expect, it } from 'vitest';
import { FlowModError, formatDatapathActions, type Ofproto } from '../src/index.js';
import { bridge, datapathActions } from './fixtures.js';

const actions = (br: Ofproto, flow: string, opts = {}) =>
  formatDatapathActions(br.translate(parseFlowString(flow), opts).actions);

/** Keys drawn at random inside a megaflow translate to the same actions (without side effects). */
function expectSound(br: Ofproto, flow: string, samples = 200) {
  const key = parseFlowString(flow);
  const r = br.translate(key);
  const want = formatDatapathActions(r.actions);
  let s = 777;
  for (let i = 0; i < samples; i++) {
    const k = Uint32Array.from(key);
    for (let w = 0; w < k.length; w++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      k[w] = ((key[w] & r.mask[w]) | (s & ~r.mask[w])) >>> 0;
    }
    expect(formatDatapathActions(br.translate(k).actions), `${flow}: not sound`).toBe(want);
  }
}

/** dump-flows lines without durations and ages. */
const flows = (br: Ofproto) =>
  br
    .dumpFlows()
    .split('\n')
    .map((l) => l.replace(/duration=[\d.]+s, /, '').replace(/idle_age=\d+, /, ''));

const CONJ = `
priority=100,ip,nw_src=10.0.0.1,actions=conjunction(7,1/2)
priority=100,ip,nw_src=10.0.0.2,actions=conjunction(7,1/2)
priority=100,tcp,tp_dst=80,actions=conjunction(7,2/2)
priority=100,tcp,tp_dst=443,actions=conjunction(7,2/2),conjunction(8,2/2)
priority=100,ip,nw_dst=10.9.9.9,actions=conjunction(8,1/2)
priority=100,conj_id=7,actions=output:2
priority=100,conj_id=8,actions=output:3
priority=50,ip,actions=output:4
`;

describe('conjunctive match', () => {
  it('a packet in every dimension gets the conj_id flow; otherwise the next flow', () => {
    const br = bridge(CONJ);
    expect(actions(br, 'in_port=1,tcp,nw_src=10.0.0.1,tp_dst=80')).toBe('2');
    expect(actions(br, 'in_port=1,tcp,nw_src=10.0.0.2,tp_dst=443')).toBe('2');
    expect(actions(br, 'in_port=1,tcp,nw_src=10.0.0.3,nw_dst=10.9.9.9,tp_dst=443')).toBe('3');
    expect(actions(br, 'in_port=1,tcp,nw_src=10.0.0.3,tp_dst=80')).toBe('4');
    expect(actions(br, 'in_port=1,udp,nw_src=10.0.0.1,tp_dst=80')).toBe('4');
    expect(datapathActions(br.trace('in_port=1,tcp,nw_src=10.0.0.1,tp_dst=80'))).toBe('2');
    expect(br.trace('in_port=1,tcp,nw_src=10.0.0.1,tp_dst=80')).toContain(' 0. conj_id=7, priority 100');
  });

  it('megaflows are sound', () => {
    const br = bridge(CONJ);
    for (const f of [
      'in_port=1,tcp,nw_src=10.0.0.1,tp_dst=80',
      'in_port=1,tcp,nw_src=10.0.0.3,nw_dst=10.9.9.9,tp_dst=443',
      'in_port=1,tcp,nw_src=10.0.0.3,tp_dst=80',
      'in_port=1,tcp,nw_src=10.0.0.2,tp_dst=22',
    ])
      expectSound(br, f);
  });

  it('modifying a conjunctive flow into an ordinary one (and back) re-files it', () => {
    const br = bridge(CONJ);
    br.flowMod(parseFlow('priority=100,tcp,tp_dst=80,actions=output:1', 2).fm);
    expect(actions(br, 'in_port=4,tcp,nw_src=10.0.0.1,tp_dst=80')).toBe('1');
    br.flowMod(parseFlow('priority=100,tcp,tp_dst=80,actions=conjunction(7,2/2)', 2).fm);
    expect(actions(br, 'in_port=4,tcp,nw_src=10.0.0.1,tp_dst=80')).toBe('2');
  });
});

const LEARN =
  'table=0,priority=10,actions=learn(table=1,hard_timeout=60,idle_timeout=30,priority=123,cookie=0x55,' +
  'fin_idle_timeout=5,fin_hard_timeout=10,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],' +
  'load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15],load:0x7->NXM_NX_REG1[],output:NXM_OF_IN_PORT[]),resubmit(,1)\n' +
  'table=1,priority=0,actions=output:3';

describe('learn', () => {
  it('ofproto/trace suppresses it; the megaflow holds what it reads', () => {
    const br = bridge(LEARN);
    const flow = 'in_port=1,dl_vlan=5,dl_src=00:00:00:00:00:0a,dl_dst=00:00:00:00:00:0b,ip';
    const trace = br.trace(flow);
    expect(trace).toContain('     >> suppressing side effects, so learn action ignored');
    expect(datapathActions(trace)).toBe('3');
    expect(br.tables.size).toBe(2);
    const m = /^Megaflow: (.*)$/m.exec(trace)?.[1];
    expect(m).toContain('dl_src=00:00:00:00:00:0a');
    expect(m).toContain('in_port=1');
    expectSound(br, flow);
  });

  it('a real packet adds the flow as OVS does; the same packet again only refreshes it', () => {
    let now = 1000;
    const br = bridge(LEARN, { now: () => now });
    const before = br.tables.learnChanges;
    br.translate(parseFlowString('in_port=1,dl_vlan=5,dl_src=00:00:00:00:00:0a,dl_dst=00:00:00:00:00:0b,ip'), {
      mayLearn: true,
    });
    expect(br.tables.learnChanges).toBe(before + 1);
    expect(flows(br)).toContain(
      ' cookie=0x55, table=1, n_packets=0, n_bytes=0, idle_timeout=30, hard_timeout=60, priority=123,vlan_tci=0x0005/0x0fff,dl_dst=00:00:00:00:00:0a actions=fin_timeout(idle_timeout=5,hard_timeout=10),load:0x1->NXM_NX_REG0[0..15],load:0x7->NXM_NX_REG1[],output:1',
    );
    now += 5000;
    br.translate(parseFlowString('in_port=1,dl_vlan=5,dl_src=00:00:00:00:00:0a,dl_dst=00:00:00:00:00:0b,ip'), {
      mayLearn: true,
    });
    expect(br.tables.learnChanges).toBe(before + 1); // a refresh, not a change
    const learned = br.tables.entries(1).find((e) => e.priority === 123);
    expect(learned?.modified).toBe(now);
    // The learned flow is used: a packet to the learned MAC on VLAN 5.
    expect(actions(br, 'in_port=2,dl_vlan=5,dl_dst=00:00:00:00:00:0a,dl_src=00:00:00:00:00:0c')).toBe('1');
    // A different source port learns a second flow (same match on VLAN 0 differs).
    br.translate(parseFlowString('in_port=2,dl_src=00:00:00:00:00:0a,ip'), { mayLearn: true });
    expect(br.tables.entries(1).length).toBe(3);
    expect(br.tables.learnChanges).toBe(before + 2);
  });

  it('a learned flow with fin_timeout shortens its timeouts on FIN', () => {
    const br = bridge(
      'table=0,actions=learn(table=1,idle_timeout=100,fin_idle_timeout=2,NXM_OF_TCP_DST[]),resubmit(,1)',
    );
    br.translate(parseFlowString('in_port=1,tcp,tp_dst=80'), { mayLearn: true });
    const e = br.tables.entries(1)[0];
    expect(e.idleTimeout).toBe(100);
    br.translate(parseFlowString('in_port=1,tcp,tp_dst=80,tcp_flags=+fin'), { mayLearn: true });
    expect(e.idleTimeout).toBe(2);
  });
});

describe('meters', () => {
  it('meter:N becomes the datapath meter(ID) in creation order; unknown meters are refused', () => {
    const br = bridge('');
    br.addMeter('meter=5,pktps,burst,stats,bands=type=drop,rate=2,burst_size=3');
    br.addMeter('meter=2,kbps,bands=type=drop,rate=100');
    br.addFlows('priority=10,in_port=1,actions=meter:5,output:2\npriority=10,in_port=2,actions=meter:2,output:1');
    expect(actions(br, 'in_port=1,ip')).toBe('meter(0),2');
    expect(actions(br, 'in_port=2,ip')).toBe('meter(1),1');
    expect(() => br.addFlows('priority=10,in_port=3,actions=meter:9,output:1')).toThrow(FlowModError);
    // Deleting a meter deletes its flows and frees its datapath id.
    const removed = br.meterMod({ command: 2, flags: 0, meterId: 5, bands: [] });
    expect(removed.map((r) => r.entry.priority)).toEqual([10]);
    expect(br.tables.size).toBe(1);
    br.addMeter('meter=7,pktps,bands=type=drop,rate=1');
    br.addFlows('priority=10,in_port=1,actions=meter:7,output:2');
    expect(actions(br, 'in_port=1,ip')).toBe('meter(0),2');
  });
});
