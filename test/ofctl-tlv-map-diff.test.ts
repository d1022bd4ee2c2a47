import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runChain, useTwoSwitches } from './support/ofctl-chains.js';
import { describeNeeding } from './support/requirements.js';

/**
 * Geneve option ↔ tun_metadata maps (add-tlv-map, del-tlv-map, dump-tlv-map) against ovs-ofctl
 * and ovs-vswitchd: either tool on either switch prints what ovs-ofctl on ovs-vswitchd prints;
 * the map's refusals (NXTTMFC_* errors, each request all or nothing) are checked through
 * ovs-ofctl on both switches.
 */

const STEPS: string[][] = [
  ['dump-tlv-map', 'SW'],
  ['add-tlv-map', 'SW', '{class=0xffff,type=0,len=4}->tun_metadata0'],
  ['add-tlv-map', 'SW', '{class=0xffff,type=1,len=8}->tun_metadata1,{class=0x0102,type=0x80,len=124}->tun_metadata5'],
  ['-O', 'OpenFlow13', 'dump-tlv-map', 'SW'],
  ['-O', 'OpenFlow13', 'add-tlv-map', 'SW', '{class=1,type=1,len=116}->tun_metadata9'],
  ['del-tlv-map', 'SW', '{class=9,type=9,len=4}->tun_metadata0'],
  ['dump-tlv-map', 'SW'],
  ['add-tlv-map', 'SW', 'foo'],
  ['del-tlv-map', 'SW'],
  ['-O', 'OpenFlow15', 'dump-tlv-map', 'SW'],
];

/** Requests ovs-vswitchd refuses (run by ovs-ofctl on both switches), then the map left. */
const REFUSED: string[][] = [
  ['add-tlv-map', 'SW', '{class=1,type=1,len=4}->tun_metadata1'],
  ['add-tlv-map', 'SW', '{class=2,type=2,len=4}->tun_metadata1'],
  ['add-tlv-map', 'SW', '{class=1,type=1,len=4}->tun_metadata2'],
  ['add-tlv-map', 'SW', '{class=3,type=3,len=4}->tun_metadata3,{class=3,type=3,len=4}->tun_metadata4'],
  [
    '-O',
    'OpenFlow13',
    'add-tlv-map',
    'SW',
    '{class=4,type=4,len=124}->tun_metadata4,{class=5,type=5,len=124}->tun_metadata5',
  ],
  ['add-tlv-map', 'SW', '{class=6,type=6,len=124}->tun_metadata6,{class=7,type=7,len=124}->tun_metadata7'],
  ['-O', 'OpenFlow13', 'dump-tlv-map', 'SW'],
];

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-ofctl', 'ovs-vsctl'] },
  'ofctl add-tlv-map, del-tlv-map and dump-tlv-map against ovs-ofctl and ovs-vswitchd',
  () => {
    const switches = useTwoSwitches();

    it('maps, unmaps and dumps as ovs-ofctl on ovs-vswitchd does', async () => {
      const { reference, others } = await switches().runAll(STEPS);
      for (const [name, results] of Object.entries(others))
        expect({ name, results }).toEqual({ name, results: reference });
      expect(reference[3].stdout).toContain(' allocated option space=136\n');
      expect(reference[3].stdout).toContain('\n  0x102  0x80     124  tun_metadata5');
      expect(reference[6].stdout).toContain(' 0xffff   0x1       8  tun_metadata1\n');
      expect(reference[7].stderr).toBe('TOOL: invalid tlv mapping\n');
    }, 30_000);

    it('refuses what ovs-vswitchd refuses, with the same errors', async () => {
      // br1 saw our ofctl's steps above; both switches' br1 are in the same state.
      const at = (dir: string) => `unix:${join(dir, 'br1.mgmt')}`;
      const [theirs, ours] = await Promise.all([
        runChain('ovs-ofctl', at(switches().ovs.dir), REFUSED),
        runChain('ovs-ofctl', at(switches().sw.rundir), REFUSED),
      ]);
      expect(ours).toEqual(theirs);
      const errors = theirs.map((r) => /OFPT_ERROR .*: (\w+)/.exec(r.stderr)?.[1] ?? '');
      expect(errors).toEqual([
        '',
        'NXTTMFC_ALREADY_MAPPED',
        'NXTTMFC_DUP_ENTRY',
        'NXTTMFC_DUP_ENTRY',
        '',
        'NXTTMFC_TABLE_FULL',
        '',
      ]);
      expect(theirs.at(-1)?.stdout).toContain(' allocated option space=252\n');
    }, 30_000);
  },
);
