import { parseFlowString } from '@softswitch/packet';
import { describe, expect, it } from 'vitest';
import { formatDatapathActions, MacTable } from '../src/index.js';
import { bridge, LOCAL } from './fixtures.js';

const A = '00:00:00:00:00:0a';
const B = '00:00:00:00:00:0b';

function normalBridge() {
  let now = 0;
  const br = bridge('priority=0,actions=NORMAL', { now: () => now });
  const send = (flow: string, learn = true) =>
    formatDatapathActions(br.translate(parseFlowString(flow), { mayLearn: learn }).actions);
  return { br, send, advance: (ms: number) => (now += ms) };
}

describe('NORMAL', () => {
  it('floods unknown destinations within the VLAN, then forwards to the learned port', () => {
    const { br, send } = normalBridge();
    // p1 (trunk, all VLANs) untagged = VLAN 0: p2 and LOCAL carry it, p3 (access 10) and p4 (trunk 10,20) do not.
    expect(send(`in_port=1,dl_src=${A},dl_dst=${B}`)).toBe('2,100');
    expect(send(`in_port=2,dl_src=${B},dl_dst=${A}`)).toBe('1');
    expect(send(`in_port=1,dl_src=${A},dl_dst=${B}`)).toBe('2');
    // Least recently seen first (A was seen again last).
    expect(br.fdbShow()).toBe(
      ' port  VLAN  MAC                Age\n    2     0  00:00:00:00:00:0b    0\n    1     0  00:00:00:00:00:0a    0\n',
    );
  });

  it('tags and untags between access and trunk ports', () => {
    const { send } = normalBridge();
    // From access port 3 (VLAN 10): trunks get the frame tagged 10.
    expect(send(`in_port=3,dl_src=${A},dl_dst=ff:ff:ff:ff:ff:ff`)).toBe('push_vlan(vid=10,pcp=0),2,100,1,4');
    // From a trunk with VLAN 10: the access port gets it untagged.
    expect(send(`in_port=4,dl_vlan=10,dl_src=${B},dl_dst=${A}`)).toBe('pop_vlan,3');
    // Tagged frames on an access port, and VLANs a trunk does not carry, are dropped.
    expect(send(`in_port=3,dl_vlan=10,dl_src=${B},dl_dst=${A}`)).toBe('drop');
    expect(send(`in_port=4,dl_vlan=30,dl_src=${B},dl_dst=${A}`)).toBe('drop');
  });

  it('drops frames for the input port and reserved multicast', () => {
    const { send } = normalBridge();
    send(`in_port=1,dl_src=${A},dl_dst=${B}`);
    expect(send(`in_port=1,dl_src=${B},dl_dst=${A}`)).toBe('drop');
    expect(send(`in_port=1,dl_src=${B},dl_dst=01:80:c2:00:00:00`)).toBe('drop');
  });

  it('ofproto/trace does not learn; a learning move re-points the entry', () => {
    const { br, send } = normalBridge();
    send(`in_port=1,dl_src=${A},dl_dst=${B}`, false);
    expect(br.macs.size).toBe(0);
    send(`in_port=1,dl_src=${A},dl_dst=${B}`);
    send(`in_port=2,dl_src=${A},dl_dst=${B}`);
    expect(br.macs.moved).toBe(1);
    expect(send(`in_port=${LOCAL},dl_src=${B},dl_dst=${A}`)).toBe('2');
  });
});

describe('MacTable', () => {
  it('ages entries out and evicts the least recently used when full', () => {
    let now = 0;
    const t = new MacTable(() => now, 2, 10);
    t.learn(0, 1n, 1);
    now += 5_000;
    t.learn(0, 2n, 2);
    t.learn(0, 1n, 1); // refresh: 2 is now the least recently used
    t.learn(0, 3n, 3);
    expect(t.list().map((e) => e.mac)).toEqual([1n, 3n]);
    expect(t.evicted).toBe(1);
    now += 10_000;
    expect(t.lookup(0, 1n)).toBeUndefined();
    expect(t.expire()).toBe(2);
    expect(t.statsShow('br0')).toContain('Current/maximum MAC entries in the table: 0/2');
  });
});
