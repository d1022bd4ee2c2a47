import type { PortNameMap } from '@softswitch/openflow';
import type { OfConnection } from './connection.js';

type Of = typeof import('@softswitch/openflow');

/**
 * ovs-ofctl's dump_transaction: sends a request and prints every reply with its xid (each
 * multipart reply until one without "more"), as ofp-print prints it at verbosity 1. An error
 * reply is printed the same way, to stdout, and ends the transaction (exit status 0, as OVS).
 */
export async function dumpTransaction(
  of: Of,
  conn: OfConnection,
  request: Uint8Array,
  names?: PortNameMap,
): Promise<string> {
  const xid = new DataView(request.buffer, request.byteOffset, request.byteLength).getUint32(4);
  conn.sendRaw(request);
  let out = '';
  for (;;) {
    const r = await conn.receiveFor(xid);
    out += `${of.withPortNames(names, () => of.ofpPrint(r, 1))}\n`;
    if (r[1] === 1) return out;
    const statsReply = r[0] === 1 ? 17 : 19;
    const more = r[1] === statsReply && r.length >= 12 && (r[11] & 1) === 1;
    if (!more) return out;
  }
}
