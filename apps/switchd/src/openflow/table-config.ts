import {
  OFPTC14_EVICTION,
  OFPTC14_VACANCY_EVENTS,
  OFPTMFC,
  OVS_EVICTION_FLAGS,
  type TableDesc,
  type TableModProps,
} from '@softswitch/openflow';

/** One table's OpenFlow 1.4 configuration: eviction, and vacancy events with their thresholds. */
interface TableSettings {
  eviction: boolean;
  vacancyEvents: boolean;
  vacancyDown: number;
  vacancyUp: number;
}

/** OVS keeps table 254 for itself: OpenFlow sees 254 tables, 0 to 253. */
export const OPENFLOW_TABLES = 254;

const ALL_TABLES = 255;

/** OVS's flow tables have no limit by default: vacancy is measured against UINT_MAX flows. */
const MAX_FLOWS = 0xffffffff;

/**
 * The bridge's table configuration as ovs-vswitchd keeps it (per table, shared by every
 * connection), and the table-desc entries it answers with.
 */
export class TableConfig {
  private readonly settings: TableSettings[];

  constructor(readonly nTables: number) {
    this.settings = Array.from({ length: nTables }, () => ({
      eviction: false,
      vacancyEvents: false,
      vacancyDown: 0,
      vacancyUp: 0,
    }));
  }

  /**
   * OVS's table_mod for an OpenFlow 1.4+ table-mod (earlier versions' miss settings change
   * nothing): eviction and vacancy events per the config bits, thresholds from the vacancy
   * property; table 255 means every table. Returns an OFPTMFC code on refusal.
   */
  apply(tableId: number, config: number, props: TableModProps, version: number): number | undefined {
    if (tableId !== ALL_TABLES && tableId > this.nTables) return OFPTMFC.BAD_TABLE;
    if (tableId === this.nTables) return OFPTMFC.EPERM; // OVS's own table is read-only
    if (props.evictionFlags !== undefined && props.evictionFlags !== OVS_EVICTION_FLAGS) return OFPTMFC.BAD_CONFIG;
    if (version < 5) return undefined;
    const targets = tableId === ALL_TABLES ? this.settings : [this.settings[tableId]];
    for (const s of targets) {
      // As ovs-vswitchd 3.1 behaves: a table-mod that restates the eviction flags (as ovs-ofctl's
      // vacancy-only requests do) leaves eviction as it is; only one without them switches it.
      if (props.evictionFlags === undefined) s.eviction = (config & OFPTC14_EVICTION) !== 0;
      s.vacancyEvents = (config & OFPTC14_VACANCY_EVENTS) !== 0;
      if (props.vacancy) {
        s.vacancyDown = props.vacancy.down;
        s.vacancyUp = props.vacancy.up;
      }
    }
    return undefined;
  }

  /** Table descriptions for OFPMP_TABLE_DESC; `flowCount(t)` is table t's number of flows. */
  describe(flowCount: (tableId: number) => number): TableDesc[] {
    return this.settings.map((s, tableId) => {
      const config = (s.eviction ? OFPTC14_EVICTION : 0) | (s.vacancyEvents ? OFPTC14_VACANCY_EVENTS : 0);
      const desc: TableDesc = { tableId, config, evictionFlags: OVS_EVICTION_FLAGS };
      if (s.vacancyEvents)
        desc.vacancy = { down: s.vacancyDown, up: s.vacancyUp, vacancy: vacancy(flowCount(tableId)) };
      return desc;
    });
  }
}

/** OVS's oftable_vacancy: the free share of the table, in whole percent, rounded down. */
function vacancy(flows: number): number {
  return Math.floor(((MAX_FLOWS - flows) * 100) / MAX_FLOWS);
}
