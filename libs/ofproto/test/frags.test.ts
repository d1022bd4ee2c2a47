import { parseFlowString, W } from '@softswitch/packet';
import { describe, expect, it } from 'vitest';
import { FragMode, formatDatapathActions, type Ofproto } from '../src/index.js';
import { bridge, datapathActions } from './fixtures.js';

/**
 * Fragment handling (OFPC_FRAG_*): expected lines come from ovs-vswitchd 3.1 (dummy datapath,
 * `ovs-ofctl set-frags`, `ofproto/trace`) on the same flows; test/ofproto-frags-diff.test.ts
 * checks them against the real thing.
 */
const FLOWS = `
priority=100,udp,tp_dst=80,actions=output:2
priority=90,udp,tp_dst=0,actions=output:3
priority=80,ip,nw_frag=later,actions=output:1
priority=10,ip,actions=output:3,output:2
priority=10,ipv6,actions=output:4
`;
const UDP = 'in_port=1,udp,nw_src=10.0.0.1,nw_dst=10.0.0.2';
const flowOf = (frag: string) => `${UDP},nw_frag=${frag}${frag === 'later' ? '' : ',udp_src=5,udp_dst=80'}`;

function withMode(mode: FragMode): Ofproto {
  const br = bridge(FLOWS);
  br.setFragMode(mode);
  return br;
}

describe('fragment handling mode', () => {
  it('is NORMAL on a new bridge; REASM is refused; a change is reported', () => {
    const br = bridge('');
    expect(br.fragMode).toBe(FragMode.NORMAL);
    expect(() => br.setFragMode(FragMode.REASM)).toThrow(RangeError);
    expect(br.fragMode).toBe(FragMode.NORMAL);
    expect(br.setFragMode(FragMode.DROP)).toBe(true);
    expect(br.setFragMode(FragMode.DROP)).toBe(false);
    expect(br.fragMode).toBe(FragMode.DROP);
  });

  it.each([
    // mode, nw_frag, datapath actions, megaflow (as ovs-vswitchd 3.1 prints them)
    [FragMode.NORMAL, 'no', '2', 'recirc_id=0,eth,udp,in_port=1,nw_frag=no,tp_dst=80'],
    [FragMode.NORMAL, 'first', '3', 'recirc_id=0,eth,udp,in_port=1,nw_frag=first,tp_dst=80'],
    [FragMode.NORMAL, 'later', '3', 'recirc_id=0,eth,udp,in_port=1,nw_frag=later'],
    [FragMode.DROP, 'no', '2', 'recirc_id=0,eth,udp,in_port=1,nw_frag=no,tp_dst=80'],
    [FragMode.DROP, 'first', 'drop', 'recirc_id=0,eth,ip,in_port=1,nw_frag=first'],
    [FragMode.DROP, 'later', 'drop', 'recirc_id=0,eth,ip,in_port=1,nw_frag=later'],
    [FragMode.NX_MATCH, 'no', '2', 'recirc_id=0,eth,udp,in_port=1,nw_frag=no,tp_dst=80'],
    [FragMode.NX_MATCH, 'first', '2', 'recirc_id=0,eth,udp,in_port=1,nw_frag=first,tp_dst=80'],
    [FragMode.NX_MATCH, 'later', '3', 'recirc_id=0,eth,udp,in_port=1,nw_frag=later'],
  ] as const)('mode %i, nw_frag=%s: %s', (mode, frag, actions, mega) => {
    const br = withMode(mode);
    const trace = br.trace(flowOf(frag));
    expect(datapathActions(trace)).toBe(actions);
    expect(/^Megaflow: (.*)$/m.exec(trace)?.[1]).toBe(mega);
  });

  it('NORMAL looks a first fragment up with ports 0 but leaves the packet its ports', () => {
    const br = withMode(FragMode.NORMAL);
    const trace = br.trace(`${UDP},nw_frag=first,udp_src=5,udp_dst=80`);
    expect(trace).toContain(' 0. udp,tp_dst=0, priority 90\n    output:3');
    expect(trace).toContain('Final flow: unchanged');
    // A rewrite after the lookup commits against the real ports.
    const rw = bridge('priority=90,udp,tp_dst=0,actions=mod_tp_src:7,output:3');
    expect(datapathActions(rw.trace(`${UDP},nw_frag=first,udp_src=5,udp_dst=80`))).toBe('set(udp(src=7)),3');
  });

  it('DROP matches no flow, counts none, and says why in the trace', () => {
    const br = withMode(FragMode.DROP);
    const trace = br.trace(flowOf('first'));
    expect(trace).toContain(' 0. Packets are IP fragments and the fragment handling mode is "drop".\n    drop\n');
    br.translate(parseFlowString(flowOf('first')), { packetLength: 100 });
    expect(br.dumpFlows()).not.toMatch(/n_packets=[1-9]/);
    // IPv6 fragments too; non-fragments and non-IP are not affected.
    expect(datapathActions(br.trace('in_port=1,ipv6,nw_frag=first'))).toBe('drop');
    expect(datapathActions(br.trace('in_port=1,ipv6,nw_frag=no'))).toBe('4');
    expect(datapathActions(br.trace('in_port=1,arp'))).toBe('drop'); // no flow for ARP
  });

  it('DROP also outranks fail-open, whose hidden rule is a table-0 flow in OVS', () => {
    const br = withMode(FragMode.DROP);
    br.failOpen = true;
    expect(datapathActions(br.trace(flowOf('first')))).toBe('drop');
    expect(datapathActions(br.trace(flowOf('no')))).not.toBe('drop');
  });

  it('NX_MATCH lets flows match nw_frag', () => {
    const br = bridge('priority=100,ip,nw_frag=first,actions=output:4\npriority=10,ip,actions=output:3');
    br.setFragMode(FragMode.NX_MATCH);
    expect(datapathActions(br.trace(flowOf('first')))).toBe('4');
    expect(datapathActions(br.trace(flowOf('no')))).toBe('3');
  });

  it('megaflows are sound in every mode: keys inside them translate alike', () => {
    let seed = 12345;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const flows = [
      ...['no', 'first', 'later'].map(flowOf),
      `${UDP},nw_frag=first,udp_src=5,udp_dst=0`,
      'in_port=1,ipv6,nw_frag=later',
      'in_port=2,tcp,nw_frag=first,tcp_dst=80',
    ];
    const rules = `${FLOWS}priority=95,tcp,tp_src=0,actions=mod_nw_tos:8,output:4\npriority=50,udp,nw_frag=first,actions=output:4`;
    let checked = 0;
    for (const mode of [FragMode.NORMAL, FragMode.DROP, FragMode.NX_MATCH]) {
      const br = bridge(rules);
      br.setFragMode(mode);
      for (const f of flows) {
        const key = parseFlowString(f);
        const r = br.translate(key);
        const expected = formatDatapathActions(r.actions);
        for (let i = 0; i < 50; i++) {
          const k2 = Uint32Array.from(key);
          for (let w = 0; w < k2.length; w++) k2[w] = ((key[w] & r.mask[w]) | (rand() & ~r.mask[w])) >>> 0;
          expect(formatDatapathActions(br.translate(k2).actions), `${f} mode ${mode}`).toBe(expected);
          checked++;
        }
        // nw_frag is always part of an IP packet's megaflow: that is what makes DROP sound.
        expect((r.mask[W.NW] >>> 24) & 3).toBe(3);
      }
    }
    expect(checked).toBe(900);
  });
});
