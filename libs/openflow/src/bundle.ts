import { Writer } from './bytes.js';
import { decodeError, OFPBRC, OFPET } from './errors.js';

/**
 * Bundles: OFPT_BUNDLE_CONTROL / OFPT_BUNDLE_ADD_MESSAGE (OpenFlow 1.4+), and the same bodies
 * carried in ONF experimenter messages for OpenFlow 1.3 (ONF extension 230, what
 * `ovs-ofctl --bundle -O OpenFlow13` sends). The body is identical in both forms; only the
 * header in front differs (8 bytes, or 16 with the experimenter id and type).
 */
export const OFPT_BUNDLE_CONTROL = 33;
export const OFPT_BUNDLE_ADD_MESSAGE = 34;
export const ONF_VENDOR_ID = 0x4f4e4600;
export const ONFT_BUNDLE_CONTROL = 2300;
export const ONFT_BUNDLE_ADD_MESSAGE = 2301;
const OFPT_EXPERIMENTER = 4;

export const OFPBCT = {
  OPEN_REQUEST: 0,
  OPEN_REPLY: 1,
  CLOSE_REQUEST: 2,
  CLOSE_REPLY: 3,
  COMMIT_REQUEST: 4,
  COMMIT_REPLY: 5,
  DISCARD_REQUEST: 6,
  DISCARD_REPLY: 7,
} as const;
const CTRL_TYPE_NAMES = [
  'OPEN_REQUEST',
  'OPEN_REPLY',
  'CLOSE_REQUEST',
  'CLOSE_REPLY',
  'COMMIT_REQUEST',
  'COMMIT_REPLY',
  'DISCARD_REQUEST',
  'DISCARD_REPLY',
];

export const OFPBF = { ATOMIC: 1, ORDERED: 2 } as const;

/** OFPET_BUNDLE_FAILED (OpenFlow 1.4+); OpenFlow 1.3 sends these as ONF experimenter errors 2300+code. */
export const OFPET_BUNDLE_FAILED = 17;
export const ONFERR_ET_BUNDLE_BASE = 2300;
export const OFPBFC = {
  UNKNOWN: 0,
  EPERM: 1,
  BAD_ID: 2,
  BUNDLE_EXIST: 3,
  BUNDLE_CLOSED: 4,
  OUT_OF_BUNDLES: 5,
  BAD_TYPE: 6,
  BAD_FLAGS: 7,
  MSG_BAD_LEN: 8,
  MSG_BAD_XID: 9,
  MSG_UNSUP: 10,
  MSG_CONFLICT: 11,
  MSG_TOO_MANY: 12,
  MSG_FAILED: 13,
  TIMEOUT: 14,
  BUNDLE_IN_PROGRESS: 15,
} as const;

interface BundleHeader {
  version: number;
  xid: number;
  /** Carried in the ONF experimenter form (OpenFlow 1.3). */
  onf: boolean;
  bundleId: number;
  flags: number;
}
export interface BundleControl extends BundleHeader {
  kind: 'control';
  ctrlType: number;
  /** Undecoded properties (none are defined that Open vSwitch acts on). */
  properties: Uint8Array;
}
export interface BundleAdd extends BundleHeader {
  kind: 'add';
  /** The inner message, a whole OpenFlow message of the same version and xid. */
  message: Uint8Array;
}
export type BundleMessage = BundleControl | BundleAdd;

const u32 = (b: Uint8Array, p: number) => ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
const u16 = (b: Uint8Array, p: number) => (b[p] << 8) | b[p + 1];

/** Which bundle message `b` is (a whole framed message), if any. */
export function bundleKind(b: Uint8Array): 'control' | 'add' | undefined {
  if (b.length < 8) return undefined;
  if (b[0] >= 5) {
    if (b[1] === OFPT_BUNDLE_CONTROL) return 'control';
    if (b[1] === OFPT_BUNDLE_ADD_MESSAGE) return 'add';
    return undefined;
  }
  if (b[0] !== 4 || b[1] !== OFPT_EXPERIMENTER || b.length < 16 || u32(b, 8) !== ONF_VENDOR_ID) return undefined;
  const t = u32(b, 12);
  return t === ONFT_BUNDLE_CONTROL ? 'control' : t === ONFT_BUNDLE_ADD_MESSAGE ? 'add' : undefined;
}

function bundleFailed(code: number, offset: number, why: string) {
  return decodeError(OFPET_BUNDLE_FAILED, code, offset, why);
}

/**
 * Decodes a bundle control or add message (`bundleKind(b)` says it is one). Throws an
 * OpenFlowDecodeError with the error a switch answers (Open vSwitch's checks: lengths, the
 * inner message's xid and version).
 */
export function decodeBundleMessage(b: Uint8Array): BundleMessage {
  const kind = bundleKind(b);
  if (!kind) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_TYPE, 1, 'not a bundle message');
  const version = b[0];
  const xid = u32(b, 4);
  const onf = version < 5;
  const p = onf ? 16 : 8;
  if (b.length < p + 8) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 2, 'bundle message too short');
  const bundleId = u32(b, p);
  if (kind === 'control') {
    return {
      kind,
      version,
      xid,
      onf,
      bundleId,
      ctrlType: u16(b, p + 4),
      flags: u16(b, p + 6),
      properties: b.subarray(p + 8),
    };
  }
  const flags = u16(b, p + 6);
  const at = p + 8;
  if (b.length < at + 8) throw bundleFailed(OFPBFC.MSG_BAD_LEN, at, 'bundle add carries no message');
  const innerLen = u16(b, at + 2);
  if (innerLen < 8 || at + innerLen > b.length)
    throw bundleFailed(OFPBFC.MSG_BAD_LEN, at + 2, `inner message length ${innerLen} does not fit`);
  if (b[at] !== version) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_VERSION, at, 'inner message version differs');
  if (u32(b, at + 4) !== xid) throw bundleFailed(OFPBFC.MSG_BAD_XID, at + 4, 'inner message xid differs');
  return { kind, version, xid, onf, bundleId, flags, message: b.subarray(at, at + innerLen) };
}

function header(w: Writer, version: number, xid: number, onf: boolean, onfType: number, ofType: number): void {
  w.u8(version)
    .u8(onf ? OFPT_EXPERIMENTER : ofType)
    .u16(0)
    .u32(xid);
  if (onf) w.u32(ONF_VENDOR_ID).u32(onfType);
}

function patchLength(w: Writer): Uint8Array {
  w.view.setUint16(2, w.length);
  return w.finish();
}

export function encodeBundleControl(m: Omit<BundleControl, 'kind' | 'properties'> & { properties?: Uint8Array }) {
  const w = new Writer(32);
  header(w, m.version, m.xid, m.onf, ONFT_BUNDLE_CONTROL, OFPT_BUNDLE_CONTROL);
  w.u32(m.bundleId).u16(m.ctrlType).u16(m.flags);
  if (m.properties) w.bytes(m.properties);
  return patchLength(w);
}

export function encodeBundleAdd(m: Omit<BundleAdd, 'kind'>): Uint8Array {
  const w = new Writer(24 + m.message.length);
  header(w, m.version, m.xid, m.onf, ONFT_BUNDLE_ADD_MESSAGE, OFPT_BUNDLE_ADD_MESSAGE);
  w.u32(m.bundleId).u16(0).u16(m.flags).bytes(m.message);
  return patchLength(w);
}

/** A bundle failure as OFPT_ERROR (type, code) for `version`: 1.3's ONF experimenter form included. */
export function bundleErrorForVersion(
  code: number,
  version: number,
): { type: number; code: number; experimenter?: number } {
  if (version >= 5) return { type: OFPET_BUNDLE_FAILED, code };
  return { type: OFPET.EXPERIMENTER, code: ONFERR_ET_BUNDLE_BASE + code, experimenter: ONF_VENDOR_ID };
}

function formatFlags(flags: number): string {
  const names: string[] = [];
  if (flags & OFPBF.ATOMIC) names.push('atomic');
  if (flags & OFPBF.ORDERED) names.push('ordered');
  return names.length ? names.join(' ') : '0';
}

/** The name and body `ovs-ofctl ofp-print` shows for a bundle message (the inner message is the caller's). */
export function formatBundle(m: BundleMessage): { name: string; body: string } {
  const name = `${m.onf ? 'ONFT' : 'OFPT'}_${m.kind === 'control' ? 'BUNDLE_CONTROL' : 'BUNDLE_ADD_MESSAGE'}`;
  if (m.kind === 'add') return { name, body: `\n bundle_id=${hex(m.bundleId)} flags=${formatFlags(m.flags)}` };
  const type = CTRL_TYPE_NAMES[m.ctrlType] ?? `${m.ctrlType}`;
  return { name, body: `\n bundle_id=${hex(m.bundleId)} type=${type} flags=${formatFlags(m.flags)}` };
}

const hex = (n: number) => (n === 0 ? '0' : `0x${n.toString(16)}`);
