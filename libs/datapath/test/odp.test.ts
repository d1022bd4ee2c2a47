import { describe, expect, it } from 'vitest';
import { formatActions, formatOdpFlow, parseActions, parseOdpFlow } from '../src/index.js';

/** Lines as Open vSwitch 3.1 prints them (dpctl/dump-flows and ofproto/trace, captured from ovs-vswitchd). */
const FLOWS = [
  'recirc_id(0),in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80)',
  'recirc_id(0),in_port(1),eth_type(0x0800),ipv4(src=10.1.0.0/255.255.0.0,frag=no)',
  'recirc_id(0),in_port(2),eth(src=00:00:00:00:00:03),eth_type(0x0806),arp(sip=1.2.3.4)',
  'recirc_id(0),in_port(2),eth(src=00:00:00:00:00:04),eth_type(0x86dd),ipv6(src=2001:db8::1)',
  'recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth(src=00:00:00:00:11:01,dst=00:00:00:00:00:22),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4(frag=no))',
  'recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth(src=00:00:00:00:11:02,dst=00:00:00:00:00:22),eth_type(0x0800),ipv4(frag=no)',
  'recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x86dd),ipv6(dst=2001:db8::2,proto=6,tclass=0/0xfc,frag=no),tcp(src=1,dst=99)',
  'recirc_id(0),in_port(1),eth_type(0x0800),ipv4(proto=1,frag=no),icmp(type=8,code=0)',
  'recirc_id(0),in_port(1),eth_type(0x0800),ipv4(proto=17,frag=no),udp(dst=0x40/0xffc0)'.replace('0x40', '64'),
  'recirc_id(0),in_port(3),eth_type(0x8847),mpls(label=5,tc=0,ttl=64,bos=1)',
  'recirc_id(0),in_port(1),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=135,code=0),nd(target=2001:db8::1,sll=00:00:00:00:00:01)',
];

FLOWS.push(
  // Shapes real ovs-vswitchd printed for upcall-installed flows of the packet corpus.
  'recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x88a8),vlan(vid=0,cfi=0),encap()',
  'recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0/0xffff)',
  'recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x8100),vlan(vid=4095,pcp=7/0x0),encap(eth_type(0x0800),ipv4(frag=no))',
  'recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x88a8),vlan(vid=1),encap(eth_type(0x8100))',
);

const ACTIONS = [
  '2',
  'drop',
  '2,100',
  'set(ipv4(src=10.0.0.9,dst=10.0.0.2)),2',
  'push_vlan(vid=10,pcp=3),2',
  'set(eth(src=00:00:00:00:00:aa,dst=00:00:00:00:00:bb)),1',
  'set(ipv4(src=1.1.1.1/255.255.255.0,ttl=5)),1',
  'userspace(pid=0,controller(reason=1,dont_send=0,continuation=0,recirc_id=1,rule_cookie=0,controller_id=0,max_len=65535)),1',
  'set(ipv6(dst=2001:db8::9,tclass=0x8/0xfc)),set(tcp(src=100)),2',
  'set(eth(dst=00:00:00:00:00:01)),set(arp(sip=1.2.3.4)),2',
  'set(icmp(type=3,code=0)),2',
  'pop_mpls(eth_type=0x800),2',
  'push_mpls(label=100,tc=0,ttl=64,bos=1,eth_type=0x8847),1',
  'pop_vlan,push_vlan(tpid=0x88a8,vid=5,pcp=0),3',
  'trunc(100),2,clone(set(udp(dst=54)),3),4',
  'check_pkt_len(size=200,gt(set(ipv4(ttl=5)),2),le(drop)),3',
  'check_pkt_len(size=1500,gt(check_pkt_len(size=9000,gt(1),le(2))),le(clone(3),4))',
  'recirc(0x1)',
  'set(mpls(label=5,tc=0,ttl=64,bos=1)),2',
  'set(mpls(label=7/0xfffff,tc=0/0,ttl=9/0xff,bos=0/0)),2',
];

describe('ODP flow syntax', () => {
  it.each(FLOWS)('round-trips %s', (text) => {
    expect(formatOdpFlow(parseOdpFlow(text))).toBe(text);
  });

  it('resolves port names and prints them back', () => {
    const names = new Map([['p1', 1]]);
    const flow = parseOdpFlow('in_port(p1),eth_type(0x0800),ipv4(frag=no)', (n) => names.get(n));
    expect(formatOdpFlow(flow, { portName: (n) => (n === 1 ? 'p1' : undefined) })).toBe(
      'recirc_id(0),in_port(p1),eth_type(0x0800),ipv4(frag=no)',
    );
  });

  it('accepts the metadata dpctl -m prints when wildcarded', () => {
    const text =
      'skb_priority(0/0),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0),recirc_id(0),dp_hash(0/0),in_port(1),packet_type(ns=0,id=0),eth(src=00:00:00:00:11:02,dst=00:00:00:00:00:22),eth_type(0x0800),ipv4(src=1.1.1.1/0.0.0.0,dst=2.2.2.2/0.0.0.0,proto=17/0,tos=0/0,ttl=64/0,frag=no),udp(src=1/0,dst=53/0)';
    expect(formatOdpFlow(parseOdpFlow(text))).toBe(
      'recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth(src=00:00:00:00:11:02,dst=00:00:00:00:00:22),eth_type(0x0800),ipv4(frag=no)',
    );
  });

  it('rejects bad input with the offending text', () => {
    expect(() => parseOdpFlow('in_port(1),eth(src=zz)')).toThrow(/bad Ethernet address.*src=zz/);
    expect(() => parseOdpFlow('in_port(1),bogus(1)')).toThrow(/unknown key attribute "bogus"/);
    expect(() => parseOdpFlow('in_port(1),ipv4(ttl=300)')).toThrow(/out of range/);
    expect(() => parseOdpFlow('recirc_id(1)')).toThrow(/recirc_id\(0\)/);
  });
});

describe('datapath actions syntax', () => {
  it.each(ACTIONS)('round-trips %s', (text) => {
    expect(formatActions(parseActions(text))).toBe(text);
  });

  it('prints an empty list as drop and accepts port names', () => {
    expect(formatActions([])).toBe('drop');
    const acts = parseActions('p2,set(tcp(dst=80))', (n) => (n === 'p2' ? 2 : undefined));
    expect(formatActions(acts, { portName: (p) => `port${p}` })).toBe('port2,set(tcp(dst=80))');
  });

  it('rejects unknown actions and bad arguments', () => {
    expect(() => parseActions('frobnicate(1)')).toThrow(/unknown action "frobnicate"/);
    expect(() => parseActions('push_vlan(vid=5000)')).toThrow(/out of range/);
    expect(() => parseActions('set(vlan(vid=1))')).toThrow(/cannot set "vlan"/);
    expect(() => parseActions('pop_mpls')).toThrow(/unknown action/);
  });
});
