import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runTool, useTwoSwitches } from './support/ofctl-chains.js';
import { describeNeeding } from './support/requirements.js';

/**
 * `ofctl bundle SWITCH FILE` against `ovs-ofctl bundle`: flow lines (with and without their
 * command word) committed atomically, a failing message that makes the commit fail (nothing
 * applied), the file's parse errors; either tool on either switch. Group mods and packet-outs
 * in bundles: applied in order with the flow mods, packet-outs sent only if the whole bundle
 * commits (seen in the ports' tx counters), and packet-out lines' parse errors.
 */

/** A 34-byte IPv4 frame from 00:00:00:00:00:01 to broadcast. */
const FRAME = 'ffffffffffff00000000000108004500001400000000400100000a0000010a000002';

const FILES: Record<string, string> = {
  flows:
    '# a comment\nflow add priority=5,in_port=1,actions=output:2\n\nflow priority=6,ip,actions=drop\n' +
    'flow delete_strict priority=6,ip\n',
  // (A modify of a flow added in the same bundle is left out: ovs-vswitchd skips it when the
  // table holds other flows, which softswitch does not imitate yet.)
  modify: 'fl modify priority=5,in_port=1,actions=output:1\n',
  failing: 'flow add priority=7,actions=drop\nflow add priority=8,actions=group:99\n',
  badType: 'flow add priority=7,actions=drop\nfrob x\n',
  badFlow: 'flow add priority=7,foo=bar,actions=drop\n',
  groups:
    'group add group_id=1,type=all,bucket=output:1\nflow add priority=9,actions=group:1\ngroup add group_id=1,type=all,bucket=output:2\n',
  groupsOk: 'group add group_id=2,type=all,bucket=output:2\nflow add priority=10,ip,actions=group:2\n',
  // The packet-out uses the group added before it in the same bundle.
  sent: `group add group_id=5,type=all,bucket=output:2\npacket-out in_port=1,packet=${FRAME},actions=group:5\npacket-o in_port=1,packet=${FRAME},actions=output:2\n`,
  // The flow mod after the packet-out fails, so nothing is sent.
  notSent: `packet-out in_port=1,packet=${FRAME},actions=output:2\nflow add priority=8,actions=group:99\n`,
  noPacket: 'packet-out in_port=1,actions=output:2\n',
  badPort: `packet-out in_port=NORMAL,packet=${FRAME},actions=output:2\n`,
  shortPacket: 'packet-out in_port=1,packet=ffffffffffff0000,actions=output:2\n',
  badHex: 'packet-out in_port=1,packet=ffffffffffff00000000000108zz,actions=output:2\n',
  notPipeline: `packet-out in_port=1,nw_src=10.0.0.1,packet=${FRAME},actions=output:2\n`,
  unknownKey: `packet-out in_port=1,frob=1,packet=${FRAME},actions=output:2\n`,
  noValue: `packet-out in_port=,packet=${FRAME},actions=output:2\n`,
  pipeline: `packet-out in_port=1,reg3=7,metadata=0x5,packet=${FRAME},actions=output:2\n`,
  // Through NORMAL from a new source MAC each: learned only if the bundle commits.
  learnFailing: `packet-out in_port=1,packet=${frameFrom('08')},actions=NORMAL\nflow add priority=8,actions=group:99\n`,
  missingGroup: `flow add priority=11,actions=drop\npacket-out in_port=1,packet=${FRAME},actions=group:77\n`,
  learnCommitted: `packet-out in_port=1,packet=${frameFrom('09')},actions=NORMAL\n`,
};

/** FRAME from source MAC 00:00:00:00:00:XX. */
function frameFrom(xx: string): string {
  return FRAME.replace('000000000001', `0000000000${xx}`);
}

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-ofctl', 'ovs-vsctl'] },
  'ofctl bundle against ovs-ofctl on ovs-vswitchd and softswitch',
  () => {
    const switches = useTwoSwitches();
    let dir: string;
    const file = (name: string) => join(dir, `${name}.txt`);

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'ofctl-bundle-'));
      for (const [name, text] of Object.entries(FILES)) writeFileSync(file(name), text);
    });

    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** `steps` by each tool on each switch: every run prints what ovs-ofctl on ovs-vswitchd does. */
    async function allAgree(steps: string[][]) {
      const { reference, others } = await switches().runAll(steps);
      for (const [name, results] of Object.entries(others))
        expect({ name, results }).toEqual({ name, results: reference });
      return reference;
    }

    it('commits flow bundles, or nothing, as ovs-ofctl on ovs-vswitchd does', async () => {
      const steps = [
        ['bundle', 'SW', file('flows')],
        ['bundle', 'SW', file('modify')],
        ['bundle', 'SW', file('failing')],
        ['-O', 'OpenFlow13', 'bundle', 'SW', file('failing')],
        ['bundle', 'SW', file('badType')],
        ['bundle', 'SW', file('badFlow')],
        ['--no-stats', 'dump-flows', 'SW'],
      ];
      const reference = await allAgree(steps);
      expect(reference[2].stderr).toContain('Error OFPBAC_BAD_OUT_GROUP for: OFPT_FLOW_MOD (OF1.4)');
      expect(reference[3].stderr).toContain('ONFT_BUNDLE_CONTROL (OF1.3)');
      expect(reference[6].stdout).toBe(' priority=5,in_port=1 actions=output:1\n priority=0 actions=NORMAL\n');
    }, 30_000);

    it('commits group mods in bundles with the flow mods, or nothing, as ovs-vswitchd', async () => {
      const steps = [
        ['bundle', 'SW', file('groups')],
        ['-O', 'OpenFlow13', 'bundle', 'SW', file('groupsOk')],
        ['-O', 'OpenFlow13', 'dump-groups', 'SW'],
        ['--no-stats', 'dump-flows', 'SW'],
      ];
      const reference = await allAgree(steps);
      expect(reference[0].stderr).toContain('Error OFPGMFC_GROUP_EXISTS for: OFPT_GROUP_MOD (OF1.4) (xid=0x');
      expect(reference[2].stdout).toContain('group_id=2,type=all,bucket=actions=output:2');
      expect(reference[3].stdout).toContain('priority=10,ip actions=group:2');
    }, 30_000);

    it('reads packet-out lines as ovs-ofctl does, errors included', async () => {
      const bad = ['noPacket', 'badPort', 'shortPacket', 'badHex', 'notPipeline', 'unknownKey', 'noValue'];
      const reference = await allAgree(bad.map((name) => ['bundle', 'SW', file(name)]));
      expect(reference.map((r) => r.status)).toEqual(bad.map(() => 1));
      expect(reference[0].stderr).toContain('must specify packet');
      expect(reference[4].stderr).toContain('nw_src is not a valid pipeline field for PACKET_OUT');
    }, 30_000);

    /**
     * Runs `steps` (SW is the switch) with each tool on each switch, its own bridge each; returns
     * per pair every step's status and port 2's tx packets after it, counted from before the
     * first (earlier tests may have sent some), checking that all four agree.
     */
    async function txAfterSteps(steps: string[][]): Promise<number[]> {
      const sw = switches();
      const run = async (tool: 'ovs-ofctl' | 'ofctl', target: string): Promise<number[]> => {
        const counts: number[] = [];
        const tx = async () => {
          const ports = await runTool('ovs-ofctl', ['dump-ports', target, '2']);
          return Number(/tx pkts=(\d+)/.exec(ports.stdout)?.[1] ?? Number.NaN);
        };
        const before = await tx();
        for (const step of steps) {
          const r = await runTool(
            tool,
            step.map((a) => (a === 'SW' ? target : a)),
          );
          counts.push(r.status);
          counts.push((await tx()) - before);
        }
        return counts;
      };
      const at = (dir: string, br: string) => `unix:${join(dir, `${br}.mgmt`)}`;
      const reference = await run('ovs-ofctl', at(sw.ovs.dir, 'br0'));
      expect(await run('ofctl', at(sw.ovs.dir, 'br1'))).toEqual(reference);
      expect(await run('ovs-ofctl', at(sw.sw.rundir, 'br0'))).toEqual(reference);
      expect(await run('ofctl', at(sw.sw.rundir, 'br1'))).toEqual(reference);
      return reference;
    }

    it('sends bundled packet-outs only when the bundle commits, in 1.4 and 1.5', async () => {
      const reference = await txAfterSteps([
        ['bundle', 'SW', file('sent')],
        ['bundle', 'SW', file('notSent')],
        ['-O', 'OpenFlow15', 'bundle', 'SW', file('sent')],
        ['-O', 'OpenFlow15', 'bundle', 'SW', file('pipeline')],
      ]);
      // Statuses and tx counts after each step: two sent, none, two more, one more.
      expect(reference).toEqual([0, 2, 1, 2, 1, 2, 0, 3]);
    }, 30_000);

    it('refuses a packet-out naming a missing group, alone or in a bundle (nothing applied)', async () => {
      const reference = await allAgree([
        ['-O', 'OpenFlow13', 'packet-out', 'SW', `in_port=1,packet=${FRAME},actions=group:77`],
        ['bundle', 'SW', file('missingGroup')],
        ['--no-stats', 'dump-flows', 'SW'],
      ]);
      expect(reference[0].stderr).toContain('OFPBAC_BAD_OUT_GROUP');
      expect(reference[1].stderr).toContain('OFPBAC_BAD_OUT_GROUP');
      expect(reference[2].stdout).not.toContain('priority=11');
    }, 30_000);

    it('a packet-out through NORMAL learns its source MAC; a bundled one only if the bundle commits', async () => {
      const sw = switches();
      const at = (dir: string) => `unix:${join(dir, 'br0.mgmt')}`;
      // fdb/show without its Age column, for each switch after the same three steps.
      const fdbAfterSteps = async (dir: string, fdb: () => string) => {
        const statuses = [
          (await runTool('ovs-ofctl', ['packet-out', at(dir), `in_port=1,packet=${frameFrom('07')},actions=NORMAL`]))
            .status,
          (await runTool('ovs-ofctl', ['bundle', at(dir), file('learnFailing')])).status,
          (await runTool('ovs-ofctl', ['bundle', at(dir), file('learnCommitted')])).status,
        ];
        const macs = fdb()
          .split('\n')
          .slice(1)
          .map((l) => l.trim().split(/\s+/).slice(0, 3).join(' '))
          .filter((l) => l.includes(':'))
          .sort();
        return { statuses, macs };
      };
      const theirs = await fdbAfterSteps(sw.ovs.dir, () => sw.ovs.appctl('fdb/show', 'br0'));
      const ours = await fdbAfterSteps(
        sw.sw.rundir,
        () =>
          spawnSync('ovs-appctl', ['-t', join(sw.sw.rundir, 'switchd.ctl'), 'fdb/show', 'br0'], { encoding: 'utf8' })
            .stdout,
      );
      expect(theirs.statuses).toEqual([0, 1, 0]);
      expect(theirs.macs).toContain('1 0 00:00:00:00:00:07');
      expect(theirs.macs).toContain('1 0 00:00:00:00:00:09');
      expect(theirs.macs.join()).not.toContain('00:00:00:00:00:08');
      expect(ours).toEqual(theirs);
    }, 30_000);

    it("runs packet-outs in the bridge's tables (resubmit, output:TABLE), as ovs-vswitchd", async () => {
      const out = (actions: string) => ['packet-out', 'SW', `in_port=1,packet=${FRAME},actions=${actions}`];
      const reference = await txAfterSteps([
        ['add-flow', 'SW', 'table=3,priority=5,actions=output:2'],
        ['add-flow', 'SW', 'table=0,priority=500,in_port=1,actions=output:2,output:2'],
        out('resubmit(,3)'),
        out('output:TABLE'),
        out('resubmit(,4)'),
        ['del-flows', 'SW', 'table=0,in_port=1'],
      ]);
      // resubmit(,3) sends one; output:TABLE goes through table 0 (two); table 4 is empty.
      expect(reference).toEqual([0, 0, 0, 0, 0, 1, 0, 3, 0, 3, 0, 3]);
    }, 30_000);
  },
);
