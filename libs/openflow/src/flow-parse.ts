import { checkActions, parseActions } from './actions.js';
import { onesBig } from './bigint-bits.js';
import {
  parsedNum,
  parseFieldValue,
  parseFieldValueNum,
  parseIntWhole,
  strToU16,
  strToU64,
  tableFromString,
} from './field-parse.js';
import { fieldByNameAt, NARROW_SLOTS } from './fields.js';
import { type FlowMod, FlowModFlag, newFlowMod, resetFlowMod } from './flow-mod.js';
import { cidrLength, formatImmediateValue, parsePortName } from './format-values.js';
import { pair, scanPair } from './key-value.js';
import { ETH_TYPE, IPPROTO, type Match, S } from './match.js';
import { NameTable } from './name-table.js';
import { P_ANY, P_NXM_OF11_UP, P_NXM_OXM_ANY, P_OF12_UP, P_OF13_UP, P_TID } from './protocols.js';
import { parseSubfield } from './subfield.js';
import { addTunMd, newTunMd, parseTunMdValue, tunMdIndex } from './tun-metadata.js';

const NUM_BYTE_ONES = [0, 0xff, 0xffff, 0xffffff, 0xffffffff];

/** Protocol shorthands: `tcp` means dl_type=0x0800,nw_proto=6 (ovs-fields(7)). */
const SHORTHANDS = new NameTable<[number, number?]>(
  Object.entries({
    ip: [ETH_TYPE.IP],
    ipv4: [ETH_TYPE.IP],
    icmp: [ETH_TYPE.IP, IPPROTO.ICMP],
    tcp: [ETH_TYPE.IP, IPPROTO.TCP],
    udp: [ETH_TYPE.IP, IPPROTO.UDP],
    sctp: [ETH_TYPE.IP, IPPROTO.SCTP],
    ipv6: [ETH_TYPE.IPV6],
    ip6: [ETH_TYPE.IPV6],
    icmp6: [ETH_TYPE.IPV6, IPPROTO.ICMPV6],
    tcp6: [ETH_TYPE.IPV6, IPPROTO.TCP],
    udp6: [ETH_TYPE.IPV6, IPPROTO.UDP],
    sctp6: [ETH_TYPE.IPV6, IPPROTO.SCTP],
    arp: [ETH_TYPE.ARP],
    rarp: [ETH_TYPE.RARP],
    mpls: [ETH_TYPE.MPLS],
    mplsm: [ETH_TYPE.MPLS_MCAST],
  } as Record<string, [number, number?]>),
);

// Looked up in place (NameTable): slicing each word out and hashing it was a hot spot.
const FLAG_WORDS = new NameTable<[number, number]>(
  Object.entries({
    send_flow_rem: [FlowModFlag.SEND_FLOW_REM, P_ANY],
    check_overlap: [FlowModFlag.CHECK_OVERLAP, P_ANY],
    reset_counts: [FlowModFlag.RESET_COUNTS, P_OF12_UP],
    no_packet_counts: [FlowModFlag.NO_PKT_COUNTS, P_OF13_UP],
    no_byte_counts: [FlowModFlag.NO_BYT_COUNTS, P_OF13_UP],
  } as Record<string, [number, number]>),
);

export interface ParsedFlow {
  fm: FlowMod;
  usable: number;
}

/**
 * The flow_mod keywords that are not fields (table, priority, cookie, ...): applies one to `fm`;
 * returns true when it set the cookie; throws for an unknown keyword.
 */
function flowModKeyword(fm: FlowMod, name: string, value: string, command: number, ctx: { usable: number }): boolean {
  if (!value) {
    if (!wordWithValue(fm, name, ctx)) throw new Error(`field ${name} missing value`);
    return false;
  }
  switch (name) {
    case 'table': {
      const t = tableFromString(value);
      if (t < 0) throw new Error(`unknown table "${value}"`);
      fm.tableId = t;
      return false;
    }
    case 'out_port': {
      const named = parsePortName(value);
      fm.outPort = named ?? strToU16(value, 'out_port');
      return false;
    }
    case 'priority':
      fm.priority = strToU16(value, 'priority');
      return false;
    case 'idle_timeout':
      fm.idleTimeout = strToU16(value, 'idle_timeout');
      return false;
    case 'hard_timeout':
      fm.hardTimeout = strToU16(value, 'hard_timeout');
      return false;
    case 'importance':
      fm.importance = strToU16(value, 'importance');
      return false;
    case 'cookie': {
      // In OVS's order: a mask is refused on additions before either number is read.
      const slash = value.indexOf('/');
      if (slash >= 0 && command === 0) throw new Error('flow additions cannot use a cookie mask');
      const cookieText = slash >= 0 ? value.slice(0, slash) : value;
      const c = strToU64(cookieText);
      if (slash >= 0) {
        const m = strToU64(value.slice(slash + 1));
        fm.cookie = c & m;
        fm.cookieMask = m;
        if (m) ctx.usable &= P_NXM_OF11_UP;
      } else {
        if (command !== 0 && command !== 1 && command !== 2) throw new Error('cannot set cookie');
        fm.newCookie = c;
        return true;
      }
      return false;
    }
    case 'duration':
    case 'n_packets':
    case 'n_bytes':
    case 'idle_age':
    case 'hard_age':
      return false;
  }
  if (!wordWithValue(fm, name, ctx)) throw new Error(`unknown keyword ${name}`);
  return false;
}

/** Words OVS lets pass without a look at their value. */
const IGNORED_WORDS = new Set(['eth', 'no_readonly_table', 'allow_hidden_fields']);

/**
 * A protocol shorthand or flag given a value (`tcp=5`, `send_flow_rem(x)`): OVS knows these by
 * the key alone and ignores the value. Applies it and returns true, else false. Reached only on
 * the way to an error, so the bare words' fast path stays as it is.
 */
function wordWithValue(fm: FlowMod, name: string, ctx: { usable: number }): boolean {
  return applyWord(fm, name, 0, name.length, ctx) || IGNORED_WORDS.has(name);
}

/** `text[start, end)` as a protocol shorthand (`tcp`) or a flag (`send_flow_rem`): applies it and returns true, else false. */
function applyWord(fm: FlowMod, text: string, start: number, end: number, ctx: { usable: number }): boolean {
  const sh = SHORTHANDS.get(text, start, end);
  if (sh) {
    fm.match.setNum(S.dl_type, sh[0], 0xffff);
    if (sh[1] !== undefined) fm.match.setNum(S.nw_proto, sh[1], 0xff);
    return true;
  }
  const flag = FLAG_WORDS.get(text, start, end);
  if (flag) {
    fm.flags |= flag[0];
    ctx.usable &= flag[1];
    return true;
  }
  return false;
}

/** Adds `tun_metadataN=VALUE[/MASK]` to the flow_mod's match (NXM and OXM only). */
function addTunMdText(fm: FlowMod, idx: number, text: string, ctx: { usable: number }): void {
  const { value, mask } = parseTunMdValue(`tun_metadata${idx}`, text);
  fm.match.tunMd ??= newTunMd();
  addTunMd(fm.match.tunMd, idx, value, mask);
  ctx.usable &= P_NXM_OXM_ANY;
}

/**
 * Parses a flow in ovs-ofctl syntax (`[table=N,]...match...,actions=...`) for `command` (0 = add),
 * returning the flow_mod and the protocols able to express it.
 */
export function parseFlow(text: string, command = 0): ParsedFlow {
  return parseFlowInto(newFlowMod(), text, command);
}

/**
 * parseFlow into `fm`, reset first (its Match object reused): for a caller done with one flow
 * before parsing the next (parse-flows), sparing a fresh flow_mod and slot array per flow.
 */
export function parseFlowInto(fm: FlowMod, text: string, command = 0): ParsedFlow {
  resetFlowMod(fm);
  fm.command = command;
  const ctx = { usable: P_ANY };
  let matchEnd = text.length;
  let actPart: string | undefined;
  const isAdd = command === 0 || command === 1 || command === 2;
  if (isAdd) {
    const at = text.indexOf('action');
    if (at < 0) throw new Error('must specify an action');
    const eq = text.indexOf('=', at + 1);
    if (eq < 0) throw new Error('must specify an action');
    matchEnd = at;
    actPart = text.slice(eq + 1);
  }
  let cookieSet = false;
  // The match part's key-value pairs as OVS's ofputil_parse_key_value reads them, scanned in
  // place (no word array). `pair` is read at once: it is shared scratch.
  for (let i = 0, next = 0; scanPair(text, i, matchEnd); i = next) {
    next = pair.next;
    const start = pair.start;
    const nameEnd = pair.keyEnd;
    let value = '';
    if (pair.delim) value = text.slice(pair.valueStart, pair.valueEnd);
    else if (applyWord(fm, text, start, nameEnd, ctx)) continue;
    const f = fieldByNameAt(text, start, nameEnd);
    if (!f) {
      const name = text.slice(start, nameEnd);
      const md = tunMdIndex(name);
      if (md >= 0) {
        addTunMdText(fm, md, value, ctx);
        continue;
      }
      if (name.includes('[')) {
        matchSubfield(fm.match, name, value, ctx);
        continue;
      }
      if (flowModKeyword(fm, name, value, command, ctx)) cookieSet = true;
      continue;
    }
    // A field named without a value matches on its presence: OVS parses it as `0/0`.
    if (!value) value = '0/0';
    const slash = value.indexOf('/');
    if (f.slotIndex < NARROW_SLOTS && parseFieldValueNum(f, value, slash)) {
      // Fields of up to 32 bits in numbers (the common case).
      const v = parsedNum.value;
      const mask = parsedNum.mask;
      const all = f.allOnesNum;
      let m = (mask & all) >>> 0;
      if (f.name === 'vlan_vid' && mask === all) m = 0x1fff;
      if (m === 0) continue;
      let cidr = false;
      if (f.format === 'ipv4') {
        const inv = ~m >>> 0;
        cidr = (inv & (inv + 1)) >>> 0 === 0;
      }
      const exact =
        slash < 0 || mask === NUM_BYTE_ONES[f.bytes] || (f.format !== 'decimal' && f.format !== 'hex' && m === all);
      ctx.usable &= exact ? f.usable.exact : cidr ? f.usable.cidr : f.usable.bitwise;
      fm.match.setFieldNum(f, v, m);
      continue;
    }
    const { value: v, mask } = parseFieldValue(f, value);
    const all = onesBig(f.format === 'mac' ? 48 : f.format === 'ipv6' ? 128 : f.bits);
    let m = mask & all;
    if (f.name === 'vlan_vid' && mask === all) m = 0x1fffn;
    if (m === 0n) continue;
    const cidr =
      f.format === 'ipv4' || f.format === 'ipv6' ? cidrLength(m, f.format === 'ipv4' ? 32 : 128) >= 0 : false;
    // OVS calls a match exact when no mask was written or the mask is all-ones over the field's bytes.
    const byteAll = onesBig(f.bytes * 8);
    const exact = slash < 0 || mask === byteAll || (f.format !== 'decimal' && f.format !== 'hex' && m === all);
    ctx.usable &= exact ? f.usable.exact : cidr ? f.usable.cidr : f.usable.bitwise;
    fm.match.setField(f, v, m);
  }
  if (!cookieSet && command !== 0) fm.newCookie = 0xffffffffffffffffn;
  // Only NXM and OXM can match IPv6 traffic.
  const m = fm.match;
  if (m.dlType() === ETH_TYPE.IPV6 && (m.nm(S.nw_proto) || m.nm(S.nw_tos) || m.nm(S.tp_src) || m.nm(S.tp_dst))) {
    ctx.usable &= P_NXM_OXM_ANY;
  }
  if (actPart !== undefined) {
    fm.actions = parseActions(actPart, ctx);
    checkActions(fm.actions, fm.match, ctx, fm.tableId === 0xff ? 0 : fm.tableId);
    // No protocol left that can carry the flow (a field none can match, or conflicting needs).
    if (!(ctx.usable & (fm.tableId !== 0xff ? P_TID : P_ANY)))
      throw new Error('actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)');
  }
  if (fm.tableId !== 0xff) ctx.usable &= P_TID;
  return { fm, usable: ctx.usable };
}

/**
 * `FIELD[A..B]=VALUE` in a match (OVS's parse_subfield): the value, a whole number that fits the
 * bits, goes into those bits of the field; the rest of the field's match stays as it was.
 */
function matchSubfield(m: Match, name: string, text: string, ctx: { usable: number }): void {
  const sf = parseSubfield(name, true, name);
  const f = sf.field;
  const v = parseIntWhole(text, f.bytes);
  if (v === undefined) throw new Error(`${name}: cannot parse integer value: ${text}`);
  if (sf.nBits < 8 * f.bytes && v >> BigInt(sf.nBits))
    throw new Error(`${name}: value ${formatImmediateValue(f, v)} does not fit into ${sf.nBits} bits`);
  const bits = onesBig(sf.nBits) << BigInt(sf.ofs);
  if (f.tunMd !== undefined) {
    // An option is set once: its bits over zeros, the option as long as value and mask need.
    m.tunMd ??= newTunMd();
    addTunMd(m.tunMd, f.tunMd, v << BigInt(sf.ofs), bits);
    ctx.usable &= P_NXM_OXM_ANY;
    return;
  }
  const cur = m.getField(f);
  const value = (cur.value & ~bits) | (v << BigInt(sf.ofs));
  const mask = cur.mask | bits;
  // As mf_set: exact when the mask covers the field's bytes, else by CIDR prefix or bitwise.
  if (mask === onesBig(8 * f.bytes) || mask === f.allOnes) ctx.usable &= f.usable.exact;
  // Part of a field that takes no mask: no protocol can say it.
  else if (!f.maskable) ctx.usable = 0;
  else if (f.format === 'ipv4' || f.format === 'ipv6')
    ctx.usable &= cidrLength(mask, f.format === 'ipv4' ? 32 : 128) >= 0 ? f.usable.cidr : f.usable.bitwise;
  else ctx.usable &= f.usable.bitwise;
  m.setField(f, value, mask);
}
