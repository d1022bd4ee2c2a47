import { parseActions } from './actions.js';
import {
  type Bucket,
  type GroupMod,
  type MeterBand,
  type MeterMod,
  OFPG15_BUCKET_ALL,
  OFPG15_BUCKET_FIRST,
  OFPG15_BUCKET_LAST,
  OFPG15_BUCKET_MAX,
} from './control.js';
import { parseDecimal, parseInteger } from './field-parse.js';
import { OFPP, parsePortName } from './format-values.js';
import { P_ANY, P_OF10_NXM_ANY, P_OF10_STD_ANY, P_OF13_UP, P_OF15_UP } from './protocols.js';

/**
 * Group and meter syntax of ovs-ofctl(8) ("Group Syntax", "Meter Syntax"): text → group_mod /
 * meter_mod and the protocols able to carry it, with OVS's error texts.
 */

export const OFPGC = { ADD: 0, MODIFY: 1, DELETE: 2, INSERT_BUCKET: 3, REMOVE_BUCKET: 5, ADD_OR_MOD: 0x8000 };
export const OFPMC = { ADD: 0, MODIFY: 1, DELETE: 2 };
/** The "command" of a dump-meters / meter-stats argument: only meter= is allowed. */
export const METER_REQUEST = -1;
/** add-groups FILE: each line may start with a command name. */
export const GROUP_FILE_COMMAND = -2;

const OFPG_MAX = 0xffffff00;
const OFPG_ALL = 0xfffffffc;
const OFPG_ANY = 0xffffffff;
const OFPM_MAX = 0xffff0000;

export interface KeyValue {
  key: string;
  value: string;
  /** The character that ended the key: '=', ':', '(' or '' (a bare key). */
  delim: string;
}

/** The length of a value ending at one of `delims` outside parentheses (OVS's parse_value). */
function valueLength(s: string, from: number, delims: string): number {
  let depth = 0;
  let i = from;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0 && delims.includes(c)) break;
  }
  return i - from;
}

/** OVS's ofputil_parse_key_value over a whole string. */
export function parseKeyValues(s: string): KeyValue[] {
  const out: KeyValue[] = [];
  let p = 0;
  for (;;) {
    while (p < s.length && ', \t\r\n'.includes(s[p])) p++;
    if (p >= s.length) return out;
    let e = p;
    while (e < s.length && !':=(, \t\r\n'.includes(s[e])) e++;
    const key = s.slice(p, e);
    const delim = e < s.length ? s[e] : '';
    p = e + (delim ? 1 : 0);
    if (delim !== ':' && delim !== '=' && delim !== '(') {
      out.push({ key, value: '', delim: '' });
      continue;
    }
    let len = valueLength(s, p, delim === '(' ? ')' : ', \t\r\n');
    // "key(x)->y" keeps "x)->y" as its value (set_field(5)->reg0).
    if (delim === '(' && s.startsWith(')->', p + len)) len += valueLength(s, p + len, ', \t\r\n');
    out.push({ key, value: s.slice(p, p + len), delim });
    p += len;
    if (p < s.length) p++; // past the value's delimiter
  }
}

function u32(s: string): number {
  const v = parseInteger(s);
  if (v === undefined || v > 0xffffffffn) throw new Error(`invalid numeric format ${s}`);
  return Number(v);
}

function u16(s: string, name: string): number {
  const v = parseInteger(s);
  if (v === undefined || v > 0xffffn) throw new Error(`invalid ${name} "${s}"`);
  return Number(v);
}

function u8(s: string, name: string): number {
  const v = parseInteger(s);
  if (v === undefined || v > 0xffn) throw new Error(`invalid ${name} "${s}"`);
  return Number(v);
}

export interface ParsedGroupMod {
  gm: GroupMod;
  usable: number;
}

const GROUP_TYPES: Record<string, number> = { all: 0, select: 1, indirect: 2, ff: 3, fast_failover: 3 };
const FILE_COMMANDS: [string, number][] = [
  ['add', OFPGC.ADD],
  ['delete', OFPGC.DELETE],
  ['modify', OFPGC.MODIFY],
  ['add_or_mod', OFPGC.ADD_OR_MOD],
  ['insert_bucket', OFPGC.INSERT_BUCKET],
  ['remove_bucket', OFPGC.REMOVE_BUCKET],
];

/** A bucket and its id (OFPG15_BUCKET_ALL when the text gives none). */
function parseBucket(text: string, groupType: number, usable: { p: number }): { bucket: Bucket; id: number } {
  const bucket: Bucket = {
    weight: groupType === 1 ? 1 : 0,
    watchPort: OFPP.NONE,
    watchGroup: OFPG_ANY,
    actions: [],
  };
  const actions: string[] = [];
  let id = OFPG15_BUCKET_ALL;
  for (const { key, value, delim } of parseKeyValues(text)) {
    const k = key.toLowerCase();
    if (k === 'weight') bucket.weight = u16(value, 'weight');
    else if (k === 'watch_port') {
      const named = parsePortName(value);
      const n = named ?? (parseDecimal(value) !== undefined ? Number(parseDecimal(value)) : -1);
      if (n < 0 || (n >= OFPP.MAX && n !== OFPP.NONE)) throw new Error(`${value}: invalid watch_port`);
      bucket.watchPort = n;
    } else if (k === 'watch_group') {
      bucket.watchGroup = u32(value);
      if (bucket.watchGroup > OFPG_MAX) throw new Error(`invalid watch_group id ${bucket.watchGroup}`);
    } else if (k === 'bucket_id') {
      id = u32(value);
      if (id > OFPG15_BUCKET_MAX) throw new Error(`invalid bucket_id id ${id}`);
    } else if (k === 'action' || k === 'actions') actions.push(value);
    else actions.push(delim === '(' ? `${key}(${value})` : delim ? `${key}${delim}${value}` : key);
  }
  if (!actions.length) throw new Error('bucket must specify actions');
  if (groupType === 3 && bucket.watchPort === OFPP.NONE && bucket.watchGroup === OFPG_ANY)
    throw new Error('fast failover bucket requires watch_port or watch_group');
  // As OVS's ofpacts_parse_actions: the actions' protocols replace what was usable before.
  const ctx = { usable: P_ANY };
  bucket.actions = parseActions(actions.join(','), ctx);
  usable.p = ctx.usable;
  return { bucket, id };
}

/**
 * OVS's parse_ofp_group_mod_str. `command` is an OFPGC value, or GROUP_FILE_COMMAND for a line
 * of an add-groups file (which may start with a command name; "add" by default).
 */
export function parseGroupMod(text: string, command: number): ParsedGroupMod {
  let s = text;
  if (command === GROUP_FILE_COMMAND) {
    s = s.replace(/^[ \t\r\n]+/, '');
    const len = /^[^, \t\r\n]*/.exec(s)?.[0].length ?? 0;
    const word = s.slice(0, len);
    const found = FILE_COMMANDS.find(
      ([name]) => word.length > 0 && name.startsWith(word) && word.length <= name.length,
    );
    command = found ? found[1] : OFPGC.ADD;
    if (found) s = s.slice(len);
  }
  // As ovs-ofctl 3.1: any version carries a group_mod (OpenFlow 1.0 as OVS's NXT_GROUP_MOD, bucket
  // ids and selection methods dropped where the version has no place for them).
  const usable = { p: P_ANY };
  const withType = command === OFPGC.ADD || command === OFPGC.MODIFY || command === OFPGC.ADD_OR_MOD;
  const withBuckets = withType || command === OFPGC.INSERT_BUCKET;
  const bucketCommand = command === OFPGC.INSERT_BUCKET || command === OFPGC.REMOVE_BUCKET;
  // OpenFlow 1.0 carries them as OVS's NXT_GROUP_MOD.
  if (bucketCommand) usable.p &= P_OF10_STD_ANY | P_OF10_NXM_ANY | P_OF15_UP;
  const gm: GroupMod = { command, groupType: 0, groupId: OFPG_ANY, buckets: [] };
  if (bucketCommand) gm.commandBucketId = OFPG15_BUCKET_ALL;
  let hadCommandBucketId = false;
  if (command === OFPGC.DELETE && s === '') return { gm: { ...gm, groupId: OFPG_ALL }, usable: usable.p };

  const at = s.indexOf('bucket=');
  const head = at >= 0 ? s.slice(0, at) : s;
  if (at >= 0 && !withBuckets) throw new Error('bucket is not needed');
  let hadType = false;
  for (const { key, value } of parseKeyValues(head)) {
    if (key === 'group_id') {
      if (value === 'all') gm.groupId = OFPG_ALL;
      else {
        gm.groupId = u32(value);
        if (gm.groupId !== OFPG_ALL && gm.groupId > OFPG_MAX) throw new Error(`invalid group id ${gm.groupId}`);
      }
    } else if (key === 'type') {
      if (!withType) throw new Error('type is not needed');
      const t = GROUP_TYPES[value];
      if (t === undefined) throw new Error(`invalid group type ${value}`);
      gm.groupType = t;
      hadType = true;
    } else if (key === 'selection_method' || key === 'selection_method_param' || key === 'fields') {
      if (!withType) throw new Error(`${key.replace(/_/g, ' ')} ${key === 'fields' ? 'are' : 'is'} not needed`);
    } else if (key === 'command_bucket_id') {
      if (!bucketCommand) throw new Error('command bucket id is not needed');
      gm.commandBucketId = parseCommandBucketId(value);
      if (gm.commandBucketId === OFPG15_BUCKET_ALL && command !== OFPGC.REMOVE_BUCKET)
        throw new Error('command_bucket_id=all is not permitted');
      hadCommandBucketId = true;
    } else throw new Error(`unknown keyword ${key}`);
  }
  if (gm.groupId === OFPG_ANY) throw new Error('must specify a group_id');
  if (withType && !hadType) throw new Error('must specify a type');
  // A remove may leave it out (every bucket); an insert must say where.
  if (command === OFPGC.INSERT_BUCKET && !hadCommandBucketId) throw new Error('must specify a command bucket id');

  if (at >= 0) {
    const parts = s.slice(at).split('bucket=').slice(1);
    const ids: number[] = [];
    for (const part of parts) {
      const { bucket, id } = parseBucket(part, gm.groupType, usable);
      gm.buckets.push(bucket);
      ids.push(id);
      // (ovs-ofctl 3.1 lets a bucket command's typeless buckets carry a weight.)
      if (withType && gm.groupType !== 1 && bucket.weight)
        throw new Error('Only select groups can have bucket weights.');
    }
    gm.bucketIds = ids;
  }
  if (gm.groupType === 2 && gm.buckets.length > 1) throw new Error('Indirect groups can have at most one bucket.');
  return { gm, usable: usable.p };
}

/** first, last, all or a bucket id, as OVS's parse_ofp_group_mod_str__ reads them. */
function parseCommandBucketId(value: string): number {
  if (value === 'all') return OFPG15_BUCKET_ALL;
  if (value === 'first') return OFPG15_BUCKET_FIRST;
  if (value === 'last') return OFPG15_BUCKET_LAST;
  const id = u32(value);
  if (id > OFPG15_BUCKET_MAX && id !== OFPG15_BUCKET_FIRST && id !== OFPG15_BUCKET_LAST && id !== OFPG15_BUCKET_ALL)
    throw new Error(`invalid command bucket id ${id}`);
  return id;
}

export interface ParsedMeterMod {
  mm: MeterMod;
  usable: number;
}

/** OVS's parse_ofp_meter_mod_str; `command` is an OFPMC value or METER_REQUEST. */
export function parseMeterMod(text: string, command: number): ParsedMeterMod {
  const withFlags = command === OFPMC.ADD || command === OFPMC.MODIFY;
  const mm: MeterMod = { command: Math.max(command, 0), flags: 0, meterId: 0, bands: [] };
  let head = text;
  let bandText = '';
  if (withFlags) {
    const at = text.indexOf('band');
    const eq = at >= 0 ? text.indexOf('=', at + 1) : -1;
    if (eq < 0) throw new Error('must specify bands');
    head = text.slice(0, at);
    bandText = text.slice(eq + 1);
  }
  const tokens = head.split(/[=, \t\r\n]+/).filter(Boolean);
  const FLAGS: Record<string, number> = { kbps: 1, pktps: 2, burst: 4, stats: 8 };
  for (let i = 0; i < tokens.length; i++) {
    const name = tokens[i];
    if (withFlags && FLAGS[name]) {
      mm.flags |= FLAGS[name];
      continue;
    }
    const value = tokens[++i];
    if (value === undefined) throw new Error(`field ${name} missing value`);
    if (name !== 'meter') throw new Error(`unknown keyword ${name}`);
    if (value === 'all') mm.meterId = 0xffffffff;
    else if (value === 'controller') mm.meterId = 0xfffffffe;
    else if (value === 'slowpath') mm.meterId = 0xfffffffd;
    else {
      mm.meterId = u32(value);
      if (mm.meterId > OFPM_MAX || !mm.meterId) throw new Error(`invalid value for ${name}`);
    }
  }
  if (!mm.meterId) throw new Error("must specify 'meter'");
  if (withFlags && !mm.flags) throw new Error("meter must specify either 'kbps' or 'pktps'");
  if (withFlags) {
    const bt = bandText.split(/[=, \t\r\n]+/).filter(Boolean);
    let band: MeterBand | undefined;
    for (let i = 0; i < bt.length; i += 2) {
      const name = bt[i];
      const value = bt[i + 1];
      if (value === undefined) throw new Error(`field ${name} missing value`);
      if (name === 'type') {
        const type = value === 'drop' ? 1 : value === 'dscp_remark' ? 2 : 0;
        if (!type) throw new Error(`field ${name} unknown value ${value}`);
        band = { type, rate: 0, burstSize: 0, precLevel: 0 };
        mm.bands.push(band);
      } else if (!band) throw new Error("band must start with the 'type' keyword");
      else if (name === 'rate') band.rate = u32(value);
      else if (name === 'burst_size') band.burstSize = u32(value);
      else if (name === 'prec_level') band.precLevel = u8(value, name);
      else throw new Error(`unknown keyword ${name}`);
    }
    if (!mm.bands.length) throw new Error('meter must have bands');
    for (const b of mm.bands) {
      if (b.type === 2 && !b.precLevel) throw new Error("'dscp_remark' band must have 'prec_level'");
      if (b.type !== 2 && b.precLevel) throw new Error("Only 'dscp_remark' band may have 'prec_level'");
      if (!b.rate) throw new Error("band must have 'rate'");
      if (mm.flags & 4 && !b.burstSize) throw new Error("band must have 'burst_size' when 'burst' flag is set");
      if (!(mm.flags & 4) && b.burstSize) throw new Error("band may have 'burst_size' only when 'burst' flag is set");
    }
  }
  return { mm, usable: P_OF13_UP };
}
