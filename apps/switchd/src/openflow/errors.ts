import {
  bundleErrorForVersion,
  ERROR_NAMES_10,
  ERROR_NAMES_11,
  encodeMessage,
  NX_VENDOR_ERRORS_10,
  NX_VENDOR_ID,
  NXBRC_UNENCODABLE_ERROR,
  NXET_VENDOR,
  Writer,
} from '@softswitch/openflow';

/**
 * OVS 3.1 echoes the whole offending message in an error reply (OpenFlow asks for at least 64
 * bytes), so ovs-ofctl can print it decoded; bounded by the 16-bit message length.
 */
const ERROR_DATA_MAX = 0xffff - 24;

const GROUP_MOD_FAILED = 6;

const NAME_TO_10 = new Map<string, { type: number; code: number }>();
for (const [key, name] of Object.entries(ERROR_NAMES_10)) {
  const [type, code] = key.split(',').map(Number);
  NAME_TO_10.set(name, { type, code });
}

/** How an error (OpenFlow 1.3 numbering) goes on the wire for `version`. */
export type WireError = { type: number; code: number; vendor?: [number, number] };

/**
 * Errors OpenFlow 1.0 and 1.1 carry under another error's number (OVS's ofp-errors.h lists both
 * for the pair; ovs-ofctl names the first): OFPBRC_IS_SLAVE is OF1.0-1.1 (1,5), which reads back
 * as OFPBRC_EPERM.
 */
const SHARED_10_11: Record<string, { type: number; code: number }> = {
  OFPBRC_IS_SECONDARY: { type: 1, code: 5 },
};

export function errorForVersion(type: number, code: number, version: number): WireError {
  if (version !== 1 && version !== 2) return { type, code };
  const name = ERROR_NAMES_11[`${type},${code}`];
  const shared = name ? SHARED_10_11[name] : undefined;
  if (shared) return shared;
  if (version !== 1) return { type, code };
  const std = name ? NAME_TO_10.get(name) : undefined;
  if (std) return std;
  // Group errors keep their 1.1 numbers inside the vendor error.
  const nx =
    (name && NX_VENDOR_ERRORS_10[name]) || (type === GROUP_MOD_FAILED ? [type, code] : NXBRC_UNENCODABLE_ERROR);
  return { type: NXET_VENDOR, code: 0, vendor: nx as [number, number] };
}

function readXid(b: Uint8Array): number {
  return b.length >= 8 ? new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4) : 0;
}

/** An OFPT_ERROR reply to `offending` (its xid; the message itself as data). */
export function encodeErrorReply(
  version: number,
  type: number,
  code: number,
  offending: Uint8Array,
  xid = readXid(offending),
): Uint8Array {
  const e = errorForVersion(type, code, version);
  let data = offending.subarray(0, ERROR_DATA_MAX);
  if (e.vendor) {
    const w = new Writer(8 + data.length);
    w.u32(NX_VENDOR_ID).u16(e.vendor[0]).u16(e.vendor[1]).bytes(data);
    data = w.finish();
  }
  return encodeMessage({ type: 'error', version, xid, errType: e.type, code: e.code, data });
}

/** An error whose data is text (OFPET_HELLO_FAILED carries an ASCII explanation). */
export function encodeTextError(version: number, xid: number, type: number, code: number, text: string): Uint8Array {
  return encodeMessage({ type: 'error', version, xid, errType: type, code, data: new TextEncoder().encode(text) });
}

/** OFPET_BUNDLE_FAILED / `code` in `version`'s form: OpenFlow 1.3 carries it as an ONF experimenter error. */
export function encodeBundleError(version: number, code: number, offending: Uint8Array): Uint8Array {
  const e = bundleErrorForVersion(code, version);
  let data = offending.subarray(0, ERROR_DATA_MAX);
  if (e.experimenter !== undefined) {
    const w = new Writer(4 + data.length);
    w.u32(e.experimenter).bytes(data);
    data = w.finish();
  }
  return encodeMessage({ type: 'error', version, xid: readXid(offending), errType: e.type, code: e.code, data });
}
