import { describe, expect, it } from 'vitest';
import { actionSetOrder, parseGroup } from '../src/index.js';
import { bridge, datapathActions } from './fixtures.js';

describe('groups', () => {
  it('parses ovs-ofctl group syntax', () => {
    const g = parseGroup(
      'group_id=3,type=ff,bucket=watch_port:2,output:2,bucket=bucket_id:7,watch_port:3,actions=output:3',
    );
    expect(g.groupId).toBe(3);
    expect(g.type).toBe('ff');
    expect(g.buckets.map((b) => [b.bucketId, b.watchPort, b.actions.map((a) => a.type)])).toEqual([
      [0, 2, ['output']],
      [7, 3, ['output']],
    ]);
    expect(() => parseGroup('type=all,bucket=output:1')).toThrow(/group_id/);
  });

  it('orders an action set as OpenFlow says: pops, pushes, dec_ttl, sets, then output', () => {
    const g = parseGroup(
      'group_id=1,bucket=output:1,mod_dl_src:00:00:00:00:00:01,push_vlan:0x8100,strip_vlan,output:2',
    );
    expect(actionSetOrder(g.buckets[0].actions).map((a) => a.type)).toEqual([
      'strip_vlan',
      'push_vlan',
      'set_eth_src',
      'output',
    ]);
  });

  it('all runs every bucket on its own copy of the flow; fast-failover takes the first live bucket', () => {
    const br = bridge('in_port=1,actions=group:1\nin_port=2,actions=group:2');
    br.addGroups(
      [
        'group_id=1,type=all,bucket=mod_dl_src:00:00:00:00:00:55,output:2,bucket=output:3',
        'group_id=2,type=ff,bucket=watch_port:9,output:4,bucket=watch_port:3,output:3',
      ].join('\n'),
    );
    // The second bucket sees the original dl_src again: the datapath packet is set back.
    expect(datapathActions(br.trace('in_port=1,dl_src=00:00:00:00:00:01'))).toBe(
      'set(eth(src=00:00:00:00:00:55)),2,set(eth(src=00:00:00:00:00:01)),3',
    );
    expect(datapathActions(br.trace('in_port=2'))).toBe('3');
  });
});
