import { describe, expect, it } from 'vitest';
import { parseDumpFlows, parseFlowLine, parseShow, parseShowDrops } from '../src/parse-reply.js';

// Lines as real ovs-vswitchd 3.1 (dummy datapath) printed them.
const OVS_VERBOSE =
  'ufid:72d10bf9-00ce-458c-abfc-be9526559bea, skb_priority(0/0),skb_mark(0/0),recirc_id(0),dp_hash(0/0),in_port(p1),packet_type(ns=0,id=0),eth(src=00:00:00:00:00:01/00:00:00:00:00:00),eth_type(0x0800),ipv4(src=10.0.0.1/0.0.0.0,frag=no), packets:3, bytes:318, used:0.509s, flags:SP., dp:ovs, actions:set(udp(dst=5353)),clone(2,3),2, dp-extra-info:miniflow_bits(4,1)';

describe('dump-flows replies', () => {
  it('splits a plain line into match, counters and actions', () => {
    expect(
      parseDumpFlows(
        'flow-dump from the main thread:\n' +
          'recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,frag=no), packets:0, bytes:0, used:never, actions:2\n',
      ),
    ).toEqual([
      {
        match: 'recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,frag=no)',
        packets: 0,
        bytes: 0,
        used: 'never',
        actions: '2',
      },
    ]);
  });

  it('keeps commas inside actions and reads the -m fields', () => {
    expect(parseFlowLine(OVS_VERBOSE)).toEqual({
      ufid: '72d10bf9-00ce-458c-abfc-be9526559bea',
      match:
        'skb_priority(0/0),skb_mark(0/0),recirc_id(0),dp_hash(0/0),in_port(p1),packet_type(ns=0,id=0),eth(src=00:00:00:00:00:01/00:00:00:00:00:00),eth_type(0x0800),ipv4(src=10.0.0.1/0.0.0.0,frag=no)',
      packets: 3,
      bytes: 318,
      used: '0.509s',
      flags: 'SP.',
      dp: 'ovs',
      actions: 'set(udp(dst=5353)),clone(2,3),2',
      extra: 'miniflow_bits(4,1)',
    });
  });

  it('skips headers and blank lines', () => {
    expect(parseDumpFlows('flow-dump from pmd on cpu core: 0\n\n')).toEqual([]);
    expect(parseFlowLine('not a flow')).toBeUndefined();
  });
});

describe('show replies', () => {
  it('reads datapaths, counters, ports and -s statistics', () => {
    const reply =
      'dummy@ovs-dummy:\n  lookups: hit:1 missed:2 lost:0\n  flows: 1\n' +
      '  port 0: ovs-dummy (dummy-internal)\n  port 1: p1 (dummy)\n' +
      '    RX packets:3 errors:0 dropped:0 overruns:0 frame:0\n    RX bytes:318  TX bytes:0\n';
    expect(parseShow(reply)).toEqual([
      {
        name: 'dummy@ovs-dummy',
        lookups: { hit: 1, missed: 2, lost: 0 },
        flows: 1,
        ports: [
          { port: 0, name: 'ovs-dummy', type: 'dummy-internal' },
          {
            port: 1,
            name: 'p1',
            type: 'dummy',
            statistics: ['RX packets:3 errors:0 dropped:0 overruns:0 frame:0', 'RX bytes:318  TX bytes:0'],
          },
        ],
      },
    ]);
  });

  it('falls back to the text when a line is not understood', () => {
    const odd = 'system@ovs-system:\n  something new: 1\n';
    expect(parseShow(odd)).toEqual({ text: odd });
  });
});

describe('show-drops replies', () => {
  it('reads counters per datapath', () => {
    expect(parseShowDrops('dummy@ovs-dummy: datapath drops:\n  drop_action_of_pipeline: 2\n')).toEqual({
      'dummy@ovs-dummy': { drop_action_of_pipeline: 2 },
    });
    expect(parseShowDrops('huh\n')).toEqual({ text: 'huh\n' });
  });
});
