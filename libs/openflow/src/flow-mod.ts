import {
  decodeActions,
  decodeInstructions,
  encodeActions10,
  encodeContextFor,
  encodeInstructions,
} from './action-codec.js';
import { type Action, checkActions, formatActions } from './actions.js';
import { dv, Writer } from './bytes.js';
import { decodeError, OFPBRC, OFPET, OFPFMFC } from './errors.js';
import { formatPort, portFromOf11, portToOf11 } from './format-values.js';
import { ETH_TYPE, Match, S } from './match.js';
import { DEFAULT_PRIORITY, formatMatch } from './match-format.js';
import { pullNxMatch, putNxMatch } from './nxm.js';
import { pullOfp10Match, putOfp10Match } from './ofp10-match.js';
import { P_ANY, P_OF10_NXM_ANY, P_OF10_STD_ANY, P_TID, Protocol, protocolVersion } from './protocols.js';
import { pullVersionMatch, putVersionMatch } from './version-match.js';

export const FLOW_MOD_COMMANDS = ['ADD', 'MOD', 'MOD_STRICT', 'DEL', 'DEL_STRICT'] as const;
export const FlowModFlag = {
  SEND_FLOW_REM: 1 << 0,
  CHECK_OVERLAP: 1 << 1,
  RESET_COUNTS: 1 << 2,
  NO_PKT_COUNTS: 1 << 3,
  NO_BYT_COUNTS: 1 << 4,
} as const;

/** A flow table modification, independent of the wire version (OVS's ofputil_flow_mod). */
export interface FlowMod {
  command: number;
  tableId: number;
  priority: number;
  cookie: bigint;
  cookieMask: bigint;
  newCookie: bigint;
  idleTimeout: number;
  hardTimeout: number;
  importance: number;
  bufferId: number;
  outPort: number;
  outGroup: number;
  flags: number;
  match: Match;
  actions: Action[];
}

export function newFlowMod(): FlowMod {
  return flowModWith(new Match(), []);
}

/** `fm` back to newFlowMod()'s state, keeping its Match object (emptied) for reuse. */
export function resetFlowMod(fm: FlowMod): void {
  resetFields(fm);
  fm.match.reset();
  fm.actions = [];
}

/** Every field but the match and actions to its default. */
function resetFields(fm: FlowMod): void {
  fm.command = 0;
  fm.tableId = 0xff;
  fm.priority = DEFAULT_PRIORITY;
  fm.cookie = 0n;
  fm.cookieMask = 0n;
  fm.newCookie = 0n;
  fm.idleTimeout = 0;
  fm.hardTimeout = 0;
  fm.importance = 0;
  fm.bufferId = 0xffffffff;
  fm.outPort = 0xffff;
  fm.outGroup = 0xffffffff;
  fm.flags = 0;
}

/** A flow-mod with every field at its default; one literal so that every FlowMod has one shape. */
function flowModWith(match: Match, actions: Action[]): FlowMod {
  return {
    command: 0,
    tableId: 0xff,
    priority: DEFAULT_PRIORITY,
    cookie: 0n,
    cookieMask: 0n,
    newCookie: 0n,
    idleTimeout: 0,
    hardTimeout: 0,
    importance: 0,
    bufferId: 0xffffffff,
    outPort: 0xffff,
    outGroup: 0xffffffff,
    flags: 0,
    match,
    actions,
  };
}

const ALL64 = 0xffffffffffffffffn;
const OFPT10_FLOW_MOD = 14;
const OFPT11_FLOW_MOD = 14;
const OFPT10_VENDOR = 4;
const NXT_FLOW_MOD = 13;

/** One reusable buffer: encoding writes here, then copies out exactly the message. */
const scratch = new Writer(4096);

function flagsToWire(flags: number, version: number): number {
  if (version === 1) return flags & (FlowModFlag.SEND_FLOW_REM | FlowModFlag.CHECK_OVERLAP);
  return flags & 0x1f;
}

/** Encodes a flow_mod for `protocol` (one Protocol bit), as ovs-ofctl would send it. */
export function encodeFlowMod(fm: FlowMod, protocol: number, xid: number): Uint8Array {
  const w = encodeFlowModScratch(fm, protocol, xid);
  return w.buf.slice(0, w.length);
}

/**
 * encodeFlowMod into the shared scratch writer, returned as is: the message is `buf[0, length)`,
 * with `view` over the same bytes, until the next encode. parse-flows decodes it from there
 * without a subarray and a DataView per flow.
 */
export function encodeFlowModScratch(fm: FlowMod, protocol: number, xid: number): Writer {
  const version = protocolVersion(protocol);
  const w = scratch;
  w.length = 0;
  const ctx = encodeContextFor(fm.match);
  const tid = (protocol & P_TID) !== 0;
  const command = tid ? (fm.command & 0xff) | (fm.tableId << 8) : fm.command;
  if (protocol & P_OF10_STD_ANY) {
    w.u8(1).u8(OFPT10_FLOW_MOD).u16(0).u32(xid);
    putOfp10Match(w, fm.match);
    w.u64(fm.newCookie).u16(command).u16(fm.idleTimeout).u16(fm.hardTimeout).u16(fm.priority);
    w.u32(fm.bufferId).u16(fm.outPort).u16(flagsToWire(fm.flags, 1));
    encodeActions10(w, fm.actions, ctx);
  } else if (protocol & P_OF10_NXM_ANY) {
    w.u8(1).u8(OFPT10_VENDOR).u16(0).u32(xid).u32(0x2320).u32(NXT_FLOW_MOD);
    w.u64(fm.newCookie).u16(command).u16(fm.idleTimeout).u16(fm.hardTimeout).u16(fm.priority);
    w.u32(fm.bufferId).u16(fm.outPort).u16(flagsToWire(fm.flags, 1));
    const matchLenAt = w.length;
    w.u16(0).zeros(6);
    const matchStart = w.length;
    const len = putNxMatch(w, fm.match, 0, fm.cookie, fm.cookieMask);
    w.pad(8, matchStart);
    w.setU16(matchLenAt, len);
    encodeActions10(w, fm.actions, ctx);
  } else {
    w.u8(version).u8(OFPT11_FLOW_MOD).u16(0).u32(xid);
    const cookie = fm.command === 0 ? fm.newCookie : fm.cookie & fm.cookieMask;
    w.u64(cookie).u64(fm.cookieMask);
    const table = fm.tableId !== 0xff || fm.command === 3 || fm.command === 4 ? fm.tableId : 0;
    w.u8(table).u8(fm.command).u16(fm.idleTimeout).u16(fm.hardTimeout).u16(fm.priority);
    w.u32(fm.bufferId).u32(portToOf11(fm.outPort)).u32(fm.outGroup);
    w.u16(flagsToWire(fm.flags, version)).u16(version >= 5 && fm.command === 0 ? fm.importance : 0);
    putVersionMatch(w, fm.match, version);
    encodeInstructions(w, fm.actions, version, ctx);
  }
  w.setU16(2, w.length);
  return w;
}

/**
 * As ofputil_decode_flow_mod: the connection's original-direction addresses must be of the IP
 * version the flow matches (ct_nw_* with IPv4, ct_ipv6_* with IPv6).
 */
function checkCtTupleFamily(m: Match): void {
  const dlType = m.dlType();
  if (
    ((m.nm(S.ct_nw_src) || m.nm(S.ct_nw_dst)) && dlType !== ETH_TYPE.IP) ||
    ((m.has(S.ct_ipv6_src) || m.has(S.ct_ipv6_dst)) && dlType !== ETH_TYPE.IPV6)
  ) {
    throw decodeError(OFPET.BAD_ACTION, 10, 0, 'conntrack tuple addresses of another IP version than the match');
  }
}

/** Decodes a flow_mod message body (header already validated) as ovs-ofctl's printer does. */
/**
 * OVS checks decoded actions against the match (ofpacts_check_consistency): a field written where
 * its prerequisites do not hold, ct on non-IP, goto_table backwards, or an action the protocol
 * cannot express for this match.
 */
function checkDecoded(fm: FlowMod, protocol: number): void {
  const ctx = { usable: P_ANY };
  // checkActions reports by throwing; here that is an expected result, so skip the stack capture.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    checkActions(fm.actions, fm.match, ctx, fm.tableId === 0xff ? 0 : fm.tableId);
  } catch (e) {
    const m = /\((OFPB\w+)\)/.exec((e as Error).message);
    if (m?.[1] === 'OFPBIC_BAD_TABLE_ID') throw decodeError(OFPET.BAD_INSTRUCTION, 2, 0, 'goto_table must go forward');
    if (m?.[1] === 'OFPBAC_BAD_TAG') throw decodeError(OFPET.BAD_ACTION, 12, 0, 'too many VLAN tags');
    if (m?.[1] === 'OFPBAC_BAD_ARGUMENT') throw decodeError(OFPET.BAD_ACTION, 5, 0, 'delete_field of a fixed field');
    throw decodeError(OFPET.BAD_ACTION, 10, 0, 'actions inconsistent with the match');
  } finally {
    Error.stackTraceLimit = limit;
  }
  if (!(ctx.usable & protocol)) throw decodeError(OFPET.BAD_ACTION, 10, 0, 'actions inconsistent with the match');
}

export function decodeFlowMod(b: Uint8Array): FlowMod {
  return decodeFlowModIn(b, dv(b), b.length);
}

/**
 * decodeFlowMod of the message `b[0, len)`, `v` a DataView over `b` (offsets alike). With `into`
 * the result is that flow_mod, its fields reset and its match reused for an NXM or OXM match:
 * for a caller done with the result before the next decode (printing).
 */
export function decodeFlowModIn(b: Uint8Array, v: DataView, len: number, into?: FlowMod): FlowMod {
  const fm = decodeFlowModRaw(b, v, len, into);
  const version = b[0];
  const protocol =
    version === 1 ? (b[1] === OFPT10_FLOW_MOD ? P_OF10_STD_ANY : P_OF10_NXM_ANY) : VERSION_PROTOCOLS[version];
  checkDecoded(fm, protocol);
  return fm;
}

/** The protocol of a flow_mod by OpenFlow version (1.1 on). */
const VERSION_PROTOCOLS: readonly number[] = [
  0,
  0,
  Protocol.OF11_STD,
  Protocol.OF12_OXM,
  Protocol.OF13_OXM,
  Protocol.OF14_OXM,
  Protocol.OF15_OXM,
];

/**
 * Placeholders for a decoded flow-mod's match and actions until the decoder sets them (every
 * path that returns does): `newFlowMod`'s fresh ones would be garbage at once.
 */
const UNSET_MATCH = new Match();
const UNSET_ACTIONS: Action[] = [];

/** `newFlowMod()` with placeholder match and actions that every decode path replaces. */
function blankFlowMod(): FlowMod {
  return flowModWith(UNSET_MATCH, UNSET_ACTIONS);
}

function decodeFlowModRaw(b: Uint8Array, v: DataView, len: number, reuse: FlowMod | undefined): FlowMod {
  const version = b[0];
  let fm: FlowMod;
  let into: Match | undefined;
  if (reuse) {
    resetFields(reuse);
    fm = reuse;
    into = reuse.match;
  } else fm = blankFlowMod();
  if (version === 1 && b[1] === OFPT10_FLOW_MOD) {
    if (len < 72) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 0, 'OpenFlow 1.0 flow_mod too short');
    const { match, wildcards } = pullOfp10Match(b, 8);
    fm.match = match;
    fm.newCookie = v.getBigUint64(48);
    const command = v.getUint16(56);
    fm.command = command & 0xff;
    fm.tableId = command >> 8;
    fm.idleTimeout = v.getUint16(58);
    fm.hardTimeout = v.getUint16(60);
    fm.priority = wildcards ? v.getUint16(62) : 0xffff;
    fm.bufferId = v.getUint32(64);
    fm.outPort = v.getUint16(68);
    fm.flags = v.getUint16(70);
    fm.actions = decodeActions(b, 72, len - 72, 1, false, v);
    verifyOrder10(fm.actions);
  } else if (version === 1) {
    if (len < 48) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 0, 'NXT_FLOW_MOD too short');
    fm.newCookie = v.getBigUint64(16);
    const command = v.getUint16(24);
    fm.command = command & 0xff;
    fm.tableId = command >> 8;
    fm.idleTimeout = v.getUint16(26);
    fm.hardTimeout = v.getUint16(28);
    fm.priority = v.getUint16(30);
    fm.bufferId = v.getUint32(32);
    fm.outPort = v.getUint16(36);
    fm.flags = v.getUint16(38);
    const matchLen = v.getUint16(40);
    const padded = (matchLen + 7) & ~7;
    if (48 + padded > len) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 40, 'nx_match overruns the message');
    const pulled = pullNxMatch(b, 48, matchLen, 0, false, into);
    fm.match = pulled.match;
    fm.cookie = pulled.cookie;
    fm.cookieMask = pulled.cookieMask;
    if (fm.command === 0 && fm.cookieMask)
      throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 48, 'NXM cookie mask on add');
    checkCtTupleFamily(fm.match);
    fm.actions = decodeActions(b, 48 + padded, len - 48 - padded, 1, false, v);
    verifyOrder10(fm.actions);
  } else {
    if (len < 56) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 0, 'flow_mod too short');
    const cookie = v.getBigUint64(8);
    fm.cookieMask = v.getBigUint64(16);
    fm.tableId = b[24];
    fm.command = b[25];
    if (fm.command > 4) throw decodeError(OFPET.FLOW_MOD_FAILED, OFPFMFC.BAD_COMMAND, 25, 'bad flow_mod command');
    if (fm.command === 0) {
      fm.newCookie = cookie;
      fm.cookieMask = 0n;
    } else {
      fm.cookie = cookie;
      fm.newCookie = ALL64;
    }
    fm.idleTimeout = v.getUint16(26);
    fm.hardTimeout = v.getUint16(28);
    fm.priority = v.getUint16(30);
    fm.bufferId = v.getUint32(32);
    const outPort = portFromOf11(v.getUint32(36));
    if (outPort < 0) throw decodeError(OFPET.FLOW_MOD_FAILED, OFPFMFC.UNKNOWN, 36, 'bad out_port');
    fm.outPort = outPort;
    fm.outGroup = v.getUint32(40);
    fm.flags = v.getUint16(44);
    fm.importance = version >= 5 ? v.getUint16(46) : 0;
    // OpenFlow 1.1's fixed match or OXM (OVS accepts either in any 1.1+ version).
    const [match, after] = pullVersionMatch(b, 48, len, version, into);
    fm.match = match;
    checkCtTupleFamily(match);
    fm.actions = decodeInstructions(b, after, len - after, version, v);
  }
  return fm;
}

/** OpenFlow 1.0 carries write_metadata as an action; nothing but instructions may follow it. */
function verifyOrder10(actions: Action[]): void {
  let seenInstruction = false;
  for (const a of actions) {
    if (a.type === 'write_metadata') seenInstruction = true;
    else if (seenInstruction) throw decodeError(OFPET.BAD_ACTION, 11, 0, 'action follows an instruction');
  }
}

function formatFlags(flags: number, version: number): string {
  let s = '';
  if (flags & FlowModFlag.SEND_FLOW_REM) s += 'send_flow_rem ';
  if (flags & FlowModFlag.CHECK_OVERLAP) s += 'check_overlap ';
  if (flags & FlowModFlag.RESET_COUNTS && version > 2) s += 'reset_counts ';
  if (flags & FlowModFlag.NO_PKT_COUNTS) s += 'no_packet_counts ';
  if (flags & FlowModFlag.NO_BYT_COUNTS) s += 'no_byte_counts ';
  return s;
}

/** The body ovs-ofctl prints after "OFPT_FLOW_MOD (xid=...):". */
export function formatFlowModBody(fm: FlowMod, version: number): string {
  let s = ` ${FLOW_MOD_COMMANDS[fm.command] ?? `cmd:${fm.command}`}`;
  if (fm.tableId !== 0) s += ` table:${fm.tableId}`;
  // An empty match leaves one space, else the match between spaces (no endsWith: that would
  // flatten the string built so far).
  const match = formatMatch(fm.match, fm.priority);
  s += match ? ` ${match} ` : ' ';
  if (fm.newCookie !== 0n && fm.newCookie !== ALL64) s += `cookie:0x${fm.newCookie.toString(16)} `;
  if (fm.cookieMask !== 0n) s += `cookie:0x${fm.cookie.toString(16)}/0x${fm.cookieMask.toString(16)} `;
  if (fm.idleTimeout) s += `idle:${fm.idleTimeout} `;
  if (fm.hardTimeout) s += `hard:${fm.hardTimeout} `;
  if (fm.importance) s += `importance:${fm.importance} `;
  if (fm.bufferId !== 0xffffffff) s += `buf:0x${fm.bufferId.toString(16)} `;
  if (fm.outPort !== 0xffff) s += `out_port:${formatPort(fm.outPort)} `;
  s += formatFlags(fm.flags, version);
  s += `actions=${formatActions(fm.actions)}`;
  return s;
}

export { Protocol };
