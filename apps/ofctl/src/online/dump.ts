import type { FlowStatsRequest, PortNameMap } from '@softswitch/openflow';
import type { ProtocolOptions } from '../protocol-flags.js';
import type { OfConnection } from './connection.js';
import {
  decodeNxAggregateReply,
  decodeNxFlowStatsReply,
  encodeNxStatsRequest,
  NXST_AGGREGATE,
  NXST_FLOW,
} from './nx-stats.js';
import { nameLookupXids } from './port-names.js';
import { allowedProtocolsFor, dumpPreference, openSwitch, parseFlowArg, setProtocol } from './session.js';

type Of = typeof import('@softswitch/openflow');

export interface FlowDumpResult {
  conn: OfConnection;
  protocol: number;
  replies: Uint8Array[];
}

/**
 * dump-flows / dump-aggregate: connects, switches OpenFlow 1.0 to NXM (as ovs-ofctl does, so
 * every field shows) and collects the stats replies for the flows FLOW selects.
 */
export async function requestFlowStats(
  of: Of,
  spec: string,
  flow: string | undefined,
  flags: ProtocolOptions & { rundir?: string; names?: boolean },
  aggregate: boolean,
  track: (c: OfConnection) => OfConnection,
  names?: PortNameMap,
): Promise<FlowDumpResult> {
  const allowed = allowedProtocolsFor(of, flags);
  // FLOW may name ports (in_port=p1) when the switch's names were looked up.
  const parsed = flow ? of.withPortNames(names, () => parseFlowArg(of, flow, 3)) : undefined;
  const conn = track(await openSwitch(of, spec, flags, parsed ? nameLookupXids(flags) : 0));
  // A stats request carries its table itself: the flow_mod table_id extension is not needed.
  let usable = parsed ? parsed.usable : of.P_ANY;
  if (usable & of.Protocol.OF10_STD_TID) usable |= of.Protocol.OF10_STD;
  if (usable & of.Protocol.OF10_NXM_TID) usable |= of.Protocol.OF10_NXM;
  const protocol = await setProtocol(of, conn, usable, allowed, dumpPreference(of), false);
  const fm = parsed?.fm ?? of.newFlowMod();
  const request: FlowStatsRequest = {
    tableId: fm.tableId,
    outPort: fm.outPort,
    outGroup: fm.outGroup,
    cookie: fm.cookie,
    cookieMask: fm.cookieMask,
    match: fm.match,
  };
  const xid = conn.takeXid();
  const bytes =
    protocol & of.P_OF10_NXM_ANY
      ? encodeNxStatsRequest(of, aggregate ? NXST_AGGREGATE : NXST_FLOW, request, xid)
      : of.encodeMessage({
          type: 'multipart_request',
          version: conn.version,
          xid,
          flags: 0,
          body: { mp: aggregate ? 'aggregate' : 'flow', request },
        });
  const replies = await conn.transact(bytes);
  return { conn, protocol, replies };
}

function xidOf(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4);
}

function isNxReply(b: Uint8Array): boolean {
  return b[0] === 1 && b[1] === 17 && b.length >= 16 && ((b[8] << 8) | b[9]) === 0xffff;
}

/** Flow stats replies as lines (each reply message with its header, unless --no-stats). */
export function formatFlowReplies(
  of: Of,
  replies: Uint8Array[],
  showStats: boolean,
  formatLine: (f: Parameters<typeof import('./flow-line.js').formatFlowLine>[1]) => string,
): string {
  let out = '';
  for (const r of replies) {
    if (isNxReply(r)) {
      // The stats flags are bytes 10-11; bit 0 is "more replies follow".
      const more = (r[11] & 1) !== 0 ? ' flags=[more]' : '';
      if (showStats) out += `NXST_FLOW reply (xid=0x${xidOf(r).toString(16)}):${more}\n`;
      for (const f of decodeNxFlowStatsReply(of, r)) out += `${formatLine(f)}\n`;
      continue;
    }
    const m = of.decodeMessage(r);
    if (m.type !== 'multipart_reply' || m.body.mp !== 'flow')
      throw new Error('unexpected reply to a flow stats request');
    if (showStats) out += `${of.ofpPrint(r).split('\n')[0]}\n`;
    for (const f of m.body.flows) out += `${formatLine(f)}\n`;
  }
  return out;
}

export function formatAggregateReply(of: Of, r: Uint8Array): string {
  if (isNxReply(r)) {
    const a = decodeNxAggregateReply(r);
    return `NXST_AGGREGATE reply (xid=0x${xidOf(r).toString(16)}): packet_count=${a.packetCount} byte_count=${a.byteCount} flow_count=${a.flowCount}\n`;
  }
  return `${of.ofpPrint(r)}\n`;
}

/** Every flow of the replies, without ages (ovs-ofctl's sorted dump does not print them). */
export function collectFlows(of: Of, replies: Uint8Array[]): import('@softswitch/openflow').FlowStats[] {
  const flows: import('@softswitch/openflow').FlowStats[] = [];
  for (const r of replies) {
    if (isNxReply(r)) {
      for (const f of decodeNxFlowStatsReply(of, r))
        flows.push({ ...f, idleAge: undefined, hardAge: undefined } as never);
      continue;
    }
    const m = of.decodeMessage(r);
    if (m.type !== 'multipart_reply' || m.body.mp !== 'flow')
      throw new Error('unexpected reply to a flow stats request');
    flows.push(...m.body.flows);
  }
  return flows;
}
