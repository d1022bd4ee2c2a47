import { expect, it } from 'vitest';
import { useTwoSwitches } from './support/ofctl-chains.js';
import { describeNeeding } from './support/requirements.js';

/**
 * Bridge-wide switch configuration against ovs-ofctl and ovs-vswitchd: get-frags/set-frags
 * (set-config's fragment handling, shared by every connection of a bridge; reassembly refused)
 * and ct-flush-zone (NXT_CT_FLUSH_ZONE; softswitch's datapath keeps no conntrack entries).
 * Either tool on either switch must print what ovs-ofctl on ovs-vswitchd prints.
 */

const FRAG_STEPS: string[][] = [
  ['get-frags', 'SW'],
  ['set-frags', 'SW', 'drop'],
  // A new connection sees the bridge's mode, in any version.
  ['-O', 'OpenFlow13', 'get-frags', 'SW'],
  ['-O', 'OpenFlow13', 'set-frags', 'SW', 'nx-match'],
  ['-O', 'OpenFlow11', 'get-frags', 'SW'],
  ['set-frags', 'SW', 'reassemble'],
  ['set-frags', 'SW', 'bogus'],
  ['get-frags', 'SW'],
  // NXT_CT_FLUSH_ZONE: accepted in any version; the zone parsed as OVS's str_to_u16 does.
  ['ct-flush-zone', 'SW', '5'],
  ['-O', 'OpenFlow13', 'ct-flush-zone', 'SW', '0x10'],
  ['ct-flush-zone', 'SW', '65536'],
];

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-ofctl', 'ovs-vsctl'] },
  'ofctl get-frags, set-frags and ct-flush-zone against ovs-ofctl and ovs-vswitchd',
  () => {
    const switches = useTwoSwitches();

    it('gets and sets fragment handling and flushes conntrack zones as ovs-ofctl on ovs-vswitchd does', async () => {
      const { reference, others } = await switches().runAll(FRAG_STEPS);
      for (const [name, results] of Object.entries(others))
        expect({ name, results }).toEqual({ name, results: reference });
      expect(reference.map((r) => r.stdout).join('')).toBe('normal\ndrop\nnx-match\nnx-match\n');
      expect(reference[5].stderr).toContain(`doesn't support mode "reassemble"`);
      expect(reference.slice(8).map((r) => r.status)).toEqual([0, 0, 1]);
      expect(reference[10].stderr).toBe('TOOL: invalid zone_id "65536"\n');
    }, 30_000);
  },
);
