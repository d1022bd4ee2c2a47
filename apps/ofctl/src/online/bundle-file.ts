import { UserError } from '@softswitch/cli-kit';
import type { FlowMod, GroupMod } from '@softswitch/openflow';
import type { ProtocolOptions } from '../protocol-flags.js';
import { readInputFile } from './input-file.js';
import { encodePacketOut, type PacketOutSpec, parsePacketOutSpec } from './packet-out-spec.js';

type Of = typeof import('@softswitch/openflow');

/** One line of a bundle file, parsed. */
export type BundleLine =
  | { kind: 'flow'; fm: FlowMod }
  | { kind: 'group'; gm: GroupMod }
  | { kind: 'packet-out'; po: PacketOutSpec };

/** A flow line's optional command word, as OVS's parse_ofp_str reads it (a prefix matches). */
const FLOW_COMMANDS: [string, number][] = [
  ['add', 0],
  ['delete', 3],
  ['delete_strict', 4],
  ['modify', 1],
  ['modify_strict', 2],
];

function flowLine(of: Of, text: string): { fm: FlowMod; usable: number } {
  const s = text.replace(/^[ \t\r\n]+/, '');
  const word = /^[^, \t\r\n]*/.exec(s)?.[0] ?? '';
  const found = FLOW_COMMANDS.find(([name]) => name.startsWith(word));
  return of.parseFlow(found ? s.slice(word.length) : s, found ? found[1] : 0);
}

/**
 * OVS's parse_ofp_bundle_file: each line (after `#` comments; blank lines skipped) is `flow`,
 * `group` or `packet-out` (a prefix of the word will do) and the rest of a flow or group line,
 * which may start with its command, or a packet-out; the usable protocols narrow line by line.
 */
export function readBundleFile(of: Of, file: string): { lines: BundleLine[]; usable: number } {
  const text = readInputFile(file);
  const lines: BundleLine[] = [];
  let usable = of.P_ANY;
  text.split('\n').forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).replace(/^[ \t\r\n]+/, '');
    if (!/[^ \t\r\n]/.test(line)) return;
    const word = /^[^, \t\r\n]*/.exec(line)?.[0] ?? '';
    const rest = line.slice(word.length);
    try {
      if ('flow'.startsWith(word)) {
        const { fm, usable: u } = flowLine(of, rest);
        lines.push({ kind: 'flow', fm });
        usable &= u;
      } else if ('group'.startsWith(word)) {
        const { gm, usable: u } = of.parseGroupMod(rest, of.GROUP_FILE_COMMAND);
        lines.push({ kind: 'group', gm });
        usable &= u;
      } else if ('packet-out'.startsWith(word)) {
        const po = parsePacketOutSpec(of, rest);
        lines.push({ kind: 'packet-out', po });
        usable &= po.usable;
      } else throw new Error(`Unsupported bundle message type: ${word}`);
    } catch (e) {
      throw new UserError(`${file}:${i + 1}: ${(e as Error).message}`);
    }
  });
  return { lines, usable };
}

/** One bundle line as the message it adds, in the connection's version. */
function encodeLine(of: Of, l: BundleLine, protocol: number, version: number, xid: number): Uint8Array {
  switch (l.kind) {
    case 'flow':
      return of.encodeFlowMod(l.fm, protocol, xid);
    case 'group':
      return of.encodeMessage({ type: 'group_mod', version, xid, groupMod: l.gm });
    case 'packet-out':
      return encodePacketOut(of, version, xid, l.po);
  }
}

/** bundle SWITCH FILE: the file's flow mods, group mods and packet-outs as one atomic, ordered bundle. */
export async function runBundleFile(
  spec: string,
  file: string,
  flags: ProtocolOptions & { rundir?: string; names?: boolean },
): Promise<void> {
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  const { openForFlowMod } = await import('./flow-mods.js');
  const { acceptNames, fetchPortNames, nameLookupXids } = await import('./port-names.js');
  const { bundleTransact } = await import('./bundle.js');
  await runOnline(async (track) => {
    // As ovs-ofctl: port names are looked up first, so lines may name ports.
    const names = acceptNames(flags) ? await fetchPortNames(of, spec, flags, track) : undefined;
    const { lines, usable } = of.withPortNames(names, () => readBundleFile(of, file));
    const bundleFlags = { ...flags, bundle: true };
    const { conn, protocol } = await openForFlowMod(
      of,
      spec,
      usable & of.P_OF13_UP,
      bundleFlags,
      track,
      nameLookupXids(flags),
    );
    const requests = lines.map((l) => encodeLine(of, l, protocol, conn.version, conn.takeXid()));
    await bundleTransact(of, conn, requests);
  });
}
