import { parseFlow } from '@softswitch/openflow';
import { parseFlowString } from '@softswitch/packet';
import { describe, expect, it } from 'vitest';
import { FlowModError } from '../src/index.js';
import { bridge, datapathActions } from './fixtures.js';

const finalFlow = (trace: string): string => /^Final flow: (.*)$/m.exec(trace)?.[1] ?? '';
const megaflow = (trace: string): string => /^Megaflow: (.*)$/m.exec(trace)?.[1] ?? '';

// xregN is reg(2N) (high half) and reg(2N+1); xxregN is reg(4N) (most significant) to reg(4N+3).
describe('xreg and xxreg span their registers in translation', () => {
  it('load and set_field write every register of the span, most significant first', () => {
    const br = bridge(`
table=0,actions=load:0x1234567890->xreg0[],set_field:0x11000000220000003300000044->xxreg3,resubmit(,1)
table=1,reg0=0x12,reg1=0x34567890,reg12=0x11,reg13=0x22,reg14=0x33,reg15=0x44,actions=output:2
table=1,priority=1,actions=output:3
`);
    const t = br.trace('in_port=1,ip');
    expect(finalFlow(t)).toContain('reg0=0x12,reg1=0x34567890,reg12=0x11,reg13=0x22,reg14=0x33,reg15=0x44');
    expect(datapathActions(t)).toBe('2');
  });

  it('move reads the span and un-wildcards exactly the bits it read', () => {
    const br = bridge(`
table=0,actions=move:xxreg0[32..95]->xreg2[],resubmit(,1)
table=1,reg4=0x2,reg5=0x3,actions=output:2
table=1,priority=1,actions=output:3
`);
    const t = br.trace('in_port=1,reg1=0x2,reg2=0x3,ip');
    expect(datapathActions(t)).toBe('2');
    // xxreg0[32..95] is reg1 and reg2 (reg0 holds bits 96..127, reg3 bits 0..31).
    expect(megaflow(t)).toMatch(/reg1=0x2,reg2=0x3/);
    expect(megaflow(t)).not.toMatch(/reg0=|reg3=/);
  });

  it('learn matches on an xreg in the learned flow', () => {
    const br = bridge(`
table=0,actions=learn(table=2,xreg1[]=xreg1[],output:NXM_OF_IN_PORT[]),resubmit(,1)
table=1,actions=drop
`);
    br.translate(parseFlowString('in_port=1,reg2=0xa,reg3=0xb,ip'), { mayLearn: true });
    expect(br.dumpFlows()).toMatch(/table=2.*reg2=0xa,reg3=0xb actions=output:1/);
  });
});

describe('fields the codec knows but the packet key does not hold are refused at flow-mod time', () => {
  const refused = (flow: string): [string, number, number] => {
    try {
      bridge('').flowMod(parseFlow(flow).fm);
    } catch (e) {
      if (e instanceof FlowModError) return [e.errorName, e.errorType, e.errorCode];
      throw e;
    }
    return ['accepted', 0, 0];
  };

  it('in the match: OFPBMC_BAD_FIELD', () => {
    expect(refused('ct_state=+est,ip,ct_nw_src=1.1.1.1,actions=drop')).toEqual(['OFPBMC_BAD_FIELD', 4, 6]);
    expect(refused('tun_gbp_id=5,actions=drop')).toEqual(['OFPBMC_BAD_FIELD', 4, 6]);
  });

  it('written or read by an action, nested too: OFPBAC_BAD_SET_TYPE', () => {
    expect(refused('actions=set_field:::1->tun_ipv6_dst')).toEqual(['OFPBAC_BAD_SET_TYPE', 2, 13]);
    expect(refused('actions=clone(move:tun_gbp_id[]->reg0[0..15])')).toEqual(['OFPBAC_BAD_SET_TYPE', 2, 13]);
    expect(refused('actions=load:1->xxreg2[0..7],output:1')).toEqual(['accepted', 0, 0]);
  });
});
