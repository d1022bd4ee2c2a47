import { decodeActions } from './action-codec.js';
import { formatActions } from './actions.js';
import type { Writer } from './bytes.js';
import type { Bucket } from './control.js';
import { bodyDecodeError, decodeError, OFPBRC, OFPET, type OpenFlowDecodeError } from './errors.js';
import { formatPort, portFromOf11, portToOf11 } from './format-values.js';
// A cycle with multipart.ts; used only at call time.
import { formatDuration } from './multipart.js';

/**
 * Group multipart replies of OpenFlow 1.1-1.4: group-desc (the groups and their buckets), group
 * stats (counters per group and bucket) and group-features, decoded and printed as OVS's
 * ofp-print does (good entries first, then the error of a bad one).
 */

export interface GroupDesc {
  groupId: number;
  /** OFPGT11_*: 0 all, 1 select, 2 indirect, 3 fast failover. */
  groupType: number;
  buckets: Bucket[];
  /** OpenFlow 1.5 (and NXST_GROUP_DESC) bucket ids, printed as bucket_id. */
  bucketIds?: number[];
}

export interface GroupStats {
  groupId: number;
  refCount: number;
  packetCount: bigint;
  byteCount: bigint;
  /** UINT32_MAX when the version has no durations (OpenFlow 1.1/1.2). */
  durationSec: number;
  durationNsec: number;
  buckets: { packetCount: bigint; byteCount: bigint }[];
}

export interface GroupFeatures {
  /** Bit 1 << OFPGT11_* for each supported group type. */
  types: number;
  capabilities: number;
  maxGroups: [number, number, number, number];
  /** Per group type: the OpenFlow action-type bitmap of the wire version. */
  actions: [number, number, number, number];
}

const OFPP_NONE = 0xffff;
const OFPG_ANY = 0xffffffff;
const OFPGMFC_BAD_BUCKET = 12;
const OFPGMFC_BAD_WATCH = 13;

const badLen = (at: number, msg: string) => bodyDecodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, at, msg);
const badBucket = (at: number, msg: string) => bodyDecodeError(OFPET.GROUP_MOD_FAILED, OFPGMFC_BAD_BUCKET, at, msg);

export function encodeBuckets11(w: Writer, buckets: Bucket[], version: number, encodeActions: EncodeActions): void {
  for (const bucket of buckets) {
    const start = w.length;
    w.u16(0).u16(bucket.weight).u32(portToOf11(bucket.watchPort)).u32(bucket.watchGroup).zeros(4);
    encodeActions(w, bucket, version);
    w.setU16(start, w.length - start);
  }
}

export type EncodeActions = (w: Writer, bucket: Bucket, version: number) => void;

/** OVS's ofputil_pull_ofp11_buckets: `len` bytes of ofp11_bucket from `off`. */
export function decodeBuckets11(b: Uint8Array, off: number, len: number, version: number): Bucket[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Bucket[] = [];
  let p = off;
  let left = len;
  while (left > 0) {
    if (left < 16) throw badBucket(p, `buckets end with ${left} leftover bytes`);
    const blen = v.getUint16(p);
    if (blen < 16 || blen > left) throw badBucket(p, `bucket length ${blen} is not valid`);
    const actions = decodeActions(b, p + 16, blen - 16, version);
    const watch = portFromOf11(v.getUint32(p + 4));
    if (watch < 0) throw bodyDecodeError(OFPET.GROUP_MOD_FAILED, OFPGMFC_BAD_WATCH, p + 4, 'bad watch port');
    out.push({ weight: v.getUint16(p + 2), watchPort: watch, watchGroup: v.getUint32(p + 8), actions });
    p += blen;
    left -= blen;
  }
  return out;
}

export function encodeGroupDescs(w: Writer, groups: GroupDesc[], version: number, encodeActions: EncodeActions): void {
  for (const g of groups) {
    const start = w.length;
    w.u16(0).u8(g.groupType).u8(0).u32(g.groupId);
    encodeBuckets11(w, g.buckets, version, encodeActions);
    w.setU16(start, w.length - start);
  }
}

/** Group-desc entries from `off`; on a bad one, those before it and the error. */
export function decodeGroupDescEntries(
  b: Uint8Array,
  off: number,
  version: number,
): { groups: GroupDesc[]; error?: OpenFlowDecodeError } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const groups: GroupDesc[] = [];
  let p = off;
  try {
    while (p < b.length) {
      if (b.length - p < 8) throw badLen(p, `group desc reply has ${b.length - p} leftover bytes at end`);
      const len = v.getUint16(p);
      if (len < 8 || len - 8 > b.length - p - 8) throw badLen(p, `group desc reply claims invalid length ${len}`);
      groups.push({
        groupType: b[p + 2],
        groupId: v.getUint32(p + 4),
        buckets: decodeBuckets11(b, p + 8, len - 8, version),
      });
      p += len;
    }
  } catch (e) {
    return { groups, error: e as OpenFlowDecodeError };
  }
  return { groups };
}

const GROUP_TYPE_NAMES = ['all', 'select', 'indirect', 'ff'];

/**
 * OVS's ofp_print_group for one group-desc entry (bucket ids only where the version has them);
 * bucket commands leave the type out (`withType` false).
 */
export function formatGroupDesc(g: GroupDesc, withType = true): string {
  let s = `group_id=${g.groupId},`;
  if (withType) s += `type=${GROUP_TYPE_NAMES[g.groupType] ?? 'unknown'},`;
  g.buckets.forEach((bucket, i) => {
    s += 'bucket=';
    if (g.bucketIds) s += `bucket_id:${g.bucketIds[i]},`;
    if (bucket.weight !== (g.groupType === 1 ? 1 : 0)) s += `weight:${bucket.weight},`;
    if (bucket.watchPort !== OFPP_NONE) s += `watch_port:${formatPort(bucket.watchPort)},`;
    if (bucket.watchGroup !== OFPG_ANY) s += `watch_group:${bucket.watchGroup},`;
    s += `actions=${formatActions(bucket.actions)},`;
  });
  return s.slice(0, -1);
}

export function formatGroupDescs(groups: GroupDesc[]): string {
  return groups.map((g) => `\n ${formatGroupDesc(g)}`).join('');
}

export function encodeGroupStats(w: Writer, stats: GroupStats[], version: number): void {
  for (const g of stats) {
    const fixed = version >= 4 ? 40 : 32;
    w.u16(fixed + 16 * g.buckets.length)
      .zeros(2)
      .u32(g.groupId)
      .u32(g.refCount)
      .zeros(4)
      .u64(g.packetCount)
      .u64(g.byteCount);
    if (version >= 4) w.u32(g.durationSec).u32(g.durationNsec);
    for (const c of g.buckets) w.u64(c.packetCount).u64(c.byteCount);
  }
}

/**
 * Group stats entries from `off`, read as OVS reads them: an entry's bucket count is its length
 * past the fixed part in whole counters, and the next entry starts after those counters.
 */
export function decodeGroupStatsEntries(
  b: Uint8Array,
  off: number,
  version: number,
): { stats: GroupStats[]; error?: OpenFlowDecodeError } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const fixed = version >= 4 ? 40 : 32;
  const stats: GroupStats[] = [];
  let p = off;
  while (p < b.length) {
    const leftover = () => badLen(p, `group stats reply has ${b.length - p} leftover bytes at end`);
    if (b.length - p < fixed) return { stats, error: leftover() };
    const len = v.getUint16(p);
    if (len < 8) return { stats, error: badLen(p, `group stats reply claims invalid length ${len}`) };
    const n = len < fixed ? Number.MAX_SAFE_INTEGER : Math.floor((len - fixed) / 16);
    if (n * 16 > b.length - p - fixed) return { stats, error: leftover() };
    const g: GroupStats = {
      groupId: v.getUint32(p + 4),
      refCount: v.getUint32(p + 8),
      packetCount: v.getBigUint64(p + 16),
      byteCount: v.getBigUint64(p + 24),
      durationSec: version >= 4 ? v.getUint32(p + 32) : 0xffffffff,
      durationNsec: version >= 4 ? v.getUint32(p + 36) : 0xffffffff,
      buckets: [],
    };
    for (let i = 0; i < n; i++) {
      const q = p + fixed + 16 * i;
      g.buckets.push({ packetCount: v.getBigUint64(q), byteCount: v.getBigUint64(q + 8) });
    }
    stats.push(g);
    p += fixed + 16 * n;
  }
  return { stats };
}

const U64_MAX = 0xffffffffffffffffn;

/** OVS's group stats printing: one line per group, buckets with unknown counters left out. */
export function formatGroupStats(stats: GroupStats[]): string {
  const lines = stats.map((g) => {
    let s = ` group_id=${g.groupId},`;
    if (g.durationSec !== 0xffffffff) s += `duration=${formatDuration(g.durationSec, g.durationNsec)},`;
    s += `ref_count=${g.refCount},packet_count=${g.packetCount},byte_count=${g.byteCount}`;
    g.buckets.forEach((c, i) => {
      if (c.packetCount !== U64_MAX) s += `,bucket${i}:packet_count=${c.packetCount},byte_count=${c.byteCount}`;
    });
    return s;
  });
  // OVS ends each line with a newline; ofp-print adds none after the last.
  return lines.length ? `\n${lines.join('\n')}` : '';
}

export function encodeGroupFeatures(w: Writer, f: GroupFeatures): void {
  w.u32(f.types).u32(f.capabilities);
  for (const m of f.maxGroups) w.u32(m);
  for (const a of f.actions) w.u32(a);
}

export function decodeGroupFeatures(b: Uint8Array, off: number): GroupFeatures {
  if (b.length - off !== 40) {
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, off, 'group features reply body must be 40 bytes');
  }
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u = (i: number) => v.getUint32(off + 4 * i);
  return {
    types: u(0),
    capabilities: u(1),
    maxGroups: [u(2), u(3), u(4), u(5)],
    actions: [u(6), u(7), u(8), u(9)],
  };
}

/**
 * OpenFlow 1.2+ action-type bits in the order OVS prints them (its internal action order),
 * with OVS's names; bits OVS does not implement are not printed.
 */
const ACTION_BITS_12: [number, string][] = [
  [0, 'output'],
  [22, 'group'],
  [25, 'set_field'],
  [18, 'strip_vlan'],
  [17, 'push_vlan'],
  [23, 'mod_nw_ttl'],
  [24, 'dec_ttl'],
  [15, 'set_mpls_ttl'],
  [16, 'dec_mpls_ttl'],
  [19, 'push_mpls'],
  [20, 'pop_mpls'],
  [21, 'set_queue'],
];

const FEATURE_GROUP_NAMES = ['all', 'select', 'indirect', 'fast failover'];

export function formatGroupFeatures(f: GroupFeatures): string {
  let s = '\n Group table:\n';
  s += `    Types:  0x${f.types.toString(16)}\n`;
  s += `    Capabilities:  0x${f.capabilities.toString(16)}\n`;
  for (let i = 0; i < 4; i++) {
    if (!(f.types & (1 << i))) continue;
    const names = ACTION_BITS_12.filter(([bit]) => f.actions[i] & (1 << bit)).map(([, n]) => n);
    s += `    ${FEATURE_GROUP_NAMES[i]} group:\n`;
    // C's %#x: no 0x prefix for zero.
    s += `       max_groups=${f.maxGroups[i] ? `0x${f.maxGroups[i].toString(16)}` : '0'}\n`;
    s += `       actions: ${names.length ? names.join(' ') : '<none>'}\n`;
  }
  return s.slice(0, -1);
}
