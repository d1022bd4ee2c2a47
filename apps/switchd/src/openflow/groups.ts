import {
  actionsUseGroup,
  type Group,
  type GroupBucket,
  type GroupType,
  type Ofproto,
  type RemovedFlow,
} from '@softswitch/ofproto';
import {
  encodeAction,
  encodeActions10,
  encodeContextFor,
  encodeGroupDescs15,
  type GroupMod,
  Match,
  OFPET,
  OFPG15_BUCKET_ALL,
  OFPG15_BUCKET_FIRST,
  OFPG15_BUCKET_LAST,
  OFPG15_BUCKET_MAX,
  portToOf11,
  Writer,
} from '@softswitch/openflow';
import { OFPRR } from './flow-removed.js';

/** OFPGMFC_* codes (OpenFlow 1.1+; the bucket ones from 1.5). */
const OFPGMFC = { GROUP_EXISTS: 0, INVALID_GROUP: 1, UNKNOWN_GROUP: 8, UNKNOWN_BUCKET: 15, BUCKET_EXISTS: 16 } as const;
const OFPGC = { ADD: 0, MODIFY: 1, DELETE: 2, INSERT_BUCKET: 3, REMOVE_BUCKET: 5 } as const;
const OFPG_MAX = 0xffffff00;
const OFPG_ALL = 0xfffffffc;
const TYPES: GroupType[] = ['all', 'select', 'indirect', 'ff'];

export class GroupModError extends Error {
  constructor(
    readonly errorType: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The groups a bridge's OpenFlow clients created. Ofproto stores groups by id without listing
 * them, so the listener remembers the ids it added (for dump-groups and `delete all`).
 */
export class GroupTable {
  private readonly ids = new Set<number>();

  constructor(private readonly ofproto: Ofproto) {}

  /**
   * Applies a group-mod. Deleting a group deletes the flows that use it, as OVS does; they are
   * returned for flow-removed messages (reason OFPRR_GROUP_DELETE).
   */
  apply(gm: GroupMod): RemovedFlow[] {
    const exists = this.ofproto.group(gm.groupId) !== undefined;
    switch (gm.command) {
      case OFPGC.ADD:
      case OFPGC.MODIFY:
        if (gm.groupId > OFPG_MAX) throw new GroupModError(OFPET.GROUP_MOD_FAILED, OFPGMFC.INVALID_GROUP, 'bad id');
        if (gm.command === OFPGC.ADD && exists)
          throw new GroupModError(OFPET.GROUP_MOD_FAILED, OFPGMFC.GROUP_EXISTS, `group ${gm.groupId} exists`);
        if (gm.command === OFPGC.MODIFY && !exists)
          throw new GroupModError(OFPET.GROUP_MOD_FAILED, OFPGMFC.UNKNOWN_GROUP, `no group ${gm.groupId}`);
        this.ofproto.addGroup(toGroup(gm));
        this.ids.add(gm.groupId);
        return [];
      case OFPGC.DELETE: {
        const ids = gm.groupId === OFPG_ALL ? [...this.ids] : [gm.groupId];
        for (const id of ids) {
          this.ofproto.deleteGroup(id);
          this.ids.delete(id);
        }
        const removed: RemovedFlow[] = [];
        for (const e of [...this.ofproto.tables.entries()]) {
          if (!ids.some((id) => actionsUseGroup(e.actions, id))) continue;
          this.ofproto.tables.remove(e);
          removed.push({ entry: e, reason: OFPRR.GROUP_DELETE });
        }
        return removed;
      }
      case OFPGC.INSERT_BUCKET:
      case OFPGC.REMOVE_BUCKET: {
        const old = this.ofproto.group(gm.groupId);
        if (!old) throw new GroupModError(OFPET.GROUP_MOD_FAILED, OFPGMFC.UNKNOWN_GROUP, `no group ${gm.groupId}`);
        const at = gm.commandBucketId ?? OFPG15_BUCKET_ALL;
        const added = toGroup(gm).buckets;
        // The group keeps its type (OVS's EXT-570); only its bucket list changes.
        const buckets =
          gm.command === OFPGC.INSERT_BUCKET ? insertBuckets(old.buckets, added, at) : removeBuckets(old.buckets, at);
        this.ofproto.addGroup({ ...old, buckets });
        return [];
      }
    }
    return [];
  }

  /** The groups as they are, for `restore` to put back (a bundle that fails). */
  snapshot(): Group[] {
    return this.list();
  }

  restore(saved: readonly Group[]): void {
    for (const id of this.ids) this.ofproto.deleteGroup(id);
    this.ids.clear();
    for (const g of saved) {
      this.ofproto.addGroup(g);
      this.ids.add(g.groupId);
    }
  }

  /** Groups in id order (OVS's dump-groups order is by id too once sorted by ovs-ofctl). */
  list(groupId = OFPG_ALL): Group[] {
    const out: Group[] = [];
    for (const id of [...this.ids].sort((a, b) => a - b)) {
      if (groupId !== OFPG_ALL && id !== groupId) continue;
      const g = this.ofproto.group(id);
      if (g) out.push(g);
    }
    return out;
  }
}

/**
 * OVS's copy_buckets_for_insert_bucket: the new buckets go first, last, or after bucket `at`,
 * which must exist; no two buckets may then share an id.
 */
function insertBuckets(old: GroupBucket[], added: GroupBucket[], at: number): GroupBucket[] {
  const after = at <= OFPG15_BUCKET_MAX ? old.findIndex((b) => b.bucketId === at) : -1;
  if (at <= OFPG15_BUCKET_MAX && after < 0)
    throw new GroupModError(OFPET.GROUP_MOD_FAILED, OFPGMFC.UNKNOWN_BUCKET, `no bucket ${at}`);
  const ids = new Set<number>();
  for (const b of [...added, ...old]) {
    if (ids.has(b.bucketId))
      throw new GroupModError(OFPET.GROUP_MOD_FAILED, OFPGMFC.BUCKET_EXISTS, `bucket ${b.bucketId} exists`);
    ids.add(b.bucketId);
  }
  if (at === OFPG15_BUCKET_LAST) return [...old, ...added];
  if (after >= 0) return [...old.slice(0, after + 1), ...added, ...old.slice(after + 1)];
  return [...added, ...old];
}

/** OVS's copy_buckets_for_remove_bucket: every bucket, the first, the last, or bucket `at` (which must exist). */
function removeBuckets(old: GroupBucket[], at: number): GroupBucket[] {
  if (at === OFPG15_BUCKET_ALL) return [];
  if (at === OFPG15_BUCKET_FIRST) return old.slice(1);
  if (at === OFPG15_BUCKET_LAST) return old.slice(0, -1);
  const i = old.findIndex((b) => b.bucketId === at);
  if (i < 0) throw new GroupModError(OFPET.GROUP_MOD_FAILED, OFPGMFC.UNKNOWN_BUCKET, `no bucket ${at}`);
  return [...old.slice(0, i), ...old.slice(i + 1)];
}

function toGroup(gm: GroupMod): Group {
  return {
    groupId: gm.groupId,
    type: TYPES[gm.groupType],
    buckets: gm.buckets.map((b, i) => ({
      bucketId: gm.bucketIds?.[i] ?? i,
      weight: b.weight,
      watchPort: b.watchPort,
      watchGroup: b.watchGroup,
      actions: b.actions,
    })),
  };
}

/** One group-desc entry: ofp11_buckets for OpenFlow 1.1-1.4, 1.5's buckets with ids and properties. */
export function encodeGroupDesc(g: Group, version: number): Uint8Array {
  const w = new Writer(128);
  const ctx = encodeContextFor(new Match());
  // OpenFlow 1.5, and OVS's NXST_GROUP_DESC for 1.0, carry bucket ids and properties.
  if (version >= 6 || version === 1) {
    const desc = {
      groupId: g.groupId,
      groupType: TYPES.indexOf(g.type),
      buckets: g.buckets,
      bucketIds: g.buckets.map((b) => b.bucketId),
    };
    encodeGroupDescs15(w, [desc], version, (out, bucket, v) => {
      if (v === 1) encodeActions10(out, bucket.actions, ctx);
      else for (const a of bucket.actions) encodeAction(out, a, v, ctx);
    });
    return w.finish();
  }
  w.u16(0).u8(TYPES.indexOf(g.type)).u8(0).u32(g.groupId);
  for (const b of g.buckets) {
    const start = w.length;
    w.u16(0).u16(b.weight).u32(portToOf11(b.watchPort)).u32(b.watchGroup).zeros(4);
    for (const a of b.actions) encodeAction(w, a, version, ctx);
    w.setU16(start, w.length - start);
  }
  w.setU16(0, w.length);
  return w.finish();
}

/** One ofp_group_stats entry (counters are not kept per group yet: zeros, as an unused group). */
export function encodeGroupStats(g: Group, version: number, ms: number): Uint8Array {
  const w = new Writer(64);
  const len = (version >= 4 ? 40 : 32) + 16 * g.buckets.length;
  w.u16(len).zeros(2).u32(g.groupId).u32(0).zeros(4).u64(0n).u64(0n);
  if (version >= 4) w.u32(Math.floor(ms / 1000)).u32((ms % 1000) * 1_000_000);
  for (const _ of g.buckets) w.u64(0n).u64(0n);
  return w.finish();
}
