import { bigN, onesBig } from './bigint-bits.js';
import { HEX_BYTE } from './bytes.js';
import { cAtoi, Strtok, scanMac } from './c-scan.js';
import { type EdProp, type Encap, encapHeaderType, formatEncap, PT, PT_NS_ETHERTYPE, parseEdProp } from './encap.js';
import {
  hexDigit,
  parseDecimal,
  parseDecimalNum,
  parseFieldValue,
  parseInteger,
  parseIntegerNum,
  parseIntPrefix,
  parseIpv4,
  parseIpv6,
  parseMac,
  strToU8,
  strToU16,
  strToU64,
  tableFromString,
} from './field-parse.js';
import {
  type FieldDef,
  fieldByName,
  fieldByNxmName,
  isExperimenterOxm,
  loadsAsOxm,
  subfieldName,
  tunMdField,
} from './fields.js';
import {
  formatFlags,
  formatFlagsMasked,
  formatIpv4,
  formatIpv4Masked,
  formatIpv6,
  formatIpv6Masked,
  formatMac,
  formatPort,
  hexAlt,
  OFPP,
  parsePortName,
  tunFlagName,
} from './format-values.js';
import { keyValues, pair, scanPair } from './key-value.js';
import { formatLearn, type Learn, parseLearn } from './learn.js';
import { ETH_TYPE, IPPROTO, isMplsType, Match, S, VLAN_CFI } from './match.js';
import { NameTable } from './name-table.js';
import { ctValid, prereqOk } from './nxm.js';
import { P_ANY, P_NXM_OF11_UP, P_OF10_NXM_ANY, P_OF10_STD_ANY, P_OF11_UP, P_OF13_UP } from './protocols.js';
import {
  fieldValueOnes,
  fieldWidth,
  formatSubfield,
  parseRegMove,
  parseSubfield,
  type Subfield,
  subfieldOrError,
} from './subfield.js';

/**
 * Actions and instructions, as Open vSwitch models them (its "ofpacts"): one flat list where
 * instructions (meter, clear_actions, write_actions, write_metadata, goto_table) are members
 * too. `raw` remembers the wire or text form where OVS prints differently by origin.
 */
export type Action =
  | { type: 'output'; port: number; maxLen: number }
  | {
      type: 'controller';
      maxLen: number;
      controllerId: number;
      reason: number;
      /** Written as output to the CONTROLLER port (OVS's output action, not its controller action). */
      viaOutput?: boolean;
      /** NXAC2PT_USERDATA (NXAST_CONTROLLER2 only). */
      userdata?: Uint8Array;
      pause?: boolean;
      /** 0 = no meter (NX_CTLR_NO_METER). */
      meterId?: number;
      /** Came as NXAST_CONTROLLER2 (or must go as an NXAST_CONTROLLER, not an output, when false). */
      v2?: boolean;
    }
  | { type: 'enqueue'; port: number; queue: number }
  | { type: 'output_reg'; src: Subfield; maxLen: number }
  | { type: 'output_trunc'; port: number; maxLen: number }
  | { type: 'set_vlan_vid'; vid: number; push: boolean }
  | { type: 'set_vlan_pcp'; pcp: number; push: boolean }
  | { type: 'strip_vlan'; pop: boolean }
  | { type: 'push_vlan'; ethertype: number }
  | { type: 'set_eth_src' | 'set_eth_dst'; mac: bigint }
  | { type: 'set_ipv4_src' | 'set_ipv4_dst'; ip: number }
  | { type: 'set_ip_dscp'; tos: number }
  | { type: 'set_ip_ecn'; ecn: number }
  | { type: 'set_ip_ttl'; ttl: number }
  | { type: 'set_l4_src' | 'set_l4_dst'; port: number }
  | {
      type: 'set_field';
      field: FieldDef;
      value: bigint;
      mask: bigint;
      fromLoad: boolean;
      /** The value as written when it has bits outside a partial mask (OpenFlow 1.5 sends it so). */
      unmasked?: bigint;
      /**
       * The mask as written or received (a masked OFPAT_SET_FIELD, `set_field:V/M`): partial
       * unless it covers the field's bytes, whereas a whole value carries the field's own mask.
       */
      maskedOnWire?: boolean;
    }
  | { type: 'reg_move'; src: Subfield; dst: Subfield }
  /** `ct`: look up with the connection's original-direction tuple (NXAST_RESUBMIT_TABLE_CT). */
  | { type: 'resubmit'; inPort: number; table: number; ct?: boolean }
  | { type: 'set_tunnel'; tunId: bigint; wide: boolean }
  | { type: 'set_queue'; queue: number }
  | { type: 'pop_queue' }
  | { type: 'dec_ttl'; ids: number[]; explicit: boolean }
  | { type: 'note'; data: Uint8Array }
  | { type: 'exit' }
  /** Nicira fin_timeout: idle/hard timeouts the flow takes once it sees a TCP FIN or RST (0 = keep). */
  | { type: 'fin_timeout'; idleTimeout: number; hardTimeout: number }
  | { type: 'group'; groupId: number }
  | { type: 'push_mpls' | 'pop_mpls'; ethertype: number }
  | { type: 'conjunction'; id: number; clause: number; nClauses: number }
  | {
      type: 'ct';
      commit: boolean;
      table: number;
      /** Immediate zone (when `zoneSrc` is absent). */
      zone: number;
      force?: boolean;
      /** Zone taken from a 16-bit subfield. */
      zoneSrc?: Subfield;
      /** Connection helper: 21 (ftp), 69 (tftp) or 0. */
      alg?: number;
      /** Actions run inside the connection tracker: nat and ct_mark/ct_label writes. */
      actions?: Action[];
    }
  | Nat
  | { type: 'ct_clear' }
  | { type: 'clone'; actions: Action[] }
  | {
      type: 'sample';
      probability: number;
      collectorSetId: number;
      obsDomainId: number;
      obsPointId: number;
      /** OFPP_NONE (0xffff) when absent. */
      samplingPort: number;
      /** 0 default, 1 ingress, 2 egress. */
      direction: number;
    }
  | { type: 'check_pkt_larger'; pktLen: number; dst: Subfield }
  | { type: 'stack_push' | 'stack_pop'; sub: Subfield }
  | { type: 'dec_nsh_ttl' }
  | { type: 'decap'; packetType: number }
  | Encap
  /** Removes a tunnel metadata option (NXAST_DELETE_FIELD; OVS accepts only tun_metadataN). */
  | { type: 'delete_field'; field: FieldDef }
  /** OVS's debugging actions: encoded, but refused when decoded (ovs-vswitchd --enable-dummy only). */
  | { type: 'debug_recirc' | 'debug_slow' }
  | { type: 'meter'; meterId: number }
  | { type: 'multipath'; fields: number; basis: number; algorithm: number; nLinks: number; arg: number; dst: Subfield }
  | {
      type: 'bundle';
      fields: number;
      basis: number;
      algorithm: number;
      members: number[];
      /** bundle_load's destination; absent for plain bundle. */
      dst?: Subfield;
    }
  | Learn
  | { type: 'dec_mpls_ttl' }
  | { type: 'set_mpls_label'; label: number }
  | { type: 'set_mpls_tc'; tc: number }
  | { type: 'set_mpls_ttl'; ttl: number }
  | { type: 'clear_actions' }
  | { type: 'write_actions'; actions: Action[] }
  | { type: 'write_metadata'; metadata: bigint; mask: bigint }
  | { type: 'goto_table'; table: number };

/** The NAT action inside ct(): flags NX_NAT_F_*, an optional address and port range. */
export interface Nat {
  type: 'nat';
  flags: number;
  /** 0 (no range), 4 or 6. */
  af: 0 | 4 | 6;
  /** Address range; 0n for "absent". */
  min: bigint;
  max: bigint;
  protoMin: number;
  protoMax: number;
}

export const NAT_F = { SRC: 1, DST: 2, PERSISTENT: 4, PROTO_HASH: 8, PROTO_RANDOM: 16 } as const;
/** decap()'s default packet type: take the next protocol from the decapsulated header. */
export const PT_USE_NEXT_PROTO: number = PT.USE_NEXT_PROTO;
/** OFPHTN_N_TYPES: decap's packet_type namespace must be below it. */
const PT_NAMESPACES = 5;

export const HASH_FIELDS = [
  'eth_src',
  'symmetric_l4',
  'symmetric_l3l4',
  'symmetric_l3l4+udp',
  'nw_src',
  'nw_dst',
  'symmetric_l3',
];
export const MULTIPATH_ALGORITHMS = ['modulo_n', 'hash_threshold', 'hrw', 'iter_hash'];
export const BUNDLE_ALGORITHMS = ['active_backup', 'hrw'];

export const PACKET_IN_REASONS = ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out'];

/**
 * An action list's words where OVS's ofputil_parse_key_value ends them: a key runs to the first
 * of `:=(,` or a blank; after `:` or `=` the value runs to a comma or blank (a parenthesized part
 * inside kept whole), after `(` to the matching `)` (or the end of the text: the word then gets
 * its `)`), and `NAME(X)->Y` runs on to the next comma. So `ct(commit)-x` is two words and
 * `decap()x` too, as OVS reads them.
 */
export function splitActionWords(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; scanPair(s, i); i = pair.next) {
    const { start, valueEnd: end } = pair;
    if (pair.delim !== 40) out.push(s.slice(start, end));
    else if (!pair.closed) out.push(`${s.slice(start)})`);
    // With its `)`, unless the word is `NAME(X)->Y`.
    else out.push(s.slice(start, s.charCodeAt(end) === 41 ? end + 1 : end));
  }
  return out;
}

/** Splits a comma list, keeping parenthesized parts together. */
export function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41) depth--;
    else if (depth === 0 && (c === 44 || c === 32 || c === 9)) {
      if (i > start) out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (s.length > start) out.push(s.slice(start));
  return out;
}

/** Table numbers are decimal (ofputil_table_from_string). */
function tableId(s: string): number {
  const v = tableFromString(s);
  if (v < 0) throw new Error(`unknown table "${s}"`);
  return v;
}

function parsePort(s: string): number {
  const port = portFromString(s);
  if (port < 0) throw new Error(`${s}: output to unknown port`);
  return port;
}

/** A port by name or number (OpenFlow 1.1 reserved numbers mapped down), or -1. */
function portFromString(s: string): number {
  const named = parsePortName(s);
  if (named !== undefined) return named;
  const n = parseDecimalNum(s);
  if (n < 0 || n > 0xffffffff) return -1;
  if (n >= 0xffffff00) return (n - 0xffff0000) & 0xffff;
  if (n >= OFPP.MAX && n !== OFPP.LOCAL) return -1;
  return n;
}

/** OVS's parse_ENQUEUE: the port up to the first of `:q,`, the queue all the rest. */
function parseEnqueue(arg: string): Action {
  const t = new Strtok(arg);
  const portText = t.next(':q,');
  const queueText = t.rest();
  if (portText === undefined || queueText === undefined)
    throw new Error('"enqueue" syntax is "enqueue:PORT:QUEUE" or "enqueue(PORT,QUEUE)"');
  const port = portFromString(portText);
  if (port < 0) throw new Error(`${portText}: enqueue to unknown port`);
  return { type: 'enqueue', port, queue: strToU32(queueText) };
}

/** OVS's parse_OUTPUT: `port=N,max_len=M` (truncation, by those words anywhere), a port, else a subfield holding one. */
function parseOutput(a: string): Action {
  if (a.includes('port') && a.includes('max_len')) return parseOutputTrunc(a);
  const port = portFromString(a);
  if (port >= 0) return portOutput(port);
  const src = subfieldOrError(a);
  if (typeof src === 'string') throw new Error(`${a}: output to unknown port`);
  return { type: 'output_reg', src, maxLen: 0xffff };
}

/** output(port=N,max_len=M): output truncated to M bytes (OVS's parse_truncate_subfield). */
function parseOutputTrunc(a: string): Action {
  let port: number | undefined;
  let maxLen: number | undefined;
  for (const [k, v] of keyValues(a)) {
    if (k === 'port') {
      port = portFromString(v);
      if (port < 0) throw new Error(`output to unknown truncate port: ${v}`);
      // Only real ports, LOCAL and IN_PORT.
      if (port > OFPP.MAX && port !== OFPP.LOCAL && port !== OFPP.IN_PORT)
        throw new Error(`output to unsupported truncate port: ${v}`);
    } else if (k === 'max_len') {
      maxLen = strToU32(v);
      // An Ethernet header at least (ETH_HEADER_LEN).
      if (maxLen < 14) throw new Error(`max_len ${maxLen} is less than the minimum value 14`);
    } else throw new Error(`invalid key '${k}' in output_trunc argument`);
  }
  if (port === undefined) throw new Error('output to unknown port');
  if (maxLen === undefined) throw new Error('max_len is required');
  return { type: 'output_trunc', port, maxLen };
}

export interface ParseContext {
  usable: number;
}

/** Where a nested action list sits (OVS's outer_action); undefined at the top level. */
export type Outer = 'write_actions' | 'ct' | 'clone' | undefined;

/** OVS's str_to_u32: strtoull in base 0, silently truncated to 32 bits. */
function strToU32(s: string): number {
  const n = parseIntegerNum(s);
  return n >= 0 ? n : Number(BigInt.asUintN(32, strToU64(s)));
}

/** set_mpls_label's argument (OVS's parse_SET_MPLS_LABEL). */
function parseMplsLabel(arg: string): number {
  if (!arg) throw new Error('set_mpls_label: expected label.');
  const label = strToU32(arg);
  if (label & ~0xfffff) throw new Error(`${arg}: not a valid MPLS label`);
  return label;
}

/** set_mpls_tc's argument (OVS's parse_SET_MPLS_TC). */
function parseMplsTc(arg: string): number {
  if (!arg) throw new Error('set_mpls_tc: expected tc.');
  const tc = strToU8(arg, 'MPLS TC');
  if (tc & ~7) throw new Error(`${arg}: not a valid MPLS TC`);
  return tc;
}

/** set_mpls_ttl's argument (OVS's parse_SET_MPLS_TTL). */
function parseMplsTtl(arg: string): number {
  if (!arg) throw new Error('set_mpls_ttl: expected ttl.');
  return strToU8(arg, 'MPLS TTL');
}

/** Hex bytes, optionally separated by dots (ofpbuf_put_hex as `note` and `userdata` use it). */
function parseHexBytes(arg: string, error: string): Uint8Array {
  const hex = arg.replace(/[.\s]/g, '');
  if (hex.length % 2 || /[^0-9a-fA-F]/.test(hex)) throw new Error(error);
  const data = new Uint8Array(hex.length / 2);
  for (let i = 0; i < data.length; i++) data[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return data;
}

/** OVS's str_to_nat_range: `IP[-IP][:PORT[-PORT]]`, IPv6 optionally in brackets. */
function parseNatRange(s: string, nat: Nat): void {
  const invalid = () => new Error(`invalid nat range "${s}"`);
  let n = 0;
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)/;
  const v6 = /^(?:([0-9a-fA-F:.]{1,46})|\[([0-9a-fA-F:.]{1,46})\])/;
  const scan4 = (): bigint | undefined => {
    const m = v4.exec(s.slice(n));
    if (!m) return undefined;
    n += m[0].length;
    return BigInt(
      ((Number(m[1]) & 255) * 2 ** 24 +
        (Number(m[2]) & 255) * 65536 +
        (Number(m[3]) & 255) * 256 +
        (Number(m[4]) & 255)) >>>
        0,
    );
  };
  const scan6 = (): bigint | undefined => {
    const m = v6.exec(s.slice(n));
    if (!m) return undefined;
    const a = parseIpv6(m[1] ?? m[2]);
    if (a === undefined) return undefined;
    n += m[0].length;
    return a;
  };
  nat.af = 0;
  const min4 = scan4();
  if (min4 !== undefined) {
    nat.af = 4;
    nat.min = min4;
    if (s[n] === '-') {
      n++;
      const max = scan4();
      if (max === undefined || max < min4) throw invalid();
      nat.max = max;
    }
  } else {
    const min6 = scan6();
    if (min6 !== undefined) {
      nat.af = 6;
      nat.min = min6;
      if (s[n] === '-') {
        n++;
        const max = scan6();
        if (max === undefined || max < min6) throw invalid();
        nat.max = max;
      }
    }
  }
  if (nat.af && s[n] === ':') {
    n++;
    const port = () => {
      const m = /^\d+/.exec(s.slice(n));
      if (!m) throw invalid();
      n += m[0].length;
      return Number(m[0]) & 0xffff;
    };
    nat.protoMin = port();
    if (s[n] === '-') {
      n++;
      nat.protoMax = port();
      if (nat.protoMax < nat.protoMin) throw invalid();
    }
  }
  if (n !== s.length) throw new Error(`garbage (${s.slice(n)}) after nat range "${s}" (pos: ${n})`);
}

function parseNat(arg: string): Nat {
  const nat: Nat = { type: 'nat', flags: 0, af: 0, min: 0n, max: 0n, protoMin: 0, protoMax: 0 };
  for (const [key, value] of keyValues(arg)) {
    if (key === 'src' || key === 'dst') {
      nat.flags |= key === 'src' ? NAT_F.SRC : NAT_F.DST;
      parseNatRange(value, nat);
    } else if (key === 'persistent') nat.flags |= NAT_F.PERSISTENT;
    else if (key === 'hash') nat.flags |= NAT_F.PROTO_HASH;
    else if (key === 'random') nat.flags |= NAT_F.PROTO_RANDOM;
    else throw new Error(`invalid key "${key}" in "nat" argument`);
  }
  if (nat.flags & NAT_F.SRC && nat.flags & NAT_F.DST) throw new Error('May only specify one of "src" or "dst".');
  if (!(nat.flags & (NAT_F.SRC | NAT_F.DST))) {
    if (nat.flags) throw new Error('Flags allowed only with "src" or "dst".');
    if (nat.af) throw new Error('Range allowed only with "src" or "dst".');
  }
  if (nat.flags & NAT_F.PROTO_HASH && nat.flags & NAT_F.PROTO_RANDOM) {
    throw new Error('Both "hash" and "random" are not allowed.');
  }
  return nat;
}

const CT_HELPERS: Record<string, number> = { ftp: 21, tftp: 69 };

function parseCt(arg: string, ctx: ParseContext): Action {
  const a: Extract<Action, { type: 'ct' }> = { type: 'ct', commit: false, table: 255, zone: 0, actions: [] };
  const inner = a.actions as Action[];
  for (const [key, value] of keyValues(arg)) {
    if (key === 'commit') a.commit = true;
    else if (key === 'force') a.force = true;
    else if (key === 'table') {
      const t = parseDecimal(value);
      if (t === undefined || t > 255n) throw new Error(`unknown table ${value}`);
      if (t === 255n) throw new Error('invalid table 0xff');
      a.table = Number(t);
    } else if (key === 'zone') {
      const z = parseInteger(value.trim());
      if (z !== undefined && z <= 0xffffn) {
        a.zone = Number(z);
        a.zoneSrc = undefined;
      } else a.zoneSrc = parseSubfield(value);
    } else if (key === 'alg') {
      const alg = CT_HELPERS[value];
      if (alg === undefined) throw new Error(`invalid conntrack helper "${value}"`);
      a.alg = alg;
    } else if (key === 'nat') inner.push(parseNat(value));
    else if (key === 'exec') inner.push(...parseNested(value, ctx, 'ct'));
    else throw new Error(`invalid argument to "ct" action: \`${key}'`);
  }
  if (a.force && !a.commit) throw new Error('"force" flag requires "commit" flag.');
  return a;
}

/** A nested action list (clone, ct's exec): apply-actions only, checked as OVS's ofpacts_verify. */
function parseNested(arg: string, ctx: ParseContext, outer: Outer): Action[] {
  const out: Action[] = [];
  const words = splitActionWords(arg);
  for (const w of words) parseOne(w, out, ctx, outer);
  // As OVS: "drop" alone (however often repeated) is fine, beside any real action it is not.
  if (out.length && words.includes('drop')) {
    throw new Error('"drop" must not be accompanied by any other action or instruction');
  }
  for (const a of out) {
    verifyNested(a, outer);
    const order = INSTRUCTION_ORDER[a.type];
    if (order) throw new Error(`${INSTRUCTION_NAMES[order]} instruction not allowed here`);
  }
  return out;
}

/** The field an action writes, if any (OVS's ofpact_get_mf_dst). */
function actionDstField(a: Action): FieldDef | undefined {
  if (a.type === 'set_field') return a.field;
  if (a.type === 'reg_move') return a.dst.field;
  return undefined;
}

const isCtField = (f: FieldDef) => f.name === 'ct_mark' || f.name === 'ct_label';

/** OVS's ofpacts_verify_nested for an action inside `outer`. */
function verifyNested(a: Action, outer: Outer): void {
  const field = actionDstField(a);
  if (field && isCtField(field) && outer !== 'ct') throw new Error('cannot set CT fields outside of ct action');
  if (a.type === 'nat') {
    if (outer !== 'ct') throw new Error('Cannot have NAT action outside of "ct" action');
    return;
  }
  if (outer === 'ct') {
    if (!field) throw new Error(`ct action doesn't support nested action ${actionName(a)}`);
    if (!isCtField(field)) throw new Error(`ct action doesn't support nested modification of ${field.name}`);
  }
  if (outer && a.type === 'meter') throw new Error(`${outer} action doesn't support nested action meter`);
}

function parseSample(arg: string): Action {
  const a: Extract<Action, { type: 'sample' }> = {
    type: 'sample',
    probability: 0,
    collectorSetId: 0,
    obsDomainId: 0,
    obsPointId: 0,
    samplingPort: OFPP.NONE,
    direction: 0,
  };
  for (const [key, value] of keyValues(arg)) {
    if (key === 'probability') {
      a.probability = strToU16(value, 'probability');
      if (!a.probability) throw new Error(`invalid probability value "${value}"`);
    } else if (key === 'collector_set_id') a.collectorSetId = strToU32(value);
    else if (key === 'obs_domain_id') a.obsDomainId = strToU32(value);
    else if (key === 'obs_point_id') a.obsPointId = strToU32(value);
    else if (key === 'sampling_port') {
      const port = parsePortName(value) ?? (/^\d+$/.test(value) ? Number(value) : undefined);
      if (port === undefined || port > 0xffff) throw new Error(`${value}: unknown port`);
      a.samplingPort = port;
    } else if (key === 'ingress') a.direction = 1;
    else if (key === 'egress') a.direction = 2;
    else throw new Error(`invalid key "${key}" in "sample" argument`);
  }
  if (!a.probability) throw new Error('non-zero "probability" must be specified on sample');
  return a;
}

/** `check_pkt_larger(N)->DST`: the word runs through the destination subfield. */
function parseCheckPktLarger(word: string): Action {
  const arrow = word.indexOf('->');
  const inner = word.slice('check_pkt_larger('.length, arrow < 0 ? undefined : arrow);
  if (arrow < 0) throw new Error(`${inner.replace(/\)$/, '')}: missing \`->'`);
  const dst = parseSubfield(word.slice(arrow + 2));
  if (dst.nBits !== 1) throw new Error('Only 1-bit destination field is allowed');
  const len = strToU16(inner.replace(/\)$/, ''), null);
  return { type: 'check_pkt_larger', pktLen: len, dst };
}

/** `push:SUBFIELD` / `pop:SUBFIELD` (nxm_parse_stack_action). */
function parseStack(type: 'stack_push' | 'stack_pop', arg: string): Action {
  const m = /^[A-Za-z0-9_]+(?:\[[^\]]*(?:\]|$))?/.exec(arg);
  const head = m ? m[0] : arg;
  const sub = parseSubfield(head);
  if (arg.length > head.length) throw new Error(`${arg.slice(head.length)}: trailing garbage following push or pop`);
  return { type, sub };
}

function parseDecap(arg: string): Action {
  const a = { type: 'decap' as const, packetType: PT_USE_NEXT_PROTO };
  const [kv] = keyValues(arg);
  if (!kv) return a;
  if (kv[0] !== 'packet_type') throw new Error(`Invalid decap argument: ${kv[0]}`);
  const [ns, type] = keyValues(kv[1]);
  if (ns?.[0] !== 'ns') throw new Error('Missing packet_type attribute ns');
  const nsv = strToU16(ns[1], 'ns');
  if (nsv >= PT_NAMESPACES) throw new Error(`Unsupported ns value: ${nsv}`);
  if (type?.[0] !== 'type') throw new Error('Missing packet_type attribute type');
  a.packetType = ((nsv << 16) | strToU16(type[1], 'type')) >>> 0;
  return a;
}

/** `encap(HEADER)` or `encap(HEADER(PROP,...))` (parse_ENCAP): only the first key-value counts. */
function parseEncap(arg: string, ctx: ParseContext): Action {
  ctx.usable &= P_OF13_UP;
  const [header] = keyValues(arg);
  if (!header) throw new Error(`Missing encap hdr: ${arg}`);
  const packetType = encapHeaderType(header[0]);
  if (packetType === undefined) throw new Error(`Encap hdr not supported: ${header[1]}`);
  const props: EdProp[] = [];
  for (const [k, v] of keyValues(header[1])) props.push(parseEdProp(header[0], k, v));
  return { type: 'encap', packetType, hdrSize: 0, props };
}

/** `delete_field:FIELD` (mf_parse_field: an NXM/OXM name or a field name; tun_metadataN included). */
function parseDeleteField(arg: string): Action {
  const field = tunMdField(arg) ?? fieldByNxmName(arg) ?? fieldByName(arg);
  if (!field) throw new Error(`unknown field \`${arg}'`);
  return { type: 'delete_field', field };
}

function parseController(arg: string): Action {
  const a: Extract<Action, { type: 'controller' }> = { type: 'controller', maxLen: 0xffff, controllerId: 0, reason: 1 };
  if (!arg) return a;
  if (/^\d+$/.test(arg)) {
    a.maxLen = strToU16(arg, 'max_len');
    return a;
  }
  let userdata: string | undefined;
  for (const [k, v] of keyValues(arg)) {
    if (k === 'reason') {
      const i = PACKET_IN_REASONS.indexOf(v);
      if (i < 0) throw new Error(`unknown reason "${v}"`);
      a.reason = i;
    } else if (k === 'max_len') a.maxLen = strToU16(v, 'max_len');
    else if (k === 'id') a.controllerId = strToU16(v, 'id');
    else if (k === 'userdata') userdata = v;
    else if (k === 'pause') a.pause = true;
    else if (k === 'meter_id') a.meterId = strToU32(v);
    else throw new Error(`unknown key "${k}" parsing controller action`);
  }
  if (userdata !== undefined) {
    a.userdata = parseHexBytes(userdata, "bad hex digit in `controller' action `userdata'");
    // An empty userdata still makes this a controller action rather than an output.
    if (!a.userdata.length) a.v2 = false;
  }
  return a;
}

function parseNote(arg: string): Action {
  // Counted, then read (no replace, regex or slices).
  const n = noteBytes(arg, undefined);
  if (n < 0) throw new Error("bad hex digit in `note' argument");
  const data = new Uint8Array(n);
  noteBytes(arg, data);
  return { type: 'note', data };
}

/** `.` or a blank (` \t\r\n`): what may come between the bytes of a note. */
function isNoteSeparator(c: number): boolean {
  return c === 46 || c === 32 || c === 9 || c === 13 || c === 10;
}

/**
 * The bytes of note's argument as OVS's ofpbuf_put_hex reads them: each two adjacent hex digits,
 * blanks and dots allowed between bytes (not inside one). Written into `out` if given; returns
 * how many, or -1 when something else is there.
 */
function noteBytes(arg: string, out: Uint8Array | undefined): number {
  let n = 0;
  let i = 0;
  for (;;) {
    while (i < arg.length && isNoteSeparator(arg.charCodeAt(i))) i++;
    if (i >= arg.length) return n;
    const hi = hexDigit(arg.charCodeAt(i));
    const lo = i + 1 < arg.length ? hexDigit(arg.charCodeAt(i + 1)) : -1;
    if (hi < 0 || lo < 0) return -1;
    if (out) out[n] = (hi << 4) | lo;
    n++;
    i += 2;
  }
}

/** `fin_timeout(idle_timeout=N,hard_timeout=N)`, each optional (OVS's parse_FIN_TIMEOUT). */
function parseFinTimeout(arg: string): Action {
  const a = { type: 'fin_timeout' as const, idleTimeout: 0, hardTimeout: 0 };
  for (const kv of arg.split(',')) {
    const item = kv.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    if (key !== 'idle_timeout' && key !== 'hard_timeout') {
      throw new Error(`invalid key '${key}' in 'fin_timeout' argument`);
    }
    const n = parseInteger(value);
    if (n === undefined || n > 0xffffn) throw new Error(`invalid ${key} "${value}"`);
    if (key === 'idle_timeout') a.idleTimeout = Number(n);
    else a.hardTimeout = Number(n);
  }
  return a;
}

/** ct_mark and ct_label are written only by ct(commit,exec(...)), never by plain actions (as in OVS). */
function rejectCtWrite(f: FieldDef, outer: Outer): void {
  if (outer !== 'ct' && (f.name === 'ct_mark' || f.name === 'ct_label')) {
    throw new Error('cannot set CT fields outside of ct action');
  }
}

function parseLoad(arg: string, outer: Outer): Action {
  const arrow = arg.indexOf('->');
  if (arrow < 0) throw new Error(`${arg}: missing \`->'`);
  const dst = parseSubfield(arg.slice(arrow + 2), true);
  // As OVS's parse_reg_load: a number at the start of the value, into the field's bytes; what
  // follows it is not looked at.
  const v = parseIntPrefix(arg.slice(0, arrow), dst.field.bytes);
  if (v === undefined) throw new Error(`${arg}: cannot parse integer value`);
  if (dst.nBits < 64 && v >> bigN(dst.nBits) !== 0n) {
    throw new Error(`${arg}: value ${hexAlt(v)} does not fit into ${dst.nBits} bits`);
  }
  // A read-only destination parses (as in ovs-ofctl) and is refused where the load is decoded.
  rejectCtWrite(dst.field, outer);
  const shift = bigN(dst.ofs);
  const mask = onesBig(dst.nBits) << shift;
  return { type: 'set_field', field: dst.field, value: v << shift, mask, fromLoad: true };
}

function parseSetField(arg: string, ctx: ParseContext, outer: Outer): Action {
  // OVS's set_field_split_str: the field is all that follows the first `->`.
  const arrow = arg.indexOf('->');
  if (arrow < 0) throw new Error(`${arg}: missing \`->'`);
  const name = arg.slice(arrow + 2);
  if (!name) throw new Error(`${arg}: missing field name following \`->'`);
  const field = fieldByName(name) ?? tunMdField(name);
  if (!field) throw new Error(`${name} is not a valid OXM field name`);
  if (!field.writable) throw new Error(`${name} is read-only`);
  rejectCtWrite(field, outer);
  const text = arg.slice(0, arrow);
  const { value, mask } = parseFieldValue(field, text);
  const all = fieldValueOnes(field);
  let m = mask;
  // A mask over the field's bytes is a whole value; any other written mask is kept as written
  // (OVS: "5/0xfffff" on the 20-bit ipv6_label is a partial set, printed and sent with its mask).
  const written = field.tunMd === undefined && text.includes('/');
  const coversBytes = written && mask === onesBig(field.bytes * 8);
  const literal = written && !coversBytes;
  if (field.name === 'ip_dscp' || field.name === 'nw_tos' || coversBytes) m = all;
  ctx.usable &= m === all && !literal ? field.usable.exact : field.usable.bitwise;
  const a: Action = { type: 'set_field', field, value: value & m, mask: m, fromLoad: false };
  if (literal) a.maskedOnWire = true;
  if (m !== all && value & ~m) a.unmasked = value;
  return a;
}

/** OVS's parse_DEC_TTL: no argument, or controller ids between commas and blanks, each read by atoi. */
function parseDecTtl(arg: string | undefined): Action {
  if (!arg) return { type: 'dec_ttl', ids: [0], explicit: false };
  const ids: number[] = [];
  const t = new Strtok(arg);
  for (let id = t.next(', '); id !== undefined; id = t.next(', ')) ids.push(cAtoi(id) & 0xffff);
  if (!ids.length) throw new Error('dec_ttl_cnt_ids: expected at least one controller id.');
  return { type: 'dec_ttl', ids, explicit: true };
}

/** The index of `name` in `names`, compared ignoring case (strcasecmp); -1 if absent. */
function indexIgnoringCase(names: readonly string[], name: string): number {
  const lower = name.toLowerCase();
  return names.indexOf(lower);
}

/** A multipath or bundle_load destination: a subfield with an NXM header. */
function nxmDestination(arg: string, text: string): Subfield {
  const dst = parseSubfield(text);
  if (isExperimenterOxm(dst.field)) throw new Error(`${arg}: experimenter OXM field '${text}' not supported`);
  return dst;
}

/**
 * multipath(FIELDS,BASIS,ALGORITHM,N_LINKS,ARG,DST) as OVS's multipath_parse reads it: words
 * between commas and blanks (strtok), the numbers by atoi (so "29y" is 29), names in any case.
 */
function parseMultipath(arg: string): Action {
  const t = new Strtok(arg);
  const [fieldsText, basis, algorithmText, nLinksText, argText, dstText] = t.take(6, ', ');
  if (dstText === undefined) throw new Error(`${arg}: not enough arguments to multipath action`);
  const fields = indexIgnoringCase(HASH_FIELDS, fieldsText as string);
  if (fields < 0) throw new Error(`${arg}: unknown fields \`${fieldsText}'`);
  const algorithm = indexIgnoringCase(MULTIPATH_ALGORITHMS, algorithmText as string);
  if (algorithm < 0) throw new Error(`${arg}: unknown algorithm \`${algorithmText}'`);
  const nLinks = cAtoi(nLinksText as string);
  if (nLinks < 1 || nLinks > 65536) throw new Error(`${arg}: n_links ${nLinks} is not in valid range 1 to 65536`);
  const dst = nxmDestination(arg, dstText);
  if (dst.nBits < 16 && nLinks > 1 << dst.nBits) {
    throw new Error(
      `${arg}: ${dst.nBits}-bit destination field has ${1 << dst.nBits} possible values, less than specified n_links ${nLinks}`,
    );
  }
  const basisValue = cAtoi(basis as string) & 0xffff;
  return { type: 'multipath', fields, basis: basisValue, algorithm, nLinks, arg: cAtoi(argText as string) >>> 0, dst };
}

/** OVS's BUNDLE_MAX_MEMBERS: members past it are ignored. */
const BUNDLE_MAX_MEMBERS = 2048;

/**
 * bundle(FIELDS,BASIS,ALGORITHM,ofport,members:PORTS) and bundle_load(...,DST,members:...) as OVS's
 * bundle_parse reads them: words by strtok (the member delimiter ends at `:` or a blank, ports
 * at `, []`), checked in OVS's order, the basis by atoi.
 */
function parseBundle(arg: string, load: boolean): Action {
  const t = new Strtok(arg);
  const [fieldsText, basis, algorithmText, memberType] = t.take(4, ', ');
  const dstText = load ? t.next(', ') : undefined;
  const delim = t.next(': ');
  if (delim === undefined) throw new Error(`${arg}: not enough arguments to bundle action`);
  const lowerDelim = delim.toLowerCase();
  if (lowerDelim !== 'members' && lowerDelim !== 'slaves')
    throw new Error(`${arg}: missing member delimiter, expected \`members', got \`${delim}'`);
  const members: number[] = [];
  for (let m = t.next(', []'); m !== undefined && members.length < BUNDLE_MAX_MEMBERS; m = t.next(', []')) {
    const port = portFromString(m);
    if (port < 0) throw new Error(`${m}: bad port number`);
    members.push(port);
  }
  const fields = indexIgnoringCase(HASH_FIELDS, fieldsText as string);
  if (fields < 0) throw new Error(`${arg}: unknown fields \`${fieldsText}'`);
  const algorithm = indexIgnoringCase(BUNDLE_ALGORITHMS, algorithmText as string);
  if (algorithm < 0) throw new Error(`${arg}: unknown algorithm \`${algorithmText}'`);
  if ((memberType as string).toLowerCase() !== 'ofport')
    throw new Error(`${arg}: unknown member_type \`${memberType}'`);
  const dst = dstText === undefined ? undefined : nxmDestination(arg, dstText);
  return { type: 'bundle', fields, basis: cAtoi(basis as string) & 0xffff, algorithm, members, dst };
}

/** A resubmit's in_port, with OVS's message for one it does not know. */
function resubmitPort(s: string): number {
  const port = portFromString(s);
  if (port < 0) throw new Error(`${s}: resubmit to unknown port`);
  return port;
}

/** OVS's parse_RESUBMIT: in_port, table and "ct" by position between commas, as written (untrimmed). */
function parseResubmit(arg: string): Action {
  // The usual `resubmit:PORT`, without the split.
  if (arg.indexOf(',') < 0) {
    const inPort = arg ? resubmitPort(arg) : OFPP.IN_PORT;
    if (inPort !== OFPP.IN_PORT) return { type: 'resubmit', inPort, table: 255 };
  }
  const parts = arg.split(',');
  const inPort = parts[0] ? resubmitPort(parts[0]) : OFPP.IN_PORT;
  const tableText = parts[1];
  const table = tableText ? tableFromString(tableText) : 255;
  if (table < 0) throw new Error(`${tableText}: resubmit to unknown table`);
  const ctWord = parts[2];
  if (ctWord && ctWord !== 'ct') throw new Error(`${ctWord}: unknown parameter`);
  if (inPort === OFPP.IN_PORT && table === 255) {
    throw new Error('at least one "in_port" or "table" must be specified on resubmit');
  }
  return ctWord ? { type: 'resubmit', inPort, table, ct: true } : { type: 'resubmit', inPort, table };
}

/**
 * Length of a leading `[A-Za-z_0-9]+` followed by one of `:(=` (where the argument starts), or
 * -1: the same test as a regex, without one per action word.
 */
/** An action's argument, which it must have (a function, not a closure per action). */
function needArg(_name: string, arg: string | undefined): string {
  return arg ?? '';
}

function actionNameEnd(word: string): number {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95) continue;
    return i > 0 && (c === 58 || c === 40 || c === 61) ? i : -1;
  }
  return -1;
}

function isDigits(s: string): boolean {
  if (!s.length) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Action keywords as small integers for parseOne's switch: one map lookup per action instead of
 * comparing the name with each keyword in turn (some 70 string compares for the last ones).
 */
const K = {
  output: 0,
  controller: 1,
  enqueue: 2,
  drop: 3,
  mod_vlan_vid: 4,
  set_vlan_vid: 5,
  mod_vlan_pcp: 6,
  set_vlan_pcp: 7,
  strip_vlan: 8,
  pop_vlan: 9,
  push_vlan: 10,
  mod_dl_src: 11,
  mod_dl_dst: 12,
  mod_nw_src: 13,
  mod_nw_dst: 14,
  mod_nw_tos: 15,
  mod_nw_ecn: 16,
  mod_nw_ttl: 17,
  mod_tp_src: 18,
  mod_tp_dst: 19,
  set_field: 20,
  load: 21,
  move: 22,
  resubmit: 23,
  set_tunnel: 24,
  set_tunnel64: 25,
  set_queue: 26,
  pop_queue: 27,
  dec_ttl: 28,
  note: 29,
  exit: 30,
  fin_timeout: 31,
  group: 32,
  push_mpls: 33,
  pop_mpls: 34,
  conjunction: 35,
  ct: 36,
  nat: 37,
  ct_clear: 38,
  clone: 39,
  sample: 40,
  push: 41,
  pop: 42,
  dec_nsh_ttl: 43,
  decap: 44,
  multipath: 45,
  bundle: 46,
  bundle_load: 47,
  dec_mpls_ttl: 48,
  learn: 49,
  set_mpls_label: 50,
  set_mpls_tc: 51,
  set_mpls_ttl: 52,
  meter: 53,
  clear_actions: 54,
  write_actions: 55,
  write_metadata: 56,
  goto_table: 57,
  encap: 58,
  delete_field: 59,
  debug_recirc: 60,
  debug_slow: 61,
} as const;
const ACTION_KEYWORDS = new Map<string, number>(Object.entries(K));
/** ACTION_KEYWORDS looked up in the word itself (no slice to hash) when spelled in lower case. */
const ACTION_KEYWORDS_AT = new NameTable<number>(Object.entries(K));

/** Parses one action (`name`, `name:arg` or `name(arg)`) into `out`. */
function parseOne(word: string, out: Action[], ctx: ParseContext, outer: Outer): void {
  if (word.startsWith('check_pkt_larger(')) {
    out.push(parseCheckPktLarger(word));
    return;
  }
  let name = word;
  let arg: string | undefined;
  const sep = actionNameEnd(word);
  if (sep > 0) {
    name = word.slice(0, sep);
    if (word.charCodeAt(sep) === 40) {
      if (!word.endsWith(')')) throw new Error(`${word}: syntax error at \`${word}' (missing \`)'?)`);
      arg = word.slice(sep + 1, -1);
    } else arg = word.slice(sep + 1);
  }
  const lname = name.toLowerCase();
  // `controller` in lower case is the controller action; any other spelling names the port.
  // Only a bare word can be a port: most actions have an argument and skip the name lookup.
  const port = arg !== undefined || name === 'controller' ? undefined : parsePortName(name);
  if (port !== undefined) {
    out.push(portOutput(port));
    return;
  }
  if (arg === undefined && isDigits(name)) {
    out.push({ type: 'output', port: parsePort(name), maxLen: 0 });
    return;
  }
  switch (ACTION_KEYWORDS_AT.get(word, 0, name.length) ?? ACTION_KEYWORDS.get(lname) ?? -1) {
    case K.output:
      out.push(parseOutput(needArg(name, arg)));
      return;
    case K.controller:
      out.push(parseController(arg ?? ''));
      return;
    case K.enqueue:
      out.push(parseEnqueue(needArg(name, arg)));
      return;
    case K.drop:
      return;
    case K.mod_vlan_vid:
    case K.set_vlan_vid: {
      const vid = strToU16(needArg(name, arg), 'VLAN VID');
      if (vid & ~0xfff) throw new Error(`${arg}: not a valid VLAN VID`);
      out.push({ type: 'set_vlan_vid', vid, push: lname === 'mod_vlan_vid' });
      return;
    }
    case K.mod_vlan_pcp:
    case K.set_vlan_pcp: {
      const pcp = strToU8(needArg(name, arg), 'VLAN PCP');
      if (pcp & ~7) throw new Error(`${arg}: not a valid VLAN PCP`);
      out.push({ type: 'set_vlan_pcp', pcp, push: lname === 'mod_vlan_pcp' });
      return;
    }
    case K.strip_vlan:
      out.push({ type: 'strip_vlan', pop: false });
      return;
    case K.pop_vlan:
      out.push({ type: 'strip_vlan', pop: true });
      return;
    case K.push_vlan: {
      const e = strToU16(needArg(name, arg), 'ethertype');
      if (e !== 0x8100 && e !== 0x88a8) throw new Error(`${arg}: not a valid VLAN ethertype`);
      ctx.usable &= P_OF11_UP;
      out.push({ type: 'push_vlan', ethertype: e });
      return;
    }
    case K.mod_dl_src:
    case K.mod_dl_dst: {
      // OVS's str_to_mac scans a MAC at the start and ignores what follows.
      const mac = parseMac(needArg(name, arg)) ?? scanMac(needArg(name, arg));
      if (mac === undefined) throw new Error(`invalid mac address ${arg ?? ''}`);
      out.push({ type: lname === 'mod_dl_src' ? 'set_eth_src' : 'set_eth_dst', mac });
      return;
    }
    case K.mod_nw_src:
    case K.mod_nw_dst: {
      const ip = parseIpv4(needArg(name, arg));
      if (ip === undefined) throw new Error(`${arg ?? ''}: could not convert to IP address`);
      out.push({ type: lname === 'mod_nw_src' ? 'set_ipv4_src' : 'set_ipv4_dst', ip: Number(ip) });
      return;
    }
    case K.mod_nw_tos: {
      const tos = strToU8(needArg(name, arg), 'TOS');
      if (tos & 3) throw new Error(`${arg}: not a valid TOS`);
      out.push({ type: 'set_ip_dscp', tos });
      return;
    }
    case K.mod_nw_ecn: {
      const ecn = strToU8(needArg(name, arg), 'ECN');
      if (ecn > 3) throw new Error(`${arg}: not a valid ECN`);
      out.push({ type: 'set_ip_ecn', ecn });
      return;
    }
    case K.mod_nw_ttl:
      out.push({ type: 'set_ip_ttl', ttl: strToU8(needArg(name, arg), 'TTL') });
      return;
    case K.mod_tp_src:
    case K.mod_tp_dst:
      out.push({
        type: lname === 'mod_tp_src' ? 'set_l4_src' : 'set_l4_dst',
        port: strToU16(needArg(name, arg), lname === 'mod_tp_src' ? 'source port' : 'destination port'),
      });
      return;
    case K.set_field:
      out.push(parseSetField(needArg(name, arg), ctx, outer));
      return;
    case K.load:
      out.push(parseLoad(needArg(name, arg), outer));
      return;
    case K.move: {
      const { src, dst } = parseRegMove(needArg(name, arg));
      rejectCtWrite(dst.field, outer);
      out.push({ type: 'reg_move', src, dst });
      return;
    }
    case K.resubmit:
      out.push(parseResubmit(needArg(name, arg)));
      return;
    case K.set_tunnel:
    case K.set_tunnel64: {
      const v = strToU64(needArg(name, arg));
      out.push({ type: 'set_tunnel', tunId: v, wide: lname === 'set_tunnel64' || v > 0xffffffffn });
      return;
    }
    case K.set_queue:
      out.push({ type: 'set_queue', queue: strToU32(needArg(name, arg)) });
      return;
    case K.pop_queue:
      out.push({ type: 'pop_queue' });
      return;
    case K.dec_ttl:
      out.push(parseDecTtl(arg));
      return;
    case K.note:
      out.push(parseNote(arg ?? ''));
      return;
    case K.exit:
      out.push({ type: 'exit' });
      return;
    case K.fin_timeout:
      out.push(parseFinTimeout(arg ?? ''));
      return;
    case K.group:
      out.push({ type: 'group', groupId: strToU32(needArg(name, arg)) });
      return;
    case K.push_mpls:
    case K.pop_mpls: {
      // Any ethertype parses; a push of one that is not MPLS fails where OVS fails it, in decoding.
      const e = strToU16(needArg(name, arg), lname);
      out.push({ type: lname as 'push_mpls' | 'pop_mpls', ethertype: e });
      return;
    }
    case K.conjunction: {
      const cm = /^\s*(\d+)\s*,\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(needArg(name, arg));
      if (!cm) throw new Error(`"conjunction" syntax is "conjunction(id,i/n)"`);
      const id = Number(cm[1]);
      const clause = Number(cm[2]);
      const n = Number(cm[3]);
      if (n < 2 || n > 64) throw new Error('number of conjunctive clauses must be between 2 and 64');
      if (clause < 1 || clause > n)
        throw new Error('clause index must be positive and no greater than the number of clauses');
      out.push({ type: 'conjunction', id, clause: clause - 1, nClauses: n });
      return;
    }
    case K.ct:
      out.push(parseCt(arg ?? '', ctx));
      return;
    case K.nat:
      if (outer !== 'ct') throw new Error('Cannot have NAT action outside of "ct" action');
      out.push(parseNat(arg ?? ''));
      return;
    case K.ct_clear:
      out.push({ type: 'ct_clear' });
      return;
    case K.clone:
      // OVS's parse_CLONE (ofpacts_parse_copy) starts the actions' protocols afresh: what the
      // actions before it required is forgotten.
      ctx.usable = P_ANY;
      out.push({ type: 'clone', actions: parseNested(arg ?? '', ctx, 'clone') });
      return;
    case K.sample:
      out.push(parseSample(arg ?? ''));
      return;
    case K.push:
    case K.pop:
      out.push(parseStack(lname === 'push' ? 'stack_push' : 'stack_pop', needArg(name, arg)));
      return;
    case K.dec_nsh_ttl:
      out.push({ type: 'dec_nsh_ttl' });
      return;
    case K.decap:
      out.push(parseDecap(arg ?? ''));
      return;
    case K.encap:
      out.push(parseEncap(arg ?? '', ctx));
      return;
    case K.delete_field:
      out.push(parseDeleteField(arg ?? ''));
      return;
    case K.debug_recirc:
      out.push({ type: 'debug_recirc' });
      return;
    case K.debug_slow:
      out.push({ type: 'debug_slow' });
      return;
    case K.multipath:
      out.push(parseMultipath(needArg(name, arg)));
      return;
    case K.bundle:
    case K.bundle_load:
      out.push(parseBundle(needArg(name, arg), lname === 'bundle_load'));
      return;
    case K.dec_mpls_ttl:
      out.push({ type: 'dec_mpls_ttl' });
      return;
    case K.learn:
      out.push(parseLearn(arg ?? ''));
      return;
    case K.set_mpls_label:
      out.push({ type: 'set_mpls_label', label: parseMplsLabel(needArg(name, arg)) });
      return;
    case K.set_mpls_tc:
      out.push({ type: 'set_mpls_tc', tc: parseMplsTc(needArg(name, arg)) });
      return;
    case K.set_mpls_ttl:
      out.push({ type: 'set_mpls_ttl', ttl: parseMplsTtl(needArg(name, arg)) });
      return;
    case K.meter:
      ctx.usable &= P_OF13_UP;
      out.push({ type: 'meter', meterId: strToU32(needArg(name, arg)) });
      return;
    case K.clear_actions:
      out.push({ type: 'clear_actions' });
      return;
    case K.write_actions: {
      if (outer) throw new Error('write_actions instruction not allowed here');
      const inner: Action[] = [];
      for (const w of splitActionWords(needArg(name, arg))) parseOne(w, inner, ctx, 'write_actions');
      out.push({ type: 'write_actions', actions: inner });
      return;
    }
    case K.write_metadata: {
      // OVS's parse_WRITE_METADATA: the mask (after the first `/`) is read first.
      const a = needArg(name, arg);
      const slash = a.indexOf('/');
      const mask = slash < 0 ? 0xffffffffffffffffn : strToU64(a.slice(slash + 1));
      const value = strToU64(slash < 0 ? a : a.slice(0, slash));
      ctx.usable &= P_NXM_OF11_UP;
      out.push({ type: 'write_metadata', metadata: value, mask });
      return;
    }
    case K.goto_table:
      out.push({ type: 'goto_table', table: tableId(needArg(name, arg)) });
      return;
    default: {
      // A key naming a port outputs there whatever its argument: OVS looks ports up last.
      const p = name === 'controller' ? -1 : portFromString(name);
      if (p < 0) throw new Error(`unknown action ${actionKey(word)}`);
      out.push(portOutput(p));
    }
  }
}

/** Output to `port` written as the action's name (CONTROLLER as the controller action). */
function portOutput(port: number): Action {
  return port === OFPP.CONTROLLER
    ? { type: 'controller', maxLen: 0xffff, controllerId: 0, reason: 1, viaOutput: true }
    : { type: 'output', port, maxLen: 0 };
}

/** The key OVS's ofputil_parse_key_value reads from an action: up to its first `:`, `=` or `(`. */
function actionKey(word: string): string {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c === 58 || c === 61 || c === 40) return word.slice(0, i);
  }
  return word;
}

const INSTRUCTION_ORDER: Record<string, number> = {
  meter: 1,
  clear_actions: 3,
  write_actions: 4,
  write_metadata: 5,
  goto_table: 6,
};

const INSTRUCTION_NAMES: Record<number, string> = {
  1: 'meter',
  2: 'apply_actions',
  3: 'clear_actions',
  4: 'write_actions',
  5: 'write_metadata',
  6: 'goto_table',
};

/**
 * OVS's ofpacts_verify: walking the list in order, a conjunction ends the walk (after checking
 * that only notes accompany it); otherwise instructions must come in OpenFlow 1.1+ order.
 */
function verifyOrder(actions: Action[]): void {
  let last = 0;
  for (const a of actions) {
    if (a.type === 'conjunction') {
      const other = actions.find((x) => x.type !== 'conjunction' && x.type !== 'note');
      if (other) {
        throw new Error(
          `"conjunction" actions may be used along with "note" but not any other kind of action (such as the "${actionName(other)}" action used here)`,
        );
      }
      return;
    }
    const order = INSTRUCTION_ORDER[a.type] ?? 2;
    if (last && (last === 2 ? order < last : order <= last)) {
      if (order === last) {
        throw new Error(
          `duplicate ${INSTRUCTION_NAMES[order]} instruction not allowed, for OpenFlow 1.1+ compatibility`,
        );
      }
      throw new Error(
        `invalid instruction ordering: ${INSTRUCTION_NAMES[order]} must appear before ${INSTRUCTION_NAMES[last]}, for OpenFlow 1.1+ compatibility`,
      );
    }
    last = order;
  }
}

/** Parses an `actions=` string (OVS's ofpacts_parse_instructions). */
export function parseActions(s: string, ctx: ParseContext): Action[] {
  const out: Action[] = [];
  const words = splitActionWords(s);
  // The actions narrow their own set (OVS's action_usable_protocols), folded in at the end: a
  // clone resets it (below).
  const actx: ParseContext = { usable: P_ANY };
  for (const w of words) parseOne(w, out, actx, undefined);
  ctx.usable &= actx.usable;
  // As OVS: "drop" alone (however often repeated) is fine, beside any real action it is not.
  if (out.length && words.includes('drop')) {
    throw new Error('"drop" must not be accompanied by any other action or instruction');
  }
  for (const a of out) if (a.type === 'nat') verifyNested(a, undefined);
  verifyOrder(out);
  return out;
}

/**
 * Narrows usable protocols for actions that OpenFlow 1.1+ would reject because the match does
 * not establish their prerequisites (OVS's ofpacts_check "inconsistent match").
 */
export function checkActions(
  actions: Action[],
  match: Match,
  ctx: ParseContext,
  tableId = 0,
  // The match's packet type (OVS's ofpacts_check starts from the flow's), else Ethernet's.
  packetType: number = match.nm(S.packet_type) ? match.nv(S.packet_type) : PT.ETH,
): void {
  checkDepth++;
  try {
    checkActionsAt(actions, match, ctx, tableId, packetType);
  } finally {
    checkDepth--;
  }
  // As ofpacts_check: inconsistencies only narrow the protocols while the walk goes on (a later
  // action's own error wins); none left at the end is the error.
  if (checkDepth === 0 && !ctx.usable) throw invalidWithMatch('OFPBAC_MATCH_INCONSISTENT');
}

/**
 * The flow as checkActions' actions change it, one Match per nesting depth (clone and ct nest
 * action lists), reused from flow to flow: a fresh copy per changing flow was young garbage.
 */
const CHECK_COPIES: Match[] = [];
/** checkActions' current nesting depth (1 in the outermost call). */
let checkDepth = 0;

function checkActionsAt(actions: Action[], match: Match, ctx: ParseContext, tableId: number, packetType: number): void {
  const dlType = match.dlType();
  let proto = match.nm(S.nw_proto) ? match.nwProto() : -1;
  // The packet type as encap/decap change it (OVS's flow->packet_type); Ethernet until the match
  // can say otherwise.
  let curPt = packetType;
  const ipAny = dlType === ETH_TYPE.IP || dlType === ETH_TYPE.IPV6;
  let hasVlan = (match.nv(S.vlan_tci) & VLAN_CFI) !== 0;
  let innerVlan = false;
  let curType = dlType;
  // The flow as the actions change it; copied only when an action changes it. (Helpers below
  // are module functions: closures here cost a context and four functions per call, twice per
  // flow in parse-flows.)
  let cur = match;
  for (const a of actions) {
    switch (a.type) {
      case 'set_field':
        needs(a.field, cur);
        if (curPt !== PT.ETH && ETHERNET_FIELDS.has(a.field.name)) throw invalidWithMatch('OFPBAC_MATCH_INCONSISTENT');
        // Setting the VID or PCP needs a tag to set it in.
        if ((a.field.name === 'vlan_vid' || a.field.name === 'vlan_pcp') && !(cur.nv(S.vlan_tci) & VLAN_CFI)) {
          throw invalidWithMatch('OFPBAC_MATCH_INCONSISTENT');
        }
        // Writing the whole TCI may add or remove the tag: OVS takes the written value as the TCI.
        if (a.field.name === 'vlan_tci') {
          cur = writable(cur, match);
          cur.setNum(S.vlan_tci, Number(a.value & 0xffffn), 0xffff);
          hasVlan = (Number(a.value) & VLAN_CFI) !== 0;
        }
        break;
      case 'reg_move':
        needs(a.src.field, cur);
        needs(a.dst.field, cur);
        // OVS's mf_check_dst: after the prerequisites, a destination must be writable.
        if (!a.dst.field.writable) throw invalidWithMatch('OFPBAC_BAD_SET_ARGUMENT');
        break;
      case 'output_reg':
        needs(a.src.field, cur);
        break;
      case 'resubmit':
        // Looking up by the connection's tuple needs a match on a valid connection (check_RESUBMIT).
        if (a.ct && !ctValid(cur)) throw invalidWithMatch('OFPBAC_MATCH_INCONSISTENT');
        break;
      case 'fin_timeout':
        // Only TCP flows see FINs (OVS's ofpact_check__).
        if (proto !== IPPROTO.TCP) inconsistent(ctx);
        break;
      case 'ct': {
        // OVS's check_CT: IP only; no commit of invalid packets; helpers need their transport.
        const nwProto = cur.nm(S.nw_proto) ? cur.nwProto() : 0;
        if (
          !(curType === ETH_TYPE.IP || curType === ETH_TYPE.IPV6) ||
          (cur.nv(S.ct_state) & 0x10 && a.commit) ||
          (a.alg === 21 && nwProto !== IPPROTO.TCP) ||
          (a.alg === 69 && nwProto !== IPPROTO.UDP)
        ) {
          throw invalidWithMatch('OFPBAC_MATCH_INCONSISTENT');
        }
        // With a zone from a field OVS checks only that field, not the nested actions.
        if (a.zoneSrc) needs(a.zoneSrc.field, cur);
        else if (a.actions?.length) checkActions(a.actions, cur, ctx, tableId, curPt);
        break;
      }
      case 'nat':
        if (
          !(curType === ETH_TYPE.IP || curType === ETH_TYPE.IPV6) ||
          (a.af === 4 && curType !== ETH_TYPE.IP) ||
          (a.af === 6 && curType !== ETH_TYPE.IPV6)
        ) {
          throw invalidWithMatch('OFPBAC_MATCH_INCONSISTENT');
        }
        break;
      case 'clone':
        checkActions(a.actions, cur, ctx, tableId, curPt);
        break;
      case 'stack_push':
      case 'stack_pop':
        needs(a.sub.field, cur);
        break;
      case 'dec_nsh_ttl':
        if (curPt !== PT.NSH && curType !== ETH_TYPE.NSH) inconsistent(ctx);
        break;
      case 'encap':
        // check_ENCAP: the packet becomes the new type; an Ethertype one sets dl_type, and
        // nothing is known of the L4 protocol unless it is still IP.
        curPt = a.packetType;
        cur = writable(cur, match);
        // The flow's packet type too: the prerequisites of later fields are judged by it.
        cur.setNum(S.packet_type, curPt, 0xffffffff);
        if (curPt >>> 16 === PT_NS_ETHERTYPE) {
          curType = curPt & 0xffff;
          cur.setNum(S.dl_type, curType, 0xffff);
        }
        if (curType !== ETH_TYPE.IP && curType !== ETH_TYPE.IPV6) {
          proto = 0;
          cur.setNum(S.nw_proto, 0, cur.nm(S.nw_proto));
        }
        break;
      case 'decap':
        // check_DECAP: Ethernet decapsulates to its Ethertype; anything else to an unknown type.
        cur = writable(cur, match);
        if (curPt === PT.ETH) curPt = ((PT_NS_ETHERTYPE << 16) | curType) >>> 0;
        else {
          curPt = PT.UNKNOWN;
          curType = 0xffff;
          cur.setNum(S.dl_type, curType, 0xffff);
        }
        cur.setNum(S.packet_type, curPt, 0xffffffff);
        break;
      case 'delete_field':
        if (a.field.tunMd === undefined) throw invalidWithMatch('OFPBAC_BAD_ARGUMENT');
        break;
      case 'goto_table':
        if (a.table <= tableId) throw invalidWithMatch('OFPBIC_BAD_TABLE_ID');
        break;
      case 'set_vlan_vid':
      case 'set_vlan_pcp':
        if (!hasVlan && !a.push) inconsistent(ctx);
        hasVlan = true;
        cur = writable(cur, match);
        cur.setBitsNum(S.vlan_tci, VLAN_CFI, VLAN_CFI);
        break;
      case 'strip_vlan':
        if (!hasVlan) inconsistent(ctx);
        // The outer tag goes; an inner one (pushed earlier) becomes the outer.
        hasVlan = innerVlan;
        innerVlan = false;
        cur = writable(cur, match);
        if (hasVlan) cur.setBitsNum(S.vlan_tci, VLAN_CFI, VLAN_CFI);
        else cur.clearAt(S.vlan_tci);
        break;
      case 'push_vlan':
        // OVS tracks two tags at most.
        if (innerVlan) throw invalidWithMatch('OFPBAC_BAD_TAG');
        innerVlan = hasVlan;
        hasVlan = true;
        cur = writable(cur, match);
        cur.setBitsNum(S.vlan_tci, VLAN_CFI, VLAN_CFI);
        break;
      case 'set_ipv4_src':
      case 'set_ipv4_dst':
        if (curType !== ETH_TYPE.IP) inconsistent(ctx);
        break;
      case 'set_ip_dscp':
      case 'set_ip_ecn':
      case 'set_ip_ttl':
      case 'dec_ttl':
        if (!ipAny || curType !== dlType) inconsistent(ctx);
        break;
      case 'set_l4_src':
      case 'set_l4_dst':
        if (
          !ipAny ||
          curType !== dlType ||
          match.nv(S.nw_frag) & 2 ||
          (proto !== IPPROTO.TCP && proto !== IPPROTO.UDP && proto !== IPPROTO.SCTP)
        ) {
          inconsistent(ctx);
        }
        break;
      case 'dec_mpls_ttl':
      case 'set_mpls_label':
      case 'set_mpls_tc':
      case 'set_mpls_ttl':
        if (!isMplsType(curType)) inconsistent(ctx);
        break;
      case 'multipath':
        needs(a.dst.field, cur);
        break;
      case 'bundle':
        if (a.dst) needs(a.dst.field, cur);
        break;
      case 'pop_mpls':
        if (curPt !== PT.ETH || !isMplsType(curType)) inconsistent(ctx);
        else curType = a.ethertype;
        cur = writable(cur, match);
        cur.setNum(S.dl_type, a.ethertype, 0xffff);
        break;
      case 'push_mpls':
        if (curPt !== PT.ETH) inconsistent(ctx);
        curType = a.ethertype;
        cur = writable(cur, match);
        cur.setNum(S.dl_type, a.ethertype, 0xffff);
        // The MPLS payload is opaque: no L4 protocol is known any more (check_PUSH_MPLS).
        proto = 0;
        cur.setNum(S.nw_proto, 0, cur.nm(S.nw_proto));
        break;
    }
  }
}

/** Fields with OVS's Ethernet prerequisite (MFP_ETHERNET): only in a packet of type Ethernet. */
const ETHERNET_FIELDS = new Set(['eth_src', 'eth_dst', 'eth_type', 'vlan_tci', 'dl_vlan', 'vlan_vid', 'vlan_pcp']);

/** An action the match makes impossible on OpenFlow 1.1+: only OpenFlow 1.0 may still carry it. */
function inconsistent(ctx: ParseContext): void {
  ctx.usable &= P_OF10_STD_ANY | P_OF10_NXM_ANY;
}

function invalidWithMatch(code: string): Error {
  return new Error(`actions are invalid with specified match (${code})`);
}

/** A field an action reads or writes must have its prerequisites in the flow. */
function needs(f: FieldDef, cur: Match): void {
  if (!prereqOk(f, cur)) throw invalidWithMatch('OFPBAC_MATCH_INCONSISTENT');
}

/** `cur`, copied first (into this depth's scratch) while it is still the caller's match. */
function writable(cur: Match, match: Match): Match {
  if (cur !== match) return cur;
  let copy = CHECK_COPIES[checkDepth];
  if (!copy) {
    copy = new Match();
    CHECK_COPIES[checkDepth] = copy;
  }
  copy.copyFrom(match);
  return copy;
}

/** The keyword an action is written with (for error messages). */
const OFPACT_NAMES: Partial<Record<Action['type'], string>> = {
  set_eth_src: 'mod_dl_src',
  set_eth_dst: 'mod_dl_dst',
  set_ipv4_src: 'mod_nw_src',
  set_ipv4_dst: 'mod_nw_dst',
  set_ip_dscp: 'mod_nw_tos',
  set_ip_ecn: 'mod_nw_ecn',
  set_ip_ttl: 'mod_nw_ttl',
  set_l4_src: 'mod_tp_src',
  set_l4_dst: 'mod_tp_dst',
  reg_move: 'move',
  stack_push: 'push',
  stack_pop: 'pop',
};

export function actionName(a: Action): string {
  if (a.type === 'controller' && a.viaOutput) return 'output';
  return OFPACT_NAMES[a.type] ?? a.type;
}

/** Remembers facts about the flow that encoding for OpenFlow 1.1+ needs (OVS's flow_has_vlan). */
export function flowHasVlan(match: Match): boolean {
  return (match.nv(S.vlan_tci) & VLAN_CFI) !== 0;
}

function formatFieldValue(f: FieldDef, value: bigint, mask: bigint, bytesOnly = false): string {
  // As OVS's mf_format: no mask when it covers the field's bytes, or (a set_field as parsed,
  // whose whole value has the field's own mask) its value's bits.
  const all = fieldValueOnes(f);
  const masked = mask !== onesBig(f.bytes * 8) && (bytesOnly || mask !== all);
  switch (f.format) {
    case 'mac':
      return masked ? `${formatMac(value)}/${formatMac(mask)}` : formatMac(value);
    case 'ipv4':
      return formatIpv4Masked(value, mask);
    case 'ipv6':
      return formatIpv6Masked(value, mask);
    case 'port':
    case 'port11':
      return formatPort(Number(value));
    case 'decimal':
    case 'ethertype':
      return masked ? `${value}/${hexAlt(mask)}` : `${value}`;
    case 'tun_flags':
      if (masked && mask !== f.wholeMask) return formatFlagsMasked(Number(value), Number(mask), 0xffff, tunFlagName);
      return value ? formatFlags(Number(value), tunFlagName, '|') : '0';
    default:
      return masked ? `${hexAlt(value)}/${hexAlt(mask)}` : hexAlt(value);
  }
}

function isContiguous(mask: bigint): { ofs: number; nBits: number } | undefined {
  if (mask === 0n) return undefined;
  // The lowest set bit's position, without a bigint shift per bit.
  const ofs = (mask & -mask).toString(2).length - 1;
  const shifted = mask >> BigInt(ofs);
  if ((shifted & (shifted + 1n)) !== 0n) return undefined;
  return { ofs, nBits: shifted.toString(2).length };
}

function formatLoad(a: Extract<Action, { type: 'set_field' }>): string {
  const range = isContiguous(a.mask) ?? { ofs: 0, nBits: fieldWidth(a.field) };
  const v = (a.value >> bigN(range.ofs)) & onesBig(range.nBits);
  return `load:${hexAlt(v)}->${formatSubfield({ field: a.field, ofs: range.ofs, nBits: range.nBits })}`;
}

export function formatAction(a: Action): string {
  switch (a.type) {
    case 'output':
      return a.port < OFPP.MAX ? `output:${formatPort(a.port)}` : formatPort(a.port);
    case 'controller': {
      if (a.reason === 1 && a.controllerId === 0 && !a.userdata?.length && !a.pause && !a.meterId) {
        return `CONTROLLER:${a.maxLen}`;
      }
      const parts: string[] = [];
      if (a.reason !== 1) parts.push(`reason=${PACKET_IN_REASONS[a.reason] ?? a.reason}`);
      if (a.maxLen !== 0xffff) parts.push(`max_len=${a.maxLen}`);
      if (a.controllerId !== 0) parts.push(`id=${a.controllerId}`);
      if (a.userdata?.length) parts.push(`userdata=${hexDots(a.userdata)}`);
      if (a.pause) parts.push('pause');
      if (a.meterId) parts.push(`meter_id=${a.meterId}`);
      return `controller(${parts.join(',')})`;
    }
    case 'enqueue':
      return `enqueue:${formatPort(a.port)}:${a.queue}`;
    case 'output_trunc':
      return `output(port=${formatPort(a.port)},max_len=${a.maxLen})`;
    case 'output_reg':
      return a.maxLen === 0xffff
        ? `output:${formatSubfield(a.src)}`
        : `output(port=${formatSubfield(a.src)},max_len=${a.maxLen})`;
    case 'set_vlan_vid':
      return `${a.push ? 'mod_vlan_vid' : 'set_vlan_vid'}:${a.vid}`;
    case 'set_vlan_pcp':
      return `${a.push ? 'mod_vlan_pcp' : 'set_vlan_pcp'}:${a.pcp}`;
    case 'strip_vlan':
      return a.pop ? 'pop_vlan' : 'strip_vlan';
    case 'push_vlan':
      return `push_vlan:0x${a.ethertype.toString(16).padStart(4, '0')}`;
    case 'set_eth_src':
      return `mod_dl_src:${formatMac(a.mac)}`;
    case 'set_eth_dst':
      return `mod_dl_dst:${formatMac(a.mac)}`;
    case 'set_ipv4_src':
      return `mod_nw_src:${formatIpv4(a.ip)}`;
    case 'set_ipv4_dst':
      return `mod_nw_dst:${formatIpv4(a.ip)}`;
    case 'set_ip_dscp':
      return `mod_nw_tos:${a.tos}`;
    case 'set_ip_ecn':
      return `mod_nw_ecn:${a.ecn}`;
    case 'set_ip_ttl':
      return `mod_nw_ttl:${a.ttl}`;
    case 'set_l4_src':
      return `mod_tp_src:${a.port}`;
    case 'set_l4_dst':
      return `mod_tp_dst:${a.port}`;
    case 'set_field':
      // tun_metadataN loads travel as NXAST_REG_LOAD2, which OVS prints as set_field.
      if (!a.fromLoad)
        return `set_field:${formatFieldValue(a.field, a.value, a.mask, a.maskedOnWire === true)}->${a.field.name}`;
      if (!loadsAsOxm(a.field)) return formatLoad(a);
      // NXAST_REG_LOAD2 prints as set_field, its mask unless it covers the field's bytes (mf_format).
      return `set_field:${formatFieldValue(a.field, a.value, a.mask, a.field.tunMd === undefined)}->${a.field.name}`;
    case 'reg_move':
      return `move:${formatSubfield(a.src)}->${formatSubfield(a.dst)}`;
    case 'resubmit':
      if (a.inPort !== OFPP.IN_PORT && a.table === 255) return `resubmit:${formatPort(a.inPort)}`;
      return `resubmit(${a.inPort !== OFPP.IN_PORT ? formatPort(a.inPort) : ''},${a.table !== 255 ? a.table : ''}${a.ct ? ',ct' : ''})`;
    case 'set_tunnel':
      return `${a.wide ? 'set_tunnel64' : 'set_tunnel'}:${hexAlt(a.tunId)}`;
    case 'set_queue':
      return `set_queue:${a.queue}`;
    case 'pop_queue':
      return 'pop_queue';
    case 'dec_ttl':
      return a.explicit ? `dec_ttl(${a.ids.join(',')})` : 'dec_ttl';
    case 'note':
      return `note:${hexDots(a.data)}`;
    case 'exit':
      return 'exit';
    case 'fin_timeout': {
      const parts: string[] = [];
      if (a.idleTimeout) parts.push(`idle_timeout=${a.idleTimeout}`);
      if (a.hardTimeout) parts.push(`hard_timeout=${a.hardTimeout}`);
      return `fin_timeout(${parts.join(',')})`;
    }
    case 'group':
      return `group:${a.groupId}`;
    case 'push_mpls':
      return `push_mpls:0x${a.ethertype.toString(16).padStart(4, '0')}`;
    case 'pop_mpls':
      return `pop_mpls:0x${a.ethertype.toString(16).padStart(4, '0')}`;
    case 'conjunction':
      return `conjunction(${a.id},${a.clause + 1}/${a.nClauses})`;
    case 'ct':
      return formatCt(a);
    case 'nat':
      return formatNat(a);
    case 'ct_clear':
      return 'ct_clear';
    case 'clone':
      return `clone(${formatActions(a.actions)})`;
    case 'sample': {
      let s = `sample(probability=${a.probability},collector_set_id=${a.collectorSetId},obs_domain_id=${a.obsDomainId},obs_point_id=${a.obsPointId}`;
      if (a.samplingPort !== OFPP.NONE) s += `,sampling_port=${formatPort(a.samplingPort)}`;
      if (a.direction === 1) s += ',ingress';
      else if (a.direction === 2) s += ',egress';
      return `${s})`;
    }
    case 'check_pkt_larger':
      return `check_pkt_larger(${a.pktLen})->${formatSubfield(a.dst)}`;
    case 'stack_push':
      return `push:${formatSubfield(a.sub)}`;
    case 'stack_pop':
      return `pop:${formatSubfield(a.sub)}`;
    case 'dec_nsh_ttl':
      return 'dec_nsh_ttl';
    case 'decap': {
      if (a.packetType === PT_USE_NEXT_PROTO) return 'decap()';
      // C's %#x: no 0x before a zero.
      const type = a.packetType & 0xffff;
      return `decap(packet_type(ns=${a.packetType >>> 16},type=${type ? `0x${type.toString(16)}` : '0'}))`;
    }
    case 'encap':
      return formatEncap(a);
    case 'delete_field':
      return `delete_field:${a.field.name}`;
    case 'debug_recirc':
    case 'debug_slow':
      return a.type;
    case 'meter':
      return `meter:${a.meterId}`;
    case 'multipath':
      return `multipath(${HASH_FIELDS[a.fields] ?? `<unknown ${a.fields}>`},${a.basis},${MULTIPATH_ALGORITHMS[a.algorithm] ?? `<unknown ${a.algorithm}>`},${a.nLinks},${a.arg},${formatSubfield(a.dst)})`;
    case 'bundle':
      return `${a.dst ? 'bundle_load' : 'bundle'}(${HASH_FIELDS[a.fields] ?? `<unknown ${a.fields}>`},${a.basis},${BUNDLE_ALGORITHMS[a.algorithm] ?? `<unknown ${a.algorithm}>`},ofport,${a.dst ? `${formatSubfield(a.dst)},` : ''}members:${formatPorts(a.members)})`;
    case 'dec_mpls_ttl':
      return 'dec_mpls_ttl';
    case 'learn':
      return formatLearn(a);
    case 'set_mpls_label':
      return `set_mpls_label(${a.label})`;
    case 'set_mpls_tc':
      return `set_mpls_tc(${a.tc})`;
    case 'set_mpls_ttl':
      return `set_mpls_ttl(${a.ttl})`;
    case 'clear_actions':
      return 'clear_actions';
    case 'write_actions':
      return `write_actions(${formatActions(a.actions)})`;
    case 'write_metadata':
      return a.mask === 0xffffffffffffffffn
        ? `write_metadata:${hexAlt(a.metadata)}`
        : `write_metadata:${hexAlt(a.metadata)}/${hexAlt(a.mask)}`;
    case 'goto_table':
      return `goto_table:${a.table}`;
  }
}

/** Ports comma-separated, without map/join (whose arrays deoptimised callers in long runs). */
function formatPorts(ports: readonly number[]): string {
  let s = '';
  for (let i = 0; i < ports.length; i++) s += i ? `,${formatPort(ports[i])}` : formatPort(ports[i]);
  return s;
}

/** Bytes as dot-separated hex pairs (`note:` and `userdata=`), from a table, no array. */
function hexDots(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += i ? `.${HEX_BYTE[b[i]]}` : HEX_BYTE[b[i]];
  return s;
}

function formatCt(a: Extract<Action, { type: 'ct' }>): string {
  const parts: string[] = [];
  if (a.commit) parts.push('commit');
  if (a.force) parts.push('force');
  if (a.table !== 255) parts.push(`table=${a.table}`);
  if (a.zoneSrc) parts.push(`zone=${formatSubfield(a.zoneSrc)}`);
  else if (a.zone) parts.push(`zone=${a.zone}`);
  // A leading nat prints outside the exec() envelope.
  let inner = a.actions ?? [];
  if (inner[0]?.type === 'nat') {
    parts.push(formatNat(inner[0]));
    inner = inner.slice(1);
  }
  if (inner.length) parts.push(`exec(${formatActions(inner)})`);
  if (a.alg === 21) parts.push('alg=ftp');
  else if (a.alg === 69) parts.push('alg=tftp');
  else if (a.alg) parts.push(`alg=${a.alg}`);
  return `ct(${parts.join(',')})`;
}

function formatNat(a: Nat): string {
  if (!(a.flags & (NAT_F.SRC | NAT_F.DST))) return 'nat';
  let s = `nat(${a.flags & NAT_F.SRC ? 'src' : 'dst'}`;
  if (a.af) {
    s += '=';
    if (a.af === 4) {
      s += formatIpv4(Number(a.min));
      if (a.max && a.max !== a.min) s += `-${formatIpv4(Number(a.max))}`;
    } else {
      const br = (v: bigint) => (a.protoMin ? `[${formatIpv6(v)}]` : formatIpv6(v));
      s += br(a.min);
      if (a.max && a.max !== a.min) s += `-${br(a.max)}`;
    }
    if (a.protoMin) {
      s += `:${a.protoMin}`;
      if (a.protoMax && a.protoMax !== a.protoMin) s += `-${a.protoMax}`;
    }
    if (a.flags & NAT_F.PERSISTENT) s += ',persistent';
    if (a.flags & NAT_F.PROTO_HASH) s += ',hash';
    if (a.flags & NAT_F.PROTO_RANDOM) s += ',random';
  }
  return `${s})`;
}

export function formatActions(actions: Action[]): string {
  if (!actions.length) return 'drop';
  // Concatenation, not map + join: no array, and no copy (the line is flattened once, at output).
  let s = formatAction(actions[0]);
  for (let i = 1; i < actions.length; i++) s += `,${formatAction(actions[i])}`;
  return s;
}

export { P_ANY, subfieldName };
