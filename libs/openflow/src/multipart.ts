import {
  decodeActions,
  decodeInstructions,
  encodeActions10,
  encodeContextFor,
  encodeInstructions,
} from './action-codec.js';
import type { Action } from './actions.js';
import { formatActions } from './actions.js';
import { readUint, Writer } from './bytes.js';
import { encodeBucketActions } from './control.js';
import { decodeError, OFPBRC, OFPET, OpenFlowDecodeError } from './errors.js';
import { formatPort, portFromOf11, portToOf11 } from './format-values.js';
import { decodeGroupDescs15, encodeGroupDescs15 } from './group-desc15.js';
import type { Match } from './match.js';
import { formatMatch } from './match-format.js';
import {
  decodeGroupMeterRequest,
  decodeMeterConfigs,
  decodeMeterFeatures,
  decodeMeterStats,
  encodeGroupMeterRequest,
  encodeMeterConfigs,
  encodeMeterFeatures,
  encodeMeterStats,
  formatGroupMeterRequest,
  formatMeterConfigs,
  formatMeterFeatures,
  formatMeterStats,
  GROUP_METER_MP_CODES,
  GROUP_METER_MP_NAMES,
  type GroupMeterRequestBody,
  type MeterConfig,
  type MeterFeatures,
  type MeterStats,
} from './multipart-group-meter.js';
import {
  decodeGroupDescEntries,
  decodeGroupFeatures,
  decodeGroupStatsEntries,
  encodeGroupDescs,
  encodeGroupFeatures,
  encodeGroupStats,
  formatGroupDescs,
  formatGroupFeatures,
  formatGroupStats,
  type GroupDesc,
  type GroupFeatures,
  type GroupStats,
} from './multipart-groups.js';
import {
  decodeQueueDescRequest,
  decodeQueueDescs,
  decodeQueueStats,
  decodeQueueStatsRequest,
  encodeQueueDescRequest,
  encodeQueueDescs,
  encodeQueueStats,
  encodeQueueStatsRequest,
  formatQueueDescRequest,
  formatQueueDescs,
  formatQueueStats,
  formatQueueStatsRequest,
  OFPMP_QUEUE,
  OFPMP_QUEUE_DESC,
  type QueueStats,
  type QueueStatsRequest,
} from './multipart-queue.js';
import {
  decodeTableDescs,
  encodeTableDescs,
  formatTableDescs,
  OFPMP_TABLE_DESC,
  type TableDesc,
} from './multipart-table-desc.js';
import { pullOfp10Match, putOfp10Match } from './ofp10-match.js';
import { OXS, oxsHeader, putOxsStats, readOxsStats } from './oxs.js';
import { decodePortStatsEntries, encodePortStatsEntry, formatPortStatsEntries, type PortStats } from './port-stats.js';
import { decodePort, encodePort, formatPortDesc, type PortDesc, portLengthAt } from './ports.js';
import type { QueueConfig } from './queue-config.js';
import { pullVersionMatch, putVersionMatch } from './version-match.js';

/** Multipart (OpenFlow 1.0 "stats") requests and replies: desc, flow, aggregate, table, port, port-desc. */

export const MP = { DESC: 0, FLOW: 1, AGGREGATE: 2, TABLE: 3, PORT: 4, PORT_DESC: 13 } as const;

export interface Desc {
  mfr: string;
  hw: string;
  sw: string;
  serial: string;
  dp: string;
}

export interface FlowStatsRequest {
  tableId: number;
  outPort: number;
  outGroup: number;
  cookie: bigint;
  cookieMask: bigint;
  match: Match;
}

export interface FlowStats {
  tableId: number;
  durationSec: number;
  durationNsec: number;
  priority: number;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
  cookie: bigint;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
  actions: Action[];
  /** Seconds since the flow was last used, when the reply carries it (OpenFlow 1.5's OXS idle_time). */
  idleAge?: number;
}

export interface TableStats {
  tableId: number;
  /** OpenFlow 1.0-1.2: table name, wildcards and capacity (not in 1.3+). */
  name?: string;
  wildcards?: number;
  maxEntries?: number;
  activeCount: number;
  lookupCount: bigint;
  matchedCount: bigint;
  /** OpenFlow 1.1 and 1.2: what the table supports (1.3 moved this to table-features). */
  features?: TableStatsFeatures;
}

/**
 * OpenFlow 1.1/1.2 table capabilities as bitmaps: fields (1.1's OFPFMF11_* bits, 1.2's
 * 1 << OXM field number), instructions (1 << OFPIT_*), actions (1 << OFPAT_* of the version).
 */
export interface TableStatsFeatures {
  wildcards: bigint;
  match: bigint;
  instructions: number;
  writeActions: number;
  applyActions: number;
  /** OpenFlow 1.2 only. */
  writeSetfields: bigint;
  applySetfields: bigint;
  metadataMatch: bigint;
  metadataWrite: bigint;
  config: number;
}

/** Bytes of one table stats entry by version: 1.0, 1.1, 1.2, then 1.3+. */
const TABLE_STATS_SIZE = [0, 64, 88, 128];

export type MultipartRequestBody =
  | { mp: 'desc' }
  | { mp: 'flow' | 'aggregate'; request: FlowStatsRequest }
  | { mp: 'table' }
  | { mp: 'port'; portNo: number }
  | { mp: 'port_desc'; portNo: number }
  | ({ mp: 'queue' | 'queue_desc' } & QueueStatsRequest)
  | { mp: 'table_desc' }
  | GroupMeterRequestBody;

export type MultipartReplyBody =
  | { mp: 'desc'; desc: Desc }
  | { mp: 'flow'; flows: FlowStats[] }
  | { mp: 'aggregate'; packetCount: bigint; byteCount: bigint; flowCount: number }
  | { mp: 'table'; tables: TableStats[] }
  | { mp: 'port'; ports: PortStats[] }
  | { mp: 'port_desc'; ports: PortDesc[] }
  | { mp: 'queue'; queues: QueueStats[] }
  | { mp: 'queue_desc'; queues: QueueConfig[] }
  | { mp: 'meter_features'; features: MeterFeatures }
  | { mp: 'meter_config'; configs: MeterConfig[] }
  | { mp: 'meter'; stats: MeterStats[] }
  | { mp: 'group_desc'; groups: GroupDesc[] }
  | { mp: 'group'; stats: GroupStats[] }
  | { mp: 'group_features'; features: GroupFeatures }
  | { mp: 'table_desc'; tables: TableDesc[] };

const MP_CODES: Record<string, number> = {
  desc: 0,
  flow: 1,
  aggregate: 2,
  table: 3,
  port: 4,
  queue: OFPMP_QUEUE,
  port_desc: 13,
  queue_desc: OFPMP_QUEUE_DESC,
  table_desc: OFPMP_TABLE_DESC,
  ...GROUP_METER_MP_CODES,
};
const MP_NAMES: Record<number, MultipartRequestBody['mp']> = {
  0: 'desc',
  1: 'flow',
  2: 'aggregate',
  3: 'table',
  4: 'port',
  [OFPMP_QUEUE]: 'queue',
  13: 'port_desc',
  [OFPMP_QUEUE_DESC]: 'queue_desc',
};

export function multipartCode(mp: string): number {
  return MP_CODES[mp];
}

function putString(w: Writer, s: string, n: number): void {
  const b = new TextEncoder().encode(s).subarray(0, n - 1);
  w.bytes(b).zeros(n - b.length);
}

function getString(b: Uint8Array, off: number, n: number): string {
  let end = off;
  while (end < off + n && b[end]) end++;
  return new TextDecoder().decode(b.subarray(off, end));
}

export function encodeMultipartRequest(w: Writer, body: MultipartRequestBody, version: number): void {
  switch (body.mp) {
    case 'group':
    case 'group_desc':
    case 'group_features':
    case 'meter':
    case 'meter_config':
    case 'meter_features':
      encodeGroupMeterRequest(w, body, version);
      return;
    case 'desc':
    case 'table':
    case 'table_desc':
      return;
    case 'queue':
      encodeQueueStatsRequest(w, body, version);
      return;
    case 'queue_desc':
      encodeQueueDescRequest(w, body);
      return;
    case 'flow':
    case 'aggregate': {
      const r = body.request;
      if (version === 1) {
        putOfp10Match(w, r.match);
        w.u8(r.tableId).u8(0).u16(r.outPort);
      } else {
        w.u8(r.tableId).zeros(3).u32(portToOf11(r.outPort)).u32(r.outGroup).zeros(4).u64(r.cookie).u64(r.cookieMask);
        putVersionMatch(w, r.match, version);
      }
      return;
    }
    case 'port':
    case 'port_desc':
      // Port-desc requests before OpenFlow 1.5 have no body.
      if (body.mp === 'port_desc' && version < 6) return;
      if (version === 1) w.u16(body.portNo).zeros(6);
      else w.u32(portToOf11(body.portNo)).zeros(4);
      return;
  }
}

export function decodeMultipartRequest(
  b: Uint8Array,
  off: number,
  mpType: number,
  version: number,
): MultipartRequestBody {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const end = b.length;
  const need = (n: number) => {
    if (end - off !== n)
      throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, off, `multipart request body must be ${n} bytes`);
  };
  // Table descriptions are OpenFlow 1.4's (1.3 has no multipart type 14).
  if (mpType === OFPMP_TABLE_DESC && version >= 5) {
    need(0);
    return { mp: 'table_desc' };
  }
  const groupMeter = GROUP_METER_MP_NAMES[mpType];
  if (groupMeter) {
    const r = decodeGroupMeterRequest(b, off, groupMeter, version);
    if (r) return r;
  }
  const mp = MP_NAMES[mpType];
  switch (mp) {
    case 'desc':
    case 'table':
      need(0);
      return { mp };
    case 'flow':
    case 'aggregate': {
      if (version === 1) {
        need(44);
        const { match } = pullOfp10Match(b, off);
        return {
          mp,
          request: {
            match,
            tableId: b[off + 40],
            outPort: v.getUint16(off + 42),
            outGroup: 0xffffffff,
            cookie: 0n,
            cookieMask: 0n,
          },
        };
      }
      if (end - off < 32) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, off, 'flow stats request too short');
      const [match, after] = pullVersionMatch(b, off + 32, end, version);
      if (after !== end) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, after, 'trailing bytes after match');
      return {
        mp,
        request: {
          tableId: b[off],
          outPort: portFromOf11(v.getUint32(off + 4)) & 0xffff,
          outGroup: v.getUint32(off + 8),
          cookie: v.getBigUint64(off + 16),
          cookieMask: v.getBigUint64(off + 24),
          match,
        },
      };
    }
    case 'queue':
      return { mp, ...decodeQueueStatsRequest(b, off, version) };
    case 'queue_desc':
      if (version < 5) break;
      return { mp, ...decodeQueueDescRequest(b, off) };
    case 'port':
    case 'port_desc':
      if (mp === 'port_desc' && version === 1) break;
      if (mp === 'port_desc' && version < 6) {
        need(0);
        return { mp, portNo: 0xffff };
      }
      need(8);
      return { mp, portNo: version === 1 ? v.getUint16(off) : portFromOf11(v.getUint32(off)) & 0xffff };
  }
  throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART, off - 8, `unsupported multipart type ${mpType}`);
}

export function encodeMultipartReply(w: Writer, body: MultipartReplyBody, version: number): void {
  switch (body.mp) {
    case 'table_desc':
      encodeTableDescs(w, body.tables);
      return;
    case 'group_desc':
      if (version >= 6) encodeGroupDescs15(w, body.groups, version, encodeBucketActions);
      else encodeGroupDescs(w, body.groups, version, encodeBucketActions);
      return;
    case 'group':
      encodeGroupStats(w, body.stats, version);
      return;
    case 'group_features':
      encodeGroupFeatures(w, body.features);
      return;
    case 'meter_features':
      encodeMeterFeatures(w, body.features);
      return;
    case 'meter_config':
      encodeMeterConfigs(w, body.configs);
      return;
    case 'meter':
      encodeMeterStats(w, body.stats);
      return;
    case 'queue':
      encodeQueueStats(w, body.queues, version);
      return;
    case 'queue_desc':
      encodeQueueDescs(w, body.queues);
      return;
    case 'desc':
      putString(w, body.desc.mfr, 256);
      putString(w, body.desc.hw, 256);
      putString(w, body.desc.sw, 256);
      putString(w, body.desc.serial, 32);
      putString(w, body.desc.dp, 256);
      return;
    case 'aggregate':
      w.u64(body.packetCount).u64(body.byteCount).u32(body.flowCount).zeros(4);
      return;
    case 'flow':
      for (const f of body.flows) {
        const start = w.length;
        w.u16(0).u8(f.tableId).u8(0);
        if (version === 1) {
          putOfp10Match(w, f.match);
          w.u32(f.durationSec).u32(f.durationNsec).u16(f.priority).u16(f.idleTimeout).u16(f.hardTimeout).zeros(6);
          w.u64(f.cookie).u64(f.packetCount).u64(f.byteCount);
          encodeActions10(w, f.actions, encodeContextFor(f.match));
        } else {
          w.u32(f.durationSec)
            .u32(f.durationNsec)
            .u16(f.priority)
            .u16(f.idleTimeout)
            .u16(f.hardTimeout)
            .u16(version >= 4 ? f.flags : 0) // a pad before OpenFlow 1.3
            .zeros(4);
          w.u64(f.cookie).u64(f.packetCount).u64(f.byteCount);
          putVersionMatch(w, f.match, version);
          encodeInstructions(w, f.actions, version, encodeContextFor(f.match));
        }
        w.setU16(start, w.length - start);
      }
      return;
    case 'table':
      for (const t of body.tables) {
        if (version === 1) {
          w.u8(t.tableId).zeros(3);
          putString(w, t.name ?? `table${t.tableId}`, 32);
          w.u32(t.wildcards ?? 0x3fffff)
            .u32(t.maxEntries ?? 1000000)
            .u32(t.activeCount)
            .u64(t.lookupCount)
            .u64(t.matchedCount);
        } else if (version === 2 || version === 3) encodeTableStats1112(w, t, version);
        else w.u8(t.tableId).zeros(3).u32(t.activeCount).u64(t.lookupCount).u64(t.matchedCount);
      }
      return;
    case 'port':
      for (const p of body.ports) encodePortStatsEntry(w, p, version);
      return;
    case 'port_desc':
      for (const p of body.ports) encodePort(w, p, version);
      return;
  }
}

/**
 * Decodes flow stats entries one by one; on a bad entry, returns those before it and the error
 * (ovs-ofctl prints the good entries, then the error).
 */
export function decodeFlowStatsEntries(
  b: Uint8Array,
  off: number,
  version: number,
): { flows: FlowStats[]; error?: OpenFlowDecodeError } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const end = b.length;
  const flows: FlowStats[] = [];
  const badLen = (at: number, msg: string) => decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, at, msg);
  let p = off;
  try {
    while (p < end) {
      const minLen = version === 1 ? 88 : version >= 6 ? 32 : 56;
      if (end - p < minLen) throw badLen(p, 'truncated flow stats entry');
      const len = v.getUint16(p);
      if (len < minLen || len > end - p) throw badLen(p, `flow stats length ${len} overruns the reply`);
      const e = p + len;
      if (version === 1) {
        const { match } = pullOfp10Match(b, p + 4);
        flows.push({
          tableId: b[p + 2],
          match,
          durationSec: v.getUint32(p + 44),
          durationNsec: v.getUint32(p + 48),
          priority: v.getUint16(p + 52),
          idleTimeout: v.getUint16(p + 54),
          hardTimeout: v.getUint16(p + 56),
          flags: 0,
          cookie: v.getBigUint64(p + 64),
          packetCount: v.getBigUint64(p + 72),
          byteCount: v.getBigUint64(p + 80),
          actions: decodeActions(b, p + 88, e - p - 88, 1),
        });
      } else if (version >= 6) {
        flows.push(decodeFlowStats15(b, v, p, e));
      } else {
        const [match, after] = pullVersionMatch(b, p + 48, e, version);
        flows.push({
          tableId: b[p + 2],
          durationSec: v.getUint32(p + 4),
          durationNsec: v.getUint32(p + 8),
          priority: v.getUint16(p + 12),
          idleTimeout: v.getUint16(p + 14),
          hardTimeout: v.getUint16(p + 16),
          flags: version >= 4 ? v.getUint16(p + 18) : 0,
          cookie: v.getBigUint64(p + 24),
          packetCount: v.getBigUint64(p + 32),
          byteCount: v.getBigUint64(p + 40),
          match,
          actions: decodeInstructions(b, after, e - after, version),
        });
      }
      p = e;
    }
  } catch (err) {
    if (err instanceof OpenFlowDecodeError) return { flows, error: err };
    throw err;
  }
  return { flows };
}

/** One OpenFlow 1.5 flow stats entry; `idleMs` is the time since the flow was last used. */
export function encodeFlowStats15(f: FlowStats, importance: number, idleMs: number): Uint8Array {
  const w = new Writer(160);
  w.u16(0).zeros(2).u8(f.tableId).u8(0); // length, pad, table, reason (OFPFSR_STATS_REQUEST)
  w.u16(f.priority).u16(f.idleTimeout).u16(f.hardTimeout).u16(f.flags).u16(importance);
  w.u64(f.cookie);
  putVersionMatch(w, f.match, 6);
  putOxsStats(w, (s) => {
    oxsHeader(s, OXS.DURATION, 8);
    s.u32(f.durationSec).u32(f.durationNsec);
    oxsHeader(s, OXS.IDLE_TIME, 8);
    s.u32(Math.floor(idleMs / 1000)).u32((idleMs % 1000) * 1_000_000);
    oxsHeader(s, OXS.PACKET_COUNT, 8);
    s.u64(f.packetCount);
    oxsHeader(s, OXS.BYTE_COUNT, 8);
    s.u64(f.byteCount);
  });
  encodeInstructions(w, f.actions, 6, encodeContextFor(f.match));
  w.setU16(0, w.length);
  return w.finish();
}

/** The body of an OpenFlow 1.5 aggregate stats reply. */
export function encodeAggregate15(packets: bigint, bytes: bigint, flows: number): Uint8Array {
  const w = new Writer(48);
  putOxsStats(w, (s) => {
    oxsHeader(s, OXS.FLOW_COUNT, 4);
    s.u32(flows);
    oxsHeader(s, OXS.PACKET_COUNT, 8);
    s.u64(packets);
    oxsHeader(s, OXS.BYTE_COUNT, 8);
    s.u64(bytes);
  });
  return w.finish();
}

/**
 * One OpenFlow 1.5 flow stats entry, [p, e): fixed part (table, priority, timeouts, flags,
 * importance, cookie), the OXM match, then the counters as OXS fields in an ofp_stats, then the
 * instructions.
 */
function decodeFlowStats15(b: Uint8Array, v: DataView, p: number, e: number): FlowStats {
  const [match, statsAt] = pullVersionMatch(b, p + 24, e, 6);
  if (e - statsAt < 4) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, statsAt, 'truncated ofp_stats');
  const statsLen = v.getUint16(statsAt + 2);
  const statsEnd = statsAt + statsLen;
  const after = statsAt + ((statsLen + 7) & ~7);
  if (statsLen < 4 || after > e)
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, statsAt, `ofp_stats length ${statsLen} overruns the entry`);
  const f: FlowStats = {
    tableId: b[p + 4],
    durationSec: 0,
    durationNsec: 0,
    priority: v.getUint16(p + 6),
    idleTimeout: v.getUint16(p + 8),
    hardTimeout: v.getUint16(p + 10),
    flags: v.getUint16(p + 12),
    cookie: v.getBigUint64(p + 16),
    packetCount: 0n,
    byteCount: 0n,
    match,
    actions: [],
  };
  const st = readOxsStats(b, v, statsAt + 4, statsEnd);
  if (st.overrunAt >= 0)
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, st.overrunAt, 'OXS field overruns ofp_stats');
  f.durationSec = st.durationSec;
  f.durationNsec = st.durationNsec;
  f.idleAge = st.idleAge;
  f.packetCount = st.packetCount;
  f.byteCount = st.byteCount;
  f.actions = decodeInstructions(b, after, e - after, 6);
  return f;
}

/** OpenFlow 1.5's aggregate reply: one ofp_stats of OXS fields (flow count, packets, bytes). */
function decodeAggregate15(
  b: Uint8Array,
  v: DataView,
  off: number,
  end: number,
): { packetCount: bigint; byteCount: bigint; flowCount: number } {
  if (end - off < 4) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, off, 'truncated ofp_stats');
  const statsEnd = off + v.getUint16(off + 2);
  if (statsEnd > end || statsEnd < off + 4)
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, off, 'ofp_stats length overruns the reply');
  const st = readOxsStats(b, v, off + 4, statsEnd);
  if (st.overrunAt >= 0)
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, st.overrunAt, 'OXS field overruns ofp_stats');
  return { packetCount: st.packetCount, byteCount: st.byteCount, flowCount: st.flowCount };
}

export function decodeMultipartReply(b: Uint8Array, off: number, mpType: number, version: number): MultipartReplyBody {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const end = b.length;
  const badLen = (at: number, msg: string) => decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, at, msg);
  if (mpType === GROUP_METER_MP_CODES.meter_features && version >= 4) {
    return { mp: 'meter_features', features: decodeMeterFeatures(b, off) };
  }
  if (mpType === GROUP_METER_MP_CODES.meter_config && version >= 4) {
    return { mp: 'meter_config', configs: decodeMeterConfigs(b, off) };
  }
  if (mpType === GROUP_METER_MP_CODES.meter && version >= 4) {
    return { mp: 'meter', stats: decodeMeterStats(b, off) };
  }
  // Group replies: OpenFlow 1.5 buckets carry ids and properties.
  if (mpType === GROUP_METER_MP_CODES.group_desc && version >= 2) {
    const { groups, error } =
      version >= 6 ? decodeGroupDescs15(b, off, version) : decodeGroupDescEntries(b, off, version);
    if (error) throw error;
    return { mp: 'group_desc', groups };
  }
  if (mpType === GROUP_METER_MP_CODES.group && version >= 2) {
    const { stats, error } = decodeGroupStatsEntries(b, off, version);
    if (error) throw error;
    return { mp: 'group', stats };
  }
  if (mpType === OFPMP_TABLE_DESC && version >= 5) return { mp: 'table_desc', tables: decodeTableDescs(b, off, end) };
  if (mpType === GROUP_METER_MP_CODES.group_features && version >= 3) {
    return { mp: 'group_features', features: decodeGroupFeatures(b, off) };
  }
  const mp = MP_NAMES[mpType];
  switch (mp) {
    case 'desc':
      if (end - off !== 1056) throw badLen(off, 'desc reply must be 1056 bytes');
      return {
        mp,
        desc: {
          mfr: getString(b, off, 256),
          hw: getString(b, off + 256, 256),
          sw: getString(b, off + 512, 256),
          serial: getString(b, off + 768, 32),
          dp: getString(b, off + 800, 256),
        },
      };
    case 'aggregate':
      if (version >= 6) return { mp, ...decodeAggregate15(b, v, off, end) };
      if (end - off !== 24) throw badLen(off, 'aggregate reply must be 24 bytes');
      return {
        mp,
        packetCount: v.getBigUint64(off),
        byteCount: v.getBigUint64(off + 8),
        flowCount: v.getUint32(off + 16),
      };
    case 'flow': {
      const { flows, error } = decodeFlowStatsEntries(b, off, version);
      if (error) throw error;
      return { mp, flows };
    }
    case 'table': {
      const size = TABLE_STATS_SIZE[version] ?? 24;
      if ((end - off) % size) throw badLen(off, 'table stats reply is not a whole number of entries');
      const tables: TableStats[] = [];
      for (let p = off; p < end; p += size) {
        if (version === 1) {
          tables.push({
            tableId: b[p],
            name: getString(b, p + 4, 32),
            wildcards: v.getUint32(p + 36),
            maxEntries: v.getUint32(p + 40),
            activeCount: v.getUint32(p + 44),
            lookupCount: v.getBigUint64(p + 48),
            matchedCount: v.getBigUint64(p + 56),
          });
        } else if (version === 2 || version === 3) tables.push(decodeTableStats1112(b, v, p, version));
        else {
          tables.push({
            tableId: b[p],
            activeCount: v.getUint32(p + 4),
            lookupCount: v.getBigUint64(p + 8),
            matchedCount: v.getBigUint64(p + 16),
          });
        }
      }
      return { mp, tables };
    }
    case 'queue':
      return { mp, queues: decodeQueueStats(b, off, version) };
    case 'queue_desc':
      return { mp, queues: decodeQueueDescs(b, off) };
    case 'port':
      return { mp, ports: decodePortStatsEntries(b, off, end, version) };
    case 'port_desc': {
      if (version === 1) break;
      const ports: PortDesc[] = [];
      for (let p = off, len = 0; p < end; p += len) {
        len = portLengthAt(b, p, end, version);
        if (!len) throw badLen(p, 'port desc reply is not a whole number of ports');
        ports.push(decodePort(b, p, version));
      }
      return { mp, ports };
    }
  }
  throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART, off - 8, `unsupported multipart type ${mpType}`);
}

const MP_TITLES: Record<string, string> = {
  desc: 'OFPST_DESC',
  flow: 'OFPST_FLOW',
  aggregate: 'OFPST_AGGREGATE',
  table: 'OFPST_TABLE',
  port: 'OFPST_PORT',
  port_desc: 'OFPST_PORT_DESC',
  queue: 'OFPST_QUEUE',
  queue_desc: 'OFPST_QUEUE_DESC',
  group: 'OFPST_GROUP',
  group_desc: 'OFPST_GROUP_DESC',
  group_features: 'OFPST_GROUP_FEATURES',
  meter: 'OFPST_METER',
  meter_config: 'OFPST_METER_CONFIG',
  meter_features: 'OFPST_METER_FEATURES',
  table_desc: 'OFPST_TABLE_DESC',
};

export function multipartTitle(mp: string, reply: boolean): string {
  return `${MP_TITLES[mp]} ${reply ? 'reply' : 'request'}`;
}

/** The fields an OpenFlow 1.0 table can wildcard, grouped as OVS prints them. */
function formatWildcards10(wc: number): string {
  // ovs-ofctl lists fields the table can match "exact or wildcard"; OpenFlow 1.0 tables that
  // wildcard everything (0x3fffff, what switches report) print this fixed line.
  if ((wc & 0x3fffff) === 0x3fffff) {
    return '      exact match or wildcard: in_port eth_{src,dst,type} vlan_{vid,pcp} ip_{src,dst} nw_{proto,tos} tcp_{src,dst}';
  }
  return `      wildcards: 0x${wc.toString(16)}`;
}

/** OVS's ofp_print_duration: seconds, then nanoseconds without trailing zeros. */
export function formatDuration(sec: number, nsec: number): string {
  let s = String(sec);
  if (nsec > 0) {
    // Nine digits with trailing zeros trimmed, keeping at least three.
    let frac = String(nsec).padStart(9, '0');
    while (frac.length > 3 && frac.endsWith('0')) frac = frac.slice(0, -1);
    s += `.${frac}`;
  }
  return `${s}s`;
}

function formatFlowFlags(flags: number): string {
  let s = '';
  if (flags & 1) s += 'send_flow_rem ';
  if (flags & 2) s += 'check_overlap ';
  if (flags & 4) s += 'reset_counts ';
  if (flags & 8) s += 'no_packet_counts ';
  if (flags & 16) s += 'no_byte_counts ';
  return s;
}

export function formatMultipartRequest(body: MultipartRequestBody, version: number): string {
  switch (body.mp) {
    case 'desc':
    case 'table':
    case 'table_desc':
      return '';
    case 'flow':
    case 'aggregate': {
      const r = body.request;
      let s = '';
      if (r.tableId !== 0xff) s += ` table=${r.tableId}`;
      if (r.outPort !== 0xffff) s += ` out_port=${formatPort(r.outPort)}`;
      const m = formatMatch(r.match);
      s += ` ${m}`;
      void version;
      return s === ' ' ? '' : s.replace(/ $/, '');
    }
    case 'port':
      return ` port_no=${formatPort(body.portNo)}`;
    case 'port_desc':
      return ` port=${formatPort(body.portNo)}`;
    case 'queue':
      return formatQueueStatsRequest(body, version);
    case 'queue_desc':
      return formatQueueDescRequest(body);
    default:
      return formatGroupMeterRequest(body);
  }
}

export function formatMultipartReply(body: MultipartReplyBody, version: number): string {
  switch (body.mp) {
    case 'table_desc':
      return formatTableDescs(body.tables);
    case 'group_desc':
      return formatGroupDescs(body.groups);
    case 'group':
      return formatGroupStats(body.stats);
    case 'group_features':
      return formatGroupFeatures(body.features);
    case 'meter_features':
      return formatMeterFeatures(body.features);
    case 'meter_config':
      return formatMeterConfigs(body.configs);
    case 'meter':
      return formatMeterStats(body.stats);
    case 'desc':
      return `\nManufacturer: ${body.desc.mfr}\nHardware: ${body.desc.hw}\nSoftware: ${body.desc.sw}\nSerial Num: ${body.desc.serial}\nDP Description: ${body.desc.dp}`;
    case 'aggregate':
      return ` packet_count=${body.packetCount} byte_count=${body.byteCount} flow_count=${body.flowCount}`;
    case 'flow':
      return body.flows
        .map((f) => {
          // UINT64_MAX counters are "unknown".
          const n = (x: bigint) => (x === 0xffffffffffffffffn ? '?' : String(x));
          let s = `\n cookie=0x${f.cookie.toString(16)}, duration=${formatDuration(f.durationSec, f.durationNsec)}, table=${f.tableId}, n_packets=${n(f.packetCount)}, n_bytes=${n(f.byteCount)}, `;
          if (f.idleTimeout) s += `idle_timeout=${f.idleTimeout}, `;
          if (f.hardTimeout) s += `hard_timeout=${f.hardTimeout}, `;
          s += formatFlowFlags(f.flags);
          if (f.idleAge !== undefined) s += `idle_age=${f.idleAge}, `;
          const m = formatMatch(f.match, f.priority);
          if (m) s += `${m} `;
          return `${s}actions=${formatActions(f.actions)}`;
        })
        .join('');
    case 'table': {
      let prev: TableStats | undefined;
      return body.tables
        .map((t, i) => {
          const named = t.name !== undefined && (version === 1 || t.name !== '');
          let s = `${i ? '\n' : ''}\n  table ${t.tableId}${named ? ` ("${t.name}")` : ''}:`;
          s += `\n    active=${t.activeCount}, lookup=${t.lookupCount}, matched=${t.matchedCount}`;
          if (version === 1) {
            if (prev && prev.wildcards === t.wildcards && prev.maxEntries === t.maxEntries)
              s += '\n    (same features)';
            else s += `\n    max_entries=${t.maxEntries}\n    matching:\n${formatWildcards10(t.wildcards ?? 0)}`;
          }
          prev = t;
          return s;
        })
        .join('');
    }
    case 'port':
      return ` ${body.ports.length} ports${formatPortStatsEntries(body.ports, version)}`;
    case 'queue':
      return formatQueueStats(body.queues, formatDuration);
    case 'queue_desc':
      return formatQueueDescs(body.queues);
    case 'port_desc':
      return `\n${[...body.ports]
        .sort((a, b) => a.portNo - b.portNo)
        .map((p) => formatPortDesc(p, version))
        .join('')}`.replace(/\n$/, '');
  }
}

export { readUint };

const NO_TABLE_FEATURES: TableStatsFeatures = {
  wildcards: 0n,
  match: 0n,
  instructions: 0,
  writeActions: 0,
  applyActions: 0,
  writeSetfields: 0n,
  applySetfields: 0n,
  metadataMatch: 0n,
  metadataWrite: 0n,
  config: 0,
};

/** ofp11_table_stats (88 bytes) or ofp12_table_stats (128 bytes). */
function encodeTableStats1112(w: Writer, t: TableStats, version: number): void {
  const f = t.features ?? NO_TABLE_FEATURES;
  w.u8(t.tableId).zeros(7);
  putString(w, t.name ?? '', 32);
  if (version === 2) {
    w.u32(Number(f.wildcards)).u32(Number(f.match)).u32(f.instructions).u32(f.writeActions).u32(f.applyActions);
    w.u32(f.config);
  } else {
    w.u64(f.match).u64(f.wildcards).u32(f.writeActions).u32(f.applyActions);
    w.u64(f.writeSetfields).u64(f.applySetfields).u64(f.metadataMatch).u64(f.metadataWrite);
    w.u32(f.instructions).u32(f.config);
  }
  w.u32(t.maxEntries ?? 0)
    .u32(t.activeCount)
    .u64(t.lookupCount)
    .u64(t.matchedCount);
}

function decodeTableStats1112(b: Uint8Array, v: DataView, p: number, version: number): TableStats {
  const name = getString(b, p + 8, 32);
  const at = p + 40;
  const features: TableStatsFeatures =
    version === 2
      ? {
          ...NO_TABLE_FEATURES,
          wildcards: BigInt(v.getUint32(at)),
          match: BigInt(v.getUint32(at + 4)),
          instructions: v.getUint32(at + 8),
          writeActions: v.getUint32(at + 12),
          applyActions: v.getUint32(at + 16),
          config: v.getUint32(at + 20),
        }
      : {
          match: v.getBigUint64(at),
          wildcards: v.getBigUint64(at + 8),
          writeActions: v.getUint32(at + 16),
          applyActions: v.getUint32(at + 20),
          writeSetfields: v.getBigUint64(at + 24),
          applySetfields: v.getBigUint64(at + 32),
          metadataMatch: v.getBigUint64(at + 40),
          metadataWrite: v.getBigUint64(at + 48),
          instructions: v.getUint32(at + 56),
          config: v.getUint32(at + 60),
        };
  const tail = version === 2 ? at + 24 : at + 64;
  return {
    tableId: b[p],
    name,
    maxEntries: v.getUint32(tail),
    activeCount: v.getUint32(tail + 4),
    lookupCount: v.getBigUint64(tail + 8),
    matchedCount: v.getBigUint64(tail + 16),
    features,
  };
}
