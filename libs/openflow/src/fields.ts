import { NameTable } from './name-table.js';
import { P_ANY, P_NXM_OF11_UP, P_NXM_OXM_ANY, Protocol } from './protocols.js';

/**
 * The match fields Open vSwitch exposes (ovs-fields(7)): name, aliases, where the value lives in
 * the flow ("slot" plus bit shift, like OVS's struct flow), width, masking, prerequisites, the
 * NXM/OXM headers, and which protocols can match it exactly, by CIDR prefix or bitwise.
 */
export type Slot =
  | 'in_port'
  | 'dl_src'
  | 'dl_dst'
  | 'dl_type'
  | 'vlan_tci'
  | 'mpls_lse'
  | 'nw_src'
  | 'nw_dst'
  | 'ipv6_src'
  | 'ipv6_dst'
  | 'ipv6_label'
  | 'nw_proto'
  | 'nw_tos'
  | 'nw_ttl'
  | 'nw_frag'
  | 'tp_src'
  | 'tp_dst'
  | 'tcp_flags'
  | 'arp_sha'
  | 'arp_tha'
  | 'nd_target'
  | 'metadata'
  | 'tun_id'
  | 'tun_src'
  | 'tun_dst'
  | 'pkt_mark'
  | 'conj_id'
  | 'ct_state'
  | 'ct_zone'
  | 'ct_mark'
  | 'ct_label'
  | 'actset_output'
  | 'dp_hash'
  | 'recirc_id'
  | 'tun_ipv6_src'
  | 'tun_ipv6_dst'
  | 'tun_gbp_id'
  | 'tun_gbp_flags'
  | 'tun_flags'
  | 'tun_erspan_idx'
  | 'tun_erspan_ver'
  | 'tun_erspan_dir'
  | 'tun_erspan_hwid'
  | 'tun_gtpu_flags'
  | 'tun_gtpu_msgtype'
  | 'nd_reserved'
  | 'packet_type'
  | 'tun_tos'
  | 'tun_ttl'
  | 'skb_priority'
  | 'nsh_flags'
  | 'nsh_ttl'
  | 'nsh_mdtype'
  | 'nsh_np'
  | 'nsh_spi'
  | 'nsh_si'
  | 'nsh_c1'
  | 'nsh_c2'
  | 'nsh_c3'
  | 'nsh_c4'
  | 'ct_nw_proto'
  | 'ct_nw_src'
  | 'ct_nw_dst'
  | 'ct_ipv6_src'
  | 'ct_ipv6_dst'
  | 'ct_tp_src'
  | 'ct_tp_dst'
  | `reg${number}`;

export const SLOT_BITS: Record<string, number> = {
  in_port: 16,
  dl_src: 48,
  dl_dst: 48,
  dl_type: 16,
  vlan_tci: 16,
  mpls_lse: 32,
  nw_src: 32,
  nw_dst: 32,
  ipv6_src: 128,
  ipv6_dst: 128,
  ipv6_label: 32,
  nw_proto: 8,
  nw_tos: 8,
  nw_ttl: 8,
  nw_frag: 8,
  tp_src: 16,
  tp_dst: 16,
  tcp_flags: 16,
  arp_sha: 48,
  arp_tha: 48,
  nd_target: 128,
  metadata: 64,
  tun_id: 64,
  tun_src: 32,
  tun_dst: 32,
  pkt_mark: 32,
  conj_id: 32,
  ct_state: 32,
  ct_zone: 16,
  ct_mark: 32,
  ct_label: 128,
  // An OpenFlow port number (OVS's ofp_port_t); 32 bits on the wire as OpenFlow 1.1 ports.
  actset_output: 16,
  dp_hash: 32,
  recirc_id: 32,
  tun_ipv6_src: 128,
  tun_ipv6_dst: 128,
  tun_gbp_id: 16,
  tun_gbp_flags: 8,
  tun_flags: 16,
  // The original-direction tuple of the connection (OVS's struct flow ct_nw_* / ct_tp_*).
  ct_nw_proto: 8,
  ct_nw_src: 32,
  ct_nw_dst: 32,
  ct_ipv6_src: 128,
  ct_ipv6_dst: 128,
  ct_tp_src: 16,
  ct_tp_dst: 16,
};
for (let i = 0; i < 16; i++) SLOT_BITS[`reg${i}`] = 32;
// Slots few flows use, after the registers: Match keeps the slots up to the highest one a match
// sets, so that resetting and copying the usual match does not walk these.
// ERSPAN and GTP-U tunnel metadata (OVS's struct flow_tnl), and the ND header's reserved word
// (OVS keeps it in igmp_group_ip4; nd_options_type shares tcp_flags as in OVS).
SLOT_BITS.tun_erspan_idx = 32;
SLOT_BITS.tun_erspan_ver = 8;
SLOT_BITS.tun_erspan_dir = 8;
SLOT_BITS.tun_erspan_hwid = 8;
SLOT_BITS.tun_gtpu_flags = 8;
SLOT_BITS.tun_gtpu_msgtype = 8;
SLOT_BITS.nd_reserved = 32;
// OpenFlow 1.5's packet type: namespace << 16 | type; 0 is Ethernet.
SLOT_BITS.packet_type = 32;
// Fields OVS names but no protocol can match (no NXM or OXM header): a flow with them is refused.
SLOT_BITS.tun_tos = 8;
SLOT_BITS.tun_ttl = 8;
SLOT_BITS.skb_priority = 32;
// The NSH base, service path and MD type 1 context headers.
SLOT_BITS.nsh_flags = 8;
SLOT_BITS.nsh_ttl = 8;
SLOT_BITS.nsh_mdtype = 8;
SLOT_BITS.nsh_np = 8;
SLOT_BITS.nsh_spi = 32;
SLOT_BITS.nsh_si = 8;
SLOT_BITS.nsh_c1 = 32;
SLOT_BITS.nsh_c2 = 32;
SLOT_BITS.nsh_c3 = 32;
SLOT_BITS.nsh_c4 = 32;

/**
 * Slot numbers for Match's storage: slots of up to 32 bits first (kept as numbers), then the wider
 * ones (kept as bigints). `NARROW_SLOTS` is the count of the former; `RARE_SLOTS_FROM` the first
 * of the rarely used narrow ones (ERSPAN to NSH).
 */
export const SLOT_LIST: readonly Slot[] = [
  ...(Object.keys(SLOT_BITS) as Slot[]).filter((s) => SLOT_BITS[s] <= 32),
  ...(Object.keys(SLOT_BITS) as Slot[]).filter((s) => SLOT_BITS[s] > 32),
];
export const NARROW_SLOTS = SLOT_LIST.filter((s) => SLOT_BITS[s] <= 32).length;
export const RARE_SLOTS_FROM = SLOT_LIST.indexOf('tun_erspan_idx');
export const SLOT_INDEX: Readonly<Record<string, number>> = Object.fromEntries(SLOT_LIST.map((s, i) => [s, i]));

/** Register slot names, built once (hot loops would otherwise build the strings per flow). */
export const REG_SLOTS: readonly Slot[] = Array.from({ length: 16 }, (_, i) => `reg${i}` as Slot);

export type Prereq =
  | 'none'
  | 'arp'
  | 'ipv4'
  | 'ipv6'
  | 'ip_any'
  | 'mpls'
  | 'tcp'
  | 'udp'
  | 'sctp'
  | 'icmpv4'
  | 'icmpv6'
  | 'nd'
  | 'nd_solicit'
  | 'nd_advert'
  | 'vlan'
  /** An Ethernet packet: packet_type unmatched or (0,0) (OVS's MFP_ETHERNET). */
  | 'ethernet'
  /** NSH: an Ethernet type (or packet type) of 0x894f (OVS's MFP_NSH). */
  | 'nsh'
  /** A match on a valid connection (ct_state says tracked and not invalid): OVS's MFP_CT_VALID. */
  | 'ct';

export type FieldFormat =
  | 'decimal'
  | 'hex'
  | 'mac'
  | 'ipv4'
  | 'ipv6'
  | 'port'
  | 'port11'
  | 'tcp_flags'
  | 'ct_state'
  | 'tun_flags'
  | 'frag'
  | 'ethertype'
  | 'packet_type';

/** Which protocols can match a field: exact, CIDR prefix, arbitrary bitwise mask. */
export interface FieldUsable {
  exact: number;
  cidr: number;
  bitwise: number;
}

export interface FieldDef {
  name: string;
  aliases: string[];
  slot: Slot;
  /** The slot's number in Match's storage (SLOT_INDEX[slot]). */
  slotIndex: number;
  /** Width of the field's value in bits (as OVS prints and parses it). */
  bits: number;
  /** Width on the wire (NXM/OXM payload, set_field value). */
  bytes: number;
  /** All-ones value of the field's width (precomputed: bigint shifts are slow). */
  allOnes: bigint;
  /** allOnes as a number for fields of up to 32 bits, else -2 (matches no mask). */
  allOnesNum: number;
  /**
   * The mask that covers the whole field as OVS keeps it: allOnes, except for a field OVS stores
   * wider than it shows (tun_flags: one flag in 16 bits), whose exact match and set_field use
   * the stored width. A narrower mask is a masked match on the wire and a load in actions.
   */
  wholeMask: bigint;
  /** wholeMask as a number for fields of up to 32 bits, else -2. */
  wholeMaskNum: number;
  /** headerFor(field, version) for versions 0 (NXM) to 6, precomputed (0 when none). */
  headers: number[];
  /** Bit position of the field inside its slot. */
  shift: number;
  maskable: boolean;
  prereq: Prereq;
  format: FieldFormat;
  usable: FieldUsable;
  /** NXM header name and value (class<<16 | field<<9 | length), if any. */
  nxmName?: string;
  nxm?: number;
  /** OXM header name and value, with the first OpenFlow version (wire byte) that has it. */
  oxmName?: string;
  oxm?: number;
  oxmSince?: number;
  /** ONF experimenter OXM (class 0xffff, experimenter 0x4f4e4600), before the standard one. */
  onfOxm?: number;
  onfName?: string;
  onfSince?: number;
  writable: boolean;
  /**
   * N for tun_metadataN (TUN_METADATA_DEFS): a variable-length field of up to 124 bytes, known
   * to set_field, load and move only; its `slot` is a placeholder that nothing reads or writes
   * (a match keeps these fields in Match.tunMd).
   */
  tunMd?: number;
}

export const NXM_HEADER = (cls: number, field: number, len: number): number => ((cls << 16) | (field << 9) | len) >>> 0;

/** OXM experimenter IDs of the experimenter fields Open vSwitch defines (class 0xffff). */
export const ONF_EXPERIMENTER_ID = 0x4f4e4600;
export const NX_EXPERIMENTER_ID = 0x00002320;
export const NSH_EXPERIMENTER_ID = 0x005ad650;

/**
 * The experimenter ID that follows an experimenter OXM header (class 0xffff), or 0 for any other
 * class. OVS's experimenter fields have distinct field numbers across its three experimenters
 * (NXOXM_ET_* 0 and 11-16, NXOXM_NSH_* 1-10, ONFOXM_ET_* 42-43), so the number decides.
 */
export function oxmExperimenterId(header: number): number {
  if (header >>> 16 !== 0xffff) return 0;
  const field = (header >>> 9) & 0x7f;
  if (field >= 42) return ONF_EXPERIMENTER_ID;
  if (field >= 1 && field <= 10) return NSH_EXPERIMENTER_ID;
  return NX_EXPERIMENTER_ID;
}

const OF10 = Protocol.OF10_STD | Protocol.OF10_STD_TID;
const NXMOXM = P_NXM_OXM_ANY;
const u = (exact: number, cidr: number, bitwise: number): FieldUsable => ({ exact, cidr, bitwise });
/** Fields every protocol can match exactly, and NXM/OXM/OF1.1 bitwise. */
const U_ANY_EXACT_OF11_BITWISE = u(P_ANY, P_NXM_OF11_UP, P_NXM_OF11_UP);
const U_ANY_EXACT_NXM_BITWISE = u(P_ANY, NXMOXM, NXMOXM);
const U_NXM = u(NXMOXM, NXMOXM, NXMOXM);
const U_NONE = u(0, 0, 0);
const U_OF11 = u(P_NXM_OF11_UP, P_NXM_OF11_UP, P_NXM_OF11_UP);
const U_OF11_EXACT = u(P_NXM_OF11_UP, NXMOXM, NXMOXM);
const U_CIDR_OF10 = u(P_ANY, P_ANY, P_NXM_OF11_UP);

interface Spec {
  name: string;
  aliases?: string[];
  slot: Slot;
  bits: number;
  shift?: number;
  maskable?: boolean;
  prereq?: Prereq;
  format: FieldFormat;
  usable: FieldUsable;
  /** Bytes on the wire when not the width's (tun_flags: 1 bit in 2 bytes). */
  bytes?: number;
  /** FieldDef.wholeMask when not allOnes. */
  wholeMask?: bigint;
  nxm?: [string, number, number];
  oxm?: [string, number, number];
  onf?: [string, number, number];
  writable?: boolean;
  /**
   * OVS matches and sets the field's whole bytes although it names fewer bits (ERSPAN, GTP-U):
   * values up to the byte width are valid; `bits` stays the width of `FIELD[]` in load/move.
   */
  byteValues?: boolean;
}

function nxm(name: string, cls: number, field: number, bytes: number): [string, number, number] {
  return [name, NXM_HEADER(cls, field, bytes), 0];
}
function oxm(name: string, field: number, bytes: number, since = 3): [string, number, number] {
  return [name, NXM_HEADER(0x8000, field, bytes), since];
}
/**
 * An experimenter OXM of Nicira's (NXOXM_ET_*, NXOXM_NSH_*): the same header in NXM and every
 * OXM version; oxmExperimenterId gives the ID that follows it.
 */
function experimenterOxm(name: string, field: number, bytes: number): [string, number, number] {
  return [name, NXM_HEADER(0xffff, field, bytes + 4), 1];
}

const SPECS: Spec[] = [
  {
    name: 'in_port',
    slot: 'in_port',
    bits: 16,
    format: 'port',
    usable: u(P_ANY, P_ANY, P_ANY),
    maskable: false,
    nxm: nxm('NXM_OF_IN_PORT', 0, 0, 2),
  },
  {
    name: 'in_port_oxm',
    slot: 'in_port',
    bits: 32,
    format: 'port11',
    usable: u(P_ANY & ~OF10, P_ANY & ~OF10, P_ANY & ~OF10),
    maskable: false,
    oxm: oxm('OXM_OF_IN_PORT', 0, 4),
  },
  {
    name: 'eth_src',
    prereq: 'ethernet',
    aliases: ['dl_src'],
    slot: 'dl_src',
    bits: 48,
    format: 'mac',
    usable: U_ANY_EXACT_OF11_BITWISE,
    nxm: nxm('NXM_OF_ETH_SRC', 0, 2, 6),
    oxm: oxm('OXM_OF_ETH_SRC', 4, 6),
  },
  {
    name: 'eth_dst',
    prereq: 'ethernet',
    aliases: ['dl_dst'],
    slot: 'dl_dst',
    bits: 48,
    format: 'mac',
    usable: U_ANY_EXACT_OF11_BITWISE,
    nxm: nxm('NXM_OF_ETH_DST', 0, 1, 6),
    oxm: oxm('OXM_OF_ETH_DST', 3, 6),
  },
  {
    name: 'eth_type',
    prereq: 'ethernet',
    aliases: ['dl_type'],
    slot: 'dl_type',
    bits: 16,
    format: 'ethertype',
    maskable: false,
    usable: u(P_ANY, P_ANY, P_ANY),
    nxm: nxm('NXM_OF_ETH_TYPE', 0, 3, 2),
    oxm: oxm('OXM_OF_ETH_TYPE', 5, 2),
    writable: false,
  },
  {
    name: 'vlan_tci',
    prereq: 'ethernet',
    slot: 'vlan_tci',
    bits: 16,
    format: 'hex',
    usable: U_ANY_EXACT_NXM_BITWISE,
    nxm: nxm('NXM_OF_VLAN_TCI', 0, 4, 2),
  },
  {
    name: 'dl_vlan',
    prereq: 'ethernet',
    slot: 'vlan_tci',
    bits: 12,
    format: 'decimal',
    maskable: false,
    usable: u(P_ANY, P_ANY, P_ANY),
  },
  {
    name: 'vlan_vid',
    prereq: 'ethernet',
    slot: 'vlan_tci',
    bits: 13,
    format: 'decimal',
    usable: U_ANY_EXACT_NXM_BITWISE,
    oxm: oxm('OXM_OF_VLAN_VID', 6, 2),
  },
  {
    name: 'dl_vlan_pcp',
    prereq: 'ethernet',
    slot: 'vlan_tci',
    bits: 3,
    shift: 13,
    format: 'decimal',
    maskable: false,
    usable: u(P_ANY, P_ANY, P_ANY),
  },
  {
    name: 'vlan_pcp',
    slot: 'vlan_tci',
    bits: 3,
    shift: 13,
    format: 'decimal',
    maskable: false,
    prereq: 'vlan',
    usable: u(P_ANY, P_ANY, P_ANY),
    oxm: oxm('OXM_OF_VLAN_PCP', 7, 1),
  },
  {
    name: 'mpls_label',
    slot: 'mpls_lse',
    bits: 20,
    shift: 12,
    format: 'decimal',
    maskable: false,
    prereq: 'mpls',
    usable: U_OF11_EXACT,
    oxm: oxm('OXM_OF_MPLS_LABEL', 34, 4),
  },
  {
    name: 'mpls_tc',
    slot: 'mpls_lse',
    bits: 3,
    shift: 9,
    format: 'decimal',
    maskable: false,
    prereq: 'mpls',
    usable: U_OF11_EXACT,
    oxm: oxm('OXM_OF_MPLS_TC', 35, 1),
  },
  {
    name: 'mpls_bos',
    slot: 'mpls_lse',
    bits: 1,
    shift: 8,
    format: 'decimal',
    maskable: false,
    prereq: 'mpls',
    usable: U_NXM,
    oxm: oxm('OXM_OF_MPLS_BOS', 36, 1, 4),
    writable: false,
  },
  {
    name: 'mpls_ttl',
    slot: 'mpls_lse',
    bits: 8,
    shift: 0,
    format: 'decimal',
    maskable: false,
    prereq: 'mpls',
    usable: U_NXM,
    nxm: nxm('NXM_NX_MPLS_TTL', 1, 30, 1),
  },
  {
    name: 'ip_src',
    aliases: ['nw_src'],
    slot: 'nw_src',
    bits: 32,
    format: 'ipv4',
    prereq: 'ipv4',
    usable: U_CIDR_OF10,
    nxm: nxm('NXM_OF_IP_SRC', 0, 7, 4),
    oxm: oxm('OXM_OF_IPV4_SRC', 11, 4),
  },
  {
    name: 'ip_dst',
    aliases: ['nw_dst'],
    slot: 'nw_dst',
    bits: 32,
    format: 'ipv4',
    prereq: 'ipv4',
    usable: U_CIDR_OF10,
    nxm: nxm('NXM_OF_IP_DST', 0, 8, 4),
    oxm: oxm('OXM_OF_IPV4_DST', 12, 4),
  },
  {
    name: 'ipv6_src',
    slot: 'ipv6_src',
    bits: 128,
    format: 'ipv6',
    prereq: 'ipv6',
    usable: U_NXM,
    nxm: nxm('NXM_NX_IPV6_SRC', 1, 19, 16),
    oxm: oxm('OXM_OF_IPV6_SRC', 26, 16),
  },
  {
    name: 'ipv6_dst',
    slot: 'ipv6_dst',
    bits: 128,
    format: 'ipv6',
    prereq: 'ipv6',
    usable: U_NXM,
    nxm: nxm('NXM_NX_IPV6_DST', 1, 20, 16),
    oxm: oxm('OXM_OF_IPV6_DST', 27, 16),
  },
  {
    name: 'ipv6_label',
    slot: 'ipv6_label',
    bits: 20,
    format: 'hex',
    prereq: 'ipv6',
    usable: U_NXM,
    nxm: nxm('NXM_NX_IPV6_LABEL', 1, 27, 4),
    oxm: oxm('OXM_OF_IPV6_FLABEL', 28, 4),
  },
  {
    name: 'nw_proto',
    aliases: ['ip_proto'],
    slot: 'nw_proto',
    bits: 8,
    format: 'decimal',
    maskable: false,
    prereq: 'ip_any',
    usable: u(P_ANY, P_ANY, P_ANY),
    nxm: nxm('NXM_OF_IP_PROTO', 0, 6, 1),
    oxm: oxm('OXM_OF_IP_PROTO', 10, 1),
    writable: false,
  },
  {
    name: 'nw_tos',
    slot: 'nw_tos',
    bits: 8,
    format: 'decimal',
    maskable: false,
    prereq: 'ip_any',
    usable: u(P_ANY, P_ANY, P_ANY),
    nxm: nxm('NXM_OF_IP_TOS', 0, 5, 1),
  },
  {
    name: 'ip_dscp',
    slot: 'nw_tos',
    bits: 6,
    shift: 2,
    format: 'decimal',
    maskable: false,
    prereq: 'ip_any',
    usable: u(P_ANY, P_ANY, P_ANY),
    oxm: oxm('OXM_OF_IP_DSCP', 8, 1),
  },
  {
    name: 'nw_ecn',
    aliases: ['ip_ecn'],
    slot: 'nw_tos',
    bits: 2,
    format: 'decimal',
    maskable: false,
    prereq: 'ip_any',
    usable: U_OF11,
    nxm: nxm('NXM_NX_IP_ECN', 1, 28, 1),
    oxm: oxm('OXM_OF_IP_ECN', 9, 1),
  },
  {
    name: 'nw_ttl',
    slot: 'nw_ttl',
    bits: 8,
    format: 'decimal',
    maskable: false,
    prereq: 'ip_any',
    usable: U_NXM,
    nxm: nxm('NXM_NX_IP_TTL', 1, 29, 1),
  },
  {
    name: 'ip_frag',
    aliases: ['nw_frag'],
    slot: 'nw_frag',
    bits: 2,
    format: 'frag',
    prereq: 'ip_any',
    usable: U_NXM,
    nxm: nxm('NXM_NX_IP_FRAG', 1, 26, 1),
    writable: false,
  },
  {
    name: 'arp_op',
    slot: 'nw_proto',
    bits: 16,
    format: 'decimal',
    maskable: false,
    prereq: 'arp',
    usable: u(P_ANY, P_ANY, P_ANY),
    nxm: nxm('NXM_OF_ARP_OP', 0, 15, 2),
    oxm: oxm('OXM_OF_ARP_OP', 21, 2),
  },
  {
    name: 'arp_spa',
    slot: 'nw_src',
    bits: 32,
    format: 'ipv4',
    prereq: 'arp',
    usable: U_CIDR_OF10,
    nxm: nxm('NXM_OF_ARP_SPA', 0, 16, 4),
    oxm: oxm('OXM_OF_ARP_SPA', 22, 4),
  },
  {
    name: 'arp_tpa',
    slot: 'nw_dst',
    bits: 32,
    format: 'ipv4',
    prereq: 'arp',
    usable: U_CIDR_OF10,
    nxm: nxm('NXM_OF_ARP_TPA', 0, 17, 4),
    oxm: oxm('OXM_OF_ARP_TPA', 23, 4),
  },
  {
    name: 'arp_sha',
    slot: 'arp_sha',
    bits: 48,
    format: 'mac',
    prereq: 'arp',
    usable: U_NXM,
    nxm: nxm('NXM_NX_ARP_SHA', 1, 17, 6),
    oxm: oxm('OXM_OF_ARP_SHA', 24, 6),
  },
  {
    name: 'arp_tha',
    slot: 'arp_tha',
    bits: 48,
    format: 'mac',
    prereq: 'arp',
    usable: U_NXM,
    nxm: nxm('NXM_NX_ARP_THA', 1, 18, 6),
    oxm: oxm('OXM_OF_ARP_THA', 25, 6),
  },
  {
    name: 'tcp_src',
    aliases: ['tp_src'],
    slot: 'tp_src',
    bits: 16,
    format: 'decimal',
    prereq: 'tcp',
    usable: U_ANY_EXACT_NXM_BITWISE,
    nxm: nxm('NXM_OF_TCP_SRC', 0, 9, 2),
    oxm: oxm('OXM_OF_TCP_SRC', 13, 2),
  },
  {
    name: 'tcp_dst',
    aliases: ['tp_dst'],
    slot: 'tp_dst',
    bits: 16,
    format: 'decimal',
    prereq: 'tcp',
    usable: U_ANY_EXACT_NXM_BITWISE,
    nxm: nxm('NXM_OF_TCP_DST', 0, 10, 2),
    oxm: oxm('OXM_OF_TCP_DST', 14, 2),
  },
  {
    name: 'tcp_flags',
    slot: 'tcp_flags',
    bits: 12,
    format: 'tcp_flags',
    prereq: 'tcp',
    usable: U_NXM,
    nxm: nxm('NXM_NX_TCP_FLAGS', 1, 34, 2),
    oxm: oxm('OXM_OF_TCP_FLAGS', 42, 2, 6),
    onf: ['ONFOXM_ET_TCP_FLAGS', 42, 2],
    writable: false,
  },
  {
    name: 'udp_src',
    slot: 'tp_src',
    bits: 16,
    format: 'decimal',
    prereq: 'udp',
    usable: U_ANY_EXACT_NXM_BITWISE,
    nxm: nxm('NXM_OF_UDP_SRC', 0, 11, 2),
    oxm: oxm('OXM_OF_UDP_SRC', 15, 2),
  },
  {
    name: 'udp_dst',
    slot: 'tp_dst',
    bits: 16,
    format: 'decimal',
    prereq: 'udp',
    usable: U_ANY_EXACT_NXM_BITWISE,
    nxm: nxm('NXM_OF_UDP_DST', 0, 12, 2),
    oxm: oxm('OXM_OF_UDP_DST', 16, 2),
  },
  {
    name: 'sctp_src',
    slot: 'tp_src',
    bits: 16,
    format: 'decimal',
    prereq: 'sctp',
    usable: u(P_NXM_OF11_UP, NXMOXM, NXMOXM),
    oxm: oxm('OXM_OF_SCTP_SRC', 17, 2),
  },
  {
    name: 'sctp_dst',
    slot: 'tp_dst',
    bits: 16,
    format: 'decimal',
    prereq: 'sctp',
    usable: u(P_NXM_OF11_UP, NXMOXM, NXMOXM),
    oxm: oxm('OXM_OF_SCTP_DST', 18, 2),
  },
  {
    name: 'icmp_type',
    aliases: ['icmpv4_type'],
    slot: 'tp_src',
    bits: 8,
    format: 'decimal',
    maskable: false,
    prereq: 'icmpv4',
    usable: u(P_ANY, P_ANY, P_ANY),
    nxm: nxm('NXM_OF_ICMP_TYPE', 0, 13, 1),
    oxm: oxm('OXM_OF_ICMPV4_TYPE', 19, 1),
  },
  {
    name: 'icmp_code',
    aliases: ['icmpv4_code'],
    slot: 'tp_dst',
    bits: 8,
    format: 'decimal',
    maskable: false,
    prereq: 'icmpv4',
    usable: u(P_ANY, P_ANY, P_ANY),
    nxm: nxm('NXM_OF_ICMP_CODE', 0, 14, 1),
    oxm: oxm('OXM_OF_ICMPV4_CODE', 20, 1),
  },
  {
    name: 'icmpv6_type',
    slot: 'tp_src',
    bits: 8,
    format: 'decimal',
    maskable: false,
    prereq: 'icmpv6',
    usable: U_NXM,
    nxm: nxm('NXM_NX_ICMPV6_TYPE', 1, 21, 1),
    oxm: oxm('OXM_OF_ICMPV6_TYPE', 29, 1),
  },
  {
    name: 'icmpv6_code',
    slot: 'tp_dst',
    bits: 8,
    format: 'decimal',
    maskable: false,
    prereq: 'icmpv6',
    usable: U_NXM,
    nxm: nxm('NXM_NX_ICMPV6_CODE', 1, 22, 1),
    oxm: oxm('OXM_OF_ICMPV6_CODE', 30, 1),
  },
  {
    name: 'nd_target',
    slot: 'nd_target',
    bits: 128,
    format: 'ipv6',
    prereq: 'nd',
    usable: U_NXM,
    nxm: nxm('NXM_NX_ND_TARGET', 1, 23, 16),
    oxm: oxm('OXM_OF_IPV6_ND_TARGET', 31, 16),
  },
  {
    name: 'nd_reserved',
    slot: 'nd_reserved',
    bits: 32,
    format: 'decimal',
    maskable: false,
    prereq: 'nd',
    usable: U_NXM,
    oxm: ['ERICOXM_OF_ICMPV6_ND_RESERVED', NXM_HEADER(0x1000, 1, 4), 1],
  },
  {
    name: 'nd_options_type',
    slot: 'tcp_flags',
    bits: 8,
    format: 'decimal',
    maskable: false,
    prereq: 'nd',
    usable: U_NXM,
    oxm: ['ERICOXM_OF_ICMPV6_ND_OPTIONS_TYPE', NXM_HEADER(0x1000, 2, 1), 1],
  },
  {
    name: 'nd_sll',
    slot: 'arp_sha',
    bits: 48,
    format: 'mac',
    prereq: 'nd_solicit',
    usable: U_NXM,
    nxm: nxm('NXM_NX_ND_SLL', 1, 24, 6),
    oxm: oxm('OXM_OF_IPV6_ND_SLL', 32, 6),
  },
  {
    name: 'nd_tll',
    slot: 'arp_tha',
    bits: 48,
    format: 'mac',
    prereq: 'nd_advert',
    usable: U_NXM,
    nxm: nxm('NXM_NX_ND_TLL', 1, 25, 6),
    oxm: oxm('OXM_OF_IPV6_ND_TLL', 33, 6),
  },
  {
    name: 'metadata',
    slot: 'metadata',
    bits: 64,
    format: 'hex',
    usable: U_OF11,
    oxm: oxm('OXM_OF_METADATA', 2, 8),
  },
  {
    name: 'tun_id',
    aliases: ['tunnel_id'],
    slot: 'tun_id',
    bits: 64,
    format: 'hex',
    usable: U_NXM,
    nxm: nxm('NXM_NX_TUN_ID', 1, 16, 8),
    oxm: oxm('OXM_OF_TUNNEL_ID', 38, 8, 4),
  },
  {
    name: 'tun_src',
    slot: 'tun_src',
    bits: 32,
    format: 'ipv4',
    usable: U_NXM,
    nxm: nxm('NXM_NX_TUN_IPV4_SRC', 1, 31, 4),
  },
  {
    name: 'tun_dst',
    slot: 'tun_dst',
    bits: 32,
    format: 'ipv4',
    usable: U_NXM,
    nxm: nxm('NXM_NX_TUN_IPV4_DST', 1, 32, 4),
  },
  {
    name: 'tun_ipv6_src',
    slot: 'tun_ipv6_src',
    bits: 128,
    format: 'ipv6',
    usable: U_NXM,
    nxm: nxm('NXM_NX_TUN_IPV6_SRC', 1, 109, 16),
  },
  {
    name: 'tun_ipv6_dst',
    slot: 'tun_ipv6_dst',
    bits: 128,
    format: 'ipv6',
    usable: U_NXM,
    nxm: nxm('NXM_NX_TUN_IPV6_DST', 1, 110, 16),
  },
  {
    name: 'tun_gbp_id',
    slot: 'tun_gbp_id',
    bits: 16,
    format: 'decimal',
    usable: U_NXM,
    nxm: nxm('NXM_NX_TUN_GBP_ID', 1, 38, 2),
  },
  {
    name: 'tun_gbp_flags',
    slot: 'tun_gbp_flags',
    bits: 8,
    format: 'hex',
    usable: U_NXM,
    nxm: nxm('NXM_NX_TUN_GBP_FLAGS', 1, 39, 1),
  },
  {
    // 16 bits on the wire, of which OpenFlow sees one: NX_TUN_FLAG_OAM.
    name: 'tun_flags',
    slot: 'tun_flags',
    bits: 1,
    bytes: 2,
    wholeMask: 0xffffn,
    format: 'tun_flags',
    usable: U_NXM,
    nxm: nxm('NXM_NX_TUN_FLAGS', 1, 104, 2),
  },
  {
    // The port the action set would output to; OVS names the ONF header before OpenFlow 1.5
    // (and for NXM, where it is the field's first header).
    name: 'actset_output',
    slot: 'actset_output',
    bits: 32,
    format: 'port11',
    maskable: false,
    usable: U_NXM,
    oxm: oxm('OXM_OF_ACTSET_OUTPUT', 43, 4, 6),
    onf: ['ONFOXM_ET_ACTSET_OUTPUT', 43, 4],
    writable: false,
  },
  {
    name: 'tun_erspan_idx',
    slot: 'tun_erspan_idx',
    bits: 20,
    format: 'hex',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_ET_ERSPAN_IDX', 11, 4),
    byteValues: true,
  },
  {
    name: 'tun_erspan_ver',
    slot: 'tun_erspan_ver',
    bits: 4,
    format: 'decimal',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_ET_ERSPAN_VER', 12, 1),
    byteValues: true,
  },
  {
    name: 'tun_erspan_dir',
    slot: 'tun_erspan_dir',
    bits: 1,
    format: 'decimal',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_ET_ERSPAN_DIR', 13, 1),
    byteValues: true,
  },
  {
    name: 'tun_erspan_hwid',
    slot: 'tun_erspan_hwid',
    bits: 6,
    format: 'hex',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_ET_ERSPAN_HWID', 14, 1),
    byteValues: true,
  },
  {
    name: 'tun_gtpu_flags',
    slot: 'tun_gtpu_flags',
    bits: 8,
    format: 'hex',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_ET_GTPU_FLAGS', 15, 1),
    byteValues: true,
    writable: false,
  },
  {
    name: 'tun_gtpu_msgtype',
    slot: 'tun_gtpu_msgtype',
    bits: 8,
    format: 'decimal',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_ET_GTPU_MSGTYPE', 16, 1),
    byteValues: true,
    writable: false,
  },
  {
    // Read-only, and matched only as the first entry: OVS's OXM_OF_PACKET_TYPE in every version.
    name: 'packet_type',
    slot: 'packet_type',
    bits: 32,
    format: 'packet_type',
    maskable: false,
    usable: U_NXM,
    oxm: oxm('OXM_OF_PACKET_TYPE', 44, 4, 1),
    writable: false,
  },
  // Internal to OVS: parsed, but usable by no protocol, so a flow matching them is refused.
  { name: 'tun_tos', slot: 'tun_tos', bits: 8, format: 'decimal', maskable: false, usable: U_NONE, writable: false },
  { name: 'tun_ttl', slot: 'tun_ttl', bits: 8, format: 'decimal', maskable: false, usable: U_NONE, writable: false },
  {
    name: 'skb_priority',
    slot: 'skb_priority',
    bits: 32,
    format: 'hex',
    maskable: false,
    usable: U_NONE,
    writable: false,
  },
  {
    name: 'nsh_flags',
    slot: 'nsh_flags',
    bits: 8,
    format: 'decimal',
    prereq: 'nsh',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_NSH_FLAGS', 1, 1),
  },
  {
    name: 'nsh_ttl',
    slot: 'nsh_ttl',
    bits: 8,
    format: 'decimal',
    maskable: false,
    prereq: 'nsh',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_NSH_TTL', 10, 1),
  },
  {
    name: 'nsh_mdtype',
    slot: 'nsh_mdtype',
    bits: 8,
    format: 'decimal',
    maskable: false,
    prereq: 'nsh',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_NSH_MDTYPE', 2, 1),
    writable: false,
  },
  {
    name: 'nsh_np',
    slot: 'nsh_np',
    bits: 8,
    format: 'decimal',
    maskable: false,
    prereq: 'nsh',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_NSH_NP', 3, 1),
    writable: false,
  },
  {
    // 24 bits in a 4-byte value: OVS parses the bytes and keeps the low 24 bits.
    name: 'nsh_spi',
    aliases: ['nsp'],
    slot: 'nsh_spi',
    bits: 24,
    bytes: 4,
    format: 'hex',
    maskable: false,
    prereq: 'nsh',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_NSH_SPI', 4, 4),
  },
  {
    name: 'nsh_si',
    aliases: ['nsi'],
    slot: 'nsh_si',
    bits: 8,
    format: 'decimal',
    maskable: false,
    prereq: 'nsh',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_NSH_SI', 5, 1),
  },
  {
    name: 'nsh_c1',
    aliases: ['nshc1'],
    slot: 'nsh_c1',
    bits: 32,
    format: 'hex',
    prereq: 'nsh',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_NSH_C1', 6, 4),
  },
  {
    name: 'nsh_c2',
    aliases: ['nshc2'],
    slot: 'nsh_c2',
    bits: 32,
    format: 'hex',
    prereq: 'nsh',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_NSH_C2', 7, 4),
  },
  {
    name: 'nsh_c3',
    aliases: ['nshc3'],
    slot: 'nsh_c3',
    bits: 32,
    format: 'hex',
    prereq: 'nsh',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_NSH_C3', 8, 4),
  },
  {
    name: 'nsh_c4',
    aliases: ['nshc4'],
    slot: 'nsh_c4',
    bits: 32,
    format: 'hex',
    prereq: 'nsh',
    usable: U_NXM,
    oxm: experimenterOxm('NXOXM_NSH_C4', 9, 4),
  },
  {
    name: 'pkt_mark',
    slot: 'pkt_mark',
    bits: 32,
    format: 'hex',
    usable: U_NXM,
    nxm: nxm('NXM_NX_PKT_MARK', 1, 33, 4),
  },
  {
    name: 'conj_id',
    slot: 'conj_id',
    bits: 32,
    format: 'decimal',
    maskable: false,
    usable: U_NXM,
    nxm: nxm('NXM_NX_CONJ_ID', 1, 37, 4),
    writable: false,
  },
  {
    name: 'ct_state',
    slot: 'ct_state',
    bits: 32,
    format: 'ct_state',
    usable: U_NXM,
    nxm: nxm('NXM_NX_CT_STATE', 1, 105, 4),
    writable: false,
  },
  {
    name: 'ct_zone',
    slot: 'ct_zone',
    bits: 16,
    format: 'hex',
    maskable: false,
    usable: U_NXM,
    nxm: nxm('NXM_NX_CT_ZONE', 1, 106, 2),
    writable: false,
  },
  {
    name: 'ct_mark',
    slot: 'ct_mark',
    bits: 32,
    format: 'hex',
    usable: U_NXM,
    nxm: nxm('NXM_NX_CT_MARK', 1, 107, 4),
  },
  {
    // 128 bits: set by ct(commit,exec(set_field:...->ct_label)); matched like ct_mark.
    name: 'ct_label',
    slot: 'ct_label',
    bits: 128,
    format: 'hex',
    usable: U_NXM,
    nxm: nxm('NXM_NX_CT_LABEL', 1, 108, 16),
  },
  {
    name: 'ct_nw_proto',
    slot: 'ct_nw_proto',
    bits: 8,
    format: 'decimal',
    maskable: false,
    prereq: 'ct',
    usable: U_NXM,
    nxm: nxm('NXM_NX_CT_NW_PROTO', 1, 119, 1),
    writable: false,
  },
  {
    name: 'ct_nw_src',
    slot: 'ct_nw_src',
    bits: 32,
    format: 'ipv4',
    prereq: 'ct',
    usable: U_NXM,
    nxm: nxm('NXM_NX_CT_NW_SRC', 1, 120, 4),
    writable: false,
  },
  {
    name: 'ct_nw_dst',
    slot: 'ct_nw_dst',
    bits: 32,
    format: 'ipv4',
    prereq: 'ct',
    usable: U_NXM,
    nxm: nxm('NXM_NX_CT_NW_DST', 1, 121, 4),
    writable: false,
  },
  {
    name: 'ct_ipv6_src',
    slot: 'ct_ipv6_src',
    bits: 128,
    format: 'ipv6',
    prereq: 'ct',
    usable: U_NXM,
    nxm: nxm('NXM_NX_CT_IPV6_SRC', 1, 122, 16),
    writable: false,
  },
  {
    name: 'ct_ipv6_dst',
    slot: 'ct_ipv6_dst',
    bits: 128,
    format: 'ipv6',
    prereq: 'ct',
    usable: U_NXM,
    nxm: nxm('NXM_NX_CT_IPV6_DST', 1, 123, 16),
    writable: false,
  },
  {
    name: 'ct_tp_src',
    slot: 'ct_tp_src',
    bits: 16,
    format: 'decimal',
    prereq: 'ct',
    usable: U_NXM,
    nxm: nxm('NXM_NX_CT_TP_SRC', 1, 124, 2),
    writable: false,
  },
  {
    name: 'ct_tp_dst',
    slot: 'ct_tp_dst',
    bits: 16,
    format: 'decimal',
    prereq: 'ct',
    usable: U_NXM,
    nxm: nxm('NXM_NX_CT_TP_DST', 1, 125, 2),
    writable: false,
  },
  {
    name: 'dp_hash',
    slot: 'dp_hash',
    bits: 32,
    format: 'hex',
    usable: U_NXM,
    nxm: nxm('NXM_NX_DP_HASH', 1, 35, 4),
  },
  {
    name: 'recirc_id',
    slot: 'recirc_id',
    bits: 32,
    format: 'decimal',
    maskable: false,
    usable: U_NXM,
    nxm: nxm('NXM_NX_RECIRC_ID', 1, 36, 4),
    writable: false,
  },
];

for (let i = 0; i < 8; i++) {
  // xregN is reg(2N) (high half) and reg(2N+1) (low half); Match.setField splits it.
  SPECS.push({
    name: `xreg${i}`,
    slot: `reg${2 * i}`,
    bits: 64,
    format: 'hex',
    usable: U_NXM,
    oxm: [`OXM_OF_PKT_REG${i}`, NXM_HEADER(0x8001, i, 8), 4],
  });
}
for (let i = 0; i < 4; i++) {
  // xxregN is reg(4N) (most significant) to reg(4N+3); Match.setField splits it.
  SPECS.push({
    name: `xxreg${i}`,
    slot: `reg${4 * i}`,
    bits: 128,
    format: 'hex',
    usable: U_NXM,
    nxm: nxm(`NXM_NX_XXREG${i}`, 1, 111 + i, 16),
  });
}
for (let i = 0; i < 16; i++) {
  SPECS.push({
    name: `reg${i}`,
    slot: `reg${i}`,
    bits: 32,
    format: 'hex',
    usable: U_NXM,
    nxm: nxm(`NXM_NX_REG${i}`, 1, i, 4),
  });
}

function build(spec: Spec): FieldDef {
  const bytes = spec.bytes ?? (spec.bits === 20 ? 4 : Math.ceil(spec.bits / 8));
  const valueBits = spec.byteValues ? bytes * 8 : spec.bits;
  const def: FieldDef = {
    name: spec.name,
    aliases: spec.aliases ?? [],
    slot: spec.slot,
    slotIndex: SLOT_INDEX[spec.slot],
    bits: spec.bits,
    bytes,
    allOnes: (1n << BigInt(valueBits)) - 1n,
    allOnesNum: valueBits <= 32 ? 2 ** valueBits - 1 : -2,
    wholeMask: spec.wholeMask ?? (1n << BigInt(valueBits)) - 1n,
    wholeMaskNum: valueBits <= 32 ? Number(spec.wholeMask ?? 2 ** valueBits - 1) : -2,
    headers: [],
    shift: spec.shift ?? 0,
    maskable: spec.maskable ?? true,
    prereq: spec.prereq ?? 'none',
    format: spec.format,
    usable: spec.usable,
    writable: spec.writable ?? true,
  };
  if (spec.nxm) {
    def.nxmName = spec.nxm[0];
    def.nxm = spec.nxm[1];
  }
  if (spec.oxm) {
    def.oxmName = spec.oxm[0];
    def.oxm = spec.oxm[1];
    def.oxmSince = spec.oxm[2];
  }
  if (spec.onf) {
    def.onfOxm = NXM_HEADER(0xffff, spec.onf[1], spec.onf[2] + 4);
    def.onfName = spec.onf[0];
    def.onfSince = 4;
  }
  for (let v = 0; v <= 6; v++) def.headers.push(headerFor(def, v) ?? 0);
  return def;
}

export const FIELDS: readonly FieldDef[] = SPECS.map(build);

/**
 * tun_metadata0..63 as action fields (set_field, load, move); not in FIELDS nor in the lookups
 * below, so that match parsing, learn and the table features never meet them by accident.
 */
export const TUN_METADATA_DEFS: readonly FieldDef[] = Array.from({ length: 64 }, (_, i) => ({
  ...build({
    name: `tun_metadata${i}`,
    slot: 'tun_id',
    bits: 992,
    format: 'hex',
    usable: U_NXM,
    nxm: nxm(`NXM_NX_TUN_METADATA${i}`, 1, 40 + i, 124),
  }),
  tunMd: i,
}));
const tunMdByName = new Map<string, FieldDef>();
for (const f of TUN_METADATA_DEFS) {
  tunMdByName.set(f.name, f);
  tunMdByName.set(f.nxmName as string, f);
}

/** tun_metadataN by its name or NXM name (NXM_NX_TUN_METADATAN). */
export function tunMdField(name: string): FieldDef | undefined {
  return tunMdByName.get(name);
}

/** tun_metadataN by an NXM header (class 1, field 40 + N; has-mask bit and length ignored). */
export function tunMdFieldByHeader(header: number): FieldDef | undefined {
  if (header >>> 16 !== 1) return undefined;
  return TUN_METADATA_DEFS[((header >>> 9) & 0x7f) - 40];
}

const byName = new Map<string, FieldDef>();
const byNxmName = new Map<string, FieldDef>();
const byHeader = new Map<number, FieldDef>();
for (const f of FIELDS) {
  byName.set(f.name, f);
  for (const a of f.aliases) byName.set(a, f);
  if (f.nxmName) byNxmName.set(f.nxmName, f);
  if (f.oxmName) byNxmName.set(f.oxmName, f);
  if (f.onfName) byNxmName.set(f.onfName, f);
  // Header lookups ignore the has-mask bit and length; the NXM and OXM headers both map.
  if (f.nxm !== undefined) byHeader.set(f.nxm >>> 9, f);
  if (f.oxm !== undefined && !byHeader.has(f.oxm >>> 9)) byHeader.set(f.oxm >>> 9, f);
  if (f.onfOxm !== undefined) byHeader.set(f.onfOxm >>> 9, f);
}
const byNameAt = new NameTable(byName);

export function fieldByName(name: string): FieldDef | undefined {
  return byName.get(name);
}

/** fieldByName of `s[start, end)`, without slicing it out (parse-flows' match words). */
export function fieldByNameAt(s: string, start: number, end: number): FieldDef | undefined {
  return byNameAt.get(s, start, end);
}

/** NXM_OF_ETH_SRC / OXM_OF_METADATA style names, used by load/move/output:reg. */
export function fieldByNxmName(name: string): FieldDef | undefined {
  return byNxmName.get(name);
}

/** Field for an NXM/OXM header (class and field; has-mask and length ignored). */
export function fieldByHeader(header: number): FieldDef | undefined {
  return byHeader.get(header >>> 9);
}

/** The header OVS writes for a field in a match or set_field of OpenFlow `version` (0 = NXM). */
export function headerFor(f: FieldDef, version: number): number | undefined {
  if (version > 0) {
    if (f.oxm !== undefined && version >= (f.oxmSince ?? 3)) return f.oxm;
    if (f.onfOxm !== undefined && version >= (f.onfSince ?? 4)) return f.onfOxm;
  }
  return f.nxm ?? f.onfOxm ?? f.oxm;
}

/**
 * Whether OVS writes a load of `f` before OpenFlow 1.5 as NXAST_REG_LOAD2 (an OXM entry, printed
 * back as set_field) rather than NXAST_REG_LOAD: a field without an NXM header (OVS's
 * mf_nxm_header is zero for an experimenter OXM) or of variable length (tun_metadataN).
 */
export function loadsAsOxm(f: FieldDef): boolean {
  return f.tunMd !== undefined || isExperimenterOxm(f);
}

/** Whether `f` has no NXM header, only an experimenter OXM one (OVS's mf_nxm_header is zero). */
export function isExperimenterOxm(f: FieldDef): boolean {
  return (headerFor(f, 0) as number) >>> 16 === 0xffff;
}

/** The name OVS prints for a subfield: the oldest NXM/OXM name. */
export function subfieldName(f: FieldDef): string {
  return f.nxmName ?? f.onfName ?? f.oxmName ?? f.name;
}
