import { pipelineHasField } from '@softswitch/ofproto';
import {
  encodeTableFeaturesEntry,
  type FeatureId,
  FIELDS,
  OFPET,
  OFPTFFC,
  OVS_FIELDS,
  type OxmId,
  ovsFieldHeader,
  type TableFeatureProp,
  type TableFeatures,
  type TableStatsFeatures,
  TF_ACTIONS,
  TF_INSTRUCTIONS,
  tableFeaturesRequestError,
} from '@softswitch/openflow';

/**
 * softswitch's pipeline as OFPMP_TABLE_FEATURES entries, in the form ovs-vswitchd sends its own:
 * every table matches every field softswitch knows (bitwise where the field is maskable), sets
 * every writable field, runs every instruction and action softswitch executes, and may go to any
 * later table. Fields are listed in OVS's order with the header OVS uses for the version, so that
 * ovs-ofctl prints the same lines as for ovs-vswitchd wherever the two switches agree.
 */
const MAX_ENTRIES = 1_000_000;
const ALL_ONES = 0xffffffffffffffffn;
const METER_INSTRUCTION = 6;

// Fields the codec knows but the packet key has no place for (ct_nw_src, tun_gbp_id...) are left out.
const byName = new Map(FIELDS.filter(pipelineHasField).map((f) => [f.name, f]));
/** The OVS fields softswitch matches, in OVS's order. */
const MATCHABLE = OVS_FIELDS.filter((f) => byName.has(f.name));
const MASKABLE = new Set(MATCHABLE.filter((f) => byName.get(f.name)?.maskable).map((f) => f.name));
const SETTABLE = MATCHABLE.filter((f) => byName.get(f.name)?.writable);

const ids = (types: number[]): FeatureId[] => types.map((type) => ({ type, data: new Uint8Array(0) }));

function entry(tableId: number, nTables: number, version: number): TableFeatures {
  const last = tableId === nTables - 1;
  // OpenFlow 1.5 meters are an action; OVS offers the meter instruction to 1.3 and 1.4 only.
  const instructions = TF_INSTRUCTIONS.filter(
    (i) => !(last && i.name === 'goto_table') && !(version >= 6 && i.type === METER_INSTRUCTION),
  ).map((i) => i.type);
  const actions = ids(TF_ACTIONS.map((a) => a.type));
  const setFields: OxmId[] = SETTABLE.map((f) => ovsFieldHeader(f, version, false));
  const next = Array.from({ length: nTables - tableId - 1 }, (_, i) => tableId + 1 + i);
  const properties: TableFeatureProp[] = [];
  for (const miss of [false, true]) {
    properties.push(
      { kind: 'instructions', miss, ids: ids(instructions) },
      { kind: 'next_tables', miss, tables: next },
      { kind: 'write_actions', miss, ids: actions },
      { kind: 'write_setfield', miss, oxms: setFields },
      { kind: 'apply_actions', miss, ids: actions },
      { kind: 'apply_setfield', miss, oxms: setFields },
    );
  }
  properties.push(
    { kind: 'match', miss: false, oxms: MATCHABLE.map((f) => ovsFieldHeader(f, version, MASKABLE.has(f.name))) },
    { kind: 'wildcards', miss: false, oxms: MATCHABLE.map((f) => ovsFieldHeader(f, version, false)) },
  );
  return {
    tableId,
    command: 0,
    features: 0,
    name: '', // as ovs-vswitchd: tables have no names until configured
    metadataMatch: ALL_ONES,
    metadataWrite: ALL_ONES,
    capabilities: 0, // no eviction, no vacancy events
    maxEntries: MAX_ENTRIES,
    properties,
  };
}

const cache = new Map<string, Uint8Array[]>();

/** The encoded entries for tables 0 to nTables-1 (built once per version and table count). */
export function tableFeaturesEntries(nTables: number, version: number): Uint8Array[] {
  const key = `${nTables}/${version}`;
  let entries = cache.get(key);
  if (!entries) {
    entries = Array.from({ length: nTables }, (_, t) => encodeTableFeaturesEntry(entry(t, nTables, version), version));
    cache.set(key, entries);
  }
  return entries;
}

/**
 * The error for a request that would set table features: what is malformed in it, else EPERM
 * (softswitch's tables are fixed; ovs-vswitchd refuses such requests the same way).
 */
export function tableFeaturesSetError(b: Uint8Array): { type: number; code: number } {
  const e = tableFeaturesRequestError(b) ?? { type: OFPET.TABLE_FEATURES_FAILED, code: OFPTFFC.EPERM };
  // OVS's OFPBPC_BAD_TYPE/LEN/VALUE are OpenFlow 1.3's table-features codes 2-4 and, from 1.4
  // on, OFPET_BAD_PROPERTY (14) codes 0-2.
  const bpc = e.code - OFPTFFC.BAD_TYPE;
  if (b[0] >= 5 && e.type === OFPET.TABLE_FEATURES_FAILED && bpc >= 0 && bpc <= 2) return { type: 14, code: bpc };
  return { type: e.type, code: e.code };
}

/** OFPFMF11_* bits by OXM basic field number (1.1's fixed match has no other fields). */
const OF11_MATCH_BIT: Record<number, number> = {
  0: 1 << 0, // in_port
  6: 1 << 1, // vlan_vid
  7: 1 << 2, // vlan_pcp
  5: 1 << 3, // eth_type
  8: 1 << 4, // ip_dscp
  10: 1 << 5, // ip_proto
  13: 1 << 6, // tcp_src
  15: 1 << 6, // udp_src
  17: 1 << 6, // sctp_src
  19: 1 << 6, // icmpv4_type
  14: 1 << 7, // tcp_dst
  16: 1 << 7, // udp_dst
  18: 1 << 7, // sctp_dst
  20: 1 << 7, // icmpv4_code
  34: 1 << 8, // mpls_label
  35: 1 << 9, // mpls_tc
  4: 1 << 11, // eth_src
  3: 1 << 12, // eth_dst
  11: 1 << 13, // ipv4_src
  12: 1 << 14, // ipv4_dst
  2: 1 << 15, // metadata
};
/** OpenFlow 1.1's set actions (OFPAT11_SET_*) that set_field stands for from 1.2 on. */
const OF11_SET_ACTIONS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14];
const OFPXMC_OPENFLOW_BASIC = 0x8000;
const OFPAT_SET_FIELD = 25;
const OF12_LAST_OXM_FIELD = 35;

/**
 * What an OpenFlow 1.1 or 1.2 table stats entry says the table supports, from the same pipeline
 * description as the table-features reply (OVS fills both from one ofputil_table_features).
 */
export function tableStatsFeatures(tableId: number, nTables: number, version: number): TableStatsFeatures {
  const e = entry(tableId, nTables, version);
  const fields = (kind: string): number[] => {
    const p = e.properties.find((x) => x.kind === kind && 'miss' in x && !x.miss);
    return p && 'oxms' in p
      ? p.oxms.filter((o) => o.header >>> 16 === OFPXMC_OPENFLOW_BASIC).map((o) => (o.header >>> 9) & 0x7f)
      : [];
  };
  const types = (kind: string): number[] => {
    const p = e.properties.find((x) => x.kind === kind && 'miss' in x && !x.miss);
    return p && 'ids' in p ? p.ids.map((i) => i.type) : [];
  };
  // OpenFlow 1.2 has the OXM basic fields up to mpls_tc (35); later ones came with 1.3.
  const fieldBits = (nums: number[]): bigint =>
    version === 2
      ? BigInt(nums.reduce((m, n) => m | (OF11_MATCH_BIT[n] ?? 0), 0))
      : nums.reduce((m, n) => (n <= OF12_LAST_OXM_FIELD ? m | (1n << BigInt(n)) : m), 0n);
  const actionBits = (list: number[]): number => {
    let bits = 0;
    for (const t of list) {
      if (t !== OFPAT_SET_FIELD) bits |= 1 << t;
      else if (version === 2) for (const s of OF11_SET_ACTIONS) bits |= 1 << s;
      else bits |= 1 << t;
    }
    return bits >>> 0;
  };
  return {
    match: fieldBits(fields('match')),
    wildcards: fieldBits(fields('wildcards')),
    // The meter instruction came with OpenFlow 1.3.
    instructions: types('instructions').reduce((m, t) => (t === METER_INSTRUCTION ? m : m | (1 << t)), 0),
    writeActions: actionBits(types('write_actions')),
    applyActions: actionBits(types('apply_actions')),
    writeSetfields: version === 3 ? fieldBits(fields('write_setfield')) : 0n,
    applySetfields: version === 3 ? fieldBits(fields('apply_setfield')) : 0n,
    metadataMatch: e.metadataMatch,
    metadataWrite: e.metadataWrite,
    config: 0, // OFPTC11_TABLE_MISS_CONTROLLER, as ovs-vswitchd reports
  };
}
