import type { Action, FieldDef, Match } from '@softswitch/openflow';

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

const OFPP_MAX = 0xff00;
const OFPP_CONTROLLER = 0xfffd;
const OFPP_LOCAL = 0xfffe;
const OFPP_NONE = 0xffff;
const ETH_HEADER_LEN = 14;

/** The fields OVS lets a packet-out set besides in_port (mf_is_pipeline_field). */
function isPipelineField(name: string): boolean {
  return /^(tun_|metadata$|x{0,2}reg\d+$|in_port_oxm$|packet_type$)/.test(name);
}

/** A port as OVS's ofputil_port_from_string reads it: a name, a keyword or a number. */
function portFromString(of: Of, text: string): number | undefined {
  const named = of.parsePortName(text);
  if (named !== undefined) return named;
  const n = of.parseInteger(text);
  return n !== undefined && n <= 0xffffn ? Number(n) : undefined;
}

/** Hex digit pairs, as OVS's eth_from_hex (error texts included). */
function ethFromHex(text: string): Uint8Array {
  const hex = text.replace(/\s+/g, '');
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error('Trailing garbage in packet data');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
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
  let inPort = OFPP_CONTROLLER;
  let data: Uint8Array | undefined;
  for (const { key: name, value } of of.parseKeyValues(at < 0 ? text : text.slice(0, at))) {
    if (!value) throw new Error(`field ${name} missing value`);
    if (name === 'in_port') {
      const port = portFromString(of, value);
      if (port === undefined) throw new Error(`${value} is not a valid OpenFlow port`);
      if (port > OFPP_MAX && port !== OFPP_LOCAL && port !== OFPP_NONE && port !== OFPP_CONTROLLER) {
        throw new Error(`${value} is not a valid OpenFlow port for PACKET_OUT`);
      }
      inPort = port;
    } else if (name === 'packet_type') {
      if (!value.includes(',')) throw new Error(`${name}(${value}) can't be interpreted`);
    } else if (name === 'packet') {
      try {
        data = ethFromHex(value);
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
  setInPort(of, metadata, inPort);
  return { inPort, metadata, actions, data, usable: ctx.usable };
}

function setInPort(of: Of, m: Match, inPort: number): void {
  m.setField(of.fieldByName('in_port') as FieldDef, BigInt(inPort), 0xffffn);
}

const NO_BUFFER = 0xffffffff;

/**
 * The packet-out message for a connection of `version` (no buffer: the packet travels with it).
 * OpenFlow 1.5 carries in_port, and any other pipeline fields, in a match.
 */
export function encodePacketOut(
  of: Of,
  version: number,
  xid: number,
  po: { inPort: number; metadata?: Match; actions: Action[]; data: Uint8Array },
): Uint8Array {
  const { inPort, actions, data } = po;
  if (version >= 6) {
    let metadata = po.metadata;
    if (!metadata) {
      metadata = new of.Match();
      setInPort(of, metadata, inPort);
    }
    return of.encodePacketOut15({ xid, bufferId: NO_BUFFER, metadata, actions, data });
  }
  return of.encodeMessage({ type: 'packet_out', version, xid, bufferId: NO_BUFFER, inPort, actions, data });
}
