import type { FlowMod } from '@softswitch/openflow';
import type { ProtocolOptions } from '../protocol-flags.js';
import type { OfConnection } from './connection.js';
import { nameLookupXids } from './port-names.js';
import { allowedProtocolsFor, flowModPreference, openSwitch, setProtocol } from './session.js';

type Of = typeof import('@softswitch/openflow');

/**
 * Sends flow mods as ovs-ofctl does: one protocol for all of them (the first that every flow
 * allows), each flow mod followed by a barrier, stopping at the first error reply.
 */
export async function sendFlowMods(
  of: Of,
  spec: string,
  flows: { fm: FlowMod; usable: number }[],
  flags: ProtocolOptions & { rundir?: string; bundle?: boolean; names?: boolean },
  track: (c: OfConnection) => OfConnection,
): Promise<void> {
  let usable = flows.reduce((u, f) => u & f.usable, of.P_ANY);
  // Bundles need OpenFlow 1.3+.
  if (flags.bundle) usable &= of.P_OF13_UP;
  // ovs-ofctl looks up table and port names on two short connections first (4 xids).
  const { conn, protocol } = await openForFlowMod(of, spec, usable, flags, track, nameLookupXids(flags));
  if (flags.bundle) {
    const { bundleTransact } = await import('./bundle.js');
    const requests = flows.map((f) => of.encodeFlowMod(onWire(f.fm), protocol, conn.takeXid()));
    await bundleTransact(of, conn, requests);
    return;
  }
  for (const f of flows) {
    await conn.transactNoReply(of.encodeFlowMod(onWire(f.fm), protocol, conn.takeXid()));
  }
}

const KEEP_COOKIE = 0xffffffffffffffffn;

/**
 * A modify without `cookie=` parses as "keep the cookie" (all-ones), but ovs-ofctl sends 0 in
 * the OpenFlow 1.0 and NXM cookie field, which a switch takes as the new cookie: mod-flows over
 * 1.0 resets cookies. (OpenFlow 1.1+ modifies carry no new cookie, so this changes nothing there.)
 */
function onWire(fm: FlowMod): FlowMod {
  const modify = fm.command === 1 || fm.command === 2;
  return modify && fm.newCookie === KEEP_COOKIE ? { ...fm, newCookie: 0n } : fm;
}

/**
 * ovs-ofctl's open_vconn_for_flow_mod: fails before connecting when no usable protocol is
 * allowed; keeps the connection's initial protocol when usable, else switches to the first
 * usable one. `lookupXids` are the xids ovs-ofctl spends on name lookups first.
 */
export async function openForFlowMod(
  of: Of,
  spec: string,
  usable: number,
  flags: ProtocolOptions & { rundir?: string; bundle?: boolean },
  track: (c: OfConnection) => OfConnection,
  lookupXids: number,
): Promise<{ conn: OfConnection; protocol: number }> {
  const allowed = allowedProtocolsFor(of, flags);
  if (!(usable & allowed)) {
    throw new (await import('@softswitch/cli-kit')).UserError(
      `none of the usable flow formats (${of.protocolsToString(usable)}) is among the allowed flow formats (${of.protocolsToString(allowed)})`,
    );
  }
  const conn = track(await openSwitch(of, spec, flags, lookupXids));
  const protocol = await setProtocol(of, conn, usable & allowed, allowed, flowModPreference(), true);
  return { conn, protocol };
}

/** Flows of a file: one per line, `#` comments and blank lines skipped; errors name the line. */
export function readFlowFile(of: Of, name: string, text: string, command: number): { fm: FlowMod; usable: number }[] {
  const out: { fm: FlowMod; usable: number }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i].indexOf('#');
    const line = (hash >= 0 ? lines[i].slice(0, hash) : lines[i]).trim();
    if (!line) continue;
    try {
      out.push(of.parseFlow(line, command));
    } catch (e) {
      throw new FlowFileError(`${name}:${i + 1}: ${(e as Error).message}`);
    }
  }
  return out;
}

export class FlowFileError extends Error {
  readonly exitCode = 1;
}
