import type { Writer } from './bytes.js';
import type { MeterBand } from './control.js';
import { decodeError, OFPBRC, OFPET } from './errors.js';
// A cycle with multipart.ts (which builds its tables from this module); used only at call time.
import { formatDuration } from './multipart.js';

/**
 * Group and meter multipart requests (group, group-desc, group-features, meter, meter-config,
 * meter-features) and the meter-features reply, as OVS's ofp-print reads and prints them.
 * Self-contained: multipart.ts builds its tables from the constants here.
 */

export type GroupMeterRequestBody =
  | { mp: 'group' | 'group_desc'; groupId: number }
  | { mp: 'meter' | 'meter_config'; meterId: number }
  | { mp: 'group_features' | 'meter_features' };

export interface MeterFeatures {
  maxMeter: number;
  /** Bit 1 << OFPMBT_*: 1 << 1 = drop, 1 << 2 = dscp_remark. */
  bandTypes: number;
  /** OFPMF_*: kbps, pktps, burst, stats. */
  capabilities: number;
  maxBands: number;
  maxColor: number;
}

/** One entry of a meter-config reply: a meter's flags and bands, as a meter_mod set them. */
export interface MeterConfig {
  meterId: number;
  flags: number;
  bands: MeterBand[];
}

/** One entry of a meter stats reply. */
export interface MeterStats {
  meterId: number;
  flowCount: number;
  packetInCount: bigint;
  byteInCount: bigint;
  durationSec: number;
  durationNsec: number;
  bands: { packetCount: bigint; byteCount: bigint }[];
}

export const GROUP_METER_MP_CODES = {
  group: 6,
  group_desc: 7,
  group_features: 8,
  meter: 9,
  meter_config: 10,
  meter_features: 11,
} as const;

type GroupMeterMp = GroupMeterRequestBody['mp'];

export const GROUP_METER_MP_NAMES: Record<number, GroupMeterMp> = {
  6: 'group',
  7: 'group_desc',
  8: 'group_features',
  9: 'meter',
  10: 'meter_config',
  11: 'meter_features',
};

/** First OpenFlow wire version with each type: groups came in 1.1, group features in 1.2, meters in 1.3. */
const MIN_VERSION: Record<GroupMeterMp, number> = {
  group: 2,
  group_desc: 2,
  group_features: 3,
  meter: 4,
  meter_config: 4,
  meter_features: 4,
};

/** Whether OpenFlow wire `version` has the multipart type `mp`. */
export function groupMeterMpAvailable(mp: GroupMeterMp, version: number): boolean {
  return version >= MIN_VERSION[mp];
}

export const OFPG_ALL = 0xfffffffc;
export const OFPG_ANY = 0xffffffff;
const OFPM_MAX = 0xffff0000;

/** OpenFlow 1.5 added a group id to the group-desc request; before, it asks for all groups. */
function hasGroupId(mp: GroupMeterMp, version: number): boolean {
  return mp === 'group' || (mp === 'group_desc' && version >= 6);
}

export function encodeGroupMeterRequest(w: Writer, body: GroupMeterRequestBody, version: number): void {
  if (body.mp === 'meter' || body.mp === 'meter_config') w.u32(body.meterId).zeros(4);
  else if ((body.mp === 'group' || body.mp === 'group_desc') && hasGroupId(body.mp, version)) {
    w.u32(body.groupId).zeros(4);
  }
}

/** The request body at `off` (to the end of `b`), or undefined when `version` lacks the type. */
export function decodeGroupMeterRequest(
  b: Uint8Array,
  off: number,
  mp: GroupMeterMp,
  version: number,
): GroupMeterRequestBody | undefined {
  if (!groupMeterMpAvailable(mp, version)) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const withId = mp === 'meter' || mp === 'meter_config' || hasGroupId(mp, version);
  const expected = withId ? 8 : 0;
  if (b.length - off !== expected) {
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, off, `${mp} request body must be ${expected} bytes`);
  }
  switch (mp) {
    case 'meter':
    case 'meter_config':
      return { mp, meterId: v.getUint32(off) };
    case 'group':
    case 'group_desc':
      return { mp, groupId: withId ? v.getUint32(off) : OFPG_ALL };
    default:
      return { mp };
  }
}

export function encodeMeterFeatures(w: Writer, f: MeterFeatures): void {
  w.u32(f.maxMeter).u32(f.bandTypes).u32(f.capabilities).u8(f.maxBands).u8(f.maxColor).zeros(2);
}

export function decodeMeterFeatures(b: Uint8Array, off: number): MeterFeatures {
  if (b.length - off !== 16) {
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, off, 'meter features reply body must be 16 bytes');
  }
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    maxMeter: v.getUint32(off),
    bandTypes: v.getUint32(off + 4),
    capabilities: v.getUint32(off + 8),
    maxBands: b[off + 12],
    maxColor: b[off + 13],
  };
}

/** OVS's ofputil_group_to_string. */
export function formatGroupId(id: number): string {
  if (id === OFPG_ALL) return 'ALL';
  if (id === OFPG_ANY) return 'ANY';
  return String(id);
}

/** OVS's ofputil_format_meter_id for stats requests. */
export function formatMeterId(id: number): string {
  if (id <= OFPM_MAX) return String(id);
  if (id === 0xfffffffd) return 'slowpath';
  if (id === 0xfffffffe) return 'controller';
  if (id === 0xffffffff) return 'all';
  return 'unknown';
}

export function formatGroupMeterRequest(body: GroupMeterRequestBody): string {
  switch (body.mp) {
    case 'group':
    case 'group_desc':
      return ` group_id=${formatGroupId(body.groupId)}`;
    case 'meter':
    case 'meter_config':
      return ` meter=${formatMeterId(body.meterId)}`;
    default:
      return '';
  }
}

/** Named bits in order, then any unnamed ones as one hex number; "0" for none. */
function formatBits(value: number, names: Record<number, string>): string {
  const parts: string[] = [];
  let rest = value >>> 0;
  for (let bit = 0; bit < 32; bit++) {
    const name = names[bit];
    if (name && rest & (1 << bit)) {
      parts.push(name);
      rest = (rest & ~(1 << bit)) >>> 0;
    }
  }
  if (rest) parts.push(`0x${rest.toString(16)}`);
  return parts.length ? parts.join(' ') : '0';
}

const BAND_TYPE_BITS: Record<number, string> = { 1: 'drop', 2: 'dscp_remark' };
const METER_CAPABILITY_BITS: Record<number, string> = { 0: 'kbps', 1: 'pktps', 2: 'burst', 3: 'stats' };

export function formatMeterFeatures(f: MeterFeatures): string {
  return (
    `\nmax_meter:${f.maxMeter} max_bands:${f.maxBands} max_color:${f.maxColor}` +
    `\nband_types: ${formatBits(f.bandTypes, BAND_TYPE_BITS)}` +
    `\ncapabilities: ${formatBits(f.capabilities, METER_CAPABILITY_BITS)}`
  );
}

export function encodeMeterConfigs(w: Writer, configs: MeterConfig[]): void {
  for (const c of configs) {
    w.u16(8 + 16 * c.bands.length)
      .u16(c.flags)
      .u32(c.meterId);
    for (const band of c.bands) {
      w.u16(band.type).u16(16).u32(band.rate).u32(band.burstSize);
      if (band.type === 2) w.u8(band.precLevel).zeros(3);
      else w.zeros(4);
    }
  }
}

/** Meter-config reply entries from `off` to the end of `b`. */
export function decodeMeterConfigs(b: Uint8Array, off: number): MeterConfig[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const badLen = (at: number, msg: string) => {
    const e = decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, at, msg);
    e.inBody = true;
    return e;
  };
  const out: MeterConfig[] = [];
  for (let p = off; p < b.length; ) {
    if (b.length - p < 8) throw badLen(p, 'truncated meter config entry');
    const len = v.getUint16(p);
    if (len < 8 || len > b.length - p) throw badLen(p, `meter config length ${len} overruns the reply`);
    const c: MeterConfig = { flags: v.getUint16(p + 2), meterId: v.getUint32(p + 4), bands: [] };
    for (let q = p + 8; q < p + len; q += 16) {
      if (p + len - q < 16) throw badLen(q, 'truncated meter band');
      const type = v.getUint16(q);
      if (v.getUint16(q + 2) !== 16) throw badLen(q + 2, 'meter band length must be 16');
      if (type !== 1 && type !== 2) throw decodeError(OFPET.METER_MOD_FAILED, 8, q, `unknown meter band type ${type}`);
      c.bands.push({
        type,
        rate: v.getUint32(q + 4),
        burstSize: v.getUint32(q + 8),
        precLevel: type === 2 ? b[q + 12] : 0,
      });
    }
    out.push(c);
    p += len;
  }
  return out;
}

const METER_FLAG_NAMES = ['kbps', 'pktps', 'burst', 'stats'];

/** OVS's ofputil_format_meter_config, one entry. */
export function formatMeterConfig(c: MeterConfig): string {
  let s = `meter=${formatMeterId(c.meterId)}`;
  METER_FLAG_NAMES.forEach((name, bit) => {
    if (c.flags & (1 << bit)) s += ` ${name}`;
  });
  s += ' bands=';
  for (const band of c.bands) {
    s += `\ntype=${band.type === 1 ? 'drop' : 'dscp_remark'} rate=${band.rate}`;
    if (c.flags & 4) s += ` burst_size=${band.burstSize}`;
    if (band.type === 2) s += ` prec_level=${band.precLevel}`;
  }
  return s;
}

export function formatMeterConfigs(configs: MeterConfig[]): string {
  return configs.map((c) => `\n${formatMeterConfig(c)}`).join('\n');
}

const METER_STATS_LEN = 40;

export function encodeMeterStats(w: Writer, stats: MeterStats[]): void {
  for (const m of stats) {
    w.u32(m.meterId)
      .u16(METER_STATS_LEN + 16 * m.bands.length)
      .zeros(6);
    w.u32(m.flowCount).u64(m.packetInCount).u64(m.byteInCount).u32(m.durationSec).u32(m.durationNsec);
    for (const band of m.bands) w.u64(band.packetCount).u64(band.byteCount);
  }
}

/** The entries before the first bad one (ovs-ofctl prints those, then the error). */
export function decodeMeterStatsPrefix(b: Uint8Array, off: number): MeterStats[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let end = off;
  while (b.length - end >= METER_STATS_LEN) {
    const len = v.getUint16(end + 4);
    if (len < METER_STATS_LEN || len > b.length - end || (len - METER_STATS_LEN) % 16) break;
    end += len;
  }
  return decodeMeterStats(b.subarray(0, end), off);
}

/** Meter stats reply entries from `off` to the end of `b`. */
export function decodeMeterStats(b: Uint8Array, off: number): MeterStats[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // A body that is not a multiple of 8 bytes fails framing (no message title in OVS's output);
  // errors in the entries themselves come after the message is recognized.
  if ((b.length - off) % 8) {
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, off, 'meter stats reply body is not a multiple of 8 bytes');
  }
  const out: MeterStats[] = [];
  for (let p = off; p < b.length; ) {
    const len = b.length - p >= METER_STATS_LEN ? v.getUint16(p + 4) : 0;
    if (len < METER_STATS_LEN || len > b.length - p || (len - METER_STATS_LEN) % 16) {
      const e = decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, p, `meter stats entry of ${len} bytes`);
      e.inBody = true;
      throw e;
    }
    const m: MeterStats = {
      meterId: v.getUint32(p),
      flowCount: v.getUint32(p + 12),
      packetInCount: v.getBigUint64(p + 16),
      byteInCount: v.getBigUint64(p + 24),
      durationSec: v.getUint32(p + 32),
      durationNsec: v.getUint32(p + 36),
      bands: [],
    };
    for (let q = p + METER_STATS_LEN; q < p + len; q += 16) {
      m.bands.push({ packetCount: v.getBigUint64(q), byteCount: v.getBigUint64(q + 8) });
    }
    out.push(m);
    p += len;
  }
  return out;
}

/** OVS's ofputil_format_meter_stats, entries separated by a blank line. */
export function formatMeterStats(stats: MeterStats[]): string {
  const entries = stats.map((m) => {
    let s = `meter:${formatMeterId(m.meterId)} flow_count:${m.flowCount} packet_in_count:${m.packetInCount}`;
    s += ` byte_in_count:${m.byteInCount} duration:${formatDuration(m.durationSec, m.durationNsec)} bands:`;
    m.bands.forEach((band, i) => {
      s += `\n${i}: packet_count:${band.packetCount} byte_count:${band.byteCount}`;
    });
    return s;
  });
  return entries.length ? `\n${entries.join('\n\n')}` : '';
}
