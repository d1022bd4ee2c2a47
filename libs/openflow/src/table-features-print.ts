import { decodeError, OFPBMC, OFPET, OpenFlowDecodeError } from './errors.js';
import { FIELDS } from './fields.js';
import { messageHead } from './message-head.js';
import type { TableStats, TableStatsFeatures } from './multipart.js';
// A cycle with print.ts (which dispatches here); used only at call time.
import { errorName, hexDump } from './print.js';
import {
  decodeTableFeaturesEntries,
  type FeatureId,
  OFPTC,
  OFPTFC,
  OFPTFFC,
  type OxmId,
  type TableFeatures,
} from './table-features.js';
import { N_OVS_FIELDS, OVS_FIELDS, type OvsField } from './table-features-fields.js';

/**
 * Table features as Open vSwitch understands and prints them (ofputil_table_features and
 * ofputil_table_features_format): ids become OVS's instruction, action and field sets, unknown ids
 * are skipped (as a controller reads a switch's reply), and consecutive tables that say the same
 * thing print as "ditto".
 */

/** OVS's instruction order, with the OpenFlow instruction type of each. */
export const TF_INSTRUCTIONS: readonly { name: string; type: number }[] = [
  { name: 'meter', type: 6 },
  { name: 'apply_actions', type: 4 },
  { name: 'clear_actions', type: 5 },
  { name: 'write_actions', type: 3 },
  { name: 'write_metadata', type: 2 },
  { name: 'goto_table', type: 1 },
];

/**
 * Every action OVS names in a capability list, in the order it prints them (its ofpact order),
 * with its OpenFlow 1.2+ type and its OpenFlow 1.1 type (OFPAT11_*; 1.1's own set actions have no
 * 1.2 type, set_field no 1.1 one, and OVS knows no copy_ttl_*). An ActionFeatures bit is an index.
 */
const ACTIONS: readonly { name: string; type?: number; type11?: number }[] = [
  { name: 'output', type: 0, type11: 0 },
  { name: 'group', type: 22, type11: 22 },
  { name: 'set_field', type: 25 },
  { name: 'set_vlan_vid', type11: 1 },
  { name: 'set_vlan_pcp', type11: 2 },
  { name: 'strip_vlan', type: 18, type11: 18 },
  { name: 'push_vlan', type: 17, type11: 17 },
  { name: 'mod_dl_src', type11: 3 },
  { name: 'mod_dl_dst', type11: 4 },
  { name: 'mod_nw_src', type11: 5 },
  { name: 'mod_nw_dst', type11: 6 },
  { name: 'mod_nw_tos', type11: 7 },
  { name: 'mod_nw_ecn', type11: 8 },
  { name: 'mod_nw_ttl', type: 23, type11: 23 },
  { name: 'mod_tp_src', type11: 9 },
  { name: 'mod_tp_dst', type11: 10 },
  { name: 'dec_ttl', type: 24, type11: 24 },
  { name: 'set_mpls_label', type11: 13 },
  { name: 'set_mpls_tc', type11: 14 },
  { name: 'set_mpls_ttl', type: 15, type11: 15 },
  { name: 'dec_mpls_ttl', type: 16, type11: 16 },
  { name: 'push_mpls', type: 19, type11: 19 },
  { name: 'pop_mpls', type: 20, type11: 20 },
  { name: 'set_queue', type: 21, type11: 21 },
];

/** The OpenFlow 1.2+ action types OVS knows, in the order it prints them. */
export const TF_ACTIONS: readonly { name: string; type: number }[] = ACTIONS.filter((a) => a.type !== undefined).map(
  (a) => ({ name: a.name, type: a.type as number }),
);

const INSTRUCTION_BIT = new Map(TF_INSTRUCTIONS.map((x, i) => [x.type, i]));
/** ActionFeatures bits by OpenFlow 1.2+ action type and by OpenFlow 1.1 action type. */
const ACTION_BIT = new Map<number, number>();
const OF11_ACTION_BIT = new Map<number, number>();
ACTIONS.forEach((a, i) => {
  if (a.type !== undefined) ACTION_BIT.set(a.type, i);
  if (a.type11 !== undefined) OF11_ACTION_BIT.set(a.type11, i);
});

/** What one set of actions (write or apply) supports: ACTIONS bits and settable fields. */
export interface ActionFeatures {
  actions: number;
  setFields: Uint8Array;
}

/** Instructions for table-miss flows or for the others. */
export interface InstructionFeatures {
  /** next[t] = 1 when goto_table may go to table t (0-254). */
  next: Uint8Array;
  /** TF_INSTRUCTIONS bits. */
  instructions: number;
  write: ActionFeatures;
  apply: ActionFeatures;
}

/** One table's features in OVS's terms (field sets indexed by OVS_FIELDS id). */
export interface TableFeaturesView {
  tableId: number;
  name: string;
  command: number;
  metadataMatch: bigint;
  metadataWrite: bigint;
  /** -1 before OpenFlow 1.4 (not said), else 0/1. */
  eviction: number;
  vacancyEvents: number;
  maxEntries: number;
  /** OpenFlow 1.1/1.2 table statistics: what a table miss does (`controller`...); else undefined. */
  missConfig?: string;
  nonmiss: InstructionFeatures;
  miss: InstructionFeatures;
  match: Uint8Array;
  mask: Uint8Array;
  wildcard: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Field lookup: OVS finds a field by class and field number, then insists on its length.

const fieldKey = (header: number, exp: number): string => `${(header >>> 9).toString(16)}/${exp.toString(16)}`;
const BY_KEY = new Map<string, { field: OvsField; len: number }>();
function addHeader(field: OvsField, header: number | undefined, exp: number): void {
  if (header === undefined || header === 0) return;
  const key = fieldKey(header, exp);
  if (!BY_KEY.has(key)) BY_KEY.set(key, { field, len: header & 0xff });
}
const ONF_EXPERIMENTER = 0x4f4e4600;
for (const f of OVS_FIELDS) {
  addHeader(f, f.header, f.exp);
  addHeader(f, f.header15, f.exp15);
}
// The other headers of a field (NXM, older OXM) mean the same field.
const OVS_BY_NAME = new Map(OVS_FIELDS.map((f) => [f.name, f]));
for (const d of FIELDS) {
  const f = OVS_BY_NAME.get(d.name);
  if (!f) continue;
  addHeader(f, d.nxm, 0);
  addHeader(f, d.oxm, 0);
  addHeader(f, d.onfOxm, ONF_EXPERIMENTER);
}

/** The OVS field an OXM id names, and whether it is masked; undefined for an unknown field. */
export function ovsFieldOf(id: OxmId): { field: OvsField; masked: boolean } | undefined {
  const masked = ((id.header >>> 8) & 1) === 1;
  const exp = id.experimenter ?? 0;
  const expLen = id.experimenter === undefined ? 0 : 4;
  let len = id.header & 0xff;
  // OVS halves a masked header's payload length, rounding down, before comparing.
  if (masked) len = ((len - expLen) >> 1) + expLen;
  const hit = BY_KEY.get(fieldKey(id.header, exp));
  if (!hit || (hit.len !== len && !hit.field.variableLength)) return undefined;
  return { field: hit.field, masked };
}

/** The header (and experimenter) OVS writes for `field` in OpenFlow `version`, masked or not. */
export function ovsFieldHeader(field: OvsField, version: number, masked: boolean): OxmId {
  const header = version >= 6 ? field.header15 : field.header;
  const exp = version >= 6 ? field.exp15 : field.exp;
  const expLen = exp ? 4 : 0;
  const len = header & 0xff;
  const h = masked ? ((header & ~0x1ff) | 0x100 | ((len - expLen) * 2 + expLen)) >>> 0 : header;
  return exp ? { header: h, experimenter: exp } : { header: h };
}

// ---------------------------------------------------------------------------------------------
// From the wire form to OVS's view

function emptyInstructions(): InstructionFeatures {
  const fields = () => new Uint8Array(N_OVS_FIELDS);
  return {
    next: new Uint8Array(255),
    instructions: 0,
    write: { actions: 0, setFields: fields() },
    apply: { actions: 0, setFields: fields() },
  };
}

function bits(ids: FeatureId[], map: Map<number, number>): number {
  let n = 0;
  for (const id of ids) {
    const bit = map.get(id.type);
    if (bit !== undefined) n |= 1 << bit;
  }
  return n;
}

function fieldSet(oxms: OxmId[], offset: number, allowMask: boolean, out: Uint8Array, mask?: Uint8Array): void {
  for (const id of oxms) {
    const f = ovsFieldOf(id);
    if (!f) continue;
    if (f.masked && !allowMask)
      throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_MASK, offset, 'masked field in a field list');
    out[f.field.id] = 1;
    if (f.masked && mask) mask[f.field.id] = 1;
  }
}

/** OVS's reading of one decoded entry (loose: unknown ids and properties are ignored). */
export function tableFeaturesView(tf: TableFeatures, version: number): TableFeaturesView {
  const view: TableFeaturesView = {
    tableId: tf.tableId,
    name: tf.name,
    command: tf.command,
    metadataMatch: tf.metadataMatch,
    metadataWrite: tf.metadataWrite,
    eviction: version >= 5 ? (tf.capabilities & OFPTC.EVICTION ? 1 : 0) : -1,
    vacancyEvents: version >= 5 ? (tf.capabilities & OFPTC.VACANCY_EVENTS ? 1 : 0) : -1,
    maxEntries: tf.maxEntries,
    nonmiss: emptyInstructions(),
    miss: emptyInstructions(),
    match: new Uint8Array(N_OVS_FIELDS),
    mask: new Uint8Array(N_OVS_FIELDS),
    wildcard: new Uint8Array(N_OVS_FIELDS),
  };
  const seenMiss = new Set<string>();
  for (const p of tf.properties) {
    if (p.kind === 'experimenter' || p.kind === 'unknown') continue;
    const target = p.miss ? view.miss : view.nonmiss;
    if (p.miss) seenMiss.add(p.kind);
    switch (p.kind) {
      case 'instructions':
        target.instructions = bits(p.ids, INSTRUCTION_BIT);
        break;
      case 'write_actions':
        target.write.actions = bits(p.ids, ACTION_BIT);
        break;
      case 'apply_actions':
        target.apply.actions = bits(p.ids, ACTION_BIT);
        break;
      case 'next_tables':
        for (const t of p.tables) {
          if (t >= 255) throw decodeError(OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_ARGUMENT, 0, 'next table 255');
          target.next[t] = 1;
        }
        break;
      case 'match':
        fieldSet(p.oxms, 0, true, view.match, view.mask);
        break;
      case 'wildcards':
        fieldSet(p.oxms, 0, false, view.wildcard);
        break;
      case 'write_setfield':
        fieldSet(p.oxms, 0, false, target.write.setFields);
        break;
      case 'apply_setfield':
        fieldSet(p.oxms, 0, false, target.apply.setFields);
        break;
    }
  }
  // A property without its _MISS twin applies to table-miss flows too.
  if (tf.properties.length) {
    const { nonmiss, miss } = view;
    if (!seenMiss.has('instructions')) miss.instructions = nonmiss.instructions;
    if (!seenMiss.has('next_tables')) miss.next = nonmiss.next.slice();
    if (!seenMiss.has('write_actions')) miss.write.actions = nonmiss.write.actions;
    if (!seenMiss.has('apply_actions')) miss.apply.actions = nonmiss.apply.actions;
    if (!seenMiss.has('write_setfield')) miss.write.setFields = nonmiss.write.setFields.slice();
    if (!seenMiss.has('apply_setfield')) miss.apply.setFields = nonmiss.apply.setFields.slice();
  }
  // Maskable fields are matchable and wildcardable; only matchable fields are wildcardable.
  for (let i = 0; i < N_OVS_FIELDS; i++) {
    view.match[i] |= view.mask[i];
    view.wildcard[i] = (view.wildcard[i] | view.mask[i]) & view.match[i];
  }
  return view;
}

// ---------------------------------------------------------------------------------------------
// Printing

const sameBits = (a: Uint8Array, b: Uint8Array): boolean => a.every((x, i) => x === b[i]);
const noBits = (a: Uint8Array): boolean => a.every((x) => x === 0);

const sameActions = (a: ActionFeatures, b: ActionFeatures): boolean =>
  a.actions === b.actions && sameBits(a.setFields, b.setFields);
const emptyActions = (a: ActionFeatures): boolean => !a.actions && noBits(a.setFields);

/**
 * Next-table sets of tables `aId` and `bId` are equal also when the later table just lacks itself
 * (a table cannot go to itself or back), or every table would differ from the one before.
 */
function sameNext(a: Uint8Array, aId: number, b: Uint8Array, bId: number): boolean {
  if (bId === aId + 1 && a[bId] && !b[bId]) return a.every((x, i) => i === bId || x === b[i]);
  if (aId === bId + 1) return sameNext(b, bId, a, aId);
  return sameBits(a, b);
}

const sameInstructions = (a: InstructionFeatures, aId: number, b: InstructionFeatures, bId: number): boolean =>
  sameNext(a.next, aId, b.next, bId) &&
  a.instructions === b.instructions &&
  sameActions(a.write, b.write) &&
  sameActions(a.apply, b.apply);

const emptyInstructionFeatures = (a: InstructionFeatures): boolean =>
  noBits(a.next) && !a.instructions && emptyActions(a.write) && emptyActions(a.apply);

function sameFeatures(a: TableFeaturesView, b: TableFeaturesView): boolean {
  return (
    a.metadataMatch === b.metadataMatch &&
    a.metadataWrite === b.metadataWrite &&
    a.eviction === b.eviction &&
    a.vacancyEvents === b.vacancyEvents &&
    a.maxEntries === b.maxEntries &&
    sameInstructions(a.nonmiss, a.tableId, b.nonmiss, b.tableId) &&
    sameInstructions(a.miss, a.tableId, b.miss, b.tableId) &&
    sameBits(a.match, b.match)
  );
}

const isDigits = (s: string): boolean => /^[0-9]+$/.test(s);

/** "reg0" then "reg1": the same but for a number one larger at the end. */
function sequential(a: string, b: string): boolean {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (i === a.length && i === b.length) return false;
  const x = a.slice(i);
  const y = b.slice(i);
  return isDigits(x) && isDigits(y) && x.length < 10 && y.length < 10 && Number(x) + 1 === Number(y);
}

function suffixRun(ids: string[], at: number): number {
  let i = 1;
  while (at + i < ids.length && sequential(ids[at + i - 1], ids[at + i])) i++;
  return i === 2 ? 1 : i; // "x0...x1" reads worse than "x0 x1"
}

/** Length of the longest common prefix ending in "_" (0 for none). */
function commonPrefix(a: string, b: string): number {
  let n = 0;
  for (let i = 0; i < a.length && i < b.length && a[i] === b[i]; i++) if (a[i] === '_') n = i + 1;
  return n;
}

/**
 * OVS's print_names: "eth_src eth_dst eth_type" as "eth_{src,dst,type}" and "reg0 ... reg15"
 * as "reg0...reg15", nested, on names that share their first `prefixLen` characters.
 */
function printNames(ids: string[], prefixLen: number): string {
  let s = '';
  let at = 0;
  while (at < ids.length) {
    if (at) s += prefixLen ? ',' : ' ';
    let prefixRun = 1;
    let extra = 0;
    if (ids.length - at >= 2) {
      extra = commonPrefix(ids[at].slice(prefixLen), ids[at + 1].slice(prefixLen));
      if (extra) {
        prefixRun = 2;
        while (
          at + prefixRun < ids.length &&
          commonPrefix(ids[at].slice(prefixLen), ids[at + prefixRun].slice(prefixLen))
        )
          prefixRun++;
      }
    }
    const suffix = suffixRun(ids, at);
    const run = Math.max(prefixRun, suffix);
    if (suffix >= prefixRun) {
      s += ids[at].slice(prefixLen);
      if (run > 1) s += `...${ids[at + run - 1].slice(prefixLen)}`;
    } else {
      s += `${ids[at].slice(prefixLen, prefixLen + extra)}{${printNames(ids.slice(at, at + run), prefixLen + extra)}}`;
    }
    at += run;
  }
  return s;
}

/** Names of the fields set in `set`, compressed as OVS prints them (with a leading space). */
export function formatFieldSet(set: Uint8Array): string {
  const names: string[] = [];
  for (let i = 0; i < set.length; i++) if (set[i]) names.push(OVS_FIELDS[i].name);
  return names.length ? ` ${printNames(names, 0)}` : '';
}

const nameList = (mask: number, table: readonly { name: string }[]): string[] =>
  table.filter((_, i) => mask & (1 << i)).map((x) => x.name);

function formatActionFeatures(a: ActionFeatures): string {
  let s = '';
  if (a.actions) s += `        actions: ${nameList(a.actions, ACTIONS).join(' ')}\n`;
  if (!noBits(a.setFields)) s += `        supported on Set-Field:${formatFieldSet(a.setFields)}\n`;
  return s;
}

function formatNextTables(next: Uint8Array): string {
  const parts: string[] = [];
  for (let start = 0; start < 255; start++) {
    if (!next[start]) continue;
    let end = start + 1;
    while (end < 255 && next[end]) end++;
    parts.push(end === start + 1 ? `${start}` : `${start}-${end - 1}`);
    start = end;
  }
  return parts.join(',') || 'none';
}

function formatInstructionFeatures(f: InstructionFeatures, prev?: InstructionFeatures): string {
  let s = '';
  if (!noBits(f.next)) s += `      next tables: ${formatNextTables(f.next)}\n`;
  if (f.instructions) {
    s +=
      prev && prev.instructions === f.instructions
        ? '      (same instructions)\n'
        : `      instructions: ${nameList(f.instructions, TF_INSTRUCTIONS).join(' ')}\n`;
  }
  if (prev && sameActions(f.write, prev.write) && sameActions(f.apply, prev.apply) && !noBits(f.write.setFields)) {
    s += '      (same actions)\n';
  } else if (!sameActions(f.write, f.apply)) {
    s += `      Write-Actions features:\n${formatActionFeatures(f.write)}`;
    s += `      Apply-Actions features:\n${formatActionFeatures(f.apply)}`;
  } else if (f.write.actions || !noBits(f.write.setFields)) {
    s += `      Write-Actions and Apply-Actions features:\n${formatActionFeatures(f.write)}`;
  }
  return s;
}

function formatMatching(v: TableFeaturesView): string {
  const group = (title: string, pick: (i: number) => boolean): string => {
    const set = v.match.map((m, i) => (m && pick(i) ? 1 : 0));
    return noBits(set) ? '' : `      ${title}:${formatFieldSet(set)}\n`;
  };
  return (
    '    matching:\n' +
    group('arbitrary mask', (i) => v.mask[i] === 1 && v.wildcard[i] === 1) +
    group('exact match or wildcard', (i) => !v.mask[i] && v.wildcard[i] === 1) +
    group('must exact match', (i) => !v.mask[i] && !v.wildcard[i])
  );
}

const COMMANDS = ['replace', 'modify', 'enable', 'disable'];

/**
 * Prints a run of tables as OVS does, carrying the previous table and the pending "ditto" range
 * from one entry (and one reply message) to the next.
 */
export class TableFeaturesPrinter {
  private prev: TableFeaturesView | undefined;
  private firstDitto = -1;
  private lastDitto = -1;

  private prevStats: TableStatsCounts | undefined;

  /**
   * The text for one more table: starts with "\n", or is empty while tables repeat. With `stats`
   * (OpenFlow 1.1/1.2 table statistics), a table repeats only when its counters repeat too.
   */
  add(v: TableFeaturesView, stats?: TableStatsCounts): string {
    const prev = this.prev;
    const prevStats = this.prevStats;
    this.prev = v;
    this.prevStats = stats;
    let s = '';
    if (!prev && v.command !== OFPTFC.REPLACE) s += `\n  command: ${COMMANDS[v.command] ?? v.command}`;
    const sameStats =
      !stats ||
      (prevStats !== undefined &&
        stats.activeCount === prevStats.activeCount &&
        stats.lookupCount === prevStats.lookupCount &&
        stats.matchedCount === prevStats.matchedCount);
    const sameAll = prev !== undefined && sameFeatures(v, prev);
    const same = sameAll && sameStats;
    if (same && !v.name) {
      if (this.firstDitto < 0) this.firstDitto = v.tableId;
      this.lastDitto = v.tableId;
      return s;
    }
    s += this.finish();
    s += `\n  table ${v.tableId}${v.name ? ` ("${v.name}")` : ''}:`;
    // Without table statistics, a named table like the one before is "ditto" too.
    if (same) return `${s} ditto`;
    s += '\n';
    if (stats) s += `    active=${stats.activeCount}, lookup=${stats.lookupCount}, matched=${stats.matchedCount}\n`;
    if (sameAll) return emptyFeatures(v) ? s : `${s}    (same features)\n`;
    if (v.metadataMatch || v.metadataWrite) {
      s += `    metadata: match=${hex(v.metadataMatch)} write=${hex(v.metadataWrite)}\n`;
    }
    if (v.missConfig) s += `    config=${v.missConfig}\n`;
    if (v.eviction >= 0) s += `    eviction: ${v.eviction ? '' : 'not '}supported\n`;
    if (v.vacancyEvents >= 0) s += `    vacancy events: ${v.vacancyEvents ? '' : 'not '}supported\n`;
    if (v.maxEntries) s += `    max_entries=${v.maxEntries}\n`;
    const t = v.tableId;
    if (
      prev &&
      sameInstructions(v.nonmiss, t, prev.nonmiss, prev.tableId) &&
      sameInstructions(v.miss, t, prev.miss, prev.tableId)
    ) {
      if (!emptyInstructionFeatures(v.nonmiss)) s += '    (same instructions)\n';
    } else if (!sameInstructions(v.nonmiss, t, v.miss, t)) {
      s += `    instructions (other than table miss):\n${formatInstructionFeatures(v.nonmiss, prev?.nonmiss)}`;
      s += `    instructions (table miss):\n${formatInstructionFeatures(v.miss, prev?.miss)}`;
    } else if (!emptyInstructionFeatures(v.nonmiss)) {
      s += `    instructions (table miss and others):\n${formatInstructionFeatures(v.nonmiss, prev?.nonmiss)}`;
    }
    if (!noBits(v.match)) s += prev && sameBits(v.match, prev.match) ? '    (same matching)\n' : formatMatching(v);
    return s;
  }

  /** The pending "ditto" line, if any (call after the last table). */
  finish(): string {
    if (this.firstDitto < 0) return '';
    const s =
      this.firstDitto === this.lastDitto
        ? `\n  table ${this.firstDitto}: ditto\n`
        : `\n  tables ${this.firstDitto}...${this.lastDitto}: ditto\n`;
    this.firstDitto = -1;
    return s;
  }
}

const hex = (n: bigint): string => (n ? `0x${n.toString(16)}` : '0');

const TFF_ERROR_NAMES: Record<string, string> = {
  [`${OFPET.TABLE_FEATURES_FAILED},${OFPTFFC.BAD_FEATURES}`]: 'OFPTFFC_BAD_FEATURES',
  [`${OFPET.TABLE_FEATURES_FAILED},${OFPTFFC.BAD_COMMAND}`]: 'OFPTFFC_BAD_COMMAND',
};

/** The name ovs-ofctl gives a table-features decode error. */
export function tableFeaturesErrorName(
  e: OpenFlowDecodeError,
  fallback: (type: number, code: number) => string,
): string {
  return TFF_ERROR_NAMES[`${e.type},${e.code}`] ?? fallback(e.type, e.code);
}

/**
 * The body ovs-ofctl ofp-print prints after a table-features message's title: every table, then
 * the error that stopped decoding, if any (the caller prints it with the hex dump).
 */
export function formatTableFeaturesBody(b: Uint8Array): { text: string; error?: OpenFlowDecodeError } {
  const version = b[0];
  const { entries, error } = decodeTableFeaturesEntries(b, 16, version);
  const printer = new TableFeaturesPrinter();
  let text = '';
  for (const tf of entries) {
    try {
      text += printer.add(tableFeaturesView(tf, version));
    } catch (e) {
      if (!(e instanceof OpenFlowDecodeError)) throw e;
      return { text: text + printer.finish(), error: e };
    }
  }
  return { text: text + printer.finish(), error };
}

/** What ovs-ofctl ofp-print prints for a table-features request or reply (no final newline). */
export function ofpPrintTableFeatures(b: Uint8Array): string {
  const xid = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4);
  const more = b[1] === 19 && b[11] & 1 ? ' flags=[more]' : '';
  const title = `${messageHead(`OFPST_TABLE_FEATURES ${b[1] === 19 ? 'reply' : 'request'}`, b[0], xid)}${more}`;
  const { text, error } = formatTableFeaturesBody(b);
  if (!error) return `${title}${text}`.replace(/\n$/, '');
  const name = tableFeaturesErrorName(error, errorName);
  return `${title}${text ? `${text.replace(/\n$/, '')}\n` : ' '}***decode error: ${name}***\n${hexDump(b)}`;
}

/**
 * What a switch finds wrong in a table-features request that sets features, decoding strictly as
 * OVS does for a controller's request: the first malformed entry, unknown instruction
 * (OFPBIC_UNKNOWN_INST), unknown field (OFPBMC_BAD_FIELD) or unknown property (BAD_TYPE).
 * Undefined when the request is well formed.
 */
export function tableFeaturesRequestError(b: Uint8Array): OpenFlowDecodeError | undefined {
  const version = b[0];
  const { entries, error } = decodeTableFeaturesEntries(b, 16, version);
  for (const tf of entries) {
    for (const p of tf.properties) {
      if (p.kind === 'experimenter' || p.kind === 'unknown') {
        return decodeError(OFPET.TABLE_FEATURES_FAILED, OFPTFFC.BAD_TYPE, 0, 'unknown table features property');
      }
      if (p.kind === 'instructions' && p.ids.some((id) => !INSTRUCTION_BIT.has(id.type))) {
        return decodeError(OFPET.BAD_INSTRUCTION, 0, 0, 'unknown instruction');
      }
      if ('oxms' in p && p.oxms.some((id) => !ovsFieldOf(id))) {
        return decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_FIELD, 0, 'unknown field');
      }
    }
    try {
      tableFeaturesView(tf, version);
    } catch (e) {
      if (e instanceof OpenFlowDecodeError) return e;
      throw e;
    }
  }
  return error;
}

const fieldNames = (set: Uint8Array): string[] => OVS_FIELDS.filter((f) => set[f.id]).map((f) => f.name);
const tableList = (next: Uint8Array): number[] => [...next.keys()].filter((t) => next[t]);

function describeInstructions(f: InstructionFeatures) {
  const actions = (a: ActionFeatures) => ({
    actions: nameList(a.actions, ACTIONS),
    setFields: fieldNames(a.setFields),
  });
  return {
    nextTables: tableList(f.next),
    instructions: nameList(f.instructions, TF_INSTRUCTIONS),
    write: actions(f.write),
    apply: actions(f.apply),
  };
}

/** A view as plain data with names (what `ofctl dump-table-features --format json` prints). */
export function describeTableFeatures(v: TableFeaturesView) {
  return {
    tableId: v.tableId,
    name: v.name,
    command: COMMANDS[v.command] ?? v.command,
    metadataMatch: v.metadataMatch,
    metadataWrite: v.metadataWrite,
    eviction: v.eviction < 0 ? undefined : v.eviction === 1,
    vacancyEvents: v.vacancyEvents < 0 ? undefined : v.vacancyEvents === 1,
    maxEntries: v.maxEntries,
    nonmiss: describeInstructions(v.nonmiss),
    miss: describeInstructions(v.miss),
    match: OVS_FIELDS.filter((f) => v.match[f.id]).map((f) => ({
      field: f.name,
      mask: v.mask[f.id] === 1,
      wildcard: v.wildcard[f.id] === 1,
    })),
  };
}

/** A table's counters, as OpenFlow 1.1/1.2 table statistics carry them beside its features. */
export interface TableStatsCounts {
  activeCount: number;
  lookupCount: bigint;
  matchedCount: bigint;
}

/** Nothing said about a table's features (OVS's table_features_empty). */
function emptyFeatures(v: TableFeaturesView): boolean {
  return (
    !v.metadataMatch &&
    !v.metadataWrite &&
    v.eviction < 0 &&
    v.vacancyEvents < 0 &&
    !v.maxEntries &&
    emptyInstructionFeatures(v.nonmiss) &&
    emptyInstructionFeatures(v.miss) &&
    noBits(v.match)
  );
}

/** OpenFlow 1.1's OFPFMF11_* bits by the OVS field each stands for (OVS's ofp11_wc_map). */
const OF11_FIELD_BITS: readonly [number, string][] = [
  [1 << 0, 'in_port'],
  [1 << 1, 'vlan_vid'],
  [1 << 2, 'vlan_pcp'],
  [1 << 3, 'eth_type'],
  [1 << 4, 'nw_tos'],
  [1 << 5, 'nw_proto'],
  [1 << 6, 'tcp_src'],
  [1 << 7, 'tcp_dst'],
  [1 << 8, 'mpls_label'],
  [1 << 9, 'mpls_tc'],
  [1 << 11, 'eth_src'],
  [1 << 12, 'eth_dst'],
  [1 << 13, 'ip_src'],
  [1 << 14, 'ip_dst'],
  [1 << 15, 'metadata'],
];
const OVS_FIELD_ID = new Map(OVS_FIELDS.map((f) => [f.name, f.id]));
/** The first OVS field (in its order) with each OpenFlow-basic OXM field number. */
const OXM_BASIC_FIELD = new Map<number, number>();
for (const f of OVS_FIELDS) {
  if (f.header >>> 16 !== 0x8000) continue;
  const n = (f.header >>> 9) & 0x7f;
  if (!OXM_BASIC_FIELD.has(n)) OXM_BASIC_FIELD.set(n, f.id);
}
const MISS_CONFIG = ['controller', 'continue', 'drop'];
const OF12_LAST_OXM_FIELD = 35;
const METER_INSTRUCTION = 6;

function fieldsFromBitmap(bits: bigint, version: number, out: Uint8Array): void {
  if (version === 2) {
    for (const [bit, name] of OF11_FIELD_BITS) if (Number(bits) & bit) out[OVS_FIELD_ID.get(name) as number] = 1;
    return;
  }
  // OpenFlow 1.2 knows the OXM basic fields up to mpls_tc (35): later bits mean nothing there.
  for (let n = 0; n <= OF12_LAST_OXM_FIELD; n++) {
    const id = (bits >> BigInt(n)) & 1n ? OXM_BASIC_FIELD.get(n) : undefined;
    if (id !== undefined) out[id] = 1;
  }
}

function bitsOf(mask: number, map: Map<number, number>): number {
  let n = 0;
  for (let t = 0; t < 32; t++) {
    const bit = mask & (1 << t) ? map.get(t) : undefined;
    if (bit !== undefined) n |= 1 << bit;
  }
  return n;
}

/**
 * An OpenFlow 1.1/1.2 table statistics entry read as OVS reads it (ofputil_decode_ofp11/12_table_stats):
 * the same capabilities for table-miss flows and the others and, in 1.1, the apply actions taken
 * from the write-actions bitmap as OVS does.
 */
export function tableStatsView(t: TableStats, version: number): TableFeaturesView {
  const f = t.features;
  const view: TableFeaturesView = {
    tableId: t.tableId,
    name: t.name ?? '',
    command: OFPTFC.REPLACE,
    metadataMatch: version === 3 && f ? f.metadataMatch : 0n,
    metadataWrite: version === 3 && f ? f.metadataWrite : 0n,
    eviction: -1,
    vacancyEvents: -1,
    maxEntries: t.maxEntries ?? 0,
    missConfig: f ? (MISS_CONFIG[f.config & 3] ?? 'controller') : undefined,
    nonmiss: emptyInstructions(),
    miss: emptyInstructions(),
    match: new Uint8Array(N_OVS_FIELDS),
    mask: new Uint8Array(N_OVS_FIELDS),
    wildcard: new Uint8Array(N_OVS_FIELDS),
  };
  if (!f) return view;
  const n = view.nonmiss;
  n.instructions = bitsOf(f.instructions & ~(1 << METER_INSTRUCTION), INSTRUCTION_BIT); // meter: 1.3+
  const actionMap = version === 2 ? OF11_ACTION_BIT : ACTION_BIT;
  n.write.actions = bitsOf(f.writeActions, actionMap);
  n.apply.actions = bitsOf(version === 2 ? f.writeActions : f.applyActions, actionMap);
  if (version === 3) {
    fieldsFromBitmap(f.writeSetfields, version, n.write.setFields);
    fieldsFromBitmap(f.applySetfields, version, n.apply.setFields);
  }
  view.miss = {
    next: n.next.slice(),
    instructions: n.instructions,
    write: { actions: n.write.actions, setFields: n.write.setFields.slice() },
    apply: { actions: n.apply.actions, setFields: n.apply.setFields.slice() },
  };
  fieldsFromBitmap(f.match, version, view.match);
  fieldsFromBitmap(f.wildcards, version, view.wildcard);
  for (let i = 0; i < N_OVS_FIELDS; i++) view.match[i] |= view.wildcard[i];
  return view;
}

/** OpenFlow 1.1/1.2 table statistics, which carry each table's features: printed as OVS does. */
export function formatTableStats1112(tables: readonly TableStats[], version: number): string {
  const printer = new TableFeaturesPrinter();
  let s = '';
  for (const t of tables) s += printer.add(tableStatsView(t, version), t);
  return `${s}${printer.finish()}`;
}

/**
 * The other direction, as OVS's ofputil_put_ofp11/12_table_stats: a table's features (as the
 * table-features reply describes them) as OpenFlow 1.1/1.2 table-statistics bitmaps. 1.1 names
 * only the fields of its fixed match and has its own set actions where 1.2 has set_field; 1.2 has
 * the OXM basic fields up to mpls_tc; neither has the meter instruction.
 */
export function tableStatsFeaturesOf(tf: TableFeatures, version: number): TableStatsFeatures {
  const prop = (kind: string) => tf.properties.find((x) => x.kind === kind && 'miss' in x && !x.miss);
  const fieldBits = (kind: string): bigint => {
    const p = prop(kind);
    let bits = 0n;
    if (!p || !('oxms' in p)) return bits;
    for (const id of p.oxms) {
      if (version === 2) {
        const name = ovsFieldOf(id)?.field.name;
        const bit = OF11_FIELD_BITS.find(([, n]) => n === name)?.[0];
        if (bit !== undefined) bits |= BigInt(bit);
      } else if (id.header >>> 16 === 0x8000) {
        const n = (id.header >>> 9) & 0x7f;
        if (n <= OF12_LAST_OXM_FIELD) bits |= 1n << BigInt(n);
      }
    }
    return bits;
  };
  const types = (kind: string): number[] => {
    const p = prop(kind);
    return p && 'ids' in p ? p.ids.map((i) => i.type) : [];
  };
  const actionBits = (kind: string): number => {
    let bits = 0;
    for (const t of types(kind)) {
      const a = ACTIONS.find((x) => x.type === t);
      if (version === 3) bits |= 1 << t;
      else if (a?.name === 'set_field') {
        for (const x of ACTIONS) if (x.type === undefined && x.type11 !== undefined) bits |= 1 << x.type11;
      } else if (a?.type11 !== undefined) bits |= 1 << a.type11;
    }
    return bits >>> 0;
  };
  return {
    match: fieldBits('match'),
    wildcards: fieldBits('wildcards'),
    instructions: types('instructions').reduce((m, t) => (t === METER_INSTRUCTION ? m : m | (1 << t)), 0),
    writeActions: actionBits('write_actions'),
    applyActions: actionBits('apply_actions'),
    writeSetfields: version === 3 ? fieldBits('write_setfield') : 0n,
    applySetfields: version === 3 ? fieldBits('apply_setfield') : 0n,
    metadataMatch: tf.metadataMatch,
    metadataWrite: tf.metadataWrite,
    config: 0, // OFPTC11_TABLE_MISS_CONTROLLER
  };
}
