import { OfflineFatal } from './fatal.js';
import { bareHexDump, parseHexPairs } from './hex-input.js';

type Of = typeof import('@softswitch/openflow');

/** The versions OVS 3.1 has an error domain for (OpenFlow 1.0 to 1.5). */
const VERSIONS = [1, 2, 3, 4, 5, 6];

function knownError(of: Of, name: string): void {
  if (!of.isErrorName(name)) throw new OfflineFatal(`unknown error "${name}"`, '');
}

/** ovs-ofctl print-error NAME: the vendor, type and code of NAME in each version that has it. */
export function printErrorOutput(of: Of, name: string): string {
  knownError(of, name);
  let out = '';
  for (const version of VERSIONS) {
    const t = of.errorTriplet(name, version);
    if (!t) continue;
    out += `OpenFlow 1.${version - 1}: vendor ${t.vendor ? `0x${t.vendor.toString(16)}` : '0'}, type ${t.type}, code ${t.code}\n`;
  }
  return out;
}

/**
 * OVS's ofperr_encode_reply: error `name` in reply to `request`, in the request's version (1.0's
 * for a version OVS has no errors for); an error the version cannot express becomes
 * NXBRC_UNENCODABLE_ERROR. Vendor errors are 1.0/1.1's NXET_VENDOR or 1.2+'s experimenter form.
 * Returns the message and the lines OVS logs on the way.
 */
export function encodeErrorReply(of: Of, name: string, request: Uint8Array): { msg: Uint8Array; logs: string[] } {
  let version = request[0];
  const logs: string[] = [];
  if (!VERSIONS.includes(version)) {
    logs.push(`cannot encode error for unknown OpenFlow version 0x${version.toString(16).padStart(2, '0')}`);
    version = 1;
  }
  const t = of.errorTriplet(name, version);
  if (!t) logs.push(`cannot encode ${name} for OpenFlow 1.${version - 1}`);
  const w = new of.Writer(24 + request.length);
  const xid = new DataView(request.buffer, request.byteOffset).getUint32(4);
  // (The form follows the request's version even when the numbers fell back to 1.0's.)
  if (!of.encodeErrorByName(w, t ? name : 'NXBRC_UNENCODABLE_ERROR', request[0], xid, request, version))
    throw new Error(`no encoding of ${name}`);
  return { msg: w.finish(), logs };
}

/** ovs-ofctl encode-error-reply NAME HEX: the reply's hex dump (and OVS's log lines). */
export function encodeErrorReplyOutput(of: Of, name: string, hex: string): { stdout: string; logs: string[] } {
  knownError(of, name);
  const { bytes, rest } = parseHexPairs(hex);
  if (rest !== '') throw new OfflineFatal('Trailing garbage in hex data', '');
  if (bytes.length < 8) throw new OfflineFatal('Request too short', '');
  if (bytes.length !== ((bytes[2] << 8) | bytes[3])) throw new OfflineFatal('Request size inconsistent', '');
  const { msg, logs } = encodeErrorReply(of, name, bytes);
  return { stdout: bareHexDump(msg), logs };
}
