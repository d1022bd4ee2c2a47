import { parseFlowString } from '@softswitch/packet';
import { describe, expect, it } from 'vitest';
import {
  dpHashTable,
  FAIL_OPEN_PRIORITY,
  formatDatapathActions,
  linkPatch,
  Ofproto,
  parseGroup,
  XlateCache,
} from '../src/index.js';
import { bridge, datapathActions, LOCAL } from './fixtures.js';

const actions = (br: Ofproto, flow: string, opts = {}) =>
  formatDatapathActions(br.translate(parseFlowString(flow), opts).actions);

/** Keys drawn at random inside a megaflow translate to the same actions. */
function expectSound(br: Ofproto, flow: string, opts = {}, samples = 50) {
  const key = parseFlowString(flow);
  const r = br.translate(key, opts);
  const want = formatDatapathActions(r.actions);
  let s = 12345;
  for (let i = 0; i < samples; i++) {
    const k = Uint32Array.from(key);
    for (let w = 0; w < k.length; w++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      k[w] = ((key[w] & r.mask[w]) | (s & ~r.mask[w])) >>> 0;
    }
    expect(formatDatapathActions(br.translate(k, opts).actions), `${flow}: not sound`).toBe(want);
  }
}

describe('select groups', () => {
  it('share the dp_hash values out by weight (Webster), as OVS', () => {
    const even = dpHashTable(parseGroup('group_id=1,type=select,bucket=output:1,bucket=output:2'));
    expect(even?.mask).toBe(15);
    expect(even?.buckets.join('')).toBe('0101010101010101');
    const weighted = dpHashTable(
      parseGroup('group_id=2,type=select,bucket=weight:10,output:1,bucket=weight:30,output:2'),
    );
    expect(weighted?.buckets.filter((b) => b === 1).length).toBe(12);
    // 1:100 needs 128 values: more than OVS's 64, so no dp_hash table.
    expect(dpHashTable(parseGroup('group_id=3,type=select,bucket=weight:1,output:1,bucket=weight:100,output:2'))).toBe(
      null,
    );
  });

  it('trace: hash and recirculate, nothing after the group in this pass', () => {
    const br = bridge('priority=1,actions=mod_nw_tos:8,group:1,output:4');
    br.addGroups('group_id=1,type=select,bucket=output:1,bucket=output:2');
    // nw_proto must be non-zero: OVS leaves an L3 header alone when nw_proto is 0.
    expect(actions(br, 'in_port=3,tcp,nw_tos=0')).toMatch(
      /^set\(ipv4\(tos=0x8\/0xfc\)\),hash\(sym_l4\(0\)\),recirc\(0x\d+\)$/,
    );
  });

  it('inline (no recirculation in the datapath): buckets by weight, sound megaflows, dead buckets skipped', () => {
    const br = bridge('priority=1,actions=group:1');
    br.addGroups(
      'group_id=1,type=select,bucket=weight:10,output:1,bucket=weight:30,output:2,bucket=watch_port:9,output:4',
    );
    const counts = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const flow = `in_port=3,tcp,nw_src=10.0.${i >> 8}.${i & 255},nw_dst=10.1.1.1,tp_src=${1000 + i},tp_dst=80`;
      const a = actions(br, flow, { selectInline: true });
      counts.set(a, (counts.get(a) ?? 0) + 1);
      if (i < 20) expectSound(br, flow, { selectInline: true }, 10);
    }
    expect(counts.get('4')).toBeUndefined(); // watch_port 9 does not exist
    expect(counts.get('1') ?? 0).toBeGreaterThan(50);
    expect(counts.get('2') ?? 0).toBeGreaterThan(2 * (counts.get('1') ?? 0));
  });
});

describe('xlate cache', () => {
  it('credits every rule the translation went through', () => {
    const br = bridge('table=0,priority=5,ip,actions=resubmit(,1)\ntable=1,priority=1,actions=output:2');
    const cache = new XlateCache();
    br.translate(parseFlowString('in_port=1,ip'), { cache });
    expect(cache.rules.map((e) => e.tableId)).toEqual([0, 1]);
    const used = Date.now() + 60_000; // later than the rules' creation
    cache.credit(7, 700, used);
    cache.credit(0, 0, used + 1); // nothing new: nothing changes
    cache.credit(1, 100, 5); // an older time never moves `used` back
    expect(br.tables.entries().map((e) => [e.packets, e.bytes, e.used])).toEqual([
      [8n, 800n, used],
      [8n, 800n, used],
    ]);
  });

  it('lets the owner bring counters up to date before they are read', () => {
    const br = bridge('priority=1,actions=output:2');
    let synced = 0;
    br.tables.syncStats = () => synced++;
    br.dumpFlows();
    expect(synced).toBeGreaterThan(0);
  });
});

describe('fail-open', () => {
  it('a hidden NORMAL rule above every flow', () => {
    const br = bridge('priority=10,actions=drop');
    expect(actions(br, 'in_port=1,dl_dst=ff:ff:ff:ff:ff:ff')).toBe('drop');
    br.failOpen = true;
    const trace = br.trace('in_port=1,dl_dst=ff:ff:ff:ff:ff:ff');
    expect(trace).toContain(` 0. priority ${FAIL_OPEN_PRIORITY}\n    NORMAL\n`);
    expect(datapathActions(trace)).not.toBe('drop');
  });
});

describe('patch ports', () => {
  const pair = (br0Flows: string, br1Flows: string) => {
    const br0 = new Ofproto({
      name: 'br0',
      ports: [
        { ofport: 1, name: 'p1', dpPort: 1 },
        { ofport: 5, name: 'patch0', dpPort: -1, patch: true },
      ],
    });
    const br1 = new Ofproto({
      name: 'br1',
      ports: [
        { ofport: 3, name: 'p3', dpPort: 3 },
        { ofport: 6, name: 'patch1', dpPort: -1, patch: true },
        { ofport: LOCAL, name: 'br1', dpPort: 101 },
      ],
    });
    br0.addFlows(br0Flows);
    br1.addFlows(br1Flows);
    linkPatch(br0, 5, br1, 6);
    return { br0, br1 };
  };

  it('continue in the peer bridge with fresh registers, then the flow is as before', () => {
    const { br0 } = pair(
      'priority=1,ip,actions=load:7->NXM_NX_REG0[],mod_nw_tos:32,output:5,output:1',
      'priority=2,in_port=6,reg0=0,actions=mod_nw_ttl:9,output:3\npriority=1,actions=drop',
    );
    // The peer saw reg0=0 and in_port=6; the second output gets the packet without br1's rewrite.
    expect(actions(br0, 'in_port=2,tcp,nw_ttl=64')).toBe('set(ipv4(tos=0x20/0xfc,ttl=9)),3,set(ipv4(ttl=64)),1');
    expectSound(br0, 'in_port=2,tcp,nw_ttl=64');
    expect(br0.trace('in_port=2,tcp')).toContain(
      '\n    bridge("br1")\n    -------------\n         0. reg0=0,in_port=6',
    );
  });

  it('an unlinked patch port leads nowhere', () => {
    const { br0 } = pair('priority=1,actions=output:5', 'priority=1,actions=output:3');
    br0.patchPeers.clear();
    expect(actions(br0, 'in_port=1')).toBe('drop');
  });
});

describe('dec_ttl', () => {
  it('an expired TTL stops the action list, not the pipeline (OVS compose_dec_ttl)', () => {
    const br = bridge('table=0,priority=1,actions=resubmit(,1),output:2\ntable=1,priority=1,actions=dec_ttl,output:4');
    expect(actions(br, 'in_port=1,ip,nw_ttl=1')).toMatch(/^userspace\(.*reason=2.*\),2$/);
  });
});
