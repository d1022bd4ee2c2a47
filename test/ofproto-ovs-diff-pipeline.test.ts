import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRng } from '@softswitch/classifier';
import { formatDatapathActions, linkPatch, Ofproto, type PortConfig } from '@softswitch/ofproto';
import { parseFlowString } from '@softswitch/packet';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';

/**
 * Pipeline features beyond one bridge's tables against real ovs-vswitchd (dummy datapath):
 * patch ports (translation continues in the peer bridge), with generated tables on both
 * bridges; `Datapath actions:` of `ovs-appctl ofproto/trace` must equal ours and our megaflow
 * must be sound.
 */

const BR0_PORTS = ['1', '2', '5']; // p1, p2, patch0
const BR1_PORTS = ['3', '4', '6']; // p3, p4, patch1
const MACS = ['00:00:00:00:00:01', '00:00:00:00:00:02', '0a:00:00:00:00:03'];
const HOSTS = ['10.1.2.3', '10.9.9.9', '192.168.1.1'];
const TPORTS = [22, 80, 443];

/** A flow for table `t` (of 2) of a bridge whose ports are `ports` (the patch port last). */
function genFlow(rng: SeededRng, t: number, ports: string[]): string {
  const m = [`table=${t}`, `priority=${1 + rng.int(1000)}`];
  const proto = rng.pick(['', 'ip', 'tcp', 'udp']);
  if (proto) m.push(proto);
  if (rng.chance(0.6)) m.push(`in_port=${rng.pick(ports)}`);
  if (rng.chance(0.3)) m.push(`reg0=${rng.int(3)}`);
  if (proto && rng.chance(0.4)) m.push(`nw_dst=${rng.pick(HOSTS)}`);
  if ((proto === 'tcp' || proto === 'udp') && rng.chance(0.4)) m.push(`tp_dst=${rng.pick(TPORTS)}`);
  if (rng.chance(0.2)) m.push(`dl_dst=${rng.pick(MACS)}`);
  const acts: string[] = [];
  for (let i = 0, n = 1 + rng.int(4); i < n; i++) {
    const roll = rng.int(9);
    if (roll < 3) acts.push(`output:${rng.pick(ports)}`);
    else if (roll === 3)
      acts.push(`output:${ports[2]}`); // the patch port, often
    else if (roll === 4) acts.push(`load:${rng.int(3)}->NXM_NX_REG0[]`);
    else if (roll === 5) acts.push(`mod_dl_dst:${rng.pick(MACS)}`);
    else if (roll === 6 && proto) acts.push(rng.chance(0.5) ? 'dec_ttl' : `mod_nw_dst:${rng.pick(HOSTS)}`);
    else if (roll === 7) acts.push(rng.chance(0.5) ? `mod_vlan_vid:${rng.pick([10, 20])}` : 'strip_vlan');
    else if (roll === 8 && t === 0) acts.push('resubmit(,1)');
  }
  return `${m.join(',')},actions=${acts.join(',')}`;
}

function genTables(rng: SeededRng, ports: string[]): string[] {
  const flows = new Map<string, string>();
  // Catch-alls, so that most packets go somewhere (often through the patch port).
  flows.set('0/0', 'table=0,priority=0,actions=resubmit(,1)');
  flows.set('1/0', `table=1,priority=0,actions=output:${rng.pick(ports)}`);
  for (let t = 0; t < 2; t++) {
    for (let i = 0; i < (t === 0 ? 16 : 8); i++) {
      const f = genFlow(rng, t, ports);
      flows.set(`${t}/${/priority=(\d+)/.exec(f)?.[1]}`, f);
    }
  }
  return [...flows.values()];
}

function genPacket(rng: SeededRng): string {
  const parts = [`in_port=${rng.pick(['1', '2', '3', '4'])}`];
  if (rng.chance(0.3)) parts.push(`dl_vlan=${rng.pick([10, 20])}`);
  parts.push(`dl_src=${rng.pick(MACS)}`, `dl_dst=${rng.pick(MACS)}`);
  const proto = rng.pick(['tcp', 'udp', 'ip', 'arp']);
  parts.push(proto);
  if (proto !== 'arp') {
    parts.push(`nw_src=${rng.pick(HOSTS)}`, `nw_dst=${rng.pick(HOSTS)}`, `nw_ttl=${rng.pick([64, 2, 1])}`);
    if (proto !== 'ip') parts.push(`${proto}_src=${rng.pick(TPORTS)}`, `${proto}_dst=${rng.pick(TPORTS)}`);
  }
  return parts.join(',');
}

/** Recirculation ids are allocated globally in OVS, per bridge here. */
const normalise = (line: string) =>
  line.replace(/recirc_id=\d+/g, 'recirc_id=N').replace(/recirc\(0x[0-9a-f]+\)/g, 'recirc(N)');

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-appctl', 'ovs-ofctl'] },
  'ofproto vs ovs-vswitchd: pipelines across bridges',
  () => {
    let ovs: OvsSandbox;
    /** Bridge name → its ports as ofproto takes them (datapath numbers from OVS's dpif/show). */
    const ports = new Map<string, PortConfig[]>();
    /** `Datapath actions:` of OVS's trace on `bridge`. */
    const datapath = (bridge: string, flow: string) =>
      /^Datapath actions: (.*)$/m.exec(ovs.appctl('ofproto/trace', bridge, flow))?.[1] ?? '';

    /** For `n` generated packets on br0/br1: the same actions as OVS, and a sound megaflow. */
    let crossed = 0;
    const agreesAndIsSound = (bridges: Map<string, Ofproto>, rng: SeededRng, n: number) => {
      let forwarded = 0;
      for (let i = 0; i < n; i++) {
        const flow = genPacket(rng);
        const bridge = /in_port=[12],/.test(flow) ? 'br0' : 'br1';
        const ours = bridges.get(bridge) as Ofproto;
        const key = parseFlowString(flow);
        const r = ours.translate(key);
        const mine = normalise(formatDatapathActions(r.actions));
        expect(mine, `${bridge} ${flow}\n${ours.trace(flow)}\n${ours.dumpFlows()}`).toBe(
          normalise(datapath(bridge, flow)),
        );
        if (mine !== 'drop') forwarded++;
        // Crossed the patch: an output to a datapath port of the other bridge.
        const other = ports.get(bridge === 'br0' ? 'br1' : 'br0') ?? [];
        if (mine.split(',').some((a) => other.some((p) => !p.patch && String(p.dpPort) === a))) crossed++;
        for (let j = 0; j < 4; j++) {
          const k2 = Uint32Array.from(key);
          for (let w = 0; w < k2.length; w++) k2[w] = ((key[w] & r.mask[w]) | (rng.u32() & ~r.mask[w])) >>> 0;
          expect(normalise(formatDatapathActions(ours.translate(k2).actions)), `${flow}: not sound`).toBe(mine);
        }
      }
      return forwarded;
    };

    beforeAll(() => {
      ovs = startOvsSandbox();
      ovs.vsctl(
        ...dummyBridgeArgs(
          'br0',
          [
            { name: 'p1', ofport: 1 },
            { name: 'p2', ofport: 2 },
          ],
          { bridge: ['fail-mode=secure'] },
        ),
        '--',
        ...dummyBridgeArgs(
          'br1',
          [
            { name: 'p3', ofport: 3 },
            { name: 'p4', ofport: 4 },
          ],
          { bridge: ['fail-mode=secure'] },
        ),
        '--',
        ...['add-port', 'br0', 'patch0', '--', 'set', 'interface', 'patch0', 'type=patch'],
        ...['options:peer=patch1', 'ofport_request=5'],
        '--',
        ...['add-port', 'br1', 'patch1', '--', 'set', 'interface', 'patch1', 'type=patch'],
        ...['options:peer=patch0', 'ofport_request=6'],
      );
      const dp = new Map<string, number>();
      for (const m of ovs.appctl('dpif/show').matchAll(/^\s+(\S+) (\d+)\/(\d+):/gm)) dp.set(m[1], Number(m[3]));
      const port = (ofport: number, name: string): PortConfig => ({ ofport, name, dpPort: dp.get(name) ?? -1 });
      ports.set('br0', [port(1, 'p1'), port(2, 'p2'), { ofport: 5, name: 'patch0', dpPort: -1, patch: true }]);
      ports.set('br1', [port(3, 'p3'), port(4, 'p4'), { ofport: 6, name: 'patch1', dpPort: -1, patch: true }]);
    });
    afterAll(() => ovs?.stop());

    const twoBridges = () => {
      const br0 = new Ofproto({ name: 'br0', ports: ports.get('br0') ?? [] });
      const br1 = new Ofproto({ name: 'br1', ports: ports.get('br1') ?? [] });
      linkPatch(br0, 5, br1, 6);
      return new Map([
        ['br0', br0],
        ['br1', br1],
      ]);
    };
    const load = (bridge: string, flows: string[], ofctlArgs: string[] = []) => {
      const file = join(ovs.dir, `${bridge}.flows`);
      writeFileSync(file, `${flows.join('\n')}\n`);
      ovs.ofctl('del-flows', bridge);
      ovs.ofctl(...ofctlArgs, 'add-flows', bridge, file);
    };

    it('select groups: the datapath hashes and recirculates (dp_hash method), as ovs-vswitchd 3.1', () => {
      // biome-ignore format: one group per line
      const groups = [
        'group_id=1,type=select,bucket=output:2,bucket=output:5',
        'group_id=2,type=select,bucket=weight:10,mod_nw_tos:32,output:2,bucket=weight:30,output:1',
        'group_id=3,type=select,bucket=watch_port:2,output:2,bucket=watch_port:9,output:1',
        'group_id=4,type=all,bucket=output:1,bucket=group:1',
        // A select group reached through an indirect group from the action set.
        'group_id=5,type=indirect,bucket=mod_dl_src:00:00:00:00:00:55,group:2',
      ];
      // biome-ignore format: a flow table, one flow per line
      const flows = [
        'table=0,priority=100,in_port=1,tcp,actions=mod_nw_tos:8,group:1,output:2',
        'table=0,priority=90,in_port=1,actions=group:2',
        'table=0,priority=80,in_port=2,ip,actions=resubmit(,1),output:1',
        'table=0,priority=70,in_port=2,actions=group:4',
        'table=1,priority=10,tcp,actions=group:3',
        'table=1,priority=5,actions=write_actions(group:5)',
      ];
      const file = join(ovs.dir, 'select.groups');
      writeFileSync(file, `${groups.join('\n')}\n`);
      ovs.ofctl('-O', 'OpenFlow13', 'del-groups', 'br0');
      ovs.ofctl('-O', 'OpenFlow13', 'add-groups', 'br0', file);
      load('br0', flows, ['-O', 'OpenFlow13']);
      load('br1', ['priority=0,actions=output:3']);
      const bridges = twoBridges();
      bridges.get('br0')?.addGroups(groups.join('\n'));
      bridges.get('br0')?.addFlows(flows.join('\n'));
      bridges.get('br1')?.addFlows('priority=0,actions=output:3');
      const rng = new SeededRng(505);
      let recirculated = 0;
      for (let i = 0; i < 60; i++) {
        const flow = genPacket(rng).replace(/in_port=[34]/, 'in_port=1');
        const ours = bridges.get('br0') as Ofproto;
        const mine = normalise(formatDatapathActions(ours.translate(parseFlowString(flow)).actions));
        expect(mine, `${flow}\n${ours.trace(flow)}`).toBe(normalise(datapath('br0', flow)));
        if (mine.includes('recirc(N)')) recirculated++;
      }
      expect(recirculated).toBeGreaterThan(30);
      ovs.ofctl('-O', 'OpenFlow13', 'del-groups', 'br0');
    });

    it('patch ports: translation continues in the peer bridge, as ovs-vswitchd', () => {
      const rng = new SeededRng(Number(process.env.OFPROTO_DIFF_SEED ?? 6));
      let forwarded = 0;
      for (let round = 0; round < 4; round++) {
        const bridges = twoBridges();
        for (const [name, br] of bridges) {
          const flows = genTables(rng, name === 'br0' ? BR0_PORTS : BR1_PORTS);
          load(name, flows);
          br.addFlows(flows.join('\n'));
        }
        forwarded += agreesAndIsSound(bridges, rng, 40);
      }
      // Plenty of packets cross the patch: br1's ports seen from br0 and the other way.
      console.log(`patch ports: 160 traces, ${forwarded} forwarded, ${crossed} across the patch`);
      expect(forwarded).toBeGreaterThan(60);
      expect(crossed).toBeGreaterThan(20);
    });
  },
);
