import type { PortNameMap } from '@softswitch/openflow';
import type { ProtocolOptions } from '../protocol-flags.js';
import type { OfConnection } from './connection.js';
import { fetchPorts } from './mod-port.js';
import { openSwitch } from './session.js';

type Of = typeof import('@softswitch/openflow');

/**
 * Whether ports print by name: `--names` / `--no-names`, else names on a terminal and numbers
 * otherwise (ovs-ofctl's should_show_names).
 */
export function showNames(flags: { names?: boolean }): boolean {
  return flags.names ?? process.stdout.isTTY === true;
}

/**
 * Whether ovs-ofctl looks names up to read ports in flows, groups and packet-outs: always but
 * under `--no-names`.
 */
export function acceptNames(flags: { names?: boolean }): boolean {
  return flags.names !== false;
}

/** Xids ovs-ofctl spends on those lookups (a port map and a table map: hello + request each). */
export function nameLookupXids(flags: { names?: boolean }): number {
  return acceptNames(flags) ? 4 : 0;
}

/**
 * The switch's port names, from a short connection of its own as ovs-ofctl's port map lookup
 * (the port-desc, or on OpenFlow 1.0-1.2 the features reply).
 */
export async function fetchPortNames(
  of: Of,
  spec: string,
  flags: ProtocolOptions & { rundir?: string },
  track: (c: OfConnection) => OfConnection,
): Promise<PortNameMap> {
  const conn = track(await openSwitch(of, spec, flags));
  try {
    return of.portNameMap(await fetchPorts(of, conn));
  } finally {
    conn.close();
  }
}

/** The port names when they will be printed, else undefined (and no lookup). */
export async function portNamesToShow(
  of: Of,
  spec: string,
  flags: ProtocolOptions & { rundir?: string; names?: boolean },
  track: (c: OfConnection) => OfConnection,
): Promise<PortNameMap | undefined> {
  return showNames(flags) ? fetchPortNames(of, spec, flags, track) : undefined;
}
