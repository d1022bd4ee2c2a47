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
  tableStatsFeaturesOf,
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

const statsCache = new Map<string, TableStatsFeatures[]>();

/**
 * What OpenFlow 1.1/1.2 table statistics say each table supports: the table-features entries in
 * those versions' bitmaps (OVS fills both replies from one description); built once per version.
 */
export function tableStatsFeatures(tableId: number, nTables: number, version: number): TableStatsFeatures {
  const key = `${nTables}/${version}`;
  let all = statsCache.get(key);
  if (!all) {
    all = Array.from({ length: nTables }, (_, t) => tableStatsFeaturesOf(entry(t, nTables, version), version));
    statsCache.set(key, all);
  }
  return all[tableId];
}
