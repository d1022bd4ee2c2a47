import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composePacket } from '@softswitch/packet';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { binPath, type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

/**
 * Conjunctive matches, `learn` and meters against real ovs-vswitchd (dummy datapath): the same
 * bridge and the same flows (real `ovs-ofctl add-flows`) on both switches; `ofproto/trace`'s
 * `Datapath actions:` must agree, and a packet injected with `netdev-dummy/receive` must leave
 * the same learned flows in `dump-flows` (ovs-ofctl on OVS, our ofctl on softswitch).
 */

const PORTS = [
  { name: 'p1', ofport: 1 },
  { name: 'p2', ofport: 2 },
  { name: 'p3', ofport: 3 },
];

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-appctl', 'ovs-ofctl', 'ovs-vsctl'] },
  'ofproto vs ovs-vswitchd: conjunction, learn, meters',
  () => {
    let ovs: OvsSandbox;
    let sw: RunningSwitchd;
    let work: string;
    const run = (tool: string, args: string[]): Run => {
      const r = spawnSync(tool, args, { env: ovs.env, encoding: 'utf8', timeout: 20_000 });
      return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    };
    const ok = (tool: string, args: string[]) => {
      const r = run(tool, args);
      if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const theirsMgmt = () => `unix:${join(ovs.dir, 'br0.mgmt')}`;
    const oursMgmt = () => `unix:${join(sw.rundir, 'br0.mgmt')}`;
    const oursCtl = () => join(sw.rundir, 'switchd.ctl');

    /** Same flows on both switches, through real ovs-ofctl (`-O OpenFlow13` for meters). */
    const addFlows = (flows: string, version = 'OpenFlow10') => {
      const file = join(work, `flows-${Math.random().toString(36).slice(2)}.txt`);
      writeFileSync(file, flows);
      for (const mgmt of [theirsMgmt(), oursMgmt()]) {
        // OpenFlow 1.3: its delete names every table (softswitch reads an OpenFlow 1.0 one without
        // the table-id extension as table 0 only, where OVS deletes from every table).
        ok('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', mgmt]);
        ok('ovs-ofctl', ['-O', version, 'add-flows', mgmt, file]);
      }
    };
    const datapath = (target: 'theirs' | 'ours', flow: string) => {
      const args =
        target === 'theirs' ? ['ofproto/trace', 'br0', flow] : ['-t', oursCtl(), 'ofproto/trace', 'br0', flow];
      const out = ok('ovs-appctl', args);
      return { line: /^Datapath actions: (.*)$/m.exec(out)?.[1] ?? '', out };
    };
    const sameActions = (flow: string) => {
      const theirs = datapath('theirs', flow);
      const ours = datapath('ours', flow);
      expect(ours.line, `${flow}\nours:\n${ours.out}\ntheirs:\n${theirs.out}`).toBe(theirs.line);
      return ours.line;
    };
    /** dump-flows lines, sorted, without times and ages (which differ run to run). */
    const normalize = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(' cookie='))
        .map((l) =>
          l
            .replace(/duration=[\d.]+s, /, '')
            .replace(/idle_age=\d+, /, '')
            .replace(/hard_age=\d+, /, ''),
        )
        .sort();
    const dumps = () => ({
      theirs: normalize(ok('ovs-ofctl', ['dump-flows', theirsMgmt()])),
      ours: normalize(ok(process.execPath, [binPath('ofctl'), 'dump-flows', 'br0', '--rundir', sw.rundir])),
    });
    const receive = (port: string, flow: string) => {
      const hex = Buffer.from(composePacket(flow)).toString('hex');
      ok('ovs-appctl', ['netdev-dummy/receive', port, hex]);
      ok('ovs-appctl', ['-t', oursCtl(), 'netdev-dummy/receive', port, hex]);
    };

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'ofproto-learn-'));
      ovs = startOvsSandbox();
      ovs.vsctl(...dummyBridgeArgs('br0', PORTS));
      sw = await startSwitchd();
      ok('ovs-vsctl', [`--db=unix:${join(sw.rundir, 'db.sock')}`, ...dummyBridgeArgs('br0', PORTS)]);
      await waitFor('br0 on softswitch', () => run('ovs-ofctl', ['show', oursMgmt()]).status === 0);
      // Both datapaths number the ports alike, or no Datapath actions line could be compared.
      const show = (args: string[]) =>
        ok('ovs-appctl', [...args, 'dpif/show'])
          .split('\n')
          .filter((l) => /^\s+p\d/.test(l))
          .map((l) => l.trim().split(':')[0]);
      expect(show(['-t', oursCtl()])).toEqual(show([]));
    }, 60_000);

    afterAll(async () => {
      ovs?.stop();
      await sw?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('conjunctive matches translate as OVS does', () => {
      addFlows(
        [
          'priority=100,ip,nw_src=10.0.0.1,actions=conjunction(7,1/2)',
          'priority=100,ip,nw_src=10.0.0.2,actions=conjunction(7,1/2)',
          'priority=100,tcp,tp_dst=80,actions=conjunction(7,2/2)',
          'priority=100,tcp,tp_dst=443,actions=conjunction(7,2/2),conjunction(8,2/3)',
          'priority=100,ip,nw_dst=10.9.9.9,actions=conjunction(8,1/3)',
          'priority=100,in_port=2,actions=conjunction(8,3/3)',
          'priority=100,conj_id=7,actions=output:2',
          'priority=100,conj_id=8,actions=output:3',
          'priority=200,tcp,nw_src=10.0.0.2,tp_dst=443,actions=output:1',
          'priority=50,ip,actions=output:3,resubmit(,1)',
          'table=1,priority=10,udp,nw_dst=10.9.9.9,actions=conjunction(3,1/2)',
          'table=1,priority=10,udp,tp_src=53,actions=conjunction(3,2/2)',
          'table=1,priority=10,conj_id=3,actions=output:1',
          'table=1,priority=5,actions=output:2',
        ].join('\n'),
      );
      let conj = 0;
      for (const src of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
        for (const dst of ['10.9.9.9', '10.1.1.1'])
          for (const proto of ['tcp', 'udp'])
            for (const [sport, dport] of [
              [53, 80],
              [1000, 443],
              [53, 22],
            ])
              for (const inPort of [1, 2]) {
                const line = sameActions(
                  `in_port=${inPort},${proto},nw_src=${src},nw_dst=${dst},${proto}_src=${sport},${proto}_dst=${dport}`,
                );
                if (line !== '3,2' && line !== '3,1' && line !== '3') conj++;
              }
      expect(conj).toBeGreaterThan(10);
      for (const f of ['in_port=1,arp', 'in_port=2,ipv6', 'in_port=1,ip,nw_src=10.0.0.1']) sameActions(f);
    });

    it('learn: trace suppresses it, a received packet learns the same flows as OVS', async () => {
      addFlows(
        [
          'table=0,priority=10,actions=learn(table=1,hard_timeout=60,idle_timeout=30,priority=123,cookie=0x55,' +
            'fin_idle_timeout=5,fin_hard_timeout=10,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],' +
            'load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15],load:0x7->NXM_NX_REG1[],output:NXM_OF_IN_PORT[]),resubmit(,1)',
          'table=0,priority=20,tcp,actions=learn(table=2,eth_type=0x800,nw_proto=6,NXM_OF_IP_DST[]=NXM_OF_IP_SRC[],' +
            'NXM_OF_TCP_DST[]=NXM_OF_TCP_SRC[],load:0x1->NXM_NX_REG2[8..15]),resubmit(,1)',
          'table=1,priority=0,actions=output:3',
        ].join('\n'),
      );
      const a = 'dl_src=00:00:00:00:00:0a,dl_dst=00:00:00:00:00:0b';
      const flowsIn = [
        `in_port=1,dl_vlan=5,${a},udp,nw_src=10.0.0.1,nw_dst=10.0.0.2,udp_src=1,udp_dst=2`,
        `in_port=2,${a},tcp,nw_src=10.0.0.3,nw_dst=10.0.0.4,tcp_src=1234,tcp_dst=80`,
      ];
      for (const f of flowsIn) sameActions(f);
      let d = dumps();
      expect(d.ours).toEqual(d.theirs);
      expect(d.ours.length).toBe(3); // nothing learned by traces
      for (const [i, f] of flowsIn.entries()) receive(`p${i + 1}`, f);
      await waitFor('OVS to learn', () => normalize(ok('ovs-ofctl', ['dump-flows', theirsMgmt()])).length === 5);
      d = dumps();
      expect(d.ours).toEqual(d.theirs);
      expect(d.ours.some((l) => l.includes('vlan_tci=0x0005/0x0fff,dl_dst=00:00:00:00:00:0a'))).toBe(true);
      // The learned flows are used by the next translations (revalidated, as after a flow-mod).
      for (const f of [
        `in_port=3,dl_vlan=5,dl_src=00:00:00:00:00:0c,dl_dst=00:00:00:00:00:0a,ip`,
        `in_port=3,dl_src=00:00:00:00:00:0c,dl_dst=00:00:00:00:00:0a,ip`,
      ])
        sameActions(f);
      // The same packet again only refreshes: the dumps still agree.
      receive('p1', flowsIn[0]);
      await waitFor('OVS to count it', () =>
        normalize(ok('ovs-ofctl', ['dump-flows', theirsMgmt()])).some((l) => l.includes('n_packets=3,')),
      );
      d = dumps();
      expect(d.ours).toEqual(d.theirs);
    });

    it('meters: meter(ID) as OVS, the same packets dropped, the same meter stats', async () => {
      for (const mgmt of [theirsMgmt(), oursMgmt()]) {
        ok('ovs-ofctl', ['-O', 'OpenFlow13', 'del-meters', mgmt]);
        ok('ovs-ofctl', [
          '-O',
          'OpenFlow13',
          'add-meter',
          mgmt,
          'meter=5,pktps,burst,stats,bands=type=drop,rate=1,burst_size=3',
        ]);
        ok('ovs-ofctl', [
          '-O',
          'OpenFlow13',
          'add-meter',
          mgmt,
          'meter=2,kbps,burst,stats,bands=type=drop,rate=1,burst_size=2',
        ]);
      }
      addFlows(
        ['priority=10,in_port=1,actions=meter:5,output:2', 'priority=10,in_port=2,actions=meter:2,output:1'].join('\n'),
        'OpenFlow13',
      );
      expect(sameActions('in_port=1,ip')).toBe('meter(0),2');
      expect(sameActions('in_port=2,ip')).toBe('meter(1),1');
      // A flow naming a meter that does not exist is refused by both.
      for (const mgmt of [theirsMgmt(), oursMgmt()]) {
        const r = run('ovs-ofctl', ['-O', 'OpenFlow13', 'add-flow', mgmt, 'priority=9,actions=meter:9,output:1']);
        expect(r.stderr).toContain('OFPMMFC_INVALID_METER');
      }
      // 6 packets at once: the pktps bucket (3 packets, refilled 1/s) passes 3; the kbps one
      // (2 kbit = 250 bytes) passes the first 60-byte frames only until 2000 bits are spent.
      const pkt = 'dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,udp,nw_src=10.0.0.1,nw_dst=10.0.0.2';
      for (let i = 0; i < 6; i++) {
        receive('p1', `in_port=1,${pkt}`);
        receive('p2', `in_port=2,${pkt}`);
      }
      const stats = (args: string[]) =>
        ok(args[0], [...args.slice(1)])
          .replace(/duration:[\d.]+s/g, 'duration:X')
          .split('\n')
          .filter((l) => l.trim() !== '' && !l.includes('reply'))
          .join('\n')
          // One block per meter, in each switch's own order.
          .split(/\n(?=meter:)/)
          .sort()
          .join('\n');
      const theirs = stats(['ovs-ofctl', '-O', 'OpenFlow13', 'meter-stats', theirsMgmt()]);
      const ours = stats([
        process.execPath,
        binPath('ofctl'),
        '-O',
        'OpenFlow13',
        'meter-stats',
        'br0',
        '--rundir',
        sw.rundir,
      ]);
      expect(ours).toBe(theirs);
      expect(ours).toMatch(/meter:5 flow_count:1 packet_in_count:6 .*\n\s*0: packet_count:3/);
      const drops = ok('ovs-appctl', ['-t', oursCtl(), 'dpif/show-drops']);
      expect(drops).toMatch(/meter/);
      const config = (mgmt: string) =>
        ok('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-meters', mgmt])
          .split('\n')
          .filter((l) => l.trim() !== '' && !l.includes('reply'))
          .sort();
      expect(config(oursMgmt())).toEqual(config(theirsMgmt()));
    });
  },
);
