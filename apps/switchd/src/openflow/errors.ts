import {
  bundleErrorForVersion,
  encodeMessage,
  errorNameOnWire,
  errorTriplet,
  NX_VENDOR_ID,
  NXBRC_UNENCODABLE_ERROR,
  NXET_VENDOR,
  OFPET,
  Writer,
} from '@softswitch/openflow';

/**
 * OVS 3.1 echoes the whole offending message in an error reply (OpenFlow asks for at least 64
 * bytes), so ovs-ofctl can print it decoded; bounded by the 16-bit message length.
 */
const ERROR_DATA_MAX = 0xffff - 24;

/** How an error (OpenFlow 1.3 numbering, 1.5's for later errors) goes on the wire for `version`. */
export type WireError = { type: number; code: number; vendor?: [number, number] };

/**
 * OpenFlow 1.0 and 1.1 number many errors differently from 1.3 or not at all: OVS's error table
 * (libs/openflow error-table.ts) gives each error's standard type/code there, or the Nicira
 * vendor error it goes out as; an error the version cannot say at all is NXBRC_UNENCODABLE_ERROR.
 * 1.2+ carry the 1.3 numbers as they are.
 */
export function errorForVersion(type: number, code: number, version: number): WireError {
  if (version !== 1 && version !== 2) return { type, code };
  // Errors newer than 1.3 (OFPGMFC_UNKNOWN_BUCKET...) are raised with their 1.5 numbers.
  const name = errorNameOnWire(4, 0, type, code) ?? errorNameOnWire(6, 0, type, code);
  if (!name) return { type, code };
  const t = errorTriplet(name, version);
  if (t && !t.vendor) return { type: t.type, code: t.code };
  return { type: NXET_VENDOR, code: 0, vendor: t ? [t.type, t.code] : NXBRC_UNENCODABLE_ERROR };
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
  } else if (e.type === OFPET.EXPERIMENTER) {
    // OpenFlow 1.2+'s experimenter error: the code is the Nicira exp_type, the vendor ID follows.
    const w = new Writer(4 + data.length);
    w.u32(NX_VENDOR_ID).bytes(data);
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
