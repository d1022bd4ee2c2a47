import { decodeActions } from './action-codec.js';
import type { Writer } from './bytes.js';
import type { Bucket } from './control.js';
import { NX_VENDOR_ID } from './error-table.js';
import { bodyDecodeError, OFPBRC, OFPET, type OpenFlowDecodeError } from './errors.js';
import { portFromOf11, portToOf11 } from './format-values.js';
import type { EncodeActions, GroupDesc } from './multipart-groups.js';

/**
 * OpenFlow 1.5 group-desc entries (ofp15_group_desc_stats): buckets carry an id, their actions'
 * length, and weight / watch_port / watch_group as properties. OVS's OpenFlow 1.0 extension
 * NXST_GROUP_DESC uses the same layout with 1.0 actions, so the action version is a parameter.
 */

const OFPGT_SELECT = 1;
const OFPP_NONE = 0xffff;
const OFPG_ANY = 0xffffffff;
const PROP = { WEIGHT: 0, WATCH_PORT: 1, WATCH_GROUP: 2 } as const;

const badLen = (at: number, msg: string) => bodyDecodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, at, msg);

/** Entries as OVS sends them: select buckets always carry a weight, watches only when set. */
export function encodeGroupDescs15(
  w: Writer,
  groups: GroupDesc[],
  actionVersion: number,
  encodeActions: EncodeActions,
): void {
  for (const g of groups) {
    const start = w.length;
    w.u16(0).u8(g.groupType).u8(0).u32(g.groupId).u16(0).zeros(6);
    encodeBuckets15(w, g.groupType, g.buckets, g.bucketIds ?? g.buckets.map((_, i) => i), actionVersion, encodeActions);
    w.setU16(start + 8, w.length - start - 16);
    w.setU16(start, w.length - start);
  }
}

/**
 * ofp15_buckets: id, actions' length, actions, then weight (select groups, or non-zero) and the watches that
 * are set, as properties (OVS's ofputil_put_ofp15_bucket).
 */
export function encodeBuckets15(
  w: Writer,
  groupType: number,
  buckets: readonly Bucket[],
  ids: readonly number[],
  actionVersion: number,
  encodeActions: EncodeActions,
): void {
  buckets.forEach((bucket, i) => {
    const at = w.length;
    w.u16(0).u16(0).u32(ids[i]);
    encodeActions(w, bucket, actionVersion);
    w.setU16(at + 2, w.length - at - 8);
    // As OVS 3.1: select buckets always say their weight, others when it is not 0.
    if (groupType === OFPGT_SELECT || bucket.weight) w.u16(PROP.WEIGHT).u16(8).u16(bucket.weight).zeros(2);
    if (bucket.watchPort !== OFPP_NONE) w.u16(PROP.WATCH_PORT).u16(8).u32(portToOf11(bucket.watchPort));
    if (bucket.watchGroup !== OFPG_ANY) w.u16(PROP.WATCH_GROUP).u16(8).u32(bucket.watchGroup);
    w.setU16(at, w.length - at);
  });
}

/** Entries from `off` to the end; on a bad one, those before it and the error. */
export function decodeGroupDescs15(
  b: Uint8Array,
  off: number,
  actionVersion: number,
): { groups: GroupDesc[]; error?: OpenFlowDecodeError } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const groups: GroupDesc[] = [];
  try {
    for (let p = off; p < b.length; ) {
      if (b.length - p < 16) throw badLen(p, `group desc reply has ${b.length - p} leftover bytes at end`);
      const len = v.getUint16(p);
      const bucketsLen = v.getUint16(p + 8);
      if (len < 16 || p + len > b.length || 16 + bucketsLen > len)
        throw badLen(p, `group desc reply claims invalid length ${len}`);
      const groupType = b[p + 2];
      const { buckets, ids } = decodeBuckets15(v, b, p + 16, p + 16 + bucketsLen, groupType, actionVersion);
      // Group properties (OVS's selection method) follow the buckets: not kept.
      groups.push({ groupType, groupId: v.getUint32(p + 4), buckets, bucketIds: ids });
      p += len;
    }
  } catch (e) {
    return { groups, error: e as OpenFlowDecodeError };
  }
  return { groups };
}

export function decodeBuckets15(
  v: DataView,
  b: Uint8Array,
  off: number,
  end: number,
  groupType: number,
  actionVersion: number,
): { buckets: Bucket[]; ids: number[] } {
  const buckets: Bucket[] = [];
  const ids: number[] = [];
  for (let p = off; p < end; ) {
    if (end - p < 8) throw badLen(p, 'truncated bucket');
    const len = v.getUint16(p);
    const actionsLen = v.getUint16(p + 2);
    if (len < 8 || p + len > end || 8 + actionsLen > len) throw badLen(p, `bucket length ${len} is not valid`);
    const bucket: Bucket = {
      weight: groupType === OFPGT_SELECT ? 1 : 0,
      watchPort: OFPP_NONE,
      watchGroup: OFPG_ANY,
      actions: decodeActions(b, p + 8, actionsLen, actionVersion),
    };
    for (let q = p + 8 + actionsLen; q < p + len; ) {
      const type = v.getUint16(q);
      const plen = v.getUint16(q + 2);
      if (plen < 4 || q + plen > p + len) throw badLen(q, 'bad bucket property length');
      if (type === PROP.WEIGHT) bucket.weight = v.getUint16(q + 4);
      else if (type === PROP.WATCH_PORT) bucket.watchPort = portFromOf11(v.getUint32(q + 4)) & 0xffff;
      else if (type === PROP.WATCH_GROUP) bucket.watchGroup = v.getUint32(q + 4);
      q += (plen + 7) & ~7;
    }
    buckets.push(bucket);
    ids.push(v.getUint32(p + 4));
    p += len;
  }
  return { buckets, ids };
}

/** OVS's OpenFlow 1.0 group-desc statistics: a Nicira vendor stats subtype. */
export const NXST_GROUP_DESC = 8;
/** ofp10_stats_msg (12) + vendor (4) + subtype (4) + pad (4). */
export const NX_STATS_HEADER = 24;

/** NXST_GROUP_DESC request: the header, then ofp15_group_desc_request (group id, pad). */
export function encodeNxGroupDescRequest(w: Writer, xid: number, groupId: number): void {
  w.u8(1).u8(16).u16(32).u32(xid).u16(0xffff).u16(0).u32(NX_VENDOR_ID).u32(NXST_GROUP_DESC).zeros(4);
  w.u32(groupId).zeros(4);
}

/** Whether `b` is an OpenFlow 1.0 NXST_GROUP_DESC request or reply (type 16 or 17). */
export function isNxGroupDesc(b: Uint8Array): boolean {
  if (b.length < NX_STATS_HEADER || b[0] !== 1 || (b[1] !== 16 && b[1] !== 17)) return false;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return v.getUint16(8) === 0xffff && v.getUint32(12) === NX_VENDOR_ID && v.getUint32(16) === NXST_GROUP_DESC;
}
