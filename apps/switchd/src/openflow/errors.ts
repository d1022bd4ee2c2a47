import {
  bundleErrorForVersion,
  encodeErrorByName,
  encodeMessage,
  errorNameOnWire,
  NX_VENDOR_ID,
  OFPET,
  Writer,
} from '@softswitch/openflow';

/**
 * OVS 3.1 echoes the whole offending message in an error reply (OpenFlow asks for at least 64
 * bytes), so ovs-ofctl can print it decoded; bounded by the 16-bit message length.
 */
const ERROR_DATA_MAX = 0xffff - 24;

/**
 * OVS's name of an error switchd raises in OpenFlow 1.3 numbering (1.5's for errors newer than
 * 1.3), a Nicira experimenter error (OFPET.EXPERIMENTER) by its exp_type.
 */
function raisedErrorName(type: number, code: number): string | undefined {
  if (type === OFPET.EXPERIMENTER) return errorNameOnWire(4, NX_VENDOR_ID, code, 0);
  return errorNameOnWire(4, 0, type, code) ?? errorNameOnWire(6, 0, type, code);
}

function readXid(b: Uint8Array): number {
  return b.length >= 8 ? new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4) : 0;
}

/**
 * An OFPT_ERROR reply to `offending` (its xid; the message itself as data), in `version`'s form
 * as OVS's error table has it (encodeErrorByName: standard, 1.0/1.1 Nicira vendor or 1.2+
 * experimenter; NXBRC_UNENCODABLE_ERROR where the version cannot say it). An error without a
 * name in that table goes out with its numbers as raised.
 */
export function encodeErrorReply(
  version: number,
  type: number,
  code: number,
  offending: Uint8Array,
  xid = readXid(offending),
): Uint8Array {
  const data = offending.subarray(0, ERROR_DATA_MAX);
  const name = raisedErrorName(type, code);
  if (name) {
    const w = new Writer(16 + data.length);
    if (
      encodeErrorByName(w, name, version, xid, data) ||
      encodeErrorByName(w, 'NXBRC_UNENCODABLE_ERROR', version, xid, data)
    )
      return w.finish();
  }
  return encodeMessage({ type: 'error', version, xid, errType: type, code, data });
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
