import type { Action, Match } from '@softswitch/openflow';
import { parsePortArg } from './port-arg.js';

type Of = typeof import('@softswitch/openflow');

/** A packet-out as OVS's packet-out syntax gives it (`in_port=...,packet=...,actions=...`). */
export interface PacketOutSpec {
  inPort: number;
  /** in_port and the other pipeline fields given (OpenFlow 1.5 sends them in its match). */
  metadata: Match;
  actions: Action[];
  data: Uint8Array;
  /** The protocols able to express it (the actions decide). */
  usable: number;
}

const ETH_HEADER_LEN = 14;

/** The fields OVS lets a packet-out set besides in_port (mf_is_pipeline_field). */
function isPipelineField(name: string): boolean {
  return /^(tun_|metadata$|x{0,2}reg\d+$|in_port_oxm$|packet_type$)/.test(name);
}

/** Hex digit pairs, as OVS's eth_from_hex (error texts included). */
function ethFromHex(of: Of, text: string): Uint8Array {
  let out: Uint8Array;
  try {
    out = of.fromHex(text);
  } catch {
    throw new Error('Trailing garbage in packet data');
  }
  if (out.length < ETH_HEADER_LEN) throw new Error('Packet data too short for Ethernet');
  return out;
}

/**
 * OVS's parse_ofp_packet_out_str: key=value words before `actions=` (in_port, packet_type,
 * packet, and pipeline fields), the actions after it. Throws with OVS's message.
 */
export function parsePacketOutSpec(of: Of, text: string): PacketOutSpec {
  const at = text.indexOf('action');
  const eq = at < 0 ? -1 : text.indexOf('=', at + 1);
  const actionsText = eq < 0 ? undefined : text.slice(eq + 1);
  const metadata = new of.Match();
  const { OFPP } = of;
  let inPort: number = OFPP.CONTROLLER;
  let data: Uint8Array | undefined;
  for (const { key: name, value } of of.parseKeyValues(at < 0 ? text : text.slice(0, at))) {
    if (!value) throw new Error(`field ${name} missing value`);
    if (name === 'in_port') {
      let port: number;
      try {
        port = parsePortArg(of, value);
      } catch {
        throw new Error(`${value} is not a valid OpenFlow port`);
      }
      if (port > OFPP.MAX && port !== OFPP.LOCAL && port !== OFPP.NONE && port !== OFPP.CONTROLLER) {
        throw new Error(`${value} is not a valid OpenFlow port for PACKET_OUT`);
      }
      inPort = port;
    } else if (name === 'packet_type') {
      if (!value.includes(',')) throw new Error(`${name}(${value}) can't be interpreted`);
    } else if (name === 'packet') {
      try {
        data = ethFromHex(of, value);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
    } else {
      const field = of.fieldByName(name);
      if (!field) throw new Error(`unknown keyword ${name}`);
      const parsed = of.parseFieldValue(field, value);
      if (!isPipelineField(field.name)) throw new Error(`${name} is not a valid pipeline field for PACKET_OUT`);
      metadata.setField(field, parsed.value, parsed.mask);
    }
  }
  if (!data?.length) throw new Error('must specify packet');
  const ctx = { usable: of.P_ANY };
  const actions = actionsText === undefined ? [] : of.parseActions(actionsText, ctx);
  of.setPacketOutInPort(metadata, inPort);
  return { inPort, metadata, actions, data, usable: ctx.usable };
}

/**
 * The packet-out message for a connection of `version` (no buffer: the packet travels with it).
 * OpenFlow 1.5 carries in_port, and any other pipeline fields given, in a match.
 */
export function encodePacketOut(
  of: Of,
  version: number,
  xid: number,
  po: { inPort: number; metadata?: Match; actions: Action[]; data: Uint8Array },
): Uint8Array {
  const { inPort, metadata, actions, data } = po;
  const bufferId = 0xffffffff;
  return version >= 6 && metadata
    ? of.encodePacketOut15({ xid, bufferId, metadata, actions, data })
    : of.encodeMessage({ type: 'packet_out', version, xid, bufferId, inPort, actions, data });
}
