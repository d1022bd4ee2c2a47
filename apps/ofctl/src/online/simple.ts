import type { MultipartRequestBody } from '@softswitch/openflow';
import type { ProtocolOptions } from '../protocol-flags.js';
import { portNamesToShow } from './port-names.js';
import { openSwitch } from './session.js';
import { formatTableStatsReply } from './table-stats.js';

type Of = typeof import('@softswitch/openflow');

/** One step of a request/print command. */
export type SimpleStep =
  | { kind: 'multipart'; body: MultipartRequestBody }
  | { kind: 'features' }
  | { kind: 'get_config' }
  /** ovs-ofctl opens a fresh connection here: its hello spends one xid. */
  | { kind: 'reconnect' }
  /** Only on OpenFlow 1.3+ (OpenFlow 1.0 carries ports in the features reply). */
  | { kind: 'port_desc_if_needed' }
  /** `portNo` (default all) goes on the wire only in OpenFlow 1.5, as ovs-ofctl sends it. */
  | { kind: 'port_desc'; portNo?: number };

/**
 * Sends each request in turn and prints every reply as ofp-print does (show, dump-desc,
 * dump-tables, dump-ports, dump-ports-desc).
 */
export async function runSimpleRequests(
  spec: string,
  flags: ProtocolOptions & { rundir?: string; names?: boolean },
  steps: SimpleStep[],
  options: { printsPorts?: boolean } = {},
): Promise<void> {
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  await runOnline(async (track) => {
    // Replies that name ports (port and queue stats) print them by name under --names.
    const names = options.printsPorts ? await portNamesToShow(of, spec, flags, track) : undefined;
    const conn = track(await openSwitch(of, spec, flags));
    let out = '';
    for (const step of steps) {
      let request: Uint8Array | undefined;
      const version = conn.version;
      switch (step.kind) {
        case 'reconnect':
          conn.skipXids(1);
          continue;
        case 'features':
          request = of.encodeMessage({ type: 'features_request', version, xid: conn.takeXid() });
          break;
        case 'get_config':
          request = of.encodeMessage({ type: 'get_config_request', version, xid: conn.takeXid() });
          break;
        case 'port_desc_if_needed':
        case 'port_desc':
          // OpenFlow 1.0-1.2 features replies list the ports already.
          if (step.kind === 'port_desc_if_needed' && version <= 3) continue;
          request = of.encodeMessage({
            type: 'multipart_request',
            version,
            xid: conn.takeXid(),
            flags: 0,
            body: { mp: 'port_desc', portNo: (step.kind === 'port_desc' ? step.portNo : undefined) ?? 0xffff },
          });
          break;
        case 'multipart':
          request = of.encodeMessage({
            type: 'multipart_request',
            version,
            xid: conn.takeXid(),
            flags: 0,
            body: step.body,
          });
          break;
      }
      for (const r of await conn.transact(request)) out += of.withPortNames(names, () => formatReply(of, r, version));
    }
    process.stdout.write(out);
  });
}

/**
 * A reply as ovs-ofctl prints it. ofp-print's text serves, except where ovs-ofctl differs:
 * table stats collapse identical tables, and the OpenFlow 1.0 port-desc reply (an OVS
 * extension) is formatted here.
 */
function formatReply(of: Of, r: Uint8Array, version: number): string {
  const mpType = r.length >= 12 ? (r[8] << 8) | r[9] : -1;
  const isReply = r[1] === (version === 1 ? 17 : 19);
  if (isReply && mpType === 3) {
    const m = of.decodeMessage(r);
    if (m.type === 'multipart_reply' && m.body.mp === 'table') {
      const header = `OFPST_TABLE reply${version === 1 ? '' : ` (OF1.${version - 1})`} (xid=0x${xid(r).toString(16)}):`;
      return formatTableStatsReply(of, header, m.body.tables, version);
    }
  }
  if (isReply && mpType === 13 && version === 1) {
    const ports = [];
    for (let off = 12; off + 48 <= r.length; off += 48) ports.push(of.decodePort(r, off, 1));
    ports.sort((a, b) => a.portNo - b.portNo);
    return `OFPST_PORT_DESC reply (xid=0x${xid(r).toString(16)}):\n${ports.map((p) => of.formatPortDesc(p, 1)).join('')}`;
  }
  return `${of.ofpPrint(r)}\n`;
}

function xid(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4);
}
