import { UserError } from '@softswitch/cli-kit';
import type { MultipartRequestBody, PortNameMap } from '@softswitch/openflow';
import type { ProtocolOptions } from '../protocol-flags.js';
import type { OfConnection } from './connection.js';
import { dumpTransaction } from './dump-transaction.js';
import { fetchPorts } from './mod-port.js';
import { parsePortArg } from './port-arg.js';
import { portNamesToShow } from './port-names.js';
import { openSwitch } from './session.js';

type Of = typeof import('@softswitch/openflow');
type Flags = ProtocolOptions & { rundir?: string; names?: boolean };

const ANY_PORT = 0xffff;

/** A PORT argument of the queue commands: ALL or ANY for every port, else a number or keyword. */
function queuePort(of: Of, text: string | undefined): number {
  if (text === undefined || /^(all|any)$/i.test(text)) return ANY_PORT;
  return parsePortArg(of, text);
}

/** A QUEUE argument: ALL or ANY for every queue, else a queue id. */
function queueId(of: Of, text: string | undefined): number {
  if (text === undefined || /^(all|any)$/i.test(text)) return of.OFPQ_ALL;
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) throw new UserError(`${text}: invalid queue id`);
  return Number(text);
}

/** What a queue command's body gets: the connection, the names to print with, PORT and QUEUE read. */
interface QueueSession {
  of: Of;
  conn: OfConnection;
  names: PortNameMap | undefined;
  portNo: number;
  queueNo: number;
}

/** Reads PORT and QUEUE, opens SWITCH (after the name lookup --names needs) and prints what `body` returns. */
async function runQueueCommand(
  spec: string,
  args: { port?: string; queue?: string },
  flags: Flags,
  body: (s: QueueSession) => Promise<string>,
): Promise<void> {
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  const portNo = queuePort(of, args.port);
  const queueNo = queueId(of, args.queue);
  await runOnline(async (track) => {
    const names = await portNamesToShow(of, spec, flags, track);
    const conn = track(await openSwitch(of, spec, flags));
    process.stdout.write(await body({ of, conn, names, portNo, queueNo }));
  });
}

/** One multipart request, every reply (or the error) printed as ovs-ofctl's dump_transaction. */
function multipart(s: QueueSession, body: MultipartRequestBody): Promise<string> {
  const { of, conn } = s;
  const request = of.encodeMessage({
    type: 'multipart_request',
    version: conn.version,
    xid: conn.takeXid(),
    flags: 0,
    body,
  });
  return dumpTransaction(of, conn, request, s.names);
}

/** queue-stats SWITCH [PORT [QUEUE]]: one OFPMP_QUEUE request. */
export function runQueueStats(spec: string, args: { port?: string; queue?: string }, flags: Flags): Promise<void> {
  return runQueueCommand(spec, args, flags, (s) => multipart(s, { mp: 'queue', portNo: s.portNo, queueId: s.queueNo }));
}

/**
 * queue-get-config SWITCH [PORT [QUEUE]]: OpenFlow 1.4+ asks with a queue-desc multipart, earlier
 * versions with OFPT_QUEUE_GET_CONFIG_REQUEST (which has no queue). OpenFlow 1.0 cannot ask for
 * every port: as ovs-ofctl, the ports come from a port description first, then one request each.
 */
export function runQueueGetConfig(spec: string, args: { port?: string; queue?: string }, flags: Flags): Promise<void> {
  return runQueueCommand(spec, args, flags, async (s) => {
    const { of, conn } = s;
    const version = conn.version;
    if (version >= 5) return multipart(s, { mp: 'queue_desc', portNo: s.portNo, queueId: s.queueNo });
    let ports = [s.portNo];
    if (s.portNo === ANY_PORT && version === 1) {
      // ovs-ofctl's port iterator: a port description, then a barrier (one xid each).
      ports = (await fetchPorts(of, conn)).map((p) => p.portNo).filter((p) => p < of.OFPP.MAX);
      conn.skipXids(1);
    }
    let out = '';
    for (const port of ports) {
      const request = of.encodeMessage({ type: 'queue_get_config_request', version, xid: conn.takeXid(), port });
      out += await dumpTransaction(of, conn, request, s.names);
    }
    return out;
  });
}
