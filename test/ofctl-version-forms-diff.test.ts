import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from './dpctl-support.js';
import { type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { binPath, type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

/**
 * Wire forms of one OpenFlow version only. OpenFlow 1.5 group_mods carry bucket ids and
 * properties. OpenFlow 1.1 (fixed ofp11_match, OFPAT11_SET_* actions) and 1.2 (OXM, table stats with
 * capability bitmaps) against softswitch: real ovs-ofctl adds the same flows to softswitch and to
 * ovs-vswitchd and reads back the same dump-flows and dump-tables, and our ofctl prints both
 * switches' replies as ovs-ofctl does (1.1/1.2 table statistics carry each table's features).
 */
const FLOWS = [
  'ip,nw_src=1.2.3.0/24,actions=mod_nw_src:1.1.1.1,output:2',
  'table=1,priority=7,tcp,tp_dst=80,dl_vlan=5,actions=mod_vlan_vid:7,mod_tp_dst:81,output:1',
  'priority=9,ip,dl_src=01:00:00:00:00:00/01:00:00:00:00:00,actions=mod_dl_dst:00:00:00:00:00:01,mod_nw_tos:8,goto_table:2',
  'table=2,metadata=0x5/0xff,udp,actions=mod_nw_ecn:2,output:3,write_metadata:0x1/0x1',
];

describeNeeding(
  { binaries: ['ovs-ofctl', 'ovs-vswitchd', 'ovsdb-server'] },
  "each OpenFlow version's own wire forms against softswitch as against ovs-vswitchd",
  () => {
    let sw: RunningSwitchd;
    let ovs: OvsSandbox;
    let ours: string;
    let theirs: string;
    const ovsOfctl = (...args: string[]) => run('ovs-ofctl', args);
    const steady = (s: string) => s.replace(/duration=[\d.]+s/g, 'duration=D');

    beforeAll(async () => {
      sw = await startSwitchd();
      expect(
        run(process.execPath, [binPath('vsctl'), `--db=unix:${join(sw.rundir, 'db.sock')}`, 'add-br', 'br0']).stderr,
      ).toBe('');
      ours = `unix:${join(sw.rundir, 'br0.mgmt')}`;
      await waitFor('br0.mgmt', () => ovsOfctl('show', ours).status === 0);
      ovs = startOvsSandbox();
      ovs.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=dummy');
      theirs = `unix:${join(ovs.dir, 'br0.mgmt')}`;
    });

    afterAll(async () => {
      await sw?.stop();
      ovs?.stop();
    });

    // ovs-vswitchd lists groups in its hash table's order, which varies: compare the lines sorted.
    const sortedGroups = (text: string) => text.split('\n').slice(1).sort().join('\n');

    it("OpenFlow15 and OpenFlow10 (OVS's NXT_GROUP_MOD): group_mods with bucket ids (given, defaulted as OVS, clashing)", () => {
      const groups = [
        'group_id=1,type=select,bucket=bucket_id:5,weight:10,actions=output:1,bucket=bucket_id:7,actions=output:2',
        'group_id=2,type=all,bucket=actions=output:1,bucket=bucket_id:0,actions=output:2',
        'group_id=3,type=ff,bucket=bucket_id:9,watch_port:3,actions=output:1,bucket=watch_port:4,actions=output:2',
      ];
      for (const version of ['OpenFlow15', 'OpenFlow10']) {
        for (const target of [ours, theirs]) {
          ovsOfctl('-O', version, 'del-groups', target);
          for (const g of groups) expect(ovsOfctl('-O', version, 'add-group', target, g).stderr, version).toBe('');
          // Two buckets end up with id 1: both switches refuse the group (OFPGMFC_BAD_BUCKET).
          const clash =
            'group_id=4,type=all,bucket=bucket_id:1,actions=output:1,bucket=actions=output:2,bucket=actions=output:3';
          expect(ovsOfctl('-O', version, 'add-group', target, clash).stderr).toContain('OFPGMFC_BAD_BUCKET');
        }
        const dump = (target: string) => ovsOfctl('-O', version, 'dump-groups', target).stdout;
        expect(dump(ours)).toContain('bucket=bucket_id:1,actions=output:1,bucket=bucket_id:0,actions=output:2');
        expect(sortedGroups(dump(ours)), version).toBe(sortedGroups(dump(theirs)));
        const mine = run(process.execPath, [binPath('ofctl'), '-O', version, 'dump-groups', ours]);
        expect(mine.stdout, version).toBe(dump(ours));
      }
      // Our ofctl sends groups in any version too, as ovs-ofctl 3.1 does (OpenFlow 1.0 by default).
      const g5 = 'group_id=5,type=all,bucket=bucket_id:4,actions=output:3';
      for (const target of [ours, theirs]) {
        const r = run(process.execPath, [binPath('ofctl'), 'add-group', target, g5]);
        expect(r.stderr).toBe('');
      }
      const dump15 = (target: string) => ovsOfctl('-O', 'OpenFlow15', 'dump-groups', target).stdout;
      expect(dump15(ours)).toContain('group_id=5,type=all,bucket=bucket_id:4,actions=output:3');
      expect(sortedGroups(dump15(ours))).toBe(sortedGroups(dump15(theirs)));
    });

    for (const version of ['OpenFlow11', 'OpenFlow12']) {
      it(`${version}: add-flow, dump-flows and dump-tables`, () => {
        for (const target of [ours, theirs]) {
          ovsOfctl('-O', version, 'del-flows', target);
          for (const flow of FLOWS) expect(ovsOfctl('-O', version, 'add-flow', target, flow).stderr).toBe('');
        }
        for (const cmd of ['dump-flows', 'dump-tables']) {
          const a = ovsOfctl('-O', version, cmd, ours);
          const b = ovsOfctl('-O', version, cmd, theirs);
          expect(a.stderr, cmd).toBe('');
          expect(steady(a.stdout), cmd).toBe(steady(b.stdout));
        }
        const flows = ovsOfctl('-O', version, 'dump-flows', ours).stdout;
        expect(flows.split('\n').filter((l) => l.startsWith(' ')).length).toBe(FLOWS.length);
        // Our ofctl prints what ovs-ofctl prints, reading softswitch's replies and ovs-vswitchd's.
        for (const target of [ours, theirs]) {
          for (const cmd of ['dump-flows', 'dump-tables']) {
            const mine = run(process.execPath, [binPath('ofctl'), '-O', version, cmd, target]);
            expect(mine.stderr, cmd).toBe('');
            expect(steady(mine.stdout), cmd).toBe(steady(ovsOfctl('-O', version, cmd, target).stdout));
          }
        }
      });
    }
  },
);
