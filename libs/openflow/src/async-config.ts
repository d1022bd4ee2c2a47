import type { Writer } from './bytes.js';
import { decodeError, OFPBRC, OFPET } from './errors.js';

/**
 * OFPT_SET_ASYNC and OFPT_GET_ASYNC_REPLY: which asynchronous messages a controller receives,
 * per role. OpenFlow 1.3 sends six fixed 32-bit masks; 1.4+ sends one property per mask
 * (OVS's ofputil_decode_set_async_config and ofputil_format_set_async_config).
 */

/** Bit masks of reasons, one per asynchronous message type. */
export interface AsyncMasks {
  packetIn: number;
  portStatus: number;
  flowRemoved: number;
  roleStatus: number;
  tableStatus: number;
  requestForward: number;
}

export interface AsyncConfig {
  /** Masks for a controller in the primary (master) or equal role. */
  primary: AsyncMasks;
  /** Masks for a controller in the secondary (slave) role. */
  secondary: AsyncMasks;
}

type MaskKey = keyof AsyncMasks;

/** Message types in OVS's print order, with the reason names of each bit. */
const ASYNC_TYPES: { key: MaskKey; title: string; reasons: string[]; allowed: number }[] = [
  {
    key: 'packetIn',
    title: 'PACKET_IN',
    reasons: ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out'],
    allowed: 0x3f,
  },
  { key: 'portStatus', title: 'PORT_STATUS', reasons: ['add', 'delete', 'modify'], allowed: 0x7 },
  {
    key: 'flowRemoved',
    title: 'FLOW_REMOVED',
    reasons: ['idle', 'hard', 'delete', 'group_delete', 'meter_delete', 'eviction'],
    allowed: 0x3f,
  },
  {
    key: 'roleStatus',
    title: 'ROLE_STATUS',
    reasons: ['primary_request', 'configuration_changed', 'experimenter_data_changed'],
    allowed: 0x7,
  },
  { key: 'tableStatus', title: 'TABLE_STATUS', reasons: ['', '', '', 'vacancy_down', 'vacancy_up'], allowed: 0x18 },
  {
    key: 'requestForward',
    title: 'REQUESTFORWARD',
    reasons: ['group_mod_request', 'meter_mod_request'],
    allowed: 0x3,
  },
];

/** The OpenFlow 1.3 fixed form carries only these three, and only reasons OpenFlow 1.3 defines. */
const OF13_FIELDS: [MaskKey, number][] = [
  ['packetIn', 0x7],
  ['portStatus', 0x7],
  ['flowRemoved', 0x3f],
];

/** OpenFlow 1.4 property types: 2k is the secondary's mask and 2k+1 the primary's, k in print order. */
const PROPERTY_KEYS: MaskKey[] = [
  'packetIn',
  'portStatus',
  'flowRemoved',
  'roleStatus',
  'tableStatus',
  'requestForward',
];
const OFPPROP_EXP_SECONDARY = 0xfffe;
const OFPPROP_EXP_PRIMARY = 0xffff;

/** Errors OpenFlow 1.4 defines for properties and async config (OFPET_BAD_PROPERTY, _ASYNC_CONFIG_FAILED). */
const OFPET14_BAD_PROPERTY = 14;
const OFPBPC_BAD_EXP_TYPE = 6;
const OFPET14_ASYNC_CONFIG_FAILED = 15;
const OFPACFC_INVALID = 0;
const OFPACFC_UNSUPPORTED = 1;
/** OFPBPC_BAD_LEN in the OpenFlow 1.3 numbering the rest of the decoder uses. */
const OFPBPC_BAD_LEN_13: [number, number] = [OFPET.TABLE_FEATURES_FAILED, 3];

export function emptyAsyncMasks(): AsyncMasks {
  return { packetIn: 0, portStatus: 0, flowRemoved: 0, roleStatus: 0, tableStatus: 0, requestForward: 0 };
}

export function encodeAsyncConfig(w: Writer, c: AsyncConfig, version: number): void {
  if (version <= 4) {
    for (const [key] of OF13_FIELDS) w.u32(c.primary[key]).u32(c.secondary[key]);
    return;
  }
  PROPERTY_KEYS.forEach((key, k) => {
    w.u16(2 * k)
      .u16(8)
      .u32(c.secondary[key]);
    w.u16(2 * k + 1)
      .u16(8)
      .u32(c.primary[key]);
  });
}

/**
 * Decodes the body of a set-async or get-async-reply (`b` is the whole message). OVS reads a
 * reply loosely (unknown bits kept) but rejects a set-async with bits its version lacks.
 * `onProperty` hears each OpenFlow 1.4+ property the message carries: a set-async changes only
 * the masks it names.
 */
export function decodeAsyncConfig(
  b: Uint8Array,
  version: number,
  strict: boolean,
  onProperty?: (primary: boolean, key: keyof AsyncMasks) => void,
): AsyncConfig {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const c: AsyncConfig = { primary: emptyAsyncMasks(), secondary: emptyAsyncMasks() };
  if (version <= 4) {
    if (b.length !== 32) {
      throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 2, `async config of ${b.length} bytes, expected 32`);
    }
    OF13_FIELDS.forEach(([key, mask], i) => {
      c.primary[key] = v.getUint32(8 + 8 * i) & mask;
      c.secondary[key] = v.getUint32(12 + 8 * i) & mask;
    });
    return c;
  }
  if (b.length % 8 !== 0) {
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 2, `async config of ${b.length} bytes is not a multiple of 8`);
  }
  // The length is a multiple of 8, so a property header (4 bytes) always fits.
  for (let off = 8; off < b.length; ) {
    const type = v.getUint16(off);
    const len = v.getUint16(off + 2);
    const padded = (len + 7) & ~7;
    if (len < 4 || padded > b.length - off) {
      throw decodeError(...OFPBPC_BAD_LEN_13, off + 2, `property length ${len} overruns the message`);
    }
    if (type === OFPPROP_EXP_SECONDARY || type === OFPPROP_EXP_PRIMARY) {
      if (len < 12) throw decodeError(...OFPBPC_BAD_LEN_13, off + 2, `experimenter property of ${len} bytes`);
      throw decodeError(OFPET14_BAD_PROPERTY, OFPBPC_BAD_EXP_TYPE, off + 4, 'unknown experimenter async property');
    }
    const key = PROPERTY_KEYS[type >> 1];
    if (key === undefined) {
      throw decodeError(OFPET14_ASYNC_CONFIG_FAILED, OFPACFC_UNSUPPORTED, off, `unknown async property type ${type}`);
    }
    if (len !== 8) throw decodeError(...OFPBPC_BAD_LEN_13, off + 2, `async property of ${len} bytes, expected 8`);
    const mask = v.getUint32(off + 4);
    const allowed = ASYNC_TYPES.find((t) => t.key === key)?.allowed ?? 0;
    if (strict && (mask & ~allowed) !== 0) {
      throw decodeError(OFPET14_ASYNC_CONFIG_FAILED, OFPACFC_INVALID, off + 4, `bad value 0x${mask.toString(16)}`);
    }
    (type & 1 ? c.primary : c.secondary)[key] = mask;
    onProperty?.((type & 1) === 1, key);
    off += padded;
  }
  return c;
}

function formatReasons(mask: number, reasons: string[]): string {
  let s = '';
  for (let i = 0; i < reasons.length; i++) if (mask & (1 << i) && reasons[i]) s += ` ${reasons[i]}`;
  return s || ' (off)';
}

/** The lines after the message title, as ovs-ofctl prints them. */
export function formatAsyncConfig(c: AsyncConfig): string {
  let s = '';
  for (const [label, masks] of [
    ['primary', c.primary],
    ['secondary', c.secondary],
  ] as const) {
    s += `${s ? '\n' : ''}\n ${label}:`;
    for (const t of ASYNC_TYPES) s += `\n${t.title.padStart(16)}:${formatReasons(masks[t.key], t.reasons)}`;
  }
  return s;
}

/** Names of the errors above that the OpenFlow 1.3 error table lacks. */
export const ASYNC_ERROR_NAMES: Record<string, string> = {
  [`${OFPET14_BAD_PROPERTY},${OFPBPC_BAD_EXP_TYPE}`]: 'OFPBPC_BAD_EXP_TYPE',
  [`${OFPET14_ASYNC_CONFIG_FAILED},${OFPACFC_INVALID}`]: 'OFPACFC_INVALID',
  [`${OFPET14_ASYNC_CONFIG_FAILED},${OFPACFC_UNSUPPORTED}`]: 'OFPACFC_UNSUPPORTED',
};
