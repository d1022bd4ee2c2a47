import { checkActions, parseActions, splitTopLevel } from './actions.js';
import { parseDecimal, parseFieldValue, parseInteger } from './field-parse.js';
import { fieldByName } from './fields.js';
import { type FlowMod, FlowModFlag, newFlowMod } from './flow-mod.js';
import { cidrLength, OFPP, parsePortName } from './format-values.js';
import { ETH_TYPE, IPPROTO } from './match.js';
import { P_ANY, P_NXM_OF11_UP, P_NXM_OXM_ANY, P_OF12_UP, P_OF13_UP, P_TID } from './protocols.js';

/** Protocol shorthands: `tcp` means dl_type=0x0800,nw_proto=6 (ovs-fields(7)). */
const SHORTHANDS = new Map<string, [number, number?]>(
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

// Maps, not object literals: keyed lookups of sliced words on objects were a hot spot.
const FLAG_WORDS = new Map<string, [number, number]>(
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

/** Index of the first '=' or ':' (name/value separator), or -1; a loop, not a regex, per word. */
function separatorIndex(word: string): number {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c === 61 || c === 58) return i;
  }
  return -1;
}

function u16(name: string, s: string): number {
  const v = parseInteger(s);
  if (v === undefined || v > 0xffffn) throw new Error(`invalid ${name} "${s}"`);
  return Number(v);
}

/**
 * Parses a flow in ovs-ofctl syntax (`[table=N,]...match...,actions=...`) for `command` (0 = add),
 * returning the flow_mod and the protocols able to express it.
 */
export function parseFlow(text: string, command = 0): ParsedFlow {
  const fm = newFlowMod();
  fm.command = command;
  const ctx = { usable: P_ANY };
  let matchPart = text;
  let actPart: string | undefined;
  const isAdd = command === 0 || command === 1 || command === 2;
  if (isAdd) {
    const at = text.indexOf('action');
    if (at < 0) throw new Error('must specify an action');
    const eq = text.indexOf('=', at + 1);
    if (eq < 0) throw new Error('must specify an action');
    matchPart = text.slice(0, at);
    actPart = text.slice(eq + 1);
  }
  let cookieSet = false;
  for (const word of splitTopLevel(matchPart)) {
    const eq = separatorIndex(word);
    const name = eq < 0 ? word : word.slice(0, eq);
    const value = eq < 0 ? '' : word.slice(eq + 1);
    const sh = eq < 0 ? SHORTHANDS.get(name) : undefined;
    if (sh && eq < 0) {
      fm.match.setSlot('dl_type', BigInt(sh[0]), 0xffffn);
      if (sh[1] !== undefined) fm.match.setSlot('nw_proto', BigInt(sh[1]), 0xffn);
      continue;
    }
    const flag = eq < 0 ? FLAG_WORDS.get(name) : undefined;
    if (flag && eq < 0) {
      fm.flags |= flag[0];
      ctx.usable &= flag[1];
      continue;
    }
    if (eq < 0) throw new Error(`field ${name} missing value`);
    // An empty value leaves the field wildcarded, as in ovs-ofctl.
    if (!value && fieldByName(name)) continue;
    switch (name) {
      case 'table': {
        const t = parseDecimal(value);
        if (t === undefined || t > 255n) throw new Error(`invalid table "${value}"`);
        fm.tableId = Number(t);
        continue;
      }
      case 'out_port': {
        const named = parsePortName(value);
        fm.outPort = named ?? u16('out_port', value);
        continue;
      }
      case 'priority':
        fm.priority = u16('priority', value);
        continue;
      case 'idle_timeout':
        fm.idleTimeout = u16('idle_timeout', value);
        continue;
      case 'hard_timeout':
        fm.hardTimeout = u16('hard_timeout', value);
        continue;
      case 'importance':
        fm.importance = u16('importance', value);
        continue;
      case 'cookie': {
        const slash = value.indexOf('/');
        const c = parseInteger(slash >= 0 ? value.slice(0, slash) : value);
        if (c === undefined || c > 0xffffffffffffffffn) throw new Error(`${value}: invalid numeric format`);
        if (slash >= 0) {
          const m = parseInteger(value.slice(slash + 1));
          if (m === undefined) throw new Error(`${value}: invalid numeric format`);
          if (command === 0) throw new Error('flow additions cannot use a cookie mask');
          fm.cookie = c & m;
          fm.cookieMask = m;
          if (m) ctx.usable &= P_NXM_OF11_UP;
        } else {
          if (command !== 0 && command !== 1 && command !== 2) throw new Error('cannot set cookie');
          fm.newCookie = c;
          cookieSet = true;
        }
        continue;
      }
      case 'duration':
      case 'n_packets':
      case 'n_bytes':
      case 'idle_age':
      case 'hard_age':
        continue;
    }
    const f = fieldByName(name);
    if (!f) throw new Error(`unknown keyword ${name}`);
    const { value: v, mask } = parseFieldValue(f, value);
    if (f.name === 'in_port' && v === BigInt(OFPP.NONE)) continue;
    const all = (1n << BigInt(f.format === 'mac' ? 48 : f.format === 'ipv6' ? 128 : f.bits)) - 1n;
    let m = mask & all;
    if (f.name === 'vlan_vid' && mask === all) m = 0x1fffn;
    if (m === 0n) continue;
    const cidr =
      f.format === 'ipv4' || f.format === 'ipv6' ? cidrLength(m, f.format === 'ipv4' ? 32 : 128) >= 0 : false;
    // OVS calls a match exact when no mask was written or the mask is all-ones over the field's bytes.
    const byteAll = (1n << BigInt(f.bytes * 8)) - 1n;
    const exact =
      !value.includes('/') || mask === byteAll || (f.format !== 'decimal' && f.format !== 'hex' && m === all);
    ctx.usable &= exact ? f.usable.exact : cidr ? f.usable.cidr : f.usable.bitwise;
    fm.match.setField(f, v, m);
  }
  if (!cookieSet && command !== 0) fm.newCookie = 0xffffffffffffffffn;
  // Only NXM and OXM can match IPv6 traffic.
  const m = fm.match;
  if (m.dlType() === ETH_TYPE.IPV6 && (m.get('nw_proto') || m.get('nw_tos') || m.get('tp_src') || m.get('tp_dst'))) {
    ctx.usable &= P_NXM_OXM_ANY;
  }
  if (actPart !== undefined) {
    fm.actions = parseActions(actPart, ctx);
    checkActions(fm.actions, fm.match, ctx, fm.tableId === 0xff ? 0 : fm.tableId);
  }
  if (fm.tableId !== 0xff) ctx.usable &= P_TID;
  return { fm, usable: ctx.usable };
}
