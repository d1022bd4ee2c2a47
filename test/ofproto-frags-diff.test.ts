import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composePacket } from '@softswitch/packet';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

/**
 * Fragment handling (`ovs-ofctl set-frags`: normal, drop, nx-match) against real ovs-vswitchd
 * (dummy datapath): the same flows on both switches, then in each mode the `ofproto/trace` of
 * non-, first and later fragments (IPv4 and IPv6) must agree on the table walk, the `Megaflow:`
 * line and the datapath actions; a received fragment must leave the same datapath flow, and a
 * mode change must revalidate it on both.
 */

const PORTS = [
  { name: 'p1', ofport: 1 },
  { name: 'p2', ofport: 2 },
  { name: 'p3', ofport: 3 },
  { name: 'p4', ofport: 4 },
];

const FLOWS = [
  'priority=100,udp,tp_dst=80,actions=output:2',
  'priority=90,udp,tp_dst=0,actions=output:3',
  'priority=85,tcp,tp_src=0,actions=mod_tp_dst:7,output:4',
  'priority=80,ip,nw_frag=later,actions=output:1',
  'priority=70,ip,nw_frag=first,nw_dst=10.0.0.9,actions=resubmit(,1)',
  'priority=10,ip,actions=output:3,output:2',
  'priority=10,ipv6,actions=resubmit(,1)',
  'table=1,priority=20,udp6,tp_dst=0,actions=output:4',
  'table=1,priority=20,udp6,tp_dst=80,actions=output:2',
  'table=1,priority=10,actions=output:1',
].join('\n');

const V4 = 'dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,nw_ttl=64';
const V6 = 'dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,nw_ttl=64';

/** Traced flows: each protocol and destination as a non-, first and later fragment. */
const TRACED: string[] = [];
for (const frag of ['no', 'first', 'later']) {
  const ports = (p: string) => (frag === 'later' ? '' : `,${p}_src=5,${p}_dst=80`);
  for (const dst of ['10.0.0.2', '10.0.0.9']) {
    TRACED.push(`in_port=1,udp,${V4},nw_dst=${dst},nw_frag=${frag}${ports('udp')}`);
    TRACED.push(`in_port=2,tcp,${V4},nw_dst=${dst},nw_frag=${frag}${ports('tcp')}`);
  }
  TRACED.push(`in_port=1,udp6,${V6},nw_frag=${frag}${ports('udp')}`);
}

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-appctl', 'ovs-ofctl', 'ovs-vsctl'] },
  'ofproto fragment handling vs ovs-vswitchd',
  () => {
    let ovs: OvsSandbox;
    let sw: RunningSwitchd;
    let work: string;
    // Every tool runs with the sandbox's environment; softswitch is reached through its sockets.
    const ok = (tool: string, args: string[]) => ovs.run(tool, args);
    const mgmts = () => [`unix:${join(ovs.dir, 'br0.mgmt')}`, `unix:${join(sw.rundir, 'br0.mgmt')}`];
    const ctl = { theirs: () => [] as string[], ours: () => ['-t', join(sw.rundir, 'switchd.ctl')] };
    const appctl = (target: keyof typeof ctl, ...args: string[]) => ok('ovs-appctl', [...ctl[target](), ...args]);
    /** The parts of a trace that translation decides: the table walk, Megaflow and actions. */
    const traced = (target: keyof typeof ctl, flow: string) => {
      const out = appctl(target, 'ofproto/trace', 'br0', flow);
      const from = out.indexOf('bridge("br0")');
      return out
        .slice(from)
        .split('\n')
        .filter((l) => !l.startsWith('Final flow:'))
        .join('\n')
        .trim();
    };
    const setFrags = (mode: string) => {
      for (const m of mgmts()) ok('ovs-ofctl', ['set-frags', m, mode]);
      expect(mgmts().map((m) => ok('ovs-ofctl', ['get-frags', m]).trim())).toEqual([mode, mode]);
    };
    /** dpctl/dump-flows without statistics (which differ with timing), sorted. */
    const dpFlows = (target: keyof typeof ctl) =>
      appctl(target, 'dpctl/dump-flows')
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.replace(/ packets:\d+, bytes:\d+, used:[^,]+,/, ''))
        .sort();

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'ofproto-frags-'));
      ovs = startOvsSandbox();
      ovs.vsctl(...dummyBridgeArgs('br0', PORTS));
      sw = await startSwitchd();
      ok('ovs-vsctl', [`--db=unix:${join(sw.rundir, 'db.sock')}`, ...dummyBridgeArgs('br0', PORTS)]);
      await waitFor('br0 on softswitch', () => ovs.tryRun('ovs-ofctl', ['show', mgmts()[1]]).status === 0);
      const file = join(work, 'flows.txt');
      writeFileSync(file, FLOWS);
      for (const m of mgmts()) {
        ok('ovs-ofctl', ['del-flows', m]);
        ok('ovs-ofctl', ['add-flows', m, file]);
      }
    }, 60_000);

    afterAll(async () => {
      ovs?.stop();
      await sw?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('a new bridge reports normal, as OVS', () => {
      expect(mgmts().map((m) => ok('ovs-ofctl', ['get-frags', m]).trim())).toEqual(['normal', 'normal']);
    });

    it.each(['normal', 'drop', 'nx-match'])('traces agree in mode %s', (mode) => {
      setFrags(mode);
      const actions = new Set<string>();
      for (const flow of TRACED) {
        const theirs = traced('theirs', flow);
        const ours = traced('ours', flow);
        expect(ours, `${mode}: ${flow}`).toBe(theirs);
        actions.add(/^Datapath actions: (.*)$/m.exec(ours)?.[1] ?? '');
      }
      // Each mode exercises more than one outcome (and drop mode drops).
      expect(actions.size).toBeGreaterThan(2);
      expect(actions.has('drop')).toBe(mode === 'drop');
    });

    it('a received fragment leaves the same datapath flow, revalidated on a mode change', async () => {
      const packet = Buffer.from(
        composePacket(`udp,${V4},nw_dst=10.0.0.2,nw_frag=first,udp_src=5,udp_dst=80`),
      ).toString('hex');
      const receive = () => {
        appctl('theirs', 'netdev-dummy/receive', 'p1', packet);
        appctl('ours', 'netdev-dummy/receive', 'p1', packet);
      };
      const settled = async (actions: string) => {
        for (const t of ['theirs', 'ours'] as const)
          await waitFor(`${t}: a datapath flow with actions:${actions}`, () =>
            dpFlows(t).some((l) => l.endsWith(`actions:${actions}`)),
          );
        expect(dpFlows('ours')).toEqual(dpFlows('theirs'));
      };
      setFrags('normal');
      receive();
      await settled('3');
      expect(dpFlows('ours').join('\n')).toContain('frag=first');
      // The cached megaflow must not keep forwarding once fragments are to be dropped.
      setFrags('drop');
      appctl('theirs', 'revalidator/wait');
      receive();
      await settled('drop');
      setFrags('nx-match');
      appctl('theirs', 'revalidator/wait');
      receive();
      await settled('2');
    });
  },
);
