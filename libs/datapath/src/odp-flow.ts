/**
 * ODP flow syntax: a megaflow (key + mask in the libs/packet layout) printed as
 * `ovs-appctl dpctl/dump-flows` prints it for the userspace datapath, and parsed back (what
 * `dpctl/add-flow` accepts). Fully wildcarded fields and attributes are omitted; partially
 * masked fields print `value/mask`.
 */
import { createFlowKey, ETH_TYPE, IP_PROTO, VLAN_CFI, W } from '@softswitch/packet';
import {
  attrMasked,
  formatAttrFields,
  isKeyAttr,
  KEY_ATTRS,
  type KeyAttrName,
  OdpSyntaxError,
  parseAttrFields,
  parseNumber,
  splitCall,
  splitTopLevel,
} from './odp-key.js';

export interface OdpFlow {
  /** Values as written (Open vSwitch keeps and prints them unmasked); the match is key & mask. */
  key: Uint32Array;
  mask: Uint32Array;
  /** Whether the flow matches `packet_type(ns=0,id=0)` exactly (flows set up by upcalls do). */
  packetType: boolean;
}

const hex4 = (v: number) => `0x${v.toString(16).padStart(4, '0')}`;

/** The L3 attribute for an ethertype, if Open vSwitch has one. */
function l3Attr(dlType: number): KeyAttrName | 'mpls' | undefined {
  if (dlType === ETH_TYPE.IP) return 'ipv4';
  if (dlType === ETH_TYPE.IPV6) return 'ipv6';
  if (dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP) return 'arp';
  if (dlType === ETH_TYPE.MPLS || dlType === ETH_TYPE.MPLS_MCAST) return 'mpls';
  return undefined;
}

function l4Attr(dlType: number, proto: number): KeyAttrName | undefined {
  if (proto === IP_PROTO.TCP) return 'tcp';
  if (proto === IP_PROTO.UDP) return 'udp';
  if (proto === IP_PROTO.SCTP) return 'sctp';
  if (proto === IP_PROTO.ICMP && dlType === ETH_TYPE.IP) return 'icmp';
  if (proto === IP_PROTO.ICMPV6 && dlType === ETH_TYPE.IPV6) return 'icmpv6';
  return undefined;
}

export function formatMpls(key: Uint32Array, mask: Uint32Array): string {
  const v = key[W.MPLS0] >>> 0;
  const m = mask[W.MPLS0] >>> 0;
  const label = v >>> 12;
  const tc = (v >>> 9) & 7;
  const ttl = v & 0xff;
  const bos = (v >>> 8) & 1;
  if (m === 0xffffffff) return `mpls(label=${label},tc=${tc},ttl=${ttl},bos=${bos})`;
  const h = (x: number) => x.toString(16);
  return `mpls(label=${label}/0x${h(m >>> 12)},tc=${tc}/${h((m >>> 9) & 7)},ttl=${ttl}/0x${h(m & 0xff)},bos=${bos}/${h((m >>> 8) & 1)})`;
}

/** The L3 and L4 attributes after `eth_type(...)`. */
function formatNetwork(key: Uint32Array, mask: Uint32Array, verbose: boolean): string {
  const dlType = key[W.DL_TYPE] & 0xffff;
  const l3 = l3Attr(dlType);
  let out = '';
  if (l3 === 'mpls') {
    if (mask[W.MPLS0] !== 0) out += `,${formatMpls(key, mask)}`;
    return out;
  }
  if (l3 === undefined) return out;
  const l3Fields = KEY_ATTRS[l3];
  if (attrMasked(l3Fields, mask)) out += `,${l3}(${formatAttrFields(l3Fields, key, mask, verbose)})`;
  if (l3 === 'arp' || (mask[W.NW] & 0xff) === 0) return out;
  // No transport header on later fragments.
  if (((key[W.NW] >>> 24) & 2) !== 0) return out;
  const l4 = l4Attr(dlType, key[W.NW] & 0xff);
  if (l4 === undefined) return out;
  const l4Fields = KEY_ATTRS[l4];
  if (attrMasked(l4Fields, mask) || verbose) out += `,${l4}(${formatAttrFields(l4Fields, key, mask, verbose)})`;
  if (l4 === 'icmpv6') {
    const type = key[W.TP] >>> 16;
    if ((type === 135 || type === 136) && attrMasked(KEY_ATTRS.nd, mask))
      out += `,nd(${formatAttrFields(KEY_ATTRS.nd, key, mask, verbose)})`;
  }
  return out;
}

export interface FormatFlowOptions {
  /** Port number → name, as `dpctl/dump-flows --names` / `-m`. */
  portName?: (port: number) => string | undefined;
  /** Print wildcarded fields as `value/0` and the metadata attributes (`dpctl/dump-flows -m`). */
  verbose?: boolean;
}

/** Formats the match part of a dump-flows line (everything before `, packets:`). */
export function formatOdpFlow(flow: OdpFlow, options: FormatFlowOptions = {}): string {
  const { key, mask } = flow;
  const verbose = options.verbose === true;
  let out = verbose
    ? 'skb_priority(0/0),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0),recirc_id(0),dp_hash(0/0)'
    : 'recirc_id(0)';
  if (mask[W.IN_PORT] !== 0) {
    const port = key[W.IN_PORT];
    out += `,in_port(${options.portName?.(port) ?? port})`;
  }
  if (flow.packetType) out += ',packet_type(ns=0,id=0)';
  if (attrMasked(KEY_ATTRS.eth, mask)) out += `,eth(${formatAttrFields(KEY_ATTRS.eth, key, mask, verbose)})`;
  const tpid = key[W.VLAN0] >>> 16;
  const vlanPresent = (tpid === ETH_TYPE.VLAN || tpid === ETH_TYPE.VLAN_8021AD) && (mask[W.VLAN0] & 0xffff) !== 0;
  const dlTypeMasked = (mask[W.DL_TYPE] & 0xffff) !== 0;
  if (vlanPresent) {
    const fields = formatAttrFields(KEY_ATTRS.vlan, key, mask, verbose);
    const cfi = (key[W.VLAN0] & VLAN_CFI) === 0 ? 'cfi=0' : '';
    out += `,eth_type(${hex4(tpid)}),vlan(${[fields, cfi].filter((x) => x !== '').join(',')})`;
    out += ',encap(';
    if (dlTypeMasked) out += `${formatEthType(key)}${formatNetwork(key, mask, verbose)}`;
    out += ')';
  } else if (dlTypeMasked) {
    out += `,${formatEthType(key)}${formatNetwork(key, mask, verbose)}`;
  }
  return out;
}

/** 802.2 frames (no Ethernet type, 0x05ff in the key) print as Open vSwitch's `eth_type(0/0xffff)`. */
function formatEthType(key: Uint32Array): string {
  const t = key[W.DL_TYPE] & 0xffff;
  return t === ETH_TYPE.NONE ? 'eth_type(0/0xffff)' : `eth_type(${hex4(t)})`;
}

/** Metadata attributes dpctl prints with `-m`: accepted when fully wildcarded or zero. */
const IGNORED_ZERO_ATTRS = new Set([
  'skb_priority',
  'skb_mark',
  'ct_state',
  'ct_zone',
  'ct_mark',
  'ct_label',
  'dp_hash',
]);

function parseAttrs(
  text: string,
  flow: OdpFlow,
  portNumber: ((name: string) => number | undefined) | undefined,
  inEncap: boolean,
): void {
  const { key, mask } = flow;
  const attrs = splitTopLevel(text);
  for (let i = 0; i < attrs.length; i++) {
    const [name, args] = splitCall(attrs[i]);
    if (args === undefined) throw new OdpSyntaxError(`expected "${name}(...)"`, attrs[i]);
    if (name === 'recirc_id') {
      if (parseNumber(args, attrs[i]) !== 0) throw new OdpSyntaxError('only recirc_id(0) is supported', attrs[i]);
    } else if (IGNORED_ZERO_ATTRS.has(name)) {
      if (!/^(0|0x0+)(\/.*)?$/.test(args) && !/\/(0|0x0+)$/.test(args))
        throw new OdpSyntaxError(`${name} is not supported`, attrs[i]);
    } else if (name === 'in_port' && !inEncap) {
      const n = /^\d+$/.test(args) ? Number(args) : portNumber?.(args);
      if (n === undefined) throw new OdpSyntaxError(`unknown port "${args}"`, attrs[i]);
      key[W.IN_PORT] = n;
      mask[W.IN_PORT] = 0xffffffff;
    } else if (name === 'packet_type') {
      if (!/^ns=0(\/0)?,id=0(\/0)?$/.test(args))
        throw new OdpSyntaxError('only Ethernet packet_type is supported', attrs[i]);
      flow.packetType = !args.includes('/');
    } else if (name === 'eth_type') {
      const t = args === '0/0xffff' ? ETH_TYPE.NONE : parseNumber(args, attrs[i]);
      const next = attrs[i + 1] ? splitCall(attrs[i + 1])[0] : undefined;
      if ((t === ETH_TYPE.VLAN || t === ETH_TYPE.VLAN_8021AD) && next === 'vlan') {
        key[W.VLAN0] = ((key[W.VLAN0] & 0xffff) | (t << 16)) >>> 0;
        mask[W.VLAN0] = (mask[W.VLAN0] | 0xffff0000) >>> 0;
      } else {
        key[W.DL_TYPE] = t;
        mask[W.DL_TYPE] = 0xffff;
      }
    } else if (name === 'encap') {
      parseAttrs(args, flow, portNumber, true);
    } else if (name === 'mpls') {
      parseMpls(args, key, mask, attrs[i]);
    } else if (name === 'vlan') {
      // cfi=0 marks a tag with the CFI bit clear (a truncated or priority-less tag).
      const parts = splitTopLevel(args);
      const cfi = parts.find((p) => p.startsWith('cfi='));
      parseAttrFields(name, parts.filter((p) => p !== cfi).join(','), key, mask, true);
      if (cfi === undefined || parseNumber(cfi.slice(4), attrs[i]) !== 0) key[W.VLAN0] |= VLAN_CFI;
      mask[W.VLAN0] |= VLAN_CFI;
    } else if (isKeyAttr(name)) {
      parseAttrFields(name, args, key, mask, true);
    } else {
      throw new OdpSyntaxError(`unknown key attribute "${name}"`, attrs[i]);
    }
  }
}

export function parseMpls(args: string, key: Uint32Array, mask: Uint32Array, where: string): void {
  const spec: Record<string, [number, number]> = { label: [12, 20], tc: [9, 3], ttl: [0, 8], bos: [8, 1] };
  for (const part of splitTopLevel(args)) {
    const m = /^(\w+)=([^/]+)(?:\/(.+))?$/.exec(part);
    if (!m || !Object.hasOwn(spec, m[1])) throw new OdpSyntaxError(`bad mpls field "${part}"`, where);
    const [shift, bits] = spec[m[1]];
    const full = (1 << bits) - 1;
    const v = parseNumber(m[2], where);
    // Open vSwitch prints the tc and bos masks in hex without "0x".
    const mk =
      m[3] === undefined
        ? full
        : parseNumber(/^[0-9a-f]+$/i.test(m[3]) && m[1] !== 'label' && m[1] !== 'ttl' ? `0x${m[3]}` : m[3], where);
    const wm = (full << shift) >>> 0;
    key[W.MPLS0] = ((key[W.MPLS0] & ~wm) | ((v & full) << shift)) >>> 0;
    mask[W.MPLS0] = ((mask[W.MPLS0] & ~wm) | ((mk & full) << shift)) >>> 0;
  }
}

/**
 * Parses a flow as `dpctl/add-flow` takes it (and as dump-flows prints it). `portNumber`
 * resolves `in_port(NAME)`.
 */
export function parseOdpFlow(text: string, portNumber?: (name: string) => number | undefined): OdpFlow {
  const flow: OdpFlow = { key: createFlowKey(), mask: createFlowKey(), packetType: false };
  parseAttrs(text.trim(), flow, portNumber, false);
  // As Open vSwitch: an Ethernet type with no vlan() before it matches untagged frames only.
  if (flow.mask[W.DL_TYPE] !== 0 && flow.mask[W.VLAN0] === 0) flow.mask[W.VLAN0] = 0xffffffff;
  return flow;
}
