import type { Action, Nat } from './actions.js';
import { bigN, onesBig } from './bigint-bits.js';
import { dv, putProp, readUint, type Writer } from './bytes.js';
import { checkEncapType, decodeEdProps, putEdProps } from './encap.js';
import { decodeError, NXBAC, OFPBAC, OFPBIC, OFPBMC, OFPET } from './errors.js';
import {
  type FieldDef,
  fieldByHeader,
  fieldByName,
  headerFor,
  loadsAsOxm,
  oxmExperimenterId,
  tunMdFieldByHeader,
} from './fields.js';
import { OFPP, portFromOf11, portToOf11 } from './format-values.js';
import { decodeLearn, encodeLearn } from './learn.js';
import { ETH_TYPE, IPPROTO, isMplsType, type Match, S, VLAN_CFI } from './match.js';
import { fieldValueOnes, fieldWidth, type Subfield } from './subfield.js';
import { tunMdHeader, tunMdLength } from './tun-metadata.js';

/** Action and instruction wire formats for OpenFlow 1.0 (std + Nicira) and 1.1-1.5. */

const NX_VENDOR = 0x00002320;
const NXAST = {
  RESUBMIT: 1,
  SET_TUNNEL: 2,
  SET_QUEUE: 4,
  POP_QUEUE: 5,
  REG_MOVE: 6,
  REG_LOAD: 7,
  NOTE: 8,
  REG_LOAD2: 33,
  SET_TUNNEL64: 9,
  RESUBMIT_TABLE: 14,
  RESUBMIT_TABLE_CT: 44,
  OUTPUT_REG: 15,
  EXIT: 17,
  FIN_TIMEOUT: 19,
  DEC_TTL: 18,
  CONTROLLER: 20,
  DEC_TTL_CNT_IDS: 21,
  WRITE_METADATA: 22,
  PUSH_MPLS: 23,
  POP_MPLS: 24,
  CONJUNCTION: 34,
  CT: 35,
  GROUP: 40,
  MULTIPATH: 10,
  OUTPUT_TRUNC: 39,
  LEARN: 16,
  BUNDLE: 12,
  BUNDLE_LOAD: 13,
  SET_MPLS_TTL: 25,
  DEC_MPLS_TTL: 26,
  SET_MPLS_LABEL: 30,
  SET_MPLS_TC: 31,
  STACK_PUSH: 27,
  STACK_POP: 28,
  SAMPLE: 29,
  NAT: 36,
  CONTROLLER2: 37,
  SAMPLE2: 38,
  SAMPLE3: 41,
  CLONE: 42,
  CT_CLEAR: 43,
  LEARN2: 45,
  ENCAP: 46,
  DECAP: 47,
  DEC_NSH_TTL: 48,
  CHECK_PKT_LARGER: 49,
  DELETE_FIELD: 50,
  /** Debugging actions (ovs-vswitchd --enable-dummy only). */
  DEBUG_SLOW: 0xfe,
  DEBUG_RECIRC: 0xff,
} as const;

/** NXAC2PT_* properties of NXAST_CONTROLLER2. */
const NXAC2PT = { MAX_LEN: 0, CONTROLLER_ID: 1, REASON: 2, USERDATA: 3, PAUSE: 4, METER_ID: 5 } as const;

/** What encoding needs to know about the flow (OVS remembers these from ofpacts_check). */
export interface EncodeContext {
  flowHasVlan: boolean;
  /** A second tag under the outer one (after push_vlan on a tagged flow). */
  innerVlan?: boolean;
  nwProto: number;
  dlType: number;
}

export function encodeContextFor(match: Match): EncodeContext {
  return {
    flowHasVlan: (match.nv(S.vlan_tci) & VLAN_CFI) !== 0,
    innerVlan: false,
    nwProto: match.nm(S.nw_proto) ? match.nwProto() : 0,
    dlType: match.dlType(),
  };
}

function nxHeader(w: Writer, subtype: number, len: number): void {
  w.u16(0xffff).u16(len).u32(NX_VENDOR).u16(subtype);
}

const ofsNbits = (ofs: number, nBits: number): number => (ofs << 6) | (nBits - 1);

function nxmHeader0(f: FieldDef): number {
  return headerFor(f, 0) as number;
}

/** nx_put_mff_header(version 0): the field's NXM header, else its OXM (8 bytes if experimenter). */
function putFieldHeader(w: Writer, f: FieldDef): void {
  putHeader(w, headerFor(f, 0) as number);
}

/** A field header as nx_put_mff_header writes it: an experimenter one with its experimenter ID. */
function putHeader(w: Writer, header: number): void {
  w.u32(header);
  if (header >>> 16 === 0xffff) w.u32(oxmExperimenterId(header));
}

/** NXAST_REG_LOAD2 for a fixed-size field: its OXM entry, masked unless the mask covers its bytes. */
function putRegLoad2(w: Writer, f: FieldDef, value: bigint, mask: bigint): void {
  const start = w.length;
  nxHeader(w, NXAST.REG_LOAD2, 0);
  putOxmEntry(w, headerFor(f, 0) as number, f.bytes, value, mask, mask !== onesBig(f.bytes * 8));
  w.pad(8, start);
  w.setU16(start + 2, w.length - start);
}

/** One OXM entry: the header with has-mask and length set (and experimenter ID), value, mask. */
function putOxmEntry(w: Writer, header: number, bytes: number, value: bigint, mask: bigint, masked: boolean): void {
  const payload = bytes * (masked ? 2 : 1) + (header >>> 16 === 0xffff ? 4 : 0);
  putHeader(w, ((header & 0xfffffe00) | (masked ? 0x100 : 0) | payload) >>> 0);
  w.uint(value, bytes);
  if (masked) w.uint(mask, bytes);
}

/** An action whose length covers what `body` appends after its 16-byte Nicira header. */
function nxVariable(w: Writer, subtype: number, body: () => void): void {
  const start = w.length;
  nxHeader(w, subtype, 0);
  body();
  w.pad(8, start);
  w.setU16(start + 2, w.length - start);
}

/**
 * NXAST_CONTROLLER2. Its own function: closures over `w` and `a` inside encodeAction made V8 keep
 * both in a context object allocated on every call, for every action kind.
 */
function putController2(w: Writer, a: Extract<Action, { type: 'controller' }>): void {
  nxVariable(w, NXAST.CONTROLLER2, () => {
    w.zeros(6);
    // ofpprop_put_u16 counts its two pad bytes in the property length; u8 does not.
    if (a.maxLen !== 0xffff) putProp(w, NXAC2PT.MAX_LEN, (x) => x.u16(a.maxLen).u16(0));
    if (a.controllerId) putProp(w, NXAC2PT.CONTROLLER_ID, (x) => x.u16(a.controllerId).u16(0));
    if (a.reason !== 1) putProp(w, NXAC2PT.REASON, (x) => x.u8(a.reason));
    if (a.userdata?.length) putProp(w, NXAC2PT.USERDATA, (x) => x.bytes(a.userdata as Uint8Array));
    if (a.pause) putProp(w, NXAC2PT.PAUSE, () => {});
    if (a.meterId) putProp(w, NXAC2PT.METER_ID, (x) => x.u32(a.meterId as number));
  });
}

function putRegLoad(w: Writer, f: FieldDef, value: bigint, mask: bigint): void {
  if (loadsAsOxm(f)) {
    putRegLoad2(w, f, value, mask);
    return;
  }
  // One NXAST_REG_LOAD per contiguous run of mask bits (OVS's next_load_segment).
  const width = fieldWidth(f);
  // The mask's bits read through 32-bit words: one bigint shift per word, not per bit.
  const words: number[] = [];
  for (let k = 0; k < width; k += 32) words.push(Number((mask >> bigN(k)) & 0xffffffffn));
  for (let ofs = nextBit(words, 0, width, true); ofs < width; ) {
    const end = Math.min(nextBit(words, ofs, width, false), ofs + 64);
    const nBits = end - ofs;
    nxHeader(w, NXAST.REG_LOAD, 24);
    w.u16(ofsNbits(ofs, nBits));
    w.u32(nxmHeader0(f));
    w.u64((value >> bigN(ofs)) & onesBig(nBits));
    ofs = nextBit(words, end, width, true);
  }
}

/** The first bit at or above `from` (below `width`) that is set (`set`) or clear in `words`; else `width`. */
function nextBit(words: number[], from: number, width: number, set: boolean): number {
  for (let i = from; i < width; i = (i | 31) + 1) {
    // This word's bits from i up; zeros shifted in from the top are never a match.
    const word = (set ? words[i >>> 5] : ~words[i >>> 5]) >>> (i & 31);
    if (word !== 0) return Math.min(width, i + 31 - Math.clz32(word & -word));
  }
  return width;
}

/**
 * OFPAT_SET_FIELD. `literal`: the mask is as loaded or received, masked unless it covers the
 * field's bytes (OVS's rule); otherwise a mask of the field's own bits is a whole value too.
 */
function putSetField(w: Writer, f: FieldDef, value: bigint, mask: bigint, version: number, literal = false): void {
  const start = w.length;
  w.u16(25).u16(0);
  const header = headerFor(f, version) as number;
  const all = onesBig(f.bytes * 8);
  const fieldAll = onesBig(fieldWidth(f));
  // A field that matches its whole bytes (ERSPAN, GTP-U) is set whole only by a mask over them.
  const masked = mask !== all && (literal || mask !== fieldAll || f.allOnes !== fieldAll);
  putOxmEntry(w, header, f.bytes, value, mask, masked);
  w.pad(8, start);
  w.setU16(start + 2, w.length - start);
}

const F = (n: string): FieldDef => fieldByName(n) as FieldDef;

/**
 * set_field/load on tun_metadataN as OVS writes it: the option's length from the value (and
 * mask), in OFPAT_SET_FIELD from OpenFlow 1.2 on (masked only from 1.5), else NXAST_REG_LOAD2;
 * a load is always NXAST_REG_LOAD2 before 1.5.
 */
function putTunMdSetField(w: Writer, a: Extract<Action, { type: 'set_field' }>, version: number): void {
  const masked = a.mask !== a.field.allOnes;
  // OVS writes the value as parsed, bits outside the mask included.
  const value = a.unmasked ?? a.value;
  const len = tunMdLength(value, masked ? a.mask : undefined);
  const start = w.length;
  if (version >= 6 || (version >= 3 && !a.fromLoad && !masked)) w.u16(25).u16(0);
  else nxHeader(w, NXAST.REG_LOAD2, 0);
  w.u32(tunMdHeader(a.field.tunMd as number, masked ? 2 * len : len, masked));
  w.uint(value, len);
  if (masked) w.uint(a.mask, len);
  w.pad(8, start);
  w.setU16(start + 2, w.length - start);
}

function setFieldModern(w: Writer, a: Extract<Action, { type: 'set_field' }>, version: number): void {
  const full =
    !a.maskedOnWire && (a.mask === a.field.wholeMask || (a.field.name === 'vlan_vid' && (a.mask & 0xfffn) === 0xfffn));
  if (version >= 6) putSetField(w, a.field, a.unmasked ?? a.value, a.mask, version, a.fromLoad || a.maskedOnWire);
  else if (a.fromLoad) putRegLoad(w, a.field, a.value, a.mask);
  else if (version < 3) setFieldLegacy(w, a, version);
  else if (full) putSetField(w, a.field, a.value, fieldValueOnes(a.field), version);
  else putRegLoad(w, a.field, a.value, setFieldWireMask(a));
}

/**
 * The mask a set_field goes out with as a load: a whole value (as parsed) covers the field's
 * bytes, as OVS keeps it, so an NXAST_REG_LOAD2 entry carries no mask.
 */
function setFieldWireMask(a: Extract<Action, { type: 'set_field' }>): bigint {
  return !a.fromLoad && a.mask === fieldValueOnes(a.field) ? onesBig(a.field.bytes * 8) : a.mask;
}

function setFieldLegacy(w: Writer, a: Extract<Action, { type: 'set_field' }>, version: number): void {
  const v = a.value;
  switch (a.field.name) {
    case 'vlan_vid':
      encodeAction(w, { type: 'set_vlan_vid', vid: Number(v & 0xfffn), push: false }, version, NO_CTX);
      return;
    case 'vlan_pcp':
      encodeAction(w, { type: 'set_vlan_pcp', pcp: Number(v), push: false }, version, NO_CTX);
      return;
    case 'eth_src':
      encodeAction(w, { type: 'set_eth_src', mac: v }, version, NO_CTX);
      return;
    case 'eth_dst':
      encodeAction(w, { type: 'set_eth_dst', mac: v }, version, NO_CTX);
      return;
    case 'ip_src':
      encodeAction(w, { type: 'set_ipv4_src', ip: Number(v) }, version, NO_CTX);
      return;
    case 'ip_dst':
      encodeAction(w, { type: 'set_ipv4_dst', ip: Number(v) }, version, NO_CTX);
      return;
    case 'nw_tos':
      encodeAction(w, { type: 'set_ip_dscp', tos: Number(v) }, version, NO_CTX);
      return;
    case 'ip_dscp':
      encodeAction(w, { type: 'set_ip_dscp', tos: Number(v) << 2 }, version, NO_CTX);
      return;
    case 'tcp_src':
    case 'udp_src':
      w.u16(9).u16(8).u16(Number(v)).u16(0);
      return;
    case 'tcp_dst':
    case 'udp_dst':
      w.u16(10).u16(8).u16(Number(v)).u16(0);
      return;
    default:
      if (version === 2 && setFieldOf11(w, a.field.name, Number(v))) return;
      putRegLoad(w, a.field, a.value, setFieldWireMask(a));
  }
}

/** OpenFlow 1.1's own actions for set_field (OVS's set_field_to_legacy_openflow); false if none. */
function setFieldOf11(w: Writer, field: string, v: number): boolean {
  switch (field) {
    case 'nw_ecn':
      w.u16(8).u16(8).u8(v).zeros(3);
      return true;
    case 'nw_ttl':
      w.u16(23).u16(8).u8(v).zeros(3);
      return true;
    case 'sctp_src':
    case 'sctp_dst':
      w.u16(field === 'sctp_src' ? 9 : 10)
        .u16(8)
        .u16(v)
        .u16(0);
      return true;
    case 'mpls_label':
      w.u16(13).u16(8).u32(v);
      return true;
    case 'mpls_tc':
      w.u16(14).u16(8).u8(v).zeros(3);
      return true;
  }
  return false;
}

const NO_CTX: EncodeContext = { flowHasVlan: true, innerVlan: false, nwProto: 0, dlType: 0 };

function putOutput(w: Writer, port: number, maxLen: number, version: number): void {
  if (version === 1) w.u16(0).u16(8).u16(port).u16(maxLen);
  else w.u16(0).u16(16).u32(portToOf11(port)).u16(maxLen).zeros(6);
}

/** Appends one action (not an instruction) in the wire format of `version`. */
export function encodeAction(w: Writer, a: Action, version: number, ctx: EncodeContext): void {
  const of10 = version === 1;
  switch (a.type) {
    case 'output':
      putOutput(w, a.port, a.maxLen, version);
      return;
    case 'controller':
      if (a.userdata?.length || a.pause || a.meterId || a.v2) putController2(w, a);
      else if (a.reason === 1 && a.controllerId === 0 && a.v2 !== false) {
        putOutput(w, OFPP.CONTROLLER, a.maxLen, version);
      } else {
        nxHeader(w, NXAST.CONTROLLER, 16);
        w.u16(a.maxLen).u16(a.controllerId).u8(a.reason).u8(0);
      }
      return;
    case 'enqueue':
      if (of10) w.u16(11).u16(16).u16(a.port).zeros(6).u32(a.queue);
      else {
        w.u16(21).u16(8).u32(a.queue);
        putOutput(w, a.port, 0xffff, version);
        nxHeader(w, NXAST.POP_QUEUE, 16);
        w.zeros(6);
      }
      return;
    case 'output_trunc':
      nxHeader(w, NXAST.OUTPUT_TRUNC, 16);
      w.u16(a.port).u32(a.maxLen);
      return;
    case 'output_reg':
      nxHeader(w, NXAST.OUTPUT_REG, 24);
      w.u16(ofsNbits(a.src.ofs, a.src.nBits)).u32(nxmHeader0(a.src.field)).u16(a.maxLen).zeros(6);
      return;
    case 'set_vlan_vid':
      // OpenFlow 1.1+ has no implicit push (1.1 keeps the action): an explicit one goes first.
      if (version >= 2 && a.push && !ctx.flowHasVlan) w.u16(17).u16(8).u16(0x8100).u16(0);
      if (version < 3) w.u16(1).u16(8).u16(a.vid).u16(0);
      else putSetField(w, F('vlan_vid'), BigInt(a.vid | VLAN_CFI), 0x1fffn, version);
      return;
    case 'set_vlan_pcp':
      if (version >= 2 && a.push && !ctx.flowHasVlan) w.u16(17).u16(8).u16(0x8100).u16(0);
      if (version < 3) w.u16(2).u16(8).u8(a.pcp).zeros(3);
      else putSetField(w, F('vlan_pcp'), BigInt(a.pcp), 7n, version);
      return;
    case 'strip_vlan':
      w.u16(of10 ? 3 : 18)
        .u16(8)
        .u32(0);
      return;
    case 'push_vlan':
      // OpenFlow 1.0 has no push: as OVS, it is implied by the set_vlan_vid that follows.
      if (of10) return;
      w.u16(17).u16(8).u16(a.ethertype).u16(0);
      return;
    case 'set_eth_src':
    case 'set_eth_dst':
      // OpenFlow 1.1 numbers the set actions one lower than 1.0 from here (no strip_vlan).
      if (version < 3)
        w.u16((a.type === 'set_eth_src' ? 4 : 5) - (version === 2 ? 1 : 0))
          .u16(16)
          .uint(a.mac, 6)
          .zeros(6);
      else putSetField(w, F(a.type === 'set_eth_src' ? 'eth_src' : 'eth_dst'), a.mac, 0xffffffffffffn, version);
      return;
    case 'set_ipv4_src':
    case 'set_ipv4_dst':
      if (version < 3)
        w.u16((a.type === 'set_ipv4_src' ? 6 : 7) - (version === 2 ? 1 : 0))
          .u16(8)
          .u32(a.ip);
      else putSetField(w, F(a.type === 'set_ipv4_src' ? 'ip_src' : 'ip_dst'), BigInt(a.ip), 0xffffffffn, version);
      return;
    case 'set_ip_dscp':
      if (version < 3)
        w.u16(version === 2 ? 7 : 8)
          .u16(8)
          .u8(a.tos)
          .zeros(3);
      else putSetField(w, F('ip_dscp'), BigInt(a.tos >> 2), 0x3fn, version);
      return;
    case 'set_ip_ecn':
      if (version === 2) w.u16(8).u16(8).u8(a.ecn).zeros(3);
      else if (of10) putRegLoad(w, F('nw_ecn'), BigInt(a.ecn), 3n);
      else putSetField(w, F('nw_ecn'), BigInt(a.ecn), 3n, version);
      return;
    case 'set_ip_ttl':
      if (of10) putRegLoad(w, F('nw_ttl'), BigInt(a.ttl), 0xffn);
      else w.u16(23).u16(8).u8(a.ttl).zeros(3);
      return;
    case 'set_l4_src':
    case 'set_l4_dst': {
      const src = a.type === 'set_l4_src';
      if (version < 3)
        w.u16(src ? 9 : 10)
          .u16(8)
          .u16(a.port)
          .u16(0);
      else {
        const proto = ctx.nwProto === IPPROTO.UDP ? 'udp' : ctx.nwProto === IPPROTO.SCTP ? 'sctp' : 'tcp';
        putSetField(w, F(`${proto}_${src ? 'src' : 'dst'}`), BigInt(a.port), 0xffffn, version);
      }
      return;
    }
    case 'set_field':
      if (a.field.tunMd !== undefined) putTunMdSetField(w, a, version);
      else setFieldModern(w, a, version);
      return;
    case 'reg_move': {
      // Fixed part, the two field headers (8 bytes each if experimenter), padding to 8.
      const start = w.length;
      if (version >= 6) w.u16(28).u16(0).u16(a.dst.nBits).u16(a.src.ofs).u16(a.dst.ofs).u16(0);
      else {
        nxHeader(w, NXAST.REG_MOVE, 0);
        w.u16(a.dst.nBits).u16(a.src.ofs).u16(a.dst.ofs);
      }
      putHeader(w, headerFor(a.src.field, version >= 6 ? version : 0) as number);
      putHeader(w, headerFor(a.dst.field, version >= 6 ? version : 0) as number);
      w.pad(8, start);
      w.setU16(start + 2, w.length - start);
      return;
    }
    case 'resubmit':
      // ovs-ofctl always sends the table form, with 255 for "this table".
      nxHeader(w, a.ct ? NXAST.RESUBMIT_TABLE_CT : NXAST.RESUBMIT_TABLE, 16);
      w.u16(a.inPort).u8(a.table).zeros(3);
      return;
    case 'set_tunnel':
      if (version >= 3) putSetField(w, F('tun_id'), a.tunId, 0xffffffffffffffffn, version);
      else if (!a.wide) {
        nxHeader(w, NXAST.SET_TUNNEL, 16);
        w.u16(0).u32(Number(a.tunId));
      } else {
        nxHeader(w, NXAST.SET_TUNNEL64, 24);
        w.zeros(6).u64(a.tunId);
      }
      return;
    case 'set_queue':
      if (of10) {
        nxHeader(w, NXAST.SET_QUEUE, 16);
        w.u16(0).u32(a.queue);
      } else w.u16(21).u16(8).u32(a.queue);
      return;
    case 'pop_queue':
      nxHeader(w, NXAST.POP_QUEUE, 16);
      w.zeros(6);
      return;
    case 'dec_ttl':
      if (a.explicit || a.ids.length !== 1 || a.ids[0] !== 0) {
        const start = w.length;
        nxHeader(w, NXAST.DEC_TTL_CNT_IDS, 0);
        w.u16(a.ids.length).zeros(4);
        for (const id of a.ids) w.u16(id);
        w.pad(8, start);
        w.setU16(start + 2, w.length - start);
      } else if (of10) {
        nxHeader(w, NXAST.DEC_TTL, 16);
        w.zeros(6);
      } else w.u16(24).u16(8).u32(0);
      return;
    case 'note': {
      const start = w.length;
      nxHeader(w, NXAST.NOTE, 0);
      w.bytes(a.data);
      w.pad(8, start);
      if (w.length - start < 16) w.zeros(16 - (w.length - start));
      w.setU16(start + 2, w.length - start);
      return;
    }
    case 'exit':
      nxHeader(w, NXAST.EXIT, 16);
      w.zeros(6);
      return;
    case 'fin_timeout':
      nxHeader(w, NXAST.FIN_TIMEOUT, 16);
      w.u16(a.idleTimeout).u16(a.hardTimeout).zeros(2);
      return;
    case 'group':
      if (of10) {
        nxHeader(w, NXAST.GROUP, 16);
        w.u16(0).u32(a.groupId);
      } else w.u16(22).u16(8).u32(a.groupId);
      return;
    case 'push_mpls':
    case 'pop_mpls':
      if (of10) {
        nxHeader(w, a.type === 'push_mpls' ? NXAST.PUSH_MPLS : NXAST.POP_MPLS, 16);
        w.u16(a.ethertype).zeros(4);
      } else
        w.u16(a.type === 'push_mpls' ? 19 : 20)
          .u16(8)
          .u16(a.ethertype)
          .u16(0);
      return;
    case 'conjunction':
      nxHeader(w, NXAST.CONJUNCTION, 16);
      w.u8(a.clause).u8(a.nClauses).u32(a.id);
      return;
    case 'ct': {
      const start = w.length;
      nxHeader(w, NXAST.CT, 24);
      w.u16((a.commit ? 1 : 0) | (a.force ? 2 : 0));
      if (a.zoneSrc) w.u32(nxmHeader0(a.zoneSrc.field)).u16(ofsNbits(a.zoneSrc.ofs, a.zoneSrc.nBits));
      else w.u32(0).u16(a.zone);
      w.u8(a.table)
        .zeros(3)
        .u16(a.alg ?? 0);
      const c = { ...ctx };
      for (const inner of a.actions ?? []) encodeAction(w, inner, version, c);
      w.setU16(start + 2, w.length - start);
      return;
    }
    case 'nat': {
      const start = w.length;
      nxHeader(w, NXAST.NAT, 16);
      w.u16(0).u16(a.flags).u16(0);
      let present = 0;
      if (a.af === 4) {
        if (a.min) {
          present |= 1;
          w.u32(Number(a.min));
        }
        if (a.max) {
          present |= 2;
          w.u32(Number(a.max));
        }
      } else if (a.af === 6) {
        if (a.min) {
          present |= 4;
          w.uint(a.min, 16);
        }
        if (a.max) {
          present |= 8;
          w.uint(a.max, 16);
        }
      }
      if (a.af && a.protoMin) {
        present |= 16;
        w.u16(a.protoMin);
      }
      if (a.af && a.protoMax) {
        present |= 32;
        w.u16(a.protoMax);
      }
      w.pad(8, start);
      w.setU16(start + 2, w.length - start);
      w.setU16(start + 14, present);
      return;
    }
    case 'ct_clear':
      nxHeader(w, NXAST.CT_CLEAR, 16);
      w.zeros(6);
      return;
    case 'clone': {
      const start = w.length;
      nxHeader(w, NXAST.CLONE, 16);
      w.zeros(6);
      const c = { ...ctx };
      for (const inner of a.actions) {
        encodeAction(w, inner, version, c);
        trackVlan(inner, c);
      }
      w.setU16(start + 2, w.length - start);
      return;
    }
    case 'sample':
      if (a.direction || a.samplingPort !== OFPP.NONE) {
        nxHeader(w, a.direction ? NXAST.SAMPLE3 : NXAST.SAMPLE2, 32);
        w.u16(a.probability).u32(a.collectorSetId).u32(a.obsDomainId).u32(a.obsPointId);
        w.u16(a.samplingPort).u8(a.direction).zeros(5);
      } else {
        nxHeader(w, NXAST.SAMPLE, 24);
        w.u16(a.probability).u32(a.collectorSetId).u32(a.obsDomainId).u32(a.obsPointId);
      }
      return;
    case 'check_pkt_larger': {
      const start = w.length;
      nxHeader(w, NXAST.CHECK_PKT_LARGER, 24);
      w.u16(a.pktLen).u16(a.dst.ofs);
      putFieldHeader(w, a.dst.field);
      w.pad(8, start);
      if (w.length - start < 24) w.zeros(24 - (w.length - start));
      w.setU16(start + 2, w.length - start);
      return;
    }
    case 'stack_push':
    case 'stack_pop': {
      const start = w.length;
      nxHeader(w, a.type === 'stack_push' ? NXAST.STACK_PUSH : NXAST.STACK_POP, 24);
      w.u16(a.sub.ofs);
      putFieldHeader(w, a.sub.field);
      w.u16(a.sub.nBits);
      w.pad(8, start);
      if (w.length - start < 24) w.zeros(24 - (w.length - start));
      w.setU16(start + 2, w.length - start);
      return;
    }
    case 'dec_nsh_ttl':
      nxHeader(w, NXAST.DEC_NSH_TTL, 16);
      w.zeros(6);
      return;
    case 'decap':
      nxHeader(w, NXAST.DECAP, 16);
      w.u16(0).u32(a.packetType);
      return;
    case 'encap':
      nxVariable(w, NXAST.ENCAP, () => {
        w.u16(a.hdrSize).u32(a.packetType);
        putEdProps(w, a.props);
      });
      return;
    case 'delete_field': {
      const start = w.length;
      nxHeader(w, NXAST.DELETE_FIELD, 24);
      putFieldHeader(w, a.field);
      w.zeros(24 - (w.length - start));
      return;
    }
    case 'debug_recirc':
    case 'debug_slow':
      nxHeader(w, a.type === 'debug_recirc' ? NXAST.DEBUG_RECIRC : NXAST.DEBUG_SLOW, 16);
      w.zeros(6);
      return;
    case 'multipath':
      nxHeader(w, NXAST.MULTIPATH, 32);
      w.u16(a.fields)
        .u16(a.basis)
        .u16(0)
        .u16(a.algorithm)
        .u16(a.nLinks - 1)
        .u32(a.arg)
        .u16(0);
      w.u16(ofsNbits(a.dst.ofs, a.dst.nBits)).u32(nxmHeader0(a.dst.field));
      return;
    case 'bundle': {
      const start = w.length;
      nxHeader(w, a.dst ? NXAST.BUNDLE_LOAD : NXAST.BUNDLE, 0);
      w.u16(a.algorithm).u16(a.fields).u16(a.basis).u32(0x00000002).u16(a.members.length);
      w.u16(a.dst ? ofsNbits(a.dst.ofs, a.dst.nBits) : 0)
        .u32(a.dst ? nxmHeader0(a.dst.field) : 0)
        .zeros(4);
      for (const m of a.members) w.u16(m);
      w.pad(8, start);
      w.setU16(start + 2, w.length - start);
      return;
    }
    case 'learn':
      encodeLearn(w, a);
      return;
    case 'dec_mpls_ttl':
      if (of10) {
        nxHeader(w, NXAST.DEC_MPLS_TTL, 16);
        w.zeros(6);
      } else w.u16(16).u16(8).u32(0);
      return;
    case 'set_mpls_label':
      if (of10) {
        nxHeader(w, NXAST.SET_MPLS_LABEL, 16);
        w.u16(0).u32(a.label);
      } else if (version === 2) w.u16(13).u16(8).u32(a.label);
      else putSetField(w, F('mpls_label'), BigInt(a.label), 0xfffffn, version);
      return;
    case 'set_mpls_tc':
      if (of10) {
        nxHeader(w, NXAST.SET_MPLS_TC, 16);
        w.u8(a.tc).zeros(5);
      } else if (version === 2) w.u16(14).u16(8).u8(a.tc).zeros(3);
      else putSetField(w, F('mpls_tc'), BigInt(a.tc), 7n, version);
      return;
    case 'set_mpls_ttl':
      if (of10) {
        nxHeader(w, NXAST.SET_MPLS_TTL, 16);
        w.u8(a.ttl).zeros(5);
      } else w.u16(15).u16(8).u8(a.ttl).zeros(3);
      return;
    case 'meter':
      // Only OpenFlow 1.5 has a meter action; 1.3/1.4 use an instruction (see encodeInstructions).
      w.u16(29).u16(8).u32(a.meterId);
      return;
    case 'write_metadata':
      nxHeader(w, NXAST.WRITE_METADATA, 32);
      w.zeros(6).u64(a.metadata).u64(a.mask);
      return;
    case 'goto_table':
      nxHeader(w, NXAST.RESUBMIT_TABLE, 16);
      w.u16(OFPP.IN_PORT).u8(a.table).zeros(3);
      return;
    case 'clear_actions':
    case 'write_actions':
      return;
  }
}

/** OpenFlow 1.0 action list (instructions folded in or dropped, as OVS does). */
export function encodeActions10(w: Writer, actions: Action[], ctx: EncodeContext): void {
  const c = { ...ctx };
  for (const a of actions) {
    encodeAction(w, a, 1, c);
    trackVlan(a, c);
  }
}

/** OVS updates the flow as it checks actions; a pushed VLAN tag is then present. */
function trackVlan(a: Action, c: EncodeContext): void {
  if ((a.type === 'set_vlan_vid' || a.type === 'set_vlan_pcp') && a.push) c.flowHasVlan = true;
  else if (a.type === 'push_vlan') {
    c.innerVlan = c.flowHasVlan;
    c.flowHasVlan = true;
  } else if (a.type === 'strip_vlan') {
    // Popping the outer tag exposes the inner one, if an earlier push made two.
    c.flowHasVlan = c.innerVlan ?? false;
    c.innerVlan = false;
  } else if (a.type === 'set_field' && a.field.name === 'vlan_tci') c.flowHasVlan = (Number(a.value) & VLAN_CFI) !== 0;
}

/** OpenFlow 1.1+ instructions: meter, apply_actions, clear, write_actions, write_metadata, goto. */
export function encodeInstructions(w: Writer, actions: Action[], version: number, ctx0: EncodeContext): void {
  // All four fields always, so that every context has one shape (a spread copy of a context
  // without innerVlan, later given one, deoptimised this function and encodeAction).
  const ctx: EncodeContext = {
    flowHasVlan: ctx0.flowHasVlan,
    innerVlan: ctx0.innerVlan ?? false,
    nwProto: ctx0.nwProto,
    dlType: ctx0.dlType,
  };
  // Where the open apply_actions instruction starts (-1: none), closed by closeApply (a
  // function, not a closure: that was a context object per flow_mod).
  let applyStart = -1;
  for (const a of actions) {
    switch (a.type) {
      case 'meter':
        if (version < 6) {
          applyStart = closeApply(w, applyStart);
          w.u16(6).u16(8).u32(a.meterId);
          continue;
        }
        break;
      case 'clear_actions':
        applyStart = closeApply(w, applyStart);
        w.u16(5).u16(8).u32(0);
        continue;
      case 'write_actions': {
        applyStart = closeApply(w, applyStart);
        const start = w.length;
        w.u16(3).u16(0).u32(0);
        for (const inner of a.actions) encodeAction(w, inner, version, ctx);
        w.setU16(start + 2, w.length - start);
        continue;
      }
      case 'write_metadata':
        applyStart = closeApply(w, applyStart);
        w.u16(2).u16(24).u32(0).u64(a.metadata).u64(a.mask);
        continue;
      case 'goto_table':
        applyStart = closeApply(w, applyStart);
        w.u16(1).u16(8).u8(a.table).zeros(3);
        continue;
    }
    if (applyStart < 0) {
      applyStart = w.length;
      w.u16(4).u16(0).u32(0);
    }
    encodeAction(w, a, version, ctx);
    trackVlan(a, ctx);
  }
  closeApply(w, applyStart);
}

/** Patches the length of the apply_actions instruction open at `start` (if any); returns -1. */
function closeApply(w: Writer, start: number): number {
  if (start >= 0) w.setU16(start + 2, w.length - start);
  return -1;
}

// ---------------------------------------------------------------- decoding

const badAction = (code: number, off: number, msg: string) => decodeError(OFPET.BAD_ACTION, code, off, msg);

/** push_mpls or pop_mpls; a push must name an MPLS ethertype (a pop may name any). */
function mplsAction(push: boolean, ethertype: number, p: number): Action {
  if (push && !isMplsType(ethertype)) throw badAction(OFPBAC.BAD_ARGUMENT, p, 'push_mpls of a non-MPLS ethertype');
  return { type: push ? 'push_mpls' : 'pop_mpls', ethertype };
}
/** An action of fixed length must have exactly it (a function, not a closure per action). */
function exactLength(type: number, alen: number, want: number, p: number): void {
  if (alen !== want) throw badAction(OFPBAC.BAD_LEN, p, `action type ${type} has length ${alen}, expected ${want}`);
}
function nxExactLength(subtype: number, len: number, want: number, p: number): void {
  if (len !== want) throw badAction(OFPBAC.BAD_LEN, p, `Nicira action ${subtype} has length ${len}, expected ${want}`);
}
const badInstruction = (code: number, off: number, msg: string) => decodeError(OFPET.BAD_INSTRUCTION, code, off, msg);

/**
 * The field an action names by header: OVS turns a masked header into the exact one (half the
 * length) and then wants it to be a known header exactly, length included.
 */
function actionField(header: number): FieldDef | undefined {
  const f = fieldByHeader(header) ?? tunMdFieldByHeader(header);
  const exact = header & 0x100 ? ((header & ~0x1ff) | ((header & 0xff) >> 1)) >>> 0 : header;
  return f && (exact === f.nxm || exact === f.oxm || exact === f.onfOxm) ? f : undefined;
}

/** A subfield from its wire header, offset and width, rejected with OVS's mf_check codes. */
function subfieldFromWire(header: number, ofs: number, nBits: number, off: number): Subfield {
  const field = actionField(header);
  if (!field) throw badAction(OFPBAC.BAD_SET_TYPE, off, `unknown field 0x${header.toString(16)}`);
  if (ofs + nBits > fieldWidth(field) || nBits === 0) {
    throw badAction(OFPBAC.BAD_SET_LEN, off, 'subfield overruns field');
  }
  return { field, ofs, nBits };
}

/**
 * NXAST_REG_MOVE or OFPAT_COPY_FIELD after its fixed part (`fixed` bytes): two field headers,
 * each 8 bytes if experimenter (an ID other than the field's makes it unknown), then zeros.
 */
function decodeMove(
  b: Uint8Array,
  v: DataView,
  p: number,
  len: number,
  fixed: number,
  nBits: number,
  srcOfs: number,
  dstOfs: number,
): Action {
  const end = p + len;
  const srcHeader = pullHeader(v, p + fixed, end, p);
  const dstHeader = pullHeader(v, headerEnd, end, p);
  for (let i = headerEnd; i < end; i++)
    if (b[i]) throw badAction(OFPBAC.BAD_LEN, p, 'nonzero bytes after the field headers');
  requireKnownFields(srcHeader, dstHeader, p);
  const src = subfieldFromWire(srcHeader, srcOfs, nBits, p);
  const dst = subfieldFromWire(dstHeader, dstOfs, nBits, p);
  return { type: 'reg_move', src, dst };
}

/** Where pullHeader's header ended (module scratch: no object per header). */
let headerEnd = 0;

/**
 * A field header at `q` (nx_pull_header): 4 bytes, or 8 for an experimenter one; 0 (no field) if
 * its experimenter ID is not the field's. OFPBMC_BAD_LEN if it does not fit before `end`.
 */
function pullHeader(v: DataView, q: number, end: number, p: number): number {
  if (end - q < 4) throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, p, 'truncated field header');
  const header = v.getUint32(q);
  if (header >>> 16 !== 0xffff) {
    headerEnd = q + 4;
    return header;
  }
  if (end - q < 8) throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, p, 'truncated experimenter field header');
  headerEnd = q + 8;
  return v.getUint32(q + 4) === oxmExperimenterId(header) ? header : 0;
}

/** Move and copy_field pull both field headers before checking either subfield (nx_pull_header). */
function requireKnownFields(src: number, dst: number, off: number): void {
  if (!actionField(src) || !actionField(dst)) {
    throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_FIELD, off, 'unknown field in move');
  }
}

function decodeNx(b: Uint8Array, v: DataView, p: number, len: number, out: Action[], version: number): void {
  if (len < 16) throw badAction(OFPBAC.BAD_LEN, p, 'Nicira action too short');
  const subtype = v.getUint16(p + 8);
  switch (subtype) {
    case NXAST.RESUBMIT:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'resubmit', inPort: v.getUint16(p + 10), table: 255 });
      return;
    case NXAST.RESUBMIT_TABLE:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'resubmit', inPort: v.getUint16(p + 10), table: b[p + 12] });
      return;
    case NXAST.RESUBMIT_TABLE_CT:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'resubmit', inPort: v.getUint16(p + 10), table: b[p + 12], ct: true });
      return;
    case NXAST.SET_TUNNEL:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'set_tunnel', tunId: BigInt(v.getUint32(p + 12)), wide: false });
      return;
    case NXAST.SET_TUNNEL64:
      nxExactLength(subtype, len, 24, p);
      out.push({ type: 'set_tunnel', tunId: v.getBigUint64(p + 16), wide: true });
      return;
    case NXAST.SET_QUEUE:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'set_queue', queue: v.getUint32(p + 12) });
      return;
    case NXAST.POP_QUEUE:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'pop_queue' });
      return;
    case NXAST.REG_MOVE: {
      // OpenFlow 1.5 has copy_field and set_field instead: OVS knows these only up to 1.4.
      if (version >= 6) throw badAction(OFPBAC.BAD_EXP_TYPE, p, 'NXAST_REG_MOVE is not an OpenFlow 1.5 action');
      if (len < 24) nxExactLength(subtype, len, 24, p);
      out.push(decodeMove(b, v, p, len, 16, v.getUint16(p + 10), v.getUint16(p + 12), v.getUint16(p + 14)));
      return;
    }
    case NXAST.REG_LOAD: {
      if (version >= 6) throw badAction(OFPBAC.BAD_EXP_TYPE, p, 'NXAST_REG_LOAD is not an OpenFlow 1.5 action');
      nxExactLength(subtype, len, 24, p);
      const on = v.getUint16(p + 10);
      const dst = subfieldFromWire(v.getUint32(p + 12), on >> 6, (on & 0x3f) + 1, p);
      const value = v.getBigUint64(p + 16);
      if (!dst.field.writable) throw badAction(OFPBAC.BAD_SET_ARGUMENT, p, 'field not writable');
      if (dst.nBits < 64 && value >> bigN(dst.nBits)) throw badAction(OFPBAC.BAD_ARGUMENT, p, 'load value too wide');
      const shift = bigN(dst.ofs);
      out.push({
        type: 'set_field',
        field: dst.field,
        value: value << shift,
        mask: onesBig(dst.nBits) << shift,
        fromLoad: true,
      });
      return;
    }
    case NXAST.REG_LOAD2: {
      const header = len >= 14 ? v.getUint32(p + 10) : 0;
      out.push(tunMdFieldByHeader(header) ? decodeTunMdLoad2(b, v, p, len) : decodeLoad2(b, v, p, len));
      return;
    }
    case NXAST.NOTE:
      out.push({ type: 'note', data: b.slice(p + 10, p + len) });
      return;
    case NXAST.OUTPUT_REG: {
      nxExactLength(subtype, len, 24, p);
      const on = v.getUint16(p + 10);
      for (let i = p + 18; i < p + 24; i++) if (b[i]) throw badAction(OFPBAC.BAD_ARGUMENT, p, 'nonzero padding');
      out.push({
        type: 'output_reg',
        src: subfieldFromWire(v.getUint32(p + 12), on >> 6, (on & 0x3f) + 1, p),
        maxLen: v.getUint16(p + 16),
      });
      return;
    }
    case NXAST.OUTPUT_TRUNC:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'output_trunc', port: v.getUint16(p + 10), maxLen: v.getUint32(p + 12) });
      return;
    case NXAST.EXIT:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'exit' });
      return;
    case NXAST.FIN_TIMEOUT:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'fin_timeout', idleTimeout: v.getUint16(p + 10), hardTimeout: v.getUint16(p + 12) });
      return;
    case NXAST.DEC_TTL:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'dec_ttl', ids: [0], explicit: false });
      return;
    case NXAST.DEC_TTL_CNT_IDS: {
      const n = v.getUint16(p + 10);
      if (16 + 2 * n > len) throw badAction(OFPBAC.BAD_LEN, p, 'dec_ttl_cnt_ids controller ids overrun the action');
      const ids: number[] = [];
      for (let i = 0; i < n; i++) ids.push(v.getUint16(p + 16 + 2 * i));
      out.push({ type: 'dec_ttl', ids, explicit: true });
      return;
    }
    case NXAST.CONTROLLER: {
      nxExactLength(subtype, len, 16, p);
      const a: Action = {
        type: 'controller',
        maxLen: v.getUint16(p + 10),
        controllerId: v.getUint16(p + 12),
        reason: b[p + 14],
      };
      // Kept as an NXAST_CONTROLLER when re-encoded (not folded into an output).
      if (a.reason === 1 && a.controllerId === 0) a.v2 = false;
      out.push(a);
      return;
    }
    case NXAST.WRITE_METADATA:
      nxExactLength(subtype, len, 32, p);
      out.push({ type: 'write_metadata', metadata: v.getBigUint64(p + 16), mask: v.getBigUint64(p + 24) });
      return;
    case NXAST.PUSH_MPLS:
    case NXAST.POP_MPLS:
      nxExactLength(subtype, len, 16, p);
      out.push(mplsAction(subtype === NXAST.PUSH_MPLS, v.getUint16(p + 10), p));
      return;
    case NXAST.CONJUNCTION: {
      nxExactLength(subtype, len, 16, p);
      const clause = b[p + 10];
      const n = b[p + 11];
      if (n < 2 || n > 64 || clause >= n) throw badAction(OFPBAC.BAD_ARGUMENT, p, 'bad conjunction');
      out.push({ type: 'conjunction', clause, nClauses: n, id: v.getUint32(p + 12) });
      return;
    }
    case NXAST.CT:
      out.push(decodeCt(b, v, p, len, version));
      return;
    case NXAST.NAT:
      out.push(decodeNat(b, v, p, len));
      return;
    case NXAST.CT_CLEAR:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'ct_clear' });
      return;
    case NXAST.CLONE:
      out.push({ type: 'clone', actions: decodeActions(b, p + 16, len - 16, version, false, v) });
      return;
    case NXAST.SAMPLE:
    case NXAST.SAMPLE2:
    case NXAST.SAMPLE3: {
      nxExactLength(subtype, len, subtype === NXAST.SAMPLE ? 24 : 32, p);
      const probability = v.getUint16(p + 10);
      const direction = subtype === NXAST.SAMPLE3 ? b[p + 26] : 0;
      if (!probability || direction > 2) throw badAction(OFPBAC.BAD_ARGUMENT, p, 'bad sample probability or direction');
      out.push({
        type: 'sample',
        probability,
        collectorSetId: v.getUint32(p + 12),
        obsDomainId: v.getUint32(p + 16),
        obsPointId: v.getUint32(p + 20),
        samplingPort: subtype === NXAST.SAMPLE ? OFPP.NONE : v.getUint16(p + 24),
        direction,
      });
      return;
    }
    case NXAST.CHECK_PKT_LARGER: {
      nxExactLength(subtype, len, 24, p);
      const dst = subfieldFromWire(v.getUint32(p + 14), v.getUint16(p + 12), 1, p);
      if (!dst.field.writable) throw badAction(OFPBAC.BAD_SET_ARGUMENT, p, 'check_pkt_larger to a read-only field');
      out.push({ type: 'check_pkt_larger', pktLen: v.getUint16(p + 10), dst });
      return;
    }
    case NXAST.STACK_PUSH:
    case NXAST.STACK_POP: {
      nxExactLength(subtype, len, 24, p);
      const sub = subfieldFromWire(v.getUint32(p + 12), v.getUint16(p + 10), v.getUint16(p + 16), p);
      out.push({ type: subtype === NXAST.STACK_PUSH ? 'stack_push' : 'stack_pop', sub });
      return;
    }
    case NXAST.CONTROLLER2:
      out.push(decodeController2(b, v, p, len));
      return;
    case NXAST.LEARN2:
      out.push(decodeLearn(b, p, len, true));
      return;
    case NXAST.DEC_NSH_TTL:
      // Defined for OpenFlow 1.3 and later only.
      if (version < 4) throw badAction(OFPBAC.BAD_EXP_TYPE, p, `unknown Nicira action subtype ${subtype}`);
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'dec_nsh_ttl' });
      return;
    case NXAST.DECAP:
      if (version < 4) throw badAction(OFPBAC.BAD_EXP_TYPE, p, `unknown Nicira action subtype ${subtype}`);
      // Variable length, but OVS knows no decap properties yet.
      if (len > 16) throw decodeError(OFPET.EXPERIMENTER, NXBAC.UNKNOWN_ED_PROP, p, 'decap with properties');
      out.push({ type: 'decap', packetType: v.getUint32(p + 12) });
      return;
    case NXAST.ENCAP: {
      if (version < 4) throw badAction(OFPBAC.BAD_EXP_TYPE, p, `unknown Nicira action subtype ${subtype}`);
      const packetType = v.getUint32(p + 12);
      checkEncapType(packetType, p);
      const props = decodeEdProps(b, v, p + 16, p + len);
      out.push({ type: 'encap', packetType, hdrSize: v.getUint16(p + 10), props });
      return;
    }
    case NXAST.DELETE_FIELD:
      nxExactLength(subtype, len, 24, p);
      out.push({ type: 'delete_field', field: deletedField(v, p + 10, p) });
      return;
    case NXAST.DEBUG_RECIRC:
    case NXAST.DEBUG_SLOW:
      // OVS decodes them only when ovs-vswitchd runs with --enable-dummy; ovs-ofctl never does.
      nxExactLength(subtype, len, 16, p);
      throw badAction(OFPBAC.BAD_EXP_TYPE, p, `debugging action ${subtype} is disabled`);
    case NXAST.MULTIPATH: {
      nxExactLength(subtype, len, 32, p);
      const on = v.getUint16(p + 26);
      const dst = subfieldFromWire(v.getUint32(p + 28), on >> 6, (on & 0x3f) + 1, p);
      const fields = v.getUint16(p + 10);
      const algorithm = v.getUint16(p + 16);
      if (fields > 6 || algorithm > 3) throw badAction(OFPBAC.BAD_ARGUMENT, p, 'bad multipath fields or algorithm');
      out.push({
        type: 'multipath',
        fields,
        basis: v.getUint16(p + 12),
        algorithm,
        nLinks: v.getUint16(p + 18) + 1,
        arg: v.getUint32(p + 20),
        dst,
      });
      return;
    }
    case NXAST.BUNDLE:
    case NXAST.BUNDLE_LOAD: {
      if (len < 32) throw badAction(OFPBAC.BAD_LEN, p, 'bundle action too short');
      const n = v.getUint16(p + 20);
      if (32 + 2 * n > len) throw badAction(OFPBAC.BAD_LEN, p, 'bundle members overrun the action');
      const algorithm = v.getUint16(p + 10);
      const fields = v.getUint16(p + 12);
      if (algorithm > 1 || fields > 6) throw badAction(OFPBAC.BAD_ARGUMENT, p, 'bad bundle algorithm or fields');
      const members: number[] = [];
      for (let i = 0; i < n; i++) members.push(v.getUint16(p + 32 + 2 * i));
      let dst: Subfield | undefined;
      if (subtype === NXAST.BUNDLE_LOAD) {
        const on = v.getUint16(p + 22);
        dst = subfieldFromWire(v.getUint32(p + 24), on >> 6, (on & 0x3f) + 1, p);
      }
      out.push({ type: 'bundle', fields, basis: v.getUint16(p + 14), algorithm, members, dst });
      return;
    }
    case NXAST.LEARN:
      out.push(decodeLearn(b, p, len));
      return;
    case NXAST.DEC_MPLS_TTL:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'dec_mpls_ttl' });
      return;
    case NXAST.SET_MPLS_LABEL:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'set_mpls_label', label: v.getUint32(p + 12) });
      return;
    case NXAST.SET_MPLS_TC:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'set_mpls_tc', tc: b[p + 10] });
      return;
    case NXAST.SET_MPLS_TTL:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'set_mpls_ttl', ttl: b[p + 10] });
      return;
    case NXAST.GROUP:
      nxExactLength(subtype, len, 16, p);
      out.push({ type: 'group', groupId: v.getUint32(p + 12) });
      return;
    default:
      throw badAction(OFPBAC.BAD_EXP_TYPE, p, `unknown Nicira action subtype ${subtype}`);
  }
}

/**
 * delete_field's field header (nx_pull_header): any known field, tun_metadataN of any length;
 * an unknown one is OFPBMC_BAD_FIELD, a masked one OFPBMC_BAD_MASK.
 */
function deletedField(v: DataView, q: number, p: number): FieldDef {
  const header = v.getUint32(q);
  // An experimenter OXM header is 8 bytes long, its length counting the experimenter id.
  if (header >>> 16 === 0xffff && (header & 0xff) < 4)
    throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, p, 'bad header');
  const tunMd = tunMdFieldByHeader(header);
  const field = tunMd ?? actionField(header);
  if (!field) throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_FIELD, p, `unknown field 0x${header.toString(16)}`);
  if (header & 0x100) throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_MASK, p, 'masked field in delete_field');
  return field;
}

function decodeCt(b: Uint8Array, v: DataView, p: number, len: number, version: number): Action {
  if (len < 24) throw badAction(OFPBAC.BAD_LEN, p, 'ct action too short');
  const flags = v.getUint16(p + 10);
  if (flags & ~3 || (flags & 2 && !(flags & 1))) throw badAction(OFPBAC.BAD_ARGUMENT, p, 'bad ct flags');
  const a: Extract<Action, { type: 'ct' }> = {
    type: 'ct',
    commit: (flags & 1) !== 0,
    table: b[p + 18],
    zone: 0,
    alg: v.getUint16(p + 22),
  };
  if (flags & 2) a.force = true;
  const zoneSrc = v.getUint32(p + 12);
  const zoneBits = v.getUint16(p + 16);
  if (zoneSrc) {
    a.zoneSrc = subfieldFromWire(zoneSrc, zoneBits >> 6, (zoneBits & 0x3f) + 1, p);
    if (a.zoneSrc.nBits !== 16) throw badAction(OFPBAC.BAD_SET_LEN, p, 'ct zone must be 16 bits');
  } else a.zone = zoneBits;
  const inner = decodeActions(b, p + 24, len - 24, version, false, v);
  for (const x of inner) {
    const dst = x.type === 'set_field' ? x.field : x.type === 'reg_move' ? x.dst.field : undefined;
    if (x.type !== 'nat' && !(dst && (dst.name === 'ct_mark' || dst.name === 'ct_label'))) {
      throw badAction(OFPBAC.BAD_ARGUMENT, p, 'action not allowed inside ct');
    }
    // Without commit only a nat without arguments may follow (OVS's decode_NXAST_RAW_CT).
    if (!a.commit && (x.type !== 'nat' || x.flags || x.af)) {
      throw badAction(OFPBAC.BAD_ARGUMENT, p, 'ct actions need the commit flag');
    }
  }
  if (inner.length) a.actions = inner;
  return a;
}

function decodeNat(b: Uint8Array, v: DataView, p: number, len: number): Action {
  const bad = () => badAction(OFPBAC.BAD_ARGUMENT, p, 'bad nat action');
  const flags = v.getUint16(p + 12);
  const present = v.getUint16(p + 14);
  if (flags & ~0x1f || (flags & 1 && flags & 2) || (flags & 8 && flags & 16)) throw bad();
  const nat: Nat = { type: 'nat', flags, af: 0, min: 0n, max: 0n, protoMin: 0, protoMax: 0 };
  let q = p + 16;
  const end = p + len;
  const take = (n: number): bigint => {
    if (end - q < n) throw bad();
    const x = readUint(b, q, n);
    q += n;
    return x;
  };
  if (present & 1) {
    if (present & 12) throw bad();
    nat.af = 4;
    nat.min = take(4);
    if (!nat.min) throw bad();
    if (present & 2) {
      nat.max = take(4);
      if (nat.max < nat.min) throw bad();
    }
  } else if (present & 2) throw bad();
  else if (present & 4) {
    nat.af = 6;
    nat.min = take(16);
    if (!nat.min) throw bad();
    if (present & 8) {
      nat.max = take(16);
      if (nat.max < nat.min) throw bad();
    }
  } else if (present & 8) throw bad();
  if (present & 16) {
    if (!nat.af) throw bad();
    nat.protoMin = Number(take(2));
    if (!nat.protoMin) throw bad();
    if (present & 32) {
      nat.protoMax = Number(take(2));
      if (nat.protoMax < nat.protoMin) throw bad();
    }
  } else if (present & 32) throw bad();
  return nat;
}

function decodeController2(b: Uint8Array, v: DataView, p: number, len: number): Action {
  for (let i = p + 10; i < p + 16; i++) if (b[i]) throw badAction(OFPBAC.BAD_ARGUMENT, p, 'nonzero padding');
  const a: Extract<Action, { type: 'controller' }> = {
    type: 'controller',
    maxLen: 0xffff,
    controllerId: 0,
    reason: 1,
    v2: true,
  };
  const end = p + len;
  let q = p + 16;
  while (q < end) {
    if (end - q < 4) throw badAction(OFPBAC.BAD_LEN, q, 'truncated property');
    const type = v.getUint16(q);
    const plen = v.getUint16(q + 2);
    if (plen < 4 || plen > end - q) throw badAction(OFPBAC.BAD_LEN, q, 'bad property length');
    const size = plen - 4;
    const want = (n: number) => {
      if (size !== n) throw badAction(OFPBAC.BAD_LEN, q, 'bad property length');
    };
    switch (type) {
      case NXAC2PT.MAX_LEN:
        want(4);
        a.maxLen = v.getUint16(q + 4);
        break;
      case NXAC2PT.CONTROLLER_ID:
        want(4);
        a.controllerId = v.getUint16(q + 4);
        break;
      case NXAC2PT.REASON:
        want(1);
        a.reason = b[q + 4];
        break;
      case NXAC2PT.USERDATA:
        a.userdata = b.slice(q + 4, q + plen);
        break;
      case NXAC2PT.PAUSE:
        a.pause = true;
        break;
      case NXAC2PT.METER_ID:
        want(4);
        a.meterId = v.getUint32(q + 4);
        break;
      default:
        throw badAction(OFPBAC.BAD_ARGUMENT, q, `unknown controller2 property ${type}`);
    }
    q += (plen + 7) & ~7;
  }
  return a;
}

/**
 * NXAST_REG_LOAD2 on a fixed-size field (nx_pull_entry): its OXM entry after the subtype, then
 * zeros; a set_field that prints as one and is written back as NXAST_REG_LOAD2 (fromLoad).
 */
function decodeLoad2(b: Uint8Array, v: DataView, p: number, len: number): Action {
  const end = p + len;
  const header = pullHeader(v, p + 10, end, p);
  const q = headerEnd;
  const field = header ? fieldByHeader(header) : undefined;
  if (!field) throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_FIELD, p, `unknown field 0x${header.toString(16)}`);
  const hasMask = (header & 0x100) !== 0;
  const plen = (header & 0xff) - (header >>> 16 === 0xffff ? 4 : 0);
  const bytes = hasMask ? plen >> 1 : plen;
  if (q + plen > end || (hasMask && plen % 2) || bytes !== field.bytes)
    throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, p, 'NXAST_REG_LOAD2 entry of the wrong length');
  for (let i = q + plen; i < end; i++)
    if (b[i]) throw badAction(OFPBAC.BAD_LEN, p, 'nonzero bytes after the NXAST_REG_LOAD2 entry');
  if (!field.writable) throw badAction(OFPBAC.BAD_SET_ARGUMENT, p, `${field.name} is read-only`);
  const value = readUint(b, q, bytes);
  // Unmasked is all ones over the bytes, as OVS keeps it (a mask of the field's bits prints).
  const mask = hasMask ? readUint(b, q + bytes, bytes) : onesBig(bytes * 8);
  if (value & ~mask) throw decodeError(OFPET.BAD_MATCH, 5, p, 'set_field value has bits outside its mask');
  return { type: 'set_field', field, value, mask, fromLoad: true };
}

/** NXAST_REG_LOAD2 on tun_metadataN: its OXM entry (masked or not) after the subtype; a set_field. */
function decodeTunMdLoad2(b: Uint8Array, v: DataView, p: number, len: number): Action {
  const header = v.getUint32(p + 10);
  const field = tunMdFieldByHeader(header) as FieldDef;
  const hasMask = (header & 0x100) !== 0;
  const plen = header & 0xff;
  const bytes = hasMask ? plen >> 1 : plen;
  if (p + 14 + plen > p + len || (hasMask && plen % 2) || bytes > field.bytes)
    throw badAction(OFPBAC.BAD_SET_LEN, p, 'NXAST_REG_LOAD2 entry overruns the action');
  const value = readUint(b, p + 14, bytes);
  const mask = hasMask ? readUint(b, p + 14 + bytes, bytes) : field.allOnes;
  if (value & ~mask) throw decodeError(OFPET.BAD_MATCH, 5, p, 'set_field value has bits outside its mask');
  // fromLoad: written back as NXAST_REG_LOAD2 again (OVS keeps the action's raw form).
  return { type: 'set_field', field, value, mask, fromLoad: true };
}

function decodeSetField(b: Uint8Array, v: DataView, p: number, len: number, version: number): Action {
  if (len < 8) throw badAction(OFPBAC.BAD_LEN, p, 'set_field too short');
  const header = v.getUint32(p + 4);
  const hasMask = (header & 0x100) !== 0;
  let q = p + 8;
  let plen = header & 0xff;
  if (header >>> 16 === 0xffff) {
    q += 4;
    plen -= 4;
  }
  const tunMd = tunMdFieldByHeader(header);
  // tun_metadataN is variable-length: 0 to 124 bytes.
  if (q + plen > p + len || (plen <= 0 && !tunMd))
    throw badAction(OFPBAC.BAD_SET_LEN, p, 'set_field OXM overruns the action');
  if (hasMask && version < 6) throw badAction(OFPBAC.BAD_SET_ARGUMENT, p, 'masked set_field before OpenFlow 1.5');
  // An experimenter field is known only under its own experimenter ID.
  const known = header >>> 16 !== 0xffff || v.getUint32(p + 8) === oxmExperimenterId(header);
  const field = known ? (fieldByHeader(header) ?? tunMd) : undefined;
  if (!field) throw badAction(OFPBAC.BAD_SET_TYPE, p, `unknown set_field field 0x${header.toString(16)}`);
  const bytes = hasMask ? plen / 2 : plen;
  if (tunMd ? bytes > field.bytes : bytes !== field.bytes)
    throw badAction(OFPBAC.BAD_SET_LEN, p, `bad set_field length for ${field.name}`);
  if (!field.writable) throw badAction(OFPBAC.BAD_SET_ARGUMENT, p, `${field.name} is read-only`);
  const value = readUint(b, q, bytes);
  const fieldAll = fieldValueOnes(field);
  const mask = hasMask ? readUint(b, q + bytes, bytes) : fieldAll;
  if (value & ~mask) throw decodeError(OFPET.BAD_MATCH, 5, p, 'set_field value has bits outside its mask');
  if (field.name === 'vlan_vid' && (value > 0x1fffn || !(value & bigN(VLAN_CFI)))) {
    // Set-Field on VLAN_VID must set OFPVID_PRESENT.
    throw badAction(OFPBAC.BAD_SET_ARGUMENT, p, 'set_field vlan_vid without OFPVID_PRESENT');
  }
  if (value > onesBig(bytes * 8) || value > fieldAll) {
    throw badAction(OFPBAC.BAD_SET_ARGUMENT, p, `bad value for ${field.name}`);
  }
  const a: Action = { type: 'set_field', field, value: value & mask, mask, fromLoad: false };
  if (hasMask) a.maskedOnWire = true;
  return a;
}

/** Nicira actions OVS allows in an action set (write_actions); the others are OFPBAC_BAD_TYPE there. */
const NX_IN_ACTION_SET = new Set<number>([
  NXAST.SET_TUNNEL,
  NXAST.SET_TUNNEL64,
  NXAST.SET_QUEUE,
  NXAST.REG_MOVE,
  NXAST.REG_LOAD,
  NXAST.DEC_TTL,
  NXAST.DEC_TTL_CNT_IDS,
  NXAST.PUSH_MPLS,
  NXAST.POP_MPLS,
  NXAST.GROUP,
  NXAST.DEC_MPLS_TTL,
  NXAST.SET_MPLS_LABEL,
  NXAST.SET_MPLS_TC,
  NXAST.SET_MPLS_TTL,
  NXAST.RESUBMIT,
  NXAST.RESUBMIT_TABLE,
  NXAST.CT,
  NXAST.CT_CLEAR,
  NXAST.ENCAP,
  NXAST.DECAP,
  NXAST.DEC_NSH_TTL,
]);

/** Decodes an action list of `len` bytes at `off` (`actionSet`: inside write_actions). */
/**
 * `v` is a DataView over `b` when the caller has one: a DataView per decoded message (and per
 * nested action list) went through a C++ builtin each time.
 */
export function decodeActions(
  b: Uint8Array,
  off: number,
  len: number,
  version: number,
  actionSet = false,
  v: DataView = dv(b),
): Action[] {
  const out: Action[] = [];
  const end = off + len;
  let p = off;
  while (p < end) {
    if (end - p < 8) throw badAction(OFPBAC.BAD_LEN, p, 'truncated action header');
    const type = v.getUint16(p);
    const alen = v.getUint16(p + 2);
    if (alen < 8 || alen % 8 || alen > end - p) {
      throw badAction(OFPBAC.BAD_LEN, p, `action length ${alen} is invalid or overruns the list`);
    }
    if (type === 0xffff) {
      if (alen < 16) throw badAction(OFPBAC.BAD_LEN, p, 'experimenter action too short');
      const vendor = v.getUint32(p + 4);
      if (vendor !== NX_VENDOR)
        throw badAction(OFPBAC.BAD_EXPERIMENTER, p, `unknown experimenter 0x${vendor.toString(16)}`);
      decodeNx(b, v, p, alen, out, version);
      if (actionSet && !NX_IN_ACTION_SET.has(v.getUint16(p + 8))) {
        throw badAction(OFPBAC.BAD_TYPE, p, 'action not allowed in an action set');
      }
    } else if (version === 1) {
      switch (type) {
        case 0: {
          exactLength(type, alen, 8, p);
          const port = v.getUint16(p + 4);
          const maxLen = v.getUint16(p + 6);
          if (port === OFPP.CONTROLLER)
            out.push({ type: 'controller', maxLen, controllerId: 0, reason: 1, viaOutput: true });
          else if (port >= OFPP.MAX && port !== OFPP.IN_PORT && port < OFPP.UNSET) {
            throw badAction(OFPBAC.BAD_OUT_PORT, p, `bad output port ${port}`);
          } else out.push({ type: 'output', port, maxLen });
          break;
        }
        case 3:
          exactLength(type, alen, 8, p);
          out.push({ type: 'strip_vlan', pop: false });
          break;
        case 11:
          exactLength(type, alen, 16, p);
          out.push({ type: 'enqueue', port: v.getUint16(p + 4), queue: v.getUint32(p + 12) });
          break;
        default:
          if (decodeLegacySetAction(b, v, p, type, alen, OF10_SET_ACTIONS[type], true, out)) break;
          throw badAction(OFPBAC.BAD_TYPE, p, `unknown OpenFlow 1.0 action type ${type}`);
      }
    } else {
      switch (type) {
        case 0: {
          exactLength(type, alen, 16, p);
          const port = portFromOf11(v.getUint32(p + 4));
          if (port < 0) throw badAction(OFPBAC.BAD_OUT_PORT, p, 'bad output port');
          const maxLen = v.getUint16(p + 8);
          if (port === OFPP.CONTROLLER)
            out.push({ type: 'controller', maxLen, controllerId: 0, reason: 1, viaOutput: true });
          else out.push({ type: 'output', port, maxLen });
          break;
        }
        case 15:
          exactLength(type, alen, 8, p);
          out.push({ type: 'set_mpls_ttl', ttl: b[p + 4] });
          break;
        case 16:
          exactLength(type, alen, 8, p);
          out.push({ type: 'dec_mpls_ttl' });
          break;
        case 17:
          exactLength(type, alen, 8, p);
          out.push({ type: 'push_vlan', ethertype: v.getUint16(p + 4) });
          break;
        case 18:
          exactLength(type, alen, 8, p);
          out.push({ type: 'strip_vlan', pop: true });
          break;
        case 19:
        case 20:
          exactLength(type, alen, 8, p);
          out.push(mplsAction(type === 19, v.getUint16(p + 4), p));
          break;
        case 21:
          exactLength(type, alen, 8, p);
          out.push({ type: 'set_queue', queue: v.getUint32(p + 4) });
          break;
        case 22:
          exactLength(type, alen, 8, p);
          out.push({ type: 'group', groupId: v.getUint32(p + 4) });
          break;
        case 23:
          exactLength(type, alen, 8, p);
          out.push({ type: 'set_ip_ttl', ttl: b[p + 4] });
          break;
        case 24:
          exactLength(type, alen, 8, p);
          out.push({ type: 'dec_ttl', ids: [0], explicit: false });
          break;
        case 25:
          out.push(decodeSetField(b, v, p, alen, version));
          break;
        case 28:
          if (version < 6) throw badAction(OFPBAC.BAD_TYPE, p, 'copy_field needs OpenFlow 1.5');
          if (alen < 24) exactLength(type, alen, 24, p);
          out.push(decodeMove(b, v, p, alen, 12, v.getUint16(p + 4), v.getUint16(p + 6), v.getUint16(p + 8)));
          break;
        case 29:
          if (version < 6) throw badAction(OFPBAC.BAD_TYPE, p, 'meter action needs OpenFlow 1.5');
          exactLength(type, alen, 8, p);
          out.push({ type: 'meter', meterId: v.getUint32(p + 4) });
          break;
        default:
          if (version === 2 && decodeLegacySetAction(b, v, p, type, alen, OF11_SET_ACTIONS[type], false, out)) break;
          throw badAction(OFPBAC.BAD_TYPE, p, `unknown action type ${type}`);
      }
    }
    p += alen;
  }
  return out;
}

/** Decodes OpenFlow 1.1+ instructions into OVS's flat list, in canonical order. */
export function decodeInstructions(
  b: Uint8Array,
  off: number,
  len: number,
  version: number,
  v: DataView = dv(b),
): Action[] {
  // Each instruction kind in its own variable and a bitmap of the kinds seen: no Map, closure or
  // spread per message (this runs for every OpenFlow 1.1+ flow-mod a switch receives).
  let meter: Action | undefined;
  let apply: Action[] | undefined;
  let clear: Action | undefined;
  let write: Action | undefined;
  let metadata: Action | undefined;
  let gotoTable: Action | undefined;
  let seen = 0;
  const end = off + len;
  let p = off;
  while (p < end) {
    if (end - p < 8) throw badInstruction(OFPBIC.BAD_LEN, p, 'truncated instruction header');
    const type = (b[p] << 8) | b[p + 1];
    const ilen = (b[p + 2] << 8) | b[p + 3];
    if (ilen < 8 || ilen % 8 || ilen > end - p) {
      throw badInstruction(OFPBIC.BAD_LEN, p, `instruction length ${ilen} is invalid`);
    }
    if (type >= 1 && type <= 6) {
      if (seen & (1 << type)) throw badInstruction(OFPBIC.DUP_INST, p, `duplicate instruction ${type}`);
      seen |= 1 << type;
    }
    switch (type) {
      case 1:
        if (ilen !== 8) throw badInstruction(OFPBIC.BAD_LEN, p, 'bad goto_table length');
        gotoTable = { type: 'goto_table', table: b[p + 4] };
        break;
      case 2: {
        if (ilen !== 24) throw badInstruction(OFPBIC.BAD_LEN, p, 'bad write_metadata length');
        metadata = { type: 'write_metadata', metadata: v.getBigUint64(p + 8), mask: v.getBigUint64(p + 16) };
        break;
      }
      case 3:
        write = { type: 'write_actions', actions: decodeActions(b, p + 8, ilen - 8, version, true, v) };
        break;
      case 4:
        apply = decodeActions(b, p + 8, ilen - 8, version, false, v);
        break;
      case 5:
        if (ilen !== 8) throw badInstruction(OFPBIC.BAD_LEN, p, 'bad clear_actions length');
        clear = { type: 'clear_actions' };
        break;
      case 6:
        // OpenFlow 1.3 and 1.4 only: 1.5 made meter an action.
        if (version < 4 || version >= 6 || ilen !== 8) {
          const known = version >= 4 && version < 6;
          throw badInstruction(known ? OFPBIC.BAD_LEN : OFPBIC.UNKNOWN_INST, p, 'bad meter instruction');
        }
        meter = { type: 'meter', meterId: ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0 };
        break;
      default:
        throw badInstruction(OFPBIC.UNKNOWN_INST, p, `unknown instruction type ${type}`);
    }
    p += ilen;
  }
  // Apply-actions alone (the usual flow) is already the list.
  if (seen === 1 << 4 && apply) return apply;
  // OVS's order: meter, apply-actions, clear, write-actions, write-metadata, goto-table.
  const out: Action[] = [];
  if (meter) out.push(meter);
  if (apply) for (const a of apply) out.push(a);
  if (clear) out.push(clear);
  if (write) out.push(write);
  if (metadata) out.push(metadata);
  if (gotoTable) out.push(gotoTable);
  return out;
}

export { ETH_TYPE };

type LegacySet =
  | 'vlan_vid'
  | 'vlan_pcp'
  | 'eth_src'
  | 'eth_dst'
  | 'ipv4_src'
  | 'ipv4_dst'
  | 'tos'
  | 'ecn'
  | 'l4_src'
  | 'l4_dst'
  | 'mpls_label'
  | 'mpls_tc';

/** OpenFlow 1.0's set actions (OFPAT10_SET_*) and 1.1's (OFPAT11_SET_*, numbered one lower from eth). */
const OF10_SET_ACTIONS: Record<number, LegacySet> = {
  1: 'vlan_vid',
  2: 'vlan_pcp',
  4: 'eth_src',
  5: 'eth_dst',
  6: 'ipv4_src',
  7: 'ipv4_dst',
  8: 'tos',
  9: 'l4_src',
  10: 'l4_dst',
};
const OF11_SET_ACTIONS: Record<number, LegacySet> = {
  1: 'vlan_vid',
  2: 'vlan_pcp',
  3: 'eth_src',
  4: 'eth_dst',
  5: 'ipv4_src',
  6: 'ipv4_dst',
  7: 'tos',
  8: 'ecn',
  9: 'l4_src',
  10: 'l4_dst',
  13: 'mpls_label',
  14: 'mpls_tc',
};

/**
 * The set actions OpenFlow 1.0 and 1.1 have of their own (1.2 replaced them with set_field):
 * pushes the action and returns true, or false for no such action. `push`: 1.0's VLAN actions
 * add a tag when there is none (mod_vlan_vid), 1.1's do not.
 */
function decodeLegacySetAction(
  b: Uint8Array,
  v: DataView,
  p: number,
  type: number,
  alen: number,
  kind: LegacySet | undefined,
  push: boolean,
  out: Action[],
): boolean {
  if (kind === undefined) return false;
  const eth = kind === 'eth_src' || kind === 'eth_dst';
  exactLength(type, alen, eth ? 16 : 8, p);
  switch (kind) {
    case 'vlan_vid':
      if (v.getUint16(p + 4) & ~0xfff) throw badAction(OFPBAC.BAD_ARGUMENT, p, 'bad VLAN VID');
      out.push({ type: 'set_vlan_vid', vid: v.getUint16(p + 4), push });
      return true;
    case 'vlan_pcp':
      if (b[p + 4] > 7) throw badAction(OFPBAC.BAD_ARGUMENT, p, 'bad VLAN PCP');
      out.push({ type: 'set_vlan_pcp', pcp: b[p + 4], push });
      return true;
    case 'eth_src':
    case 'eth_dst':
      out.push({ type: kind === 'eth_src' ? 'set_eth_src' : 'set_eth_dst', mac: readUint(b, p + 4, 6) });
      return true;
    case 'ipv4_src':
    case 'ipv4_dst':
      out.push({ type: kind === 'ipv4_src' ? 'set_ipv4_src' : 'set_ipv4_dst', ip: v.getUint32(p + 4) });
      return true;
    case 'tos':
      if (b[p + 4] & 3) throw badAction(OFPBAC.BAD_ARGUMENT, p, 'bad TOS');
      out.push({ type: 'set_ip_dscp', tos: b[p + 4] });
      return true;
    case 'ecn':
      if (b[p + 4] > 3) throw badAction(OFPBAC.BAD_ARGUMENT, p, 'bad ECN');
      out.push({ type: 'set_ip_ecn', ecn: b[p + 4] });
      return true;
    case 'l4_src':
    case 'l4_dst':
      out.push({ type: kind === 'l4_src' ? 'set_l4_src' : 'set_l4_dst', port: v.getUint16(p + 4) });
      return true;
    case 'mpls_label':
      out.push({ type: 'set_mpls_label', label: v.getUint32(p + 4) & 0xfffff });
      return true;
    case 'mpls_tc':
      out.push({ type: 'set_mpls_tc', tc: b[p + 4] & 7 });
      return true;
  }
}
