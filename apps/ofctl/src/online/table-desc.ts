import { UserError } from '@softswitch/cli-kit';
import type { ProtocolOptions } from '../protocol-flags.js';
import type { OfConnection } from './connection.js';
import { dumpTransaction } from './dump-transaction.js';
import { openSwitch } from './session.js';

type Of = typeof import('@softswitch/openflow');

/** A table-desc request on `conn`; ovs-ofctl refuses before OpenFlow 1.4. */
export function tableDescRequest(of: Of, conn: OfConnection): Uint8Array {
  if (conn.version < 5) throw new UserError("dump-table-desc needs OpenFlow 1.4 or later ('-O OpenFlow14')");
  return of.encodeMessage({
    type: 'multipart_request',
    version: conn.version,
    xid: conn.takeXid(),
    flags: 0,
    body: { mp: 'table_desc' },
  });
}

/** dump-table-desc SWITCH: the OpenFlow 1.4+ table-desc multipart, printed as ovs-ofctl prints it. */
export async function runDumpTableDesc(spec: string, flags: ProtocolOptions & { rundir?: string }): Promise<void> {
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  await runOnline(async (track) => {
    const conn = track(await openSwitch(of, spec, flags));
    const request = tableDescRequest(of, conn);
    process.stdout.write(await dumpTransaction(of, conn, request));
  });
}
