import type { IpfixKind } from '@softswitch/openflow';
import type { ProtocolOptions } from '../protocol-flags.js';
import { dumpTransaction } from './dump-transaction.js';
import { openSwitch } from './session.js';

/** dump-ipfix-bridge / dump-ipfix-flow SWITCH: NXST_IPFIX_* and its reply (or error), printed. */
export async function runDumpIpfix(kind: IpfixKind, spec: string, flags: ProtocolOptions & { rundir?: string }) {
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  await runOnline(async (track) => {
    const conn = track(await openSwitch(of, spec, flags));
    process.stdout.write(await dumpTransaction(of, conn, of.encodeIpfixRequest(kind, conn.version, conn.takeXid())));
  });
}
