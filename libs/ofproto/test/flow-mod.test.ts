import { FlowModFlag, parseFlow } from '@softswitch/openflow';
import { parseFlowString } from '@softswitch/packet';
import { describe, expect, it } from 'vitest';
import { FlowModCommand, FlowModError, FlowTables, RemovedReason } from '../src/index.js';

const fm = (text: string, command: number = FlowModCommand.ADD) => parseFlow(text, command).fm;

function tables() {
  let now = 1_000_000;
  const t = new FlowTables(() => now);
  return { t, advance: (ms: number) => (now += ms) };
}

const lines = (t: FlowTables) =>
  t.dumpFlows().map((l) => l.replace(/duration=[\d.]+s, /, '').replace(/idle_age=\d+, /, ''));

describe('flow-mod semantics', () => {
  it('ADD replaces a flow with the same match and priority, keeping its counters (OpenFlow 1.2+)', () => {
    const { t } = tables();
    const OF13 = 4;
    t.apply(fm('priority=5,tcp,actions=output:1'), OF13);
    const e = t.entries()[0];
    e.packets = 3n;
    e.bytes = 180n;
    t.apply(fm('priority=5,tcp,actions=output:2'), OF13);
    expect(t.size).toBe(1);
    expect(lines(t)).toEqual([' cookie=0x0, table=0, n_packets=3, n_bytes=180, priority=5,tcp actions=output:2']);
    t.apply(fm('priority=5,tcp,reset_counts,actions=output:3'), OF13);
    expect(lines(t)).toEqual([' cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=5,tcp actions=output:3']);
    // OpenFlow 1.0 and 1.1 adds always reset, and the flow records reset_counts (as OVS).
    t.entries()[0].packets = 3n;
    t.apply(fm('priority=5,tcp,actions=output:4'), 1);
    expect(t.entries()[0].packets).toBe(0n);
    expect(t.entries()[0].flags & FlowModFlag.RESET_COUNTS).toBe(FlowModFlag.RESET_COUNTS);
    // Another priority is another flow.
    t.apply(fm('priority=6,tcp,actions=output:3'), OF13);
    expect(t.size).toBe(2);
  });

  it('ADD with check_overlap refuses an overlapping flow of the same priority', () => {
    const { t } = tables();
    t.apply(fm('priority=5,ip,nw_dst=10.0.0.0/8,actions=drop'));
    expect(() => t.apply(fm('priority=5,check_overlap,tcp,actions=drop'))).toThrow(FlowModError);
    try {
      t.apply(fm('priority=5,check_overlap,tcp,actions=drop'));
    } catch (e) {
      expect((e as FlowModError).errorName).toBe('OFPFMFC_OVERLAP');
      expect([(e as FlowModError).errorType, (e as FlowModError).errorCode]).toEqual([5, 3]);
    }
    // Disjoint (different nw_dst /8) or different priority: accepted.
    t.apply(fm('priority=5,check_overlap,ip,nw_dst=11.0.0.0/8,actions=drop'));
    t.apply(fm('priority=6,check_overlap,tcp,actions=drop'));
    expect(t.size).toBe(3);
  });

  it('MODIFY (loose) rewrites the actions of every flow at least as specific; strict only the exact one', () => {
    const { t } = tables();
    t.apply(fm('priority=1,ip,actions=output:1'));
    t.apply(fm('priority=2,tcp,actions=output:1'));
    t.apply(fm('priority=3,tcp,tp_dst=80,actions=output:1'));
    t.apply(fm('priority=4,arp,actions=output:1'));
    t.apply(fm('tcp,actions=output:9', FlowModCommand.MODIFY));
    expect(lines(t)).toEqual([
      ' cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=4,arp actions=output:1',
      ' cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=3,tcp,tp_dst=80 actions=output:9',
      ' cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=2,tcp actions=output:9',
      ' cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=1,ip actions=output:1',
    ]);
    t.apply(fm('priority=1,ip,actions=output:7', FlowModCommand.MODIFY_STRICT));
    t.apply(fm('priority=9,ip,actions=output:8', FlowModCommand.MODIFY_STRICT), 4);
    expect(lines(t).at(-1)).toBe(' cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=1,ip actions=output:7');
  });

  // As checked against ovs-vswitchd 3.1 with `ovs-ofctl mod-flows`.
  it('MODIFY that selects nothing adds the flow (OpenFlow 1.0/NXM, as OVS)', () => {
    const { t } = tables();
    t.apply(fm('priority=7,udp,actions=output:1', FlowModCommand.MODIFY));
    expect(lines(t)).toEqual([' cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=7,udp actions=output:1']);
    // A cookie given to a loose modify becomes the cookie of what it selects (priority ignored).
    t.apply(fm('cookie=0x5,priority=8,udp,actions=output:1', FlowModCommand.MODIFY));
    expect(lines(t)).toEqual([' cookie=0x5, table=0, n_packets=0, n_bytes=0, priority=7,udp actions=output:1']);
    // OpenFlow 1.1+: nothing is added.
    t.apply(fm('priority=8,tcp,actions=output:1', FlowModCommand.MODIFY), 4);
    expect(t.size).toBe(1);
  });

  it('cookie masks select flows for MODIFY and DELETE', () => {
    const { t } = tables();
    t.apply(fm('cookie=0x11,priority=1,ip,actions=output:1'));
    t.apply(fm('cookie=0x12,priority=2,ip,actions=output:1'));
    t.apply(fm('cookie=0x21,priority=3,ip,actions=output:1'));
    const del = fm('cookie=0x10/0xf0', FlowModCommand.DELETE);
    const removed = t.apply(del);
    expect(removed.map((r) => r.entry.cookie).sort()).toEqual([0x11n, 0x12n]);
    expect(removed.every((r) => r.reason === RemovedReason.DELETE)).toBe(true);
    expect(t.entries().map((e) => e.cookie)).toEqual([0x21n]);
  });

  it('DELETE honours out_port and table; DELETE_STRICT needs the exact match and priority', () => {
    const { t } = tables();
    t.apply(fm('priority=1,ip,actions=output:1'));
    t.apply(fm('priority=2,ip,actions=output:2'));
    t.apply(fm('table=3,priority=2,ip,actions=output:2'));
    t.apply(fm('table=0,out_port=2', FlowModCommand.DELETE));
    expect(t.entries().map((e) => `${e.tableId}/${e.priority}`)).toEqual(['0/1', '3/2']);
    t.apply(fm('priority=2,ip', FlowModCommand.DELETE_STRICT)); // table 0xff: all tables
    expect(t.entries().map((e) => `${e.tableId}/${e.priority}`)).toEqual(['0/1']);
    t.apply(fm('priority=1,tcp', FlowModCommand.DELETE_STRICT)); // not the same match
    expect(t.size).toBe(1);
    t.apply(fm('', FlowModCommand.DELETE));
    expect(t.size).toBe(0);
  });

  it('idle and hard timeouts expire on the injected clock', () => {
    const { t, advance } = tables();
    t.apply(fm('priority=1,idle_timeout=10,ip,actions=drop'));
    t.apply(fm('priority=2,hard_timeout=20,ip,actions=drop'));
    advance(9_999);
    expect(t.expire()).toEqual([]);
    t.entries().find((e) => e.priority === 1)!.used += 5_000; // a packet 5 s ago refreshed it
    advance(1);
    expect(t.expire()).toEqual([]);
    advance(5_000);
    expect(t.expire().map((r) => [r.entry.priority, r.reason])).toEqual([[1, RemovedReason.IDLE_TIMEOUT]]);
    advance(5_000);
    expect(t.expire().map((r) => [r.entry.priority, r.reason])).toEqual([[2, RemovedReason.HARD_TIMEOUT]]);
  });

  it('dump-flows prints timeouts, ages and goto_table as ovs-ofctl (OpenFlow 1.0) does', () => {
    const { t, advance } = tables();
    t.apply(fm('table=1,priority=10,idle_timeout=30,hard_timeout=60,tcp,actions=goto_table:2'));
    advance(2_500);
    expect(t.dumpFlows()).toEqual([
      ' cookie=0x0, duration=2.500s, table=1, n_packets=0, n_bytes=0, idle_timeout=30, hard_timeout=60, idle_age=2, priority=10,tcp actions=resubmit(,2)',
    ]);
  });

  it('lookups see flows through the classifier', () => {
    const { t } = tables();
    t.apply(fm('priority=10,tcp,nw_dst=10.0.0.0/8,actions=output:1'));
    const key = parseFlowString('tcp,in_port=1,nw_dst=10.1.2.3');
    expect(t.tables[0].lookup(key)?.data.priority).toBe(10);
    expect(t.tables[0].lookup(parseFlowString('udp,nw_dst=10.1.2.3'))).toBeNull();
  });
});
