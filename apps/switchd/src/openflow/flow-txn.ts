import {
  type FlowEntry,
  FlowModCommand,
  FlowModError,
  type FlowTables,
  matchToKey,
  type Ofproto,
  type RemovedFlow,
} from '@softswitch/ofproto';
import { type Action, type FlowMod, type GroupMod, newFlowMod, type OpenFlowMessage } from '@softswitch/openflow';
import type { GroupTable } from './groups.js';

/** OVS keeps table 254 for itself (read-only): OpenFlow sees 254 tables, 0 to 253. */
export const HIDDEN_TABLE = 254;
const OFPTT_ALL = 0xff;

function missingGroup(actions: readonly Action[], ofproto: Ofproto): number | undefined {
  for (const a of actions) {
    if (a.type === 'group' && ofproto.group(a.groupId) === undefined) return a.groupId;
    if (a.type === 'write_actions') {
      const g = missingGroup(a.actions, ofproto);
      if (g !== undefined) return g;
    }
  }
  return undefined;
}

/**
 * The checks OVS makes before a flow-mod touches a table (ofproto_flow_mod_init and
 * ofproto_check_ofpacts): the hidden table is read-only, and an add or modify may only name
 * groups that exist. Throws FlowModError.
 */
export function checkFlowMod(fm: FlowMod, ofproto: Ofproto): void {
  if (fm.tableId === HIDDEN_TABLE) throw new FlowModError('OFPBRC_EPERM', 1, 5, 'table 254 is read-only');
  if (fm.command <= FlowModCommand.MODIFY_STRICT) {
    const g = missingGroup(fm.actions, ofproto);
    if (g !== undefined) throw new FlowModError('OFPBAC_BAD_OUT_GROUP', 2, 9, `group ${g} does not exist`);
  }
}

/** OVS's checks of a packet-out's actions (ofproto_check_ofpacts): groups named must exist. */
export function checkPacketOutActions(actions: readonly Action[], ofproto: Ofproto): void {
  const g = missingGroup(actions, ofproto);
  if (g !== undefined) throw new FlowModError('OFPBAC_BAD_OUT_GROUP', 2, 9, `group ${g} does not exist`);
}

interface SavedFields {
  entry: FlowEntry;
  actions: Action[];
  cookie: bigint;
  modified: number;
  packets: bigint;
  bytes: bigint;
}

/** How to take one applied flow-mod back. */
type Undo =
  | { kind: 'unadd'; fm: FlowMod; replaced: FlowEntry | undefined }
  | { kind: 'unmodify'; saved: SavedFields[]; added: FlowMod | undefined }
  | { kind: 'undelete'; removed: FlowEntry[] };

function strictSelector(tableId: number, fm: { match: FlowMod['match']; priority: number }): FlowMod {
  const sel = newFlowMod();
  sel.tableId = tableId;
  sel.match = fm.match;
  sel.priority = fm.priority;
  return sel;
}

function exactEntry(tables: FlowTables, tableId: number, fm: FlowMod): FlowEntry | undefined {
  return tables.tables[tableId].findExact(matchToKey(fm.match), fm.priority)?.data ?? undefined;
}

/** Puts a removed or replaced flow back as it was: same rule, counters and times. */
function reinsert(tables: FlowTables, e: FlowEntry): void {
  const fm = newFlowMod();
  fm.command = FlowModCommand.ADD;
  fm.tableId = e.tableId;
  fm.priority = e.priority;
  fm.match = e.match;
  fm.actions = e.actions;
  fm.newCookie = e.cookie;
  fm.idleTimeout = e.idleTimeout;
  fm.hardTimeout = e.hardTimeout;
  fm.importance = e.importance;
  fm.flags = e.flags & ~0x02; // never refuse the way back for an overlap
  tables.apply(fm, 4);
  const back = exactEntry(tables, e.tableId, fm);
  if (!back) return;
  back.flags = e.flags;
  back.created = e.created;
  back.modified = e.modified;
  back.used = e.used;
  back.packets = e.packets;
  back.bytes = e.bytes;
}

function removeExact(tables: FlowTables, tableId: number, fm: FlowMod): void {
  const del = strictSelector(tableId, fm);
  del.command = FlowModCommand.DELETE_STRICT;
  tables.apply(del, 4);
}

/** Applies one flow-mod, recording how to take it back. */
function applyOne(ofproto: Ofproto, fm: FlowMod, version: number, undo: Undo[]): RemovedFlow[] {
  const tables = ofproto.tables;
  checkFlowMod(fm, ofproto);
  switch (fm.command) {
    case FlowModCommand.ADD: {
      const tableId = fm.tableId === OFPTT_ALL ? 0 : fm.tableId;
      const replaced = tableId < tables.tables.length ? exactEntry(tables, tableId, fm) : undefined;
      const saved = replaced && { ...replaced };
      const removed = tables.apply(fm, version);
      undo.push({ kind: 'unadd', fm: strictSelector(tableId, fm), replaced: saved });
      return removed;
    }
    case FlowModCommand.MODIFY:
    case FlowModCommand.MODIFY_STRICT: {
      const hits = tables.select(fm, fm.command === FlowModCommand.MODIFY_STRICT);
      const saved = hits.map((entry) => ({
        entry,
        actions: entry.actions,
        cookie: entry.cookie,
        modified: entry.modified,
        packets: entry.packets,
        bytes: entry.bytes,
      }));
      const removed = tables.apply(fm, version);
      // A 1.0/NXM modify that selects nothing adds the flow.
      const added =
        hits.length === 0 && version === 1 ? strictSelector(fm.tableId === OFPTT_ALL ? 0 : fm.tableId, fm) : undefined;
      undo.push({ kind: 'unmodify', saved, added });
      return removed;
    }
    default: {
      const removed = tables.apply(fm, version);
      undo.push({ kind: 'undelete', removed: removed.map((r) => r.entry) });
      return removed;
    }
  }
}

function rollback(tables: FlowTables, undo: Undo[]): void {
  for (let i = undo.length - 1; i >= 0; i--) {
    const u = undo[i];
    switch (u.kind) {
      case 'unadd':
        removeExact(tables, u.fm.tableId, u.fm);
        if (u.replaced) reinsert(tables, u.replaced);
        break;
      case 'unmodify':
        if (u.added) removeExact(tables, u.added.tableId, u.added);
        for (const s of u.saved) {
          s.entry.actions = s.actions;
          s.entry.cookie = s.cookie;
          s.entry.modified = s.modified;
          s.entry.packets = s.packets;
          s.entry.bytes = s.bytes;
        }
        break;
      case 'undelete':
        for (const e of u.removed) reinsert(tables, e);
        break;
    }
  }
}

export interface FlowModInBundle {
  fm: FlowMod;
  version: number;
}

/** A packet-out as libs/openflow decodes it (every version; 1.5's in_port comes from its match). */
export type PacketOut = Extract<OpenFlowMessage, { type: 'packet_out' }>;

/** One message of a bundle, decoded when it was added. */
export type BundleMod =
  | ({ kind: 'flow' } & FlowModInBundle)
  | { kind: 'group'; gm: GroupMod }
  | { kind: 'packet-out'; po: PacketOut };

/** What a bundle's commit changes besides the flow tables. */
export interface BundleTargets {
  groups: GroupTable;
  /** Translates a packet-out now (against the tables as they are) and returns what sends it. */
  preparePacketOut(po: PacketOut): () => void;
}

export type CommitResult =
  | { ok: true; removed: RemovedFlow[]; packetOuts: (() => void)[] }
  | { ok: false; index: number; error: unknown };

/**
 * Applies a bundle's messages as one transaction in a single synchronous step (no packet is
 * translated in between), in order, as OVS's do_bundle_commit: flow and group mods, and
 * packet-outs translated where they stand (they see the messages before them) but sent only
 * once all of it succeeded. When one fails, nothing is applied: the tables and groups are put
 * back as they were and no packet is sent; the failure names the message and its error.
 */
export function commitBundle(ofproto: Ofproto, targets: BundleTargets, mods: readonly BundleMod[]): CommitResult {
  const undo: Undo[] = [];
  const removed: RemovedFlow[] = [];
  const packetOuts: (() => void)[] = [];
  let groupsBefore: ReturnType<GroupTable['snapshot']> | undefined;
  for (let i = 0; i < mods.length; i++) {
    const m = mods[i];
    try {
      if (m.kind === 'flow') {
        for (const r of applyOne(ofproto, m.fm, m.version, undo)) removed.push(r);
      } else if (m.kind === 'group') {
        groupsBefore ??= targets.groups.snapshot();
        const gone = targets.groups.apply(m.gm);
        // A deleted group takes its flows along: they come back if the bundle fails.
        undo.push({ kind: 'undelete', removed: gone.map((r) => r.entry) });
        for (const r of gone) removed.push(r);
      } else packetOuts.push(targets.preparePacketOut(m.po));
    } catch (error) {
      rollback(ofproto.tables, undo);
      if (groupsBefore) targets.groups.restore(groupsBefore);
      return { ok: false, index: i, error };
    }
  }
  return { ok: true, removed, packetOuts };
}
