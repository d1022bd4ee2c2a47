import { REG_SLOTS } from './fields.js';
import {
  ctStateName,
  formatFlags,
  formatFlagsMasked,
  formatIpv4Masked,
  formatIpv6Masked,
  formatMac,
  formatPort,
  hexAlt,
  tcpFlagName,
} from './format-values.js';
import {
  ETH_TYPE,
  FRAG_ANY,
  FRAG_LATER,
  IPPROTO,
  type Match,
  VLAN_CFI,
  VLAN_PCP_MASK,
  VLAN_VID_MASK,
} from './match.js';

export const DEFAULT_PRIORITY = 32768;
const MAC_ALL = 0xffffffffffffn;

/**
 * The text of a match, in Open vSwitch's match_format order: priority, metadata-like fields,
 * the protocol shorthand, registers, tunnel, in_port, VLAN, Ethernet, L3, L4.
 */
export function formatMatch(m: Match, priority: number = DEFAULT_PRIORITY): string {
  const out: string[] = [];
  if (priority !== DEFAULT_PRIORITY) out.push(`priority=${priority}`);
  const u32 = (name: string, slot: Parameters<Match['get']>[0]) => {
    const sv = m.get(slot);
    if (!sv) return;
    out.push(
      sv.mask === 0xffffffffn ? `${name}=${hexAlt(sv.value)}` : `${name}=${hexAlt(sv.value)}/${hexAlt(sv.mask)}`,
    );
  };
  u32('pkt_mark', 'pkt_mark');
  u32('recirc_id', 'recirc_id');
  u32('dp_hash', 'dp_hash');
  if (m.get('conj_id')) out.push(`conj_id=${m.value('conj_id')}`);
  const ct = m.get('ct_state');
  if (ct) {
    if (ct.mask === 0xffffffffn) {
      out.push(`ct_state=${ct.value ? formatFlags(Number(ct.value), ctStateName, '|') : '0'}`);
    } else {
      out.push(`ct_state=${formatFlagsMasked(Number(ct.value), Number(ct.mask), 0xffffffff, ctStateName)}`);
    }
  }
  const zone = m.get('ct_zone');
  if (zone)
    out.push(zone.mask === 0xffffn ? `ct_zone=${zone.value}` : `ct_zone=${zone.value}/0x${zone.mask.toString(16)}`);
  u32('ct_mark', 'ct_mark');
  const label = m.get('ct_label');
  if (label) {
    const full = label.mask === (1n << 128n) - 1n;
    out.push(full ? `ct_label=${hexAlt(label.value)}` : `ct_label=${hexAlt(label.value)}/${hexAlt(label.mask)}`);
  }

  // With recirc_id matched (a datapath "megaflow"), OVS names the Ethernet packet type when any
  // Ethernet-layer field is matched.
  if (m.get('recirc_id') && (m.get('dl_src') || m.get('dl_dst') || m.get('dl_type') || m.get('vlan_tci')))
    out.push('eth');
  const dlTypeMasked = m.numMask('dl_type') !== 0;
  const dlType = dlTypeMasked ? m.num('dl_type') : 0;
  const proto = m.num('nw_proto');
  const protoMasked = m.numMask('nw_proto') !== 0;
  let skipType = false;
  let skipProto = false;
  if (dlTypeMasked) {
    skipType = true;
    if (dlType === ETH_TYPE.IP) {
      if (protoMasked) {
        skipProto = true;
        if (proto === IPPROTO.ICMP) out.push('icmp');
        else if (proto === IPPROTO.TCP) out.push('tcp');
        else if (proto === IPPROTO.UDP) out.push('udp');
        else if (proto === IPPROTO.SCTP) out.push('sctp');
        else {
          out.push('ip');
          skipProto = false;
        }
      } else out.push('ip');
    } else if (dlType === ETH_TYPE.IPV6) {
      if (protoMasked) {
        skipProto = true;
        if (proto === IPPROTO.ICMPV6) out.push('icmp6');
        else if (proto === IPPROTO.TCP) out.push('tcp6');
        else if (proto === IPPROTO.UDP) out.push('udp6');
        else if (proto === IPPROTO.SCTP) out.push('sctp6');
        else {
          out.push('ipv6');
          skipProto = false;
        }
      } else out.push('ipv6');
    } else if (dlType === ETH_TYPE.ARP) out.push('arp');
    else if (dlType === ETH_TYPE.RARP) out.push('rarp');
    else if (dlType === ETH_TYPE.MPLS) out.push('mpls');
    else if (dlType === ETH_TYPE.MPLS_MCAST) out.push('mplsm');
    else skipType = false;
  }

  for (let i = 0; i < 16; i++) {
    const r = m.get(REG_SLOTS[i]);
    if (!r) continue;
    out.push(r.mask === 0xffffffffn ? `reg${i}=${hexAlt(r.value)}` : `reg${i}=${hexAlt(r.value)}/${hexAlt(r.mask)}`);
  }
  const be64 = (name: string, slot: 'tun_id' | 'metadata') => {
    const sv = m.get(slot);
    if (!sv) return;
    out.push(
      sv.mask === 0xffffffffffffffffn
        ? `${name}=${hexAlt(sv.value)}`
        : `${name}=${hexAlt(sv.value)}/${hexAlt(sv.mask)}`,
    );
  };
  be64('tun_id', 'tun_id');
  const ip = (name: string, slot: 'tun_src' | 'tun_dst' | 'nw_src' | 'nw_dst') => {
    const sv = m.get(slot);
    if (sv) out.push(`${name}=${formatIpv4Masked(sv.value, sv.mask)}`);
  };
  ip('tun_src', 'tun_src');
  ip('tun_dst', 'tun_dst');
  be64('metadata', 'metadata');
  if (m.get('in_port')) out.push(`in_port=${formatPort(m.num('in_port'))}`);

  const vlan = m.get('vlan_tci');
  if (vlan) {
    const tci = Number(vlan.value);
    const mask = Number(vlan.mask);
    const vidMask = mask & VLAN_VID_MASK;
    const pcpMask = mask & VLAN_PCP_MASK;
    const cfi = mask & VLAN_CFI;
    if (
      cfi &&
      tci & VLAN_CFI &&
      (!vidMask || vidMask === VLAN_VID_MASK) &&
      (!pcpMask || pcpMask === VLAN_PCP_MASK) &&
      (vidMask || pcpMask)
    ) {
      if (vidMask) out.push(`dl_vlan=${tci & VLAN_VID_MASK}`);
      if (pcpMask) out.push(`dl_vlan_pcp=${tci >> 13}`);
    } else if (mask === 0xffff) {
      out.push(`vlan_tci=0x${tci.toString(16).padStart(4, '0')}`);
    } else {
      out.push(`vlan_tci=0x${tci.toString(16).padStart(4, '0')}/0x${mask.toString(16).padStart(4, '0')}`);
    }
  }
  const eth = (name: string, slot: 'dl_src' | 'dl_dst' | 'arp_sha' | 'arp_tha') => {
    const sv = m.get(slot);
    if (!sv) return;
    out.push(
      sv.mask === MAC_ALL ? `${name}=${formatMac(sv.value)}` : `${name}=${formatMac(sv.value)}/${formatMac(sv.mask)}`,
    );
  };
  eth('dl_src', 'dl_src');
  eth('dl_dst', 'dl_dst');
  if (!skipType && dlTypeMasked) out.push(`dl_type=0x${dlType.toString(16).padStart(4, '0')}`);

  const isArp = dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP;
  if (dlType === ETH_TYPE.IPV6) {
    for (const [name, slot] of [
      ['ipv6_src', 'ipv6_src'],
      ['ipv6_dst', 'ipv6_dst'],
    ] as const) {
      const sv = m.get(slot);
      if (sv) out.push(`${name}=${formatIpv6Masked(sv.value, sv.mask)}`);
    }
    const label = m.get('ipv6_label');
    if (label) {
      const v = `0x${label.value.toString(16).padStart(5, '0')}`;
      out.push(
        label.mask === 0xfffffn ? `ipv6_label=${v}` : `ipv6_label=${v}/0x${label.mask.toString(16).padStart(5, '0')}`,
      );
    }
  } else if (isArp) {
    ip('arp_spa', 'nw_src');
    ip('arp_tpa', 'nw_dst');
  } else {
    ip('nw_src', 'nw_src');
    ip('nw_dst', 'nw_dst');
  }
  if (!skipProto && protoMasked) out.push(isArp ? `arp_op=${proto}` : `nw_proto=${proto}`);
  if (isArp) {
    eth('arp_sha', 'arp_sha');
    eth('arp_tha', 'arp_tha');
  }
  const tos = m.num('nw_tos');
  const tosMask = m.numMask('nw_tos');
  if (tosMask & 0xfc) out.push(`nw_tos=${tos & 0xfc}`);
  if (tosMask & 0x03) out.push(`nw_ecn=${tos & 0x03}`);
  if (m.get('nw_ttl')) out.push(`nw_ttl=${m.num('nw_ttl')}`);
  const lse = m.get('mpls_lse');
  if (lse) {
    const v = Number(lse.value);
    const mk = Number(lse.mask);
    if (mk & 0xfffff000) out.push(`mpls_label=${v >>> 12}`);
    if (mk & 0x00000e00) out.push(`mpls_tc=${(v >>> 9) & 7}`);
    if (mk & 0x000000ff) out.push(`mpls_ttl=${v & 0xff}`);
    if (mk & 0x00000100) out.push(`mpls_bos=${(v >>> 8) & 1}`);
  }
  const frag = m.num('nw_frag');
  switch (m.numMask('nw_frag')) {
    case FRAG_ANY | FRAG_LATER:
      out.push(
        `nw_frag=${frag & FRAG_ANY ? (frag & FRAG_LATER ? 'later' : 'first') : frag & FRAG_LATER ? '<error>' : 'no'}`,
      );
      break;
    case FRAG_ANY:
      out.push(`nw_frag=${frag & FRAG_ANY ? 'yes' : 'no'}`);
      break;
    case FRAG_LATER:
      out.push(`nw_frag=${frag & FRAG_LATER ? 'later' : 'not_later'}`);
      break;
  }
  const be16 = (name: string, slot: 'tp_src' | 'tp_dst') => {
    const sv = m.get(slot);
    if (!sv) return;
    out.push(
      sv.mask === 0xffffn ? `${name}=${sv.value}` : `${name}=0x${sv.value.toString(16)}/0x${sv.mask.toString(16)}`,
    );
  };
  if (dlType === ETH_TYPE.IP && proto === IPPROTO.ICMP) {
    be16('icmp_type', 'tp_src');
    be16('icmp_code', 'tp_dst');
  } else if (dlType === ETH_TYPE.IPV6 && proto === IPPROTO.ICMPV6) {
    be16('icmp_type', 'tp_src');
    be16('icmp_code', 'tp_dst');
    const nd = m.get('nd_target');
    if (nd) out.push(`nd_target=${formatIpv6Masked(nd.value, nd.mask)}`);
    eth('nd_sll', 'arp_sha');
    eth('nd_tll', 'arp_tha');
  } else {
    be16('tp_src', 'tp_src');
    be16('tp_dst', 'tp_dst');
  }
  const tf = m.get('tcp_flags');
  if (m.isIpAny() && proto === IPPROTO.TCP && tf) {
    out.push(`tcp_flags=${formatFlagsMasked(Number(tf.value), Number(tf.mask), 0x0fff, tcpFlagName)}`);
  }
  return out.join(',');
}
