import { allowedProtocols } from '../parse-flows-file.js';
import type { ProtocolOptions } from '../protocol-flags.js';

type Of = typeof import('@softswitch/openflow');

/**
 * ovs-ofctl parse-group: a group (as add-group takes it) → its usable protocols, the version the
 * allowed protocols start at (whatever the group could use), and that version's group_mod printed.
 */
export function parseGroupOutput(of: Of, text: string, flags: ProtocolOptions): string {
  const { gm, usable } = of.parseGroupMod(text, of.OFPGC.ADD);
  const version = of.protocolVersion(of.chooseProtocol(allowedProtocols(of, flags)));
  const name = Object.keys(of.VERSION_NAMES).find((n) => of.VERSION_NAMES[n] === version);
  const msg = of.encodeMessage({ type: 'group_mod', version, xid: 1, groupMod: gm });
  return `usable protocols: ${of.protocolsToString(usable)}\nchosen version: ${name}\n${of.ofpPrint(msg)}\n`;
}
