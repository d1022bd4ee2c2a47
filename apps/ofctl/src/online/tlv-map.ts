import { UserError } from '@softswitch/cli-kit';
import type { ProtocolOptions } from '../protocol-flags.js';
import { openForFlowMod } from './flow-mods.js';
import { openSwitch } from './session.js';

type Of = typeof import('@softswitch/openflow');
type Flags = ProtocolOptions & { rundir?: string };

/** add-tlv-map / del-tlv-map: one NXT_TLV_TABLE_MOD (an NXM or OXM protocol, as ovs-ofctl picks), then a barrier. */
export async function runTlvMod(spec: string, text: string, command: number, flags: Flags): Promise<void> {
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  let mappings: import('@softswitch/openflow').TlvMapping[];
  try {
    mappings = of.parseTlvMappings(text);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  await runOnline(async (track) => {
    const { conn } = await openForFlowMod(of, spec, of.P_NXM_OXM_ANY, flags, track, 0);
    const w = new of.Writer(24 + 8 * mappings.length);
    of.encodeTlvTableMod(w, conn.version, conn.takeXid(), command, mappings);
    await conn.transactNoReply(w.finish());
  });
}

/** The reply as ofp-print prints it (errors and anything else through the generic printer). */
function formatReply(of: Of, r: Uint8Array): string {
  if (of.nxSubtype(r) !== of.NXT_TLV_TABLE_REPLY) return of.ofpPrint(r, 1);
  const xid = new DataView(r.buffer, r.byteOffset, r.byteLength).getUint32(4);
  const head = of.messageHead('NXT_TLV_TABLE_REPLY', r[0], xid);
  try {
    return head + of.formatTlvTableReply(of.decodeTlvTableReply(r));
  } catch {
    return of.ofpPrint(r, 1);
  }
}

/** dump-tlv-map: NXT_TLV_TABLE_REQUEST and its reply, printed. */
export async function runDumpTlvMap(spec: string, flags: Flags): Promise<void> {
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  await runOnline(async (track) => {
    const conn = track(await openSwitch(of, spec, flags));
    const xid = conn.takeXid();
    const w = new of.Writer(16);
    of.encodeTlvTableRequest(w, conn.version, xid);
    conn.sendRaw(w.finish());
    process.stdout.write(`${formatReply(of, await conn.receiveFor(xid))}\n`);
  });
}
