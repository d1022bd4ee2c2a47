import {
  ctStateName,
  formatFlags,
  formatFlagsMasked,
  formatIpv4MaskedNum,
  formatIpv6Masked,
  formatMac,
  formatPort,
  hexAlt,
  tcpFlagName,
  tunFlagName,
} from './format-values.js';
import {
  ETH_TYPE,
  FRAG_ANY,
  FRAG_LATER,
  IPPROTO,
  type Match,
  S,
  VLAN_CFI,
  VLAN_PCP_MASK,
  VLAN_VID_MASK,
} from './match.js';
import { formatTunMd } from './tun-metadata.js';

export const DEFAULT_PRIORITY = 32768;
const MAC_ALL = 0xffffffffffffn;

/**
 * The text of a match, in Open vSwitch's match_format order: priority, metadata-like fields,
 * the protocol shorthand, registers, tunnel, in_port, VLAN, Ethernet, L3, L4.
 */
export function formatMatch(m: Match, priority: number = DEFAULT_PRIORITY): string {
  const out: string[] = [];
  if (priority !== DEFAULT_PRIORITY) out.push(`priority=${priority}`);
  u32(out, m, 'pkt_mark', S.pkt_mark);
  u32(out, m, 'recirc_id', S.recirc_id);
  u32(out, m, 'dp_hash', S.dp_hash);
  if (m.nm(S.conj_id)) out.push(`conj_id=${m.nv(S.conj_id)}`);
  const ctMask = m.nm(S.ct_state);
  if (ctMask) {
    const ct = m.nv(S.ct_state);
    if (ctMask === 0xffffffff) {
      out.push(`ct_state=${ct ? formatFlags(ct, ctStateName, '|') : '0'}`);
    } else {
      out.push(`ct_state=${formatFlagsMasked(ct, ctMask, 0xffffffff, ctStateName)}`);
    }
  }
  const zoneMask = m.nm(S.ct_zone);
  if (zoneMask) {
    const zone = m.nv(S.ct_zone);
    out.push(zoneMask === 0xffff ? `ct_zone=${zone}` : `ct_zone=${zone}/0x${zoneMask.toString(16)}`);
  }
  u32(out, m, 'ct_mark', S.ct_mark);
  const label = m.getAt(S.ct_label);
  if (label) {
    const full = label.mask === (1n << 128n) - 1n;
    out.push(full ? `ct_label=${hexAlt(label.value)}` : `ct_label=${hexAlt(label.value)}/${hexAlt(label.mask)}`);
  }
  ipv4(out, m, 'ct_nw_src', S.ct_nw_src);
  ipv6(out, m, 'ct_ipv6_src', S.ct_ipv6_src);
  ipv4(out, m, 'ct_nw_dst', S.ct_nw_dst);
  ipv6(out, m, 'ct_ipv6_dst', S.ct_ipv6_dst);
  if (m.nm(S.ct_nw_proto)) {
    // As OVS's match_format: the transport ports only print beside the protocol.
    out.push(`ct_nw_proto=${m.nv(S.ct_nw_proto)}`);
    be16(out, m, 'ct_tp_src', S.ct_tp_src);
    be16(out, m, 'ct_tp_dst', S.ct_tp_dst);
  }

  // With recirc_id matched (a datapath "megaflow"), OVS names the Ethernet packet type when any
  // Ethernet-layer field is matched.
  if (m.nm(S.recirc_id) && (m.has(S.dl_src) || m.has(S.dl_dst) || m.nm(S.dl_type) || m.nm(S.vlan_tci))) out.push('eth');
  const dlTypeMasked = m.nm(S.dl_type) !== 0;
  const dlType = dlTypeMasked ? m.nv(S.dl_type) : 0;
  const proto = m.nv(S.nw_proto);
  const protoMasked = m.nm(S.nw_proto) !== 0;
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
    const mask = m.nm(S.reg0 + i);
    if (!mask) continue;
    const v = m.nv(S.reg0 + i);
    out.push(mask === 0xffffffff ? `reg${i}=${hexAlt(v)}` : `reg${i}=${hexAlt(v)}/${hexAlt(mask)}`);
  }
  be64(out, m, 'tun_id', S.tun_id);
  ipv4(out, m, 'tun_src', S.tun_src);
  ipv4(out, m, 'tun_dst', S.tun_dst);
  ipv6(out, m, 'tun_ipv6_src', S.tun_ipv6_src);
  ipv6(out, m, 'tun_ipv6_dst', S.tun_ipv6_dst);
  be16(out, m, 'tun_gbp_id', S.tun_gbp_id);
  // OVS prints the flags' value alone, even under a mask.
  if (m.nm(S.tun_gbp_flags)) out.push(`tun_gbp_flags=${hexAlt(m.nv(S.tun_gbp_flags))}`);
  // Always in the +/- form: OVS formats against a mask wider than the one public flag.
  if (m.nm(S.tun_flags) & 1) out.push(`tun_flags=${formatFlagsMasked(m.nv(S.tun_flags), 1, 0xffff, tunFlagName)}`);
  if (m.tunMd) formatTunMd(m.tunMd, out);
  be64(out, m, 'metadata', S.metadata);
  if (m.nm(S.in_port)) out.push(`in_port=${formatPort(m.nv(S.in_port))}`);

  if (m.nm(S.vlan_tci)) {
    const tci = m.nv(S.vlan_tci);
    const mask = m.nm(S.vlan_tci);
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
  eth(out, m, 'dl_src', S.dl_src);
  eth(out, m, 'dl_dst', S.dl_dst);
  if (!skipType && dlTypeMasked) out.push(`dl_type=0x${dlType.toString(16).padStart(4, '0')}`);

  const isArp = dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP;
  if (dlType === ETH_TYPE.IPV6) {
    const src = m.getAt(S.ipv6_src);
    if (src) out.push(`ipv6_src=${formatIpv6Masked(src.value, src.mask)}`);
    const dst = m.getAt(S.ipv6_dst);
    if (dst) out.push(`ipv6_dst=${formatIpv6Masked(dst.value, dst.mask)}`);
    const labelMask = m.nm(S.ipv6_label);
    if (labelMask) {
      const v = `0x${m.nv(S.ipv6_label).toString(16).padStart(5, '0')}`;
      out.push(
        labelMask === 0xfffff ? `ipv6_label=${v}` : `ipv6_label=${v}/0x${labelMask.toString(16).padStart(5, '0')}`,
      );
    }
  } else if (isArp) {
    ipv4(out, m, 'arp_spa', S.nw_src);
    ipv4(out, m, 'arp_tpa', S.nw_dst);
  } else {
    ipv4(out, m, 'nw_src', S.nw_src);
    ipv4(out, m, 'nw_dst', S.nw_dst);
  }
  if (!skipProto && protoMasked) out.push(isArp ? `arp_op=${proto}` : `nw_proto=${proto}`);
  if (isArp) {
    eth(out, m, 'arp_sha', S.arp_sha);
    eth(out, m, 'arp_tha', S.arp_tha);
  }
  const tos = m.nv(S.nw_tos);
  const tosMask = m.nm(S.nw_tos);
  if (tosMask & 0xfc) out.push(`nw_tos=${tos & 0xfc}`);
  if (tosMask & 0x03) out.push(`nw_ecn=${tos & 0x03}`);
  if (m.nm(S.nw_ttl)) out.push(`nw_ttl=${m.nv(S.nw_ttl)}`);
  if (m.nm(S.mpls_lse)) {
    const v = m.nv(S.mpls_lse);
    const mk = m.nm(S.mpls_lse);
    if (mk & 0xfffff000) out.push(`mpls_label=${v >>> 12}`);
    if (mk & 0x00000e00) out.push(`mpls_tc=${(v >>> 9) & 7}`);
    if (mk & 0x000000ff) out.push(`mpls_ttl=${v & 0xff}`);
    if (mk & 0x00000100) out.push(`mpls_bos=${(v >>> 8) & 1}`);
  }
  const frag = m.nv(S.nw_frag);
  switch (m.nm(S.nw_frag)) {
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
  if (dlType === ETH_TYPE.IP && proto === IPPROTO.ICMP) {
    be16(out, m, 'icmp_type', S.tp_src);
    be16(out, m, 'icmp_code', S.tp_dst);
  } else if (dlType === ETH_TYPE.IPV6 && proto === IPPROTO.ICMPV6) {
    be16(out, m, 'icmp_type', S.tp_src);
    be16(out, m, 'icmp_code', S.tp_dst);
    const nd = m.getAt(S.nd_target);
    if (nd) out.push(`nd_target=${formatIpv6Masked(nd.value, nd.mask)}`);
    eth(out, m, 'nd_sll', S.arp_sha);
    eth(out, m, 'nd_tll', S.arp_tha);
  } else {
    be16(out, m, 'tp_src', S.tp_src);
    be16(out, m, 'tp_dst', S.tp_dst);
  }
  const tfMask = m.nm(S.tcp_flags);
  if (m.isIpAny() && proto === IPPROTO.TCP && tfMask) {
    out.push(`tcp_flags=${formatFlagsMasked(m.nv(S.tcp_flags), tfMask, 0x0fff, tcpFlagName)}`);
  }
  // Concatenation rather than join: join copies into a flat string, the line is flattened later anyway.
  let s = out.length ? out[0] : '';
  for (let i = 1; i < out.length; i++) s += `,${out[i]}`;
  return s;
}

// One function per value kind, each appending `name=value[/mask]` when the slot is matched
// (module functions rather than closures made on every call).
function u32(out: string[], m: Match, name: string, slot: number): void {
  const mask = m.nm(slot);
  if (!mask) return;
  const v = m.nv(slot);
  out.push(mask === 0xffffffff ? `${name}=${hexAlt(v)}` : `${name}=${hexAlt(v)}/${hexAlt(mask)}`);
}

function ipv4(out: string[], m: Match, name: string, slot: number): void {
  const mask = m.nm(slot);
  if (mask) out.push(`${name}=${formatIpv4MaskedNum(m.nv(slot), mask)}`);
}

function ipv6(out: string[], m: Match, name: string, slot: number): void {
  const sv = m.getAt(slot);
  if (sv) out.push(`${name}=${formatIpv6Masked(sv.value, sv.mask)}`);
}

function be16(out: string[], m: Match, name: string, slot: number): void {
  const mask = m.nm(slot);
  if (!mask) return;
  const v = m.nv(slot);
  out.push(mask === 0xffff ? `${name}=${v}` : `${name}=0x${v.toString(16)}/0x${mask.toString(16)}`);
}

function be64(out: string[], m: Match, name: string, slot: number): void {
  const sv = m.getAt(slot);
  if (!sv) return;
  out.push(
    sv.mask === 0xffffffffffffffffn ? `${name}=${hexAlt(sv.value)}` : `${name}=${hexAlt(sv.value)}/${hexAlt(sv.mask)}`,
  );
}

function eth(out: string[], m: Match, name: string, slot: number): void {
  const sv = m.getAt(slot);
  if (!sv) return;
  out.push(
    sv.mask === MAC_ALL ? `${name}=${formatMac(sv.value)}` : `${name}=${formatMac(sv.value)}/${formatMac(sv.mask)}`,
  );
}
