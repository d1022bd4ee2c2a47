import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { composePacket } from '@softswitch/packet';
import { afterAll, expect, it } from 'vitest';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

function run(cmd: string, args: string[], input?: string) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** One switch, ours or real Open vSwitch, driven by the real tools. */
interface Switch {
  vsctl(...args: string[]): string;
  appctl(...args: string[]): string;
  ofctl(args: string[], input?: string): string;
  /** The bridge's OpenFlow target for ovs-ofctl. */
  target(bridge: string): string;
}

const ours = (sw: RunningSwitchd): Switch => ({
  vsctl: (...args) => run('ovs-vsctl', [`--db=unix:${join(sw.rundir, 'db.sock')}`, ...args]),
  appctl: (...args) => run('ovs-appctl', ['-t', join(sw.rundir, 'switchd.ctl'), ...args]),
  ofctl: (args, input) => run('ovs-ofctl', args, input),
  target: (bridge) => `unix:${join(sw.rundir, `${bridge}.mgmt`)}`,
});
const real = (ovs: OvsSandbox): Switch => ({
  vsctl: ovs.vsctl,
  appctl: ovs.appctl,
  ofctl: (args, input) => ovs.run('ovs-ofctl', args, input),
  target: (bridge) => `unix:${join(ovs.dir, `${bridge}.mgmt`)}`,
});

const mac = (n: number) => `50:54:00:00:00:${n.toString(16).padStart(2, '0')}`;
const udp = (src: number, dst: number, tpDst: number, pad = 0) =>
  Buffer.from(
    composePacket(
      `dl_src=${mac(src)},dl_dst=${mac(dst)},udp,nw_src=10.0.0.${src},nw_dst=10.0.0.${dst},tp_src=1000,tp_dst=${tpDst}`,
    ),
  ).toString('hex') + '00'.repeat(pad); // padding: n_bytes tells the traffic classes apart
const arp = (src: number) =>
  Buffer.from(
    composePacket(`dl_src=${mac(src)},dl_dst=ff:ff:ff:ff:ff:ff,arp,arp_spa=10.0.0.${src},arp_tpa=10.0.0.9,arp_op=1`),
  ).toString('hex');

/** `dump-flows` with the times taken out (they differ between any two switches), sorted. */
const flowStats = (sw: Switch, bridge: string): string[] =>
  sw
    .ofctl(['dump-flows', sw.target(bridge)])
    .split('\n')
    .filter((l) => l.startsWith(' '))
    .map((l) => l.replace(/ duration=[^,]+,/, '').replace(/ (idle|hard)_age=\d+,/g, ''))
    .sort();

const totalPackets = (lines: string[]) => lines.reduce((n, l) => n + Number(/n_packets=(\d+)/.exec(l)?.[1] ?? 0), 0);

describeNeeding(
  { binaries: ['ovs-vsctl', 'ovs-appctl', 'ovs-ofctl', 'ovs-vswitchd', 'ovsdb-server'] },
  'rule statistics from datapath cache hits',
  () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    afterAll(async () => {
      for (const c of cleanups.splice(0)) await c();
    });

    it('dump-flows counts every packet of a cached flow, as real ovs-vswitchd does', async () => {
      const ovs = startOvsSandbox();
      cleanups.push(() => ovs.stop());
      const proc = await startSwitchd();
      cleanups.push(() => proc.stop());
      const both = [ours(proc), real(ovs)];
      for (const sw of both) {
        sw.vsctl('set', 'Open_vSwitch', '.', 'other_config:max-idle=60000');
        sw.vsctl(
          ...dummyBridgeArgs('br0', [
            { name: 'p1', ofport: 1 },
            { name: 'p2', ofport: 2 },
            { name: 'p3', ofport: 3 },
          ]),
        );
      }
      await waitFor('br0.mgmt', () => existsSync(join(proc.rundir, 'br0.mgmt')));
      const flows = [
        'table=0,priority=100,in_port=1,udp,actions=resubmit(,1)',
        'table=0,priority=50,in_port=1,actions=output:3',
        'table=0,priority=0,actions=NORMAL',
        'table=1,priority=10,udp,tp_dst=2000,actions=mod_nw_tos:32,output:2',
        'table=1,priority=5,actions=output:3',
      ].join('\n');
      const send = (port: string, hex: string, n: number) => {
        for (const sw of both) for (let i = 0; i < n; i++) sw.appctl('netdev-dummy/receive', port, hex);
      };
      /** Waits until both switches count `expected` packets in total, then compares the dumps. */
      const compare = async (expected: number) => {
        for (const sw of both) {
          // OVS credits rules from its revalidator threads (every ~500 ms); ours on demand.
          await waitFor(
            `${expected} packets counted`,
            () => {
              sw.appctl('revalidator/wait');
              return totalPackets(flowStats(sw, 'br0')) >= expected;
            },
            10_000,
          );
        }
        const mine = flowStats(both[0], 'br0');
        expect(mine).toEqual(flowStats(both[1], 'br0'));
        expect(totalPackets(mine)).toBe(expected);
        return mine;
      };
      for (const sw of both) sw.ofctl(['add-flows', sw.target('br0'), '-'], flows);
      send('p1', udp(1, 2, 2000), 5); // table 0 prio 100 + table 1 prio 10: 1 upcall, 4 hits
      send('p1', udp(1, 2, 3000, 10), 3); // table 0 prio 100 + table 1 prio 5
      send('p1', arp(1), 2); // table 0 prio 50
      send('p2', udp(2, 1, 2000, 20), 4); // NORMAL
      // 5 + 3 counted twice (two tables), 2 + 4 once.
      const first = await compare(5 * 2 + 3 * 2 + 2 + 4);
      // Most of those packets were datapath cache hits, not upcalls, on both switches.
      for (const sw of both) expect(sw.appctl('dpif/dump-flows', 'br0')).toMatch(/packets:4, .*actions:set\(ipv4/);
      expect(first.some((l) => /n_packets=5, .*tp_dst=2000 actions=mod_nw_tos/.test(l))).toBe(true);

      // A higher-priority flow takes over the cached traffic: what came before stays with the
      // old rules, what comes after goes to the new one (the revalidator pushes first).
      for (const sw of both) sw.ofctl(['add-flow', sw.target('br0'), 'table=1,priority=20,udp,actions=output:3']);
      send('p1', udp(1, 2, 2000), 6);
      const second = await compare(5 * 2 + 3 * 2 + 2 + 4 + 6 * 2);
      expect(second.some((l) => /n_packets=6, .*priority=20,udp actions=output:3/.test(l))).toBe(true);

      // Aggregate stats see the same counters.
      const aggregate = (sw: Switch) =>
        /packet_count=(\d+) byte_count=(\d+) flow_count=(\d+)/.exec(
          sw.ofctl(['dump-aggregate', sw.target('br0')]),
        )?.[0];
      expect(aggregate(both[0])).toBe(aggregate(both[1]));
    });
  },
);
