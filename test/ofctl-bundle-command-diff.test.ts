import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { normalizeRun, runTool, useTwoSwitches } from './support/ofctl-chains.js';
import { describeNeeding } from './support/requirements.js';

/**
 * `ofctl bundle SWITCH FILE` against `ovs-ofctl bundle`: flow lines (with and without their
 * command word) committed atomically, a failing message that makes the commit fail (nothing
 * applied), the file's parse errors; either tool on either switch. Group lines go to
 * ovs-vswitchd only: softswitch's bundles carry flow mods alone so far.
 */

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
};

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
      const { reference, others } = await switches().runAll(steps);
      for (const [name, results] of Object.entries(others))
        expect({ name, results }).toEqual({ name, results: reference });
      expect(reference[2].stderr).toContain('Error OFPBAC_BAD_OUT_GROUP for: OFPT_FLOW_MOD (OF1.4)');
      expect(reference[3].stderr).toContain('ONFT_BUNDLE_CONTROL (OF1.3)');
      expect(reference[6].stdout).toBe(' priority=5,in_port=1 actions=output:1\n priority=0 actions=NORMAL\n');
    }, 30_000);

    it('sends group lines as ovs-ofctl does (ovs-vswitchd)', async () => {
      const target = `unix:${join(switches().ovs.dir, 'br0.mgmt')}`;
      const args = ['bundle', target, file('groups')];
      // Group 1 is added twice, so the commit fails; run by each tool on the same state.
      const theirs = normalizeRun(await runTool('ovs-ofctl', args), target);
      const ours = normalizeRun(await runTool('ofctl', args), target);
      expect(ours).toEqual(theirs);
      expect(theirs.stderr).toContain('Error OFPGMFC_GROUP_EXISTS for: OFPT_GROUP_MOD (OF1.4) (xid=0x');
    }, 30_000);
  },
);
