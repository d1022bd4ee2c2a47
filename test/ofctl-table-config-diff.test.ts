import { expect, it } from 'vitest';
import { useTwoSwitches } from './support/ofctl-chains.js';
import { describeNeeding } from './support/requirements.js';

/**
 * OpenFlow 1.4 table configuration against ovs-ofctl and ovs-vswitchd: mod-table (eviction,
 * vacancy, OpenFlow 1.1/1.2 miss settings, "all") and dump-table-desc. Either tool on either
 * switch must print what ovs-ofctl on ovs-vswitchd prints.
 */

/** mod-table and dump-table-desc: OVS's merge of unchanged settings, "all", errors, versions. */
const TABLE_STEPS: string[][] = [
  ['-O', 'OpenFlow14', 'mod-table', 'SW', '0', 'evict'],
  ['-O', 'OpenFlow14', 'mod-table', 'SW', '0', 'vacancy:1,2'],
  ['-O', 'OpenFlow15', 'mod-table', 'SW', '1', 'vacancy:10,20'],
  ['-O', 'OpenFlow14', 'mod-table', 'SW', '1', 'noevict'],
  ['-O', 'OpenFlow14', 'mod-table', 'SW', '0', 'foo'],
  ['-O', 'OpenFlow14', 'mod-table', 'SW', '0', 'vacancy:50,10'],
  ['mod-table', 'SW', '0', 'evict'],
  ['-O', 'OpenFlow13', 'mod-table', 'SW', '0', 'drop'],
  ['-O', 'OpenFlow11', 'mod-table', 'SW', '0', 'drop'],
  ['-O', 'OpenFlow11,OpenFlow14', 'mod-table', 'SW', '1', 'drop'],
  ['-O', 'OpenFlow13', 'dump-table-desc', 'SW'],
  // "all" walks every table; only table 0 takes a vacancy-only setting (ovs-ofctl keeps each
  // later table's own vacancy, and ovs-vswitchd its eviction).
  ['-O', 'OpenFlow14', 'mod-table', 'SW', 'all', 'vacancy:5,10'],
  ['-O', 'OpenFlow14', 'mod-table', 'SW', '7', 'vacancy:3,4'],
  ['-O', 'OpenFlow15', 'dump-table-desc', 'SW'],
];

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-ofctl', 'ovs-vsctl'] },
  'ofctl mod-table and dump-table-desc against ovs-ofctl and ovs-vswitchd',
  () => {
    const switches = useTwoSwitches();

    it('configures and describes tables as ovs-ofctl on ovs-vswitchd does', async () => {
      const { reference, others } = await switches().runAll(TABLE_STEPS);
      for (const [name, results] of Object.entries(others))
        expect({ name, results }).toEqual({ name, results: reference });
      const last = reference.at(-1)?.stdout ?? '';
      expect(last).toContain(
        '  table 0:\n   eviction=on eviction_flags=OTHER|IMPORTANCE|LIFETIME\n   vacancy=on vacancy_down=5% vacancy_up=10% vacancy=99%\n',
      );
      expect(last).toContain(
        '  table 1:\n   eviction=off eviction_flags=OTHER|IMPORTANCE|LIFETIME\n   vacancy=on vacancy_down=10% vacancy_up=20% vacancy=100%\n',
      );
      expect(last).toContain(
        '  table 7:\n   eviction=off eviction_flags=OTHER|IMPORTANCE|LIFETIME\n   vacancy=on vacancy_down=3% vacancy_up=4% vacancy=100%\n',
      );
      expect(last.match(/ {2}table \d+:/g)?.length).toBe(254);
    }, 30_000);
  },
);
