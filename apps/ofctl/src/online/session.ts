import { UserError } from '@softswitch/cli-kit';
import type { FlowMod } from '@softswitch/openflow';
import type { ProtocolOptions } from '../protocol-flags.js';
import { OfConnection } from './connection.js';
import { resolveSwitch } from './target.js';

type Of = typeof import('@softswitch/openflow');

/** The version bitmap ovs-ofctl offers in its hello: -O's versions, else OpenFlow 1.0 alone. */
export function versionBitmap(of: Of, flags: ProtocolOptions & { bundle?: boolean }): number {
  let bitmap: number;
  if (!flags.protocols) bitmap = 1 << 1;
  else {
    try {
      bitmap = of.parseVersions(flags.protocols);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
  }
  // --bundle implies OpenFlow 1.4 when no version able to carry bundles is allowed.
  return flags.bundle && !(bitmap & ~0xf) ? bitmap | (1 << 5) : bitmap;
}

export function allowedProtocolsFor(of: Of, flags: ProtocolOptions & { bundle?: boolean }): number {
  let allowed = of.protocolsForVersionBitmap(versionBitmap(of, flags));
  if (flags['flow-format']) {
    try {
      allowed &= of.parseFlowFormats(flags['flow-format']);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
  }
  return allowed;
}

/**
 * Opens SWITCH. `lookupXids` is how many xids ovs-ofctl spends before the main connection on
 * name lookups (commands that parse a flow open two short connections first).
 */
export async function openSwitch(
  of: Of,
  spec: string,
  flags: ProtocolOptions & { rundir?: string; bundle?: boolean },
  lookupXids = 0,
  suffix = 'mgmt',
): Promise<OfConnection> {
  const target = resolveSwitch(spec, flags.rundir, suffix);
  return OfConnection.open(of, target, versionBitmap(of, flags), lookupXids);
}

/** The protocol of a connection before any format switch (OpenFlow 1.0 starts in standard format). */
export function initialProtocol(of: Of, version: number): number {
  return version === 1 ? of.Protocol.OF10_STD : of.protocolsForVersion(version);
}

/**
 * Picks the protocol for flow mods or dumps that `usable` allows, as ovs-ofctl does: for flow
 * mods the current one if it will do, else the first in `preference` order; then switches the connection to it
 * (NXT_SET_FLOW_FORMAT, NXT_FLOW_MOD_TABLE_ID, each confirmed by a barrier).
 */
export async function setProtocol(
  of: Of,
  conn: OfConnection,
  usable: number,
  allowed: number,
  preference: number[],
  preferCurrent: boolean,
): Promise<number> {
  const cur = initialProtocol(of, conn.version);
  let want = 0;
  if (preferCurrent && usable & cur) want = cur;
  else {
    for (const p of preference) {
      if (p & usable & allowed & of.protocolsForVersion(conn.version)) {
        want = p;
        break;
      }
    }
  }
  if (!want) throw new UserError('none of the usable flow formats is supported by the switch');
  if (conn.version !== 1) return want;
  const nxm = (want & of.P_OF10_NXM_ANY) !== 0;
  const tid = (want & (of.Protocol.OF10_STD_TID | of.Protocol.OF10_NXM_TID)) !== 0;
  if (nxm) {
    await conn.transactNoReply(
      of.encodeMessage({ type: 'nx_set_flow_format', version: 1, xid: conn.takeXid(), format: 2 }),
    );
  }
  if (tid) {
    await conn.transactNoReply(
      of.encodeMessage({ type: 'nx_flow_mod_table_id', version: 1, xid: conn.takeXid(), enable: true }),
    );
  }
  return want;
}

/** ovs-ofctl's order for dumps: the newest formats first, NXM before standard OpenFlow 1.0. */
export function dumpPreference(of: Of): number[] {
  const P = of.Protocol;
  return [P.OF15_OXM, P.OF14_OXM, P.OF13_OXM, P.OF12_OXM, P.OF11_STD, P.OF10_NXM, P.OF10_STD];
}

/** Lowest protocol bit first, as ovs-ofctl tries them for flow mods. */
export function flowModPreference(): number[] {
  return Array.from({ length: 9 }, (_, i) => 1 << i);
}

/** Parses a flow for `command` (0 add, 1 modify, 2 modify strict, 3 delete, 4 delete strict). */
export function parseFlowArg(of: Of, text: string, command: number): { fm: FlowMod; usable: number } {
  try {
    return of.parseFlow(text, command);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}
