import { bareHexDump } from './hex-input.js';

type PacketLib = typeof import('@softswitch/packet');
type OpenFlow = typeof import('@softswitch/openflow');

/** What ovs-ofctl compose-packet prints for a flow that parsed. */
export interface Composed {
  packet: Uint8Array;
  /** The hex dump OVS prints without --pcap. */
  stdout: string;
  /** Non-empty when the packet does not extract back to the flow (OVS then exits 1). */
  stderr: string;
}

const OFPP_NONE = 0xffff;

/**
 * ovs-ofctl compose-packet: builds the packet for an exact flow (`key` from parseFlowString),
 * then checks that extracting it gives the flow back, as OVS does.
 */
export function composeChecked(packet: PacketLib, key: Uint32Array, payload?: Uint8Array): Composed {
  // A flow that names no in_port (or port 0, which OpenFlow has not) has OFPP_NONE there, as
  // the re-extracted packet does.
  if (key[packet.W.IN_PORT] === 0) key[packet.W.IN_PORT] = OFPP_NONE;
  const bytes = packet.composeFromKey(key, { payload });
  const extracted = packet.createFlowKey();
  packet.extractFlow(bytes, OFPP_NONE, extracted);
  // Some flows cannot survive a trip through a packet (an in_port, impossible combinations).
  const stderr = key.every((word, i) => word === extracted[i])
    ? ''
    : `specified and extracted flows differ:\nspecified: ${packet.formatFlow(key)}\nextracted: ${packet.formatFlow(extracted)}`;
  return { packet: bytes, stdout: bareHexDump(bytes), stderr };
}

/**
 * OVS's parse_ofp_exact_flow sets fields in order and wants each field's prerequisites met by
 * what came before (and `tp_src` means `tcp_src`): the error it gives, if any.
 */
export function exactFlowPrerequisiteError(of: OpenFlow, flow: string): string | undefined {
  const tokens = flow.split(',');
  for (let k = 0; k < tokens.length; k++) {
    const name = tokens[k].split('=')[0].trim();
    const field = tokens[k].includes('=') ? of.fieldByName(name) : undefined;
    if (!field) continue;
    let before: import('@softswitch/openflow').Match;
    try {
      before = of.parseFlow([...tokens.slice(0, k), 'actions=drop'].join(',')).fm.match;
    } catch {
      return undefined;
    }
    if (!of.prereqOk(field, before)) return `${flow}: prerequisites not met for setting ${name}`;
  }
  return undefined;
}
