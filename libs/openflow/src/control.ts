import { decodeActions, encodeActions10 } from './action-codec.js';
import type { Action } from './actions.js';
import type { Writer } from './bytes.js';
import { readUint } from './bytes.js';
import { decodeError, OFPBRC, OFPET } from './errors.js';
import { formatMac, formatPort, portFromOf11, portToOf11 } from './format-values.js';
import { decodeBuckets15, encodeBuckets15 } from './group-desc15.js';
import { formatGroupDesc } from './multipart-groups.js';
import { bitNames, features10to11, features11to10, PORT_CONFIG_NAMES, PORT_FEATURE_NAMES } from './ports.js';

/** Controller-to-switch configuration messages: role, port_mod, table_mod, meter_mod, group_mod. */

export interface PortMod {
  portNo: number;
  hwAddr: bigint;
  config: number;
  mask: number;
  /** Features to advertise, 1.1+ bit order; 0 = unchanged. */
  advertise: number;
}

export interface MeterBand {
  /** 1 = drop, 2 = dscp_remark. */
  type: number;
  rate: number;
  burstSize: number;
  precLevel: number;
}

export interface MeterMod {
  command: number;
  flags: number;
  meterId: number;
  bands: MeterBand[];
}

export interface Bucket {
  weight: number;
  watchPort: number;
  watchGroup: number;
  actions: Action[];
}

export interface GroupMod {
  command: number;
  groupType: number;
  groupId: number;
  buckets: Bucket[];
  /**
   * OpenFlow 1.5 bucket ids, one per bucket; OFPG15_BUCKET_ALL where the text gave none (the
   * encoder then picks one as OVS does). Absent before 1.5.
   */
  bucketIds?: number[];
  /**
   * OpenFlow 1.5 insert/remove-bucket position: a bucket id, OFPG15_BUCKET_FIRST/LAST, or
   * OFPG15_BUCKET_ALL (the default, and what every other command carries).
   */
  commandBucketId?: number;
}

/** OpenFlow 1.5's "no bucket id given" / "every bucket" value, and the largest real bucket id. */
export const OFPG15_BUCKET_ALL = 0xffffffff;
export const OFPG15_BUCKET_MAX = 0xffffff00;
export const OFPG15_BUCKET_FIRST = 0xfffffffd;
export const OFPG15_BUCKET_LAST = 0xfffffffe;
/** OFPGC15_INSERT_BUCKET / OFPGC15_REMOVE_BUCKET (4 is unused). */
const INSERT_BUCKET = 3;
const REMOVE_BUCKET = 5;
const ADD_OR_MOD = 0x8000;

const NO_CTX = { flowHasVlan: true, nwProto: 0, dlType: 0 };
const bad = (at: number, msg: string) => decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, at, msg);

export function encodePortMod(w: Writer, m: PortMod, version: number): void {
  if (version === 1) {
    w.u16(m.portNo).uint(m.hwAddr, 6).u32(m.config).u32(m.mask).u32(features11to10(m.advertise)).zeros(4);
  } else {
    w.u32(portToOf11(m.portNo)).zeros(4).uint(m.hwAddr, 6).zeros(2).u32(m.config).u32(m.mask).u32(m.advertise).zeros(4);
  }
}

export function decodePortMod(b: Uint8Array, version: number): PortMod {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (version === 1) {
    if (b.length !== 32) throw bad(2, 'port_mod must be 32 bytes');
    return {
      portNo: v.getUint16(8),
      hwAddr: readUint(b, 10, 6),
      // Only the bits being changed are meaningful.
      config: v.getUint32(16) & v.getUint32(20),
      mask: v.getUint32(20),
      advertise: features10to11(v.getUint32(24)),
    };
  }
  if (b.length !== 40) throw bad(2, 'port_mod must be 40 bytes');
  const port = portFromOf11(v.getUint32(8));
  if (port < 0) throw decodeError(OFPET.PORT_MOD_FAILED, 0, 8, 'bad port');
  return {
    portNo: port,
    hwAddr: readUint(b, 16, 6),
    config: v.getUint32(24) & v.getUint32(28),
    mask: v.getUint32(28),
    advertise: v.getUint32(32),
  };
}

export function formatPortMod(m: PortMod): string {
  let s = ` port: ${formatPort(m.portNo)}: addr:${formatMac(m.hwAddr)}\n`;
  s += `     config: ${bitNames(m.config, (b) => PORT_CONFIG_NAMES[b])}\n`;
  s += `     mask:   ${bitNames(m.mask, (b) => PORT_CONFIG_NAMES[b])}\n`;
  s += `     advertise: ${m.advertise ? bitNames(m.advertise, (b) => PORT_FEATURE_NAMES[31 - Math.clz32(b)]) : 'UNCHANGED'}`;
  return s;
}

export function encodeMeterMod(w: Writer, m: MeterMod): void {
  w.u16(m.command).u16(m.flags).u32(m.meterId);
  for (const band of m.bands) {
    w.u16(band.type).u16(16).u32(band.rate).u32(band.burstSize);
    if (band.type === 2) w.u8(band.precLevel).zeros(3);
    else w.zeros(4);
  }
}

export function decodeMeterMod(b: Uint8Array): MeterMod {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 16) throw bad(2, 'meter_mod too short');
  const m: MeterMod = { command: v.getUint16(8), flags: v.getUint16(10), meterId: v.getUint32(12), bands: [] };
  if (m.command > 2) throw decodeError(OFPET.METER_MOD_FAILED, 4, 8, 'bad meter command');
  if ((m.flags & 3) === 3) throw decodeError(OFPET.METER_MOD_FAILED, 5, 10, 'meter cannot be both kbps and pktps');
  // A delete names only the meter.
  if (m.command === 2) return { ...m, flags: 0 };
  for (let p = 16; p < b.length; ) {
    if (b.length - p < 16) throw decodeError(OFPET.METER_MOD_FAILED, 8, p, 'truncated meter band');
    const type = v.getUint16(p);
    const len = v.getUint16(p + 2);
    if (len !== 16 || p + len > b.length) throw decodeError(OFPET.METER_MOD_FAILED, 8, p, 'bad meter band length');
    if (type !== 1 && type !== 2) throw decodeError(OFPET.METER_MOD_FAILED, 8, p, 'unknown meter band type');
    m.bands.push({
      type,
      rate: v.getUint32(p + 4),
      burstSize: v.getUint32(p + 8),
      precLevel: type === 2 ? b[p + 12] : 0,
    });
    p += len;
  }
  return m;
}

function meterId(id: number): string {
  if (id === 0xffffffff) return 'all';
  if (id === 0xfffffffe) return 'controller';
  if (id === 0xfffffffd) return 'slowpath';
  return String(id);
}

export function formatMeterMod(m: MeterMod): string {
  let s = ` ${['ADD', 'MOD', 'DEL'][m.command] ?? `cmd:${m.command}`} meter=${meterId(m.meterId)}`;
  if (m.flags & 1) s += ' kbps';
  if (m.flags & 2) s += ' pktps';
  if (m.flags & 4) s += ' burst';
  if (m.flags & 8) s += ' stats';
  s += ' bands=';
  for (const band of m.bands) {
    s += `\ntype=${band.type === 1 ? 'drop' : 'dscp_remark'} rate=${band.rate}`;
    if (m.flags & 4) s += ` burst_size=${band.burstSize}`;
    if (band.type === 2) s += ` prec_level=${band.precLevel}`;
  }
  return s;
}

/** OVS's OpenFlow 1.0 group_mod: a Nicira message carrying OpenFlow 1.5's group_mod body. */
export const NXT_GROUP_MOD = 31;

/**
 * The group_mod body for `version`: OpenFlow 1.1-1.4's, or 1.5's (bucket ids and properties),
 * which OVS's NXT_GROUP_MOD also carries for OpenFlow 1.0, with 1.0 actions.
 */
export function encodeGroupMod(w: Writer, g: GroupMod, version: number): void {
  if (version >= 6 || version === 1) {
    const start = w.length;
    w.u16(g.command)
      .u8(g.groupType)
      .u8(0)
      .u32(g.groupId)
      .u16(0)
      .u16(0)
      .u32(g.commandBucketId ?? OFPG15_BUCKET_ALL);
    encodeBuckets15(w, g.groupType, g.buckets, bucketIds15(g), version, encodeBucketActions);
    w.setU16(start + 8, w.length - start - 16);
    return;
  }
  w.u16(g.command).u8(g.groupType).u8(0).u32(g.groupId);
  for (const bucket of g.buckets) {
    const start = w.length;
    w.u16(0).u16(bucket.weight).u32(portToOf11(bucket.watchPort)).u32(bucket.watchGroup).zeros(4);
    if (version === 1) encodeActions10(w, bucket.actions, NO_CTX);
    else {
      // Buckets carry plain OpenFlow 1.1+ actions; reuse the instruction writer's action encoder.
      for (const a of bucket.actions) encodeBareAction(w, a, version);
    }
    w.setU16(start, w.length - start);
  }
}

/** A bucket's actions, bare (no instruction wrapper), for group-mods and group-desc replies. */
export function encodeBucketActions(w: Writer, bucket: Bucket, version: number): void {
  if (version === 1) encodeActions10(w, bucket.actions, NO_CTX);
  else for (const a of bucket.actions) encodeBareAction(w, a, version);
}

let encodeBareAction: (w: Writer, a: Action, version: number) => void = () => {
  throw new Error('action encoder not registered');
};

/** Registered by messages.ts to avoid an import cycle with the instruction encoder. */
export function registerBareActionEncoder(f: (w: Writer, a: Action, version: number) => void): void {
  encodeBareAction = f;
}

/**
 * The ids an OpenFlow 1.5 group_mod carries, as OVS's encoder picks them: a bucket without one
 * gets the lowest id not taken by the buckets after the first such bucket (ids given before it
 * are not looked at, so a clash is possible, and the switch refuses it as OVS's would).
 */
function bucketIds15(g: GroupMod): number[] {
  const given = g.bucketIds ?? [];
  const firstFree = g.buckets.findIndex((_, i) => !((given[i] ?? OFPG15_BUCKET_ALL) <= OFPG15_BUCKET_MAX));
  const taken = new Set<number>();
  if (firstFree >= 0)
    for (let i = firstFree + 1; i < g.buckets.length; i++) if (given[i] <= OFPG15_BUCKET_MAX) taken.add(given[i]);
  let next = 0;
  return g.buckets.map((_, i) => {
    const id = given[i] ?? OFPG15_BUCKET_ALL;
    if (id <= OFPG15_BUCKET_MAX) return id;
    while (taken.has(next)) next++;
    taken.add(next);
    return next;
  });
}

export function decodeGroupMod(b: Uint8Array, version: number): GroupMod {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 16) throw bad(2, 'group_mod too short');
  if (version >= 6) return decodeGroupMod15(b, v, 8, version);
  const g: GroupMod = { command: v.getUint16(8), groupType: b[10], groupId: v.getUint32(12), buckets: [] };
  // OVS reads 1.5's bucket commands in any version (at OFPG15_BUCKET_ALL).
  if (!knownGroupCommand(g.command)) throw decodeError(OFPET.GROUP_MOD_FAILED, 11, 8, 'bad group command');
  if (g.groupType > 3) throw decodeError(OFPET.GROUP_MOD_FAILED, 10, 10, 'bad group type');
  for (let p = 16; p < b.length; ) {
    if (b.length - p < 16) throw decodeError(OFPET.GROUP_MOD_FAILED, 12, p, 'truncated bucket');
    const len = v.getUint16(p);
    if (len < 16 || len % 8 || p + len > b.length)
      throw decodeError(OFPET.GROUP_MOD_FAILED, 12, p, 'bad bucket length');
    const watch = portFromOf11(v.getUint32(p + 4));
    g.buckets.push({
      weight: v.getUint16(p + 2),
      watchPort: watch < 0 ? 0xffff : watch,
      watchGroup: v.getUint32(p + 8),
      actions: decodeActions(b, p + 16, len - 16, version),
    });
    p += len;
  }
  checkGroupMod(g, 16);
  return g;
}

/** A Nicira NXT_GROUP_MOD (OpenFlow 1.0): the 1.5 body after the vendor header, 1.0 actions. */
export function decodeNxGroupMod(b: Uint8Array): GroupMod {
  return decodeGroupMod15(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 16, 1);
}

/**
 * ofp15_group_mod at `at` (buckets with ids and properties, then group properties, not kept);
 * buckets' actions in `actionVersion`'s form.
 */
function decodeGroupMod15(b: Uint8Array, v: DataView, at: number, actionVersion: number): GroupMod {
  if (b.length < at + 16) throw bad(2, 'group_mod too short');
  const g: GroupMod = { command: v.getUint16(at), groupType: b[at + 2], groupId: v.getUint32(at + 4), buckets: [] };
  // In OVS's order: the command bucket id (an unknown command may only carry "all"), the
  // buckets, then the type and command themselves.
  g.commandBucketId = v.getUint32(at + 12);
  if (!commandBucketIdFits(g.command, g.commandBucketId))
    throw decodeError(OFPET.GROUP_MOD_FAILED, OFPGMFC_BAD_BUCKET, at + 12, 'group command bucket id is out of range');
  const bucketsLen = v.getUint16(at + 8);
  const first = at + 16;
  if (first + bucketsLen > b.length) throw bad(at + 8, 'bucket array overruns the message');
  const { buckets, ids } = decodeBuckets15(v, b, first, first + bucketsLen, g.groupType, actionVersion);
  if (new Set(ids).size !== ids.length)
    throw decodeError(OFPET.GROUP_MOD_FAILED, OFPGMFC_BAD_BUCKET, first, 'duplicate bucket id');
  if (g.groupType > 3) throw decodeError(OFPET.GROUP_MOD_FAILED, 10, at + 2, 'bad group type');
  if (!knownGroupCommand(g.command)) throw decodeError(OFPET.GROUP_MOD_FAILED, 11, at, 'bad group command');
  g.buckets = buckets;
  g.bucketIds = ids;
  checkGroupMod(g, first);
  return g;
}
const OFPGMFC_BAD_BUCKET = 12;

function knownGroupCommand(command: number): boolean {
  return command <= REMOVE_BUCKET ? command !== 4 : command === ADD_OR_MOD;
}

/** OVS's ofputil_pull_ofp15_group_mod: which command_bucket_id each command may carry. */
function commandBucketIdFits(command: number, id: number): boolean {
  const position = id <= OFPG15_BUCKET_MAX || id === OFPG15_BUCKET_FIRST || id === OFPG15_BUCKET_LAST;
  if (command === INSERT_BUCKET) return position;
  if (command === REMOVE_BUCKET) return position || id === OFPG15_BUCKET_ALL;
  return id === OFPG15_BUCKET_ALL;
}

/**
 * OVS 3.1's ofputil_check_group_mod: a remove-bucket names buckets by command_bucket_id only;
 * only fast-failover buckets watch, and they must.
 */
function checkGroupMod(g: GroupMod, at: number): void {
  if (g.command === REMOVE_BUCKET && g.buckets.length)
    throw decodeError(OFPET.GROUP_MOD_FAILED, OFPGMFC_BAD_BUCKET, at, 'remove-bucket carries buckets');
  for (const b of g.buckets) {
    const watches = b.watchPort !== OFPP_NONE || b.watchGroup !== OFPG_ANY;
    if ((g.groupType === OFPGT_ALL || g.groupType === OFPGT_INDIRECT) && watches)
      throw decodeError(OFPET.GROUP_MOD_FAILED, OFPGMFC_WATCH_UNSUPPORTED, at, 'bucket watches in a group that cannot');
    if (g.groupType === OFPGT_FF && !watches)
      throw decodeError(OFPET.GROUP_MOD_FAILED, OFPGMFC_INVALID_GROUP, at, 'fast failover bucket watches nothing');
  }
}
const OFPGMFC_INVALID_GROUP = 1;
const OFPGMFC_WATCH_UNSUPPORTED = 6;
const [OFPGT_ALL, OFPGT_INDIRECT, OFPGT_FF] = [0, 2, 3];
const OFPP_NONE = 0xffff;
const OFPG_ANY = 0xffffffff;

/** A command_bucket_id as OVS prints it. */
function formatBucketId(id: number): string {
  if (id === OFPG15_BUCKET_FIRST) return 'first';
  if (id === OFPG15_BUCKET_LAST) return 'last';
  if (id === OFPG15_BUCKET_ALL) return 'all';
  return String(id);
}

/** OVS's ofputil_group_mod_format (bucket ids from OpenFlow 1.5). */
export function formatGroupMod(g: GroupMod): string {
  const command = (
    { 0: 'ADD', 1: 'MOD', 2: 'DEL', 3: 'INSERT_BUCKET', 5: 'REMOVE_BUCKET', 32768: 'ADD_OR_MOD' } as Record<
      number,
      string
    >
  )[g.command];
  const head = `\n ${command ?? `cmd:${g.command}`} `;
  if (g.command !== INSERT_BUCKET && g.command !== REMOVE_BUCKET) return `${head}${formatGroupDesc(g)}`;
  // Bucket commands print their position (where the version has one) and no group type.
  const position = g.bucketIds ? `command_bucket_id:${formatBucketId(g.commandBucketId ?? OFPG15_BUCKET_ALL)},` : '';
  return `${head}${position}${formatGroupDesc(g, false)}`;
}

export const ROLES = ['nochange', 'equal', 'primary', 'secondary'];
