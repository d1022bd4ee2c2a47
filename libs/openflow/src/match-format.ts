import { RARE_SLOTS_FROM } from './fields.js';
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
  let s = '';
  if (priority !== DEFAULT_PRIORITY) s = add(s, `priority=${priority}`);
  s = u32(s, m, 'pkt_mark', S.pkt_mark);
  s = u32(s, m, 'recirc_id', S.recirc_id);
  s = u32(s, m, 'dp_hash', S.dp_hash);
  if (m.nm(S.conj_id)) s = add(s, `conj_id=${m.nv(S.conj_id)}`);
  if (m.nm(S.actset_output)) s = add(s, `actset_output=${formatPort(m.nv(S.actset_output))}`);
  const ctMask = m.nm(S.ct_state);
  if (ctMask) {
    const ct = m.nv(S.ct_state);
    if (ctMask === 0xffffffff) {
      s = add(s, `ct_state=${ct ? formatFlags(ct, ctStateName, '|') : '0'}`);
    } else {
      s = add(s, `ct_state=${formatFlagsMasked(ct, ctMask, 0xffffffff, ctStateName)}`);
    }
  }
  const zoneMask = m.nm(S.ct_zone);
  if (zoneMask) {
    const zone = m.nv(S.ct_zone);
    s = add(s, zoneMask === 0xffff ? `ct_zone=${zone}` : `ct_zone=${zone}/0x${zoneMask.toString(16)}`);
  }
  s = u32(s, m, 'ct_mark', S.ct_mark);
  const label = m.getAt(S.ct_label);
  if (label) {
    const full = label.mask === (1n << 128n) - 1n;
    s = add(s, full ? `ct_label=${hexAlt(label.value)}` : `ct_label=${hexAlt(label.value)}/${hexAlt(label.mask)}`);
  }
  s = ipv4(s, m, 'ct_nw_src', S.ct_nw_src);
  s = ipv6(s, m, 'ct_ipv6_src', S.ct_ipv6_src);
  s = ipv4(s, m, 'ct_nw_dst', S.ct_nw_dst);
  s = ipv6(s, m, 'ct_ipv6_dst', S.ct_ipv6_dst);
  if (m.nm(S.ct_nw_proto)) {
    // As OVS's match_format: the transport ports only print beside the protocol.
    s = add(s, `ct_nw_proto=${m.nv(S.ct_nw_proto)}`);
    s = be16(s, m, 'ct_tp_src', S.ct_tp_src);
    s = be16(s, m, 'ct_tp_dst', S.ct_tp_dst);
  }

  // With recirc_id matched (a datapath "megaflow"), OVS names the Ethernet packet type when any
  // Ethernet-layer field is matched.
  if (m.nm(S.recirc_id) && (m.has(S.dl_src) || m.has(S.dl_dst) || m.nm(S.dl_type) || m.nm(S.vlan_tci)))
    s = add(s, 'eth');
  const dlTypeMasked = m.nm(S.dl_type) !== 0;
  let dlType = dlTypeMasked ? m.nv(S.dl_type) : 0;
  // A packet type other than Ethernet's: printed, and one in the Ethernet-type namespace is the
  // type the rest of the match is read against (OVS's match_format).
  const pt = m.nv(S.packet_type);
  if (m.nm(S.packet_type) && pt !== 0) {
    s = add(s, `packet_type=(${formatPtHalf(pt >>> 16)},${formatPtHalf(pt & 0xffff)})`);
    if (pt >>> 16 === 1) dlType = pt & 0xffff;
  }
  const proto = m.nv(S.nw_proto);
  const protoMasked = m.nm(S.nw_proto) !== 0;
  let skipType = false;
  let skipProto = false;
  if (dlTypeMasked) {
    skipType = true;
    if (dlType === ETH_TYPE.IP) {
      if (protoMasked) {
        skipProto = true;
        if (proto === IPPROTO.ICMP) s = add(s, 'icmp');
        else if (proto === IPPROTO.TCP) s = add(s, 'tcp');
        else if (proto === IPPROTO.UDP) s = add(s, 'udp');
        else if (proto === IPPROTO.SCTP) s = add(s, 'sctp');
        else {
          s = add(s, 'ip');
          skipProto = false;
        }
      } else s = add(s, 'ip');
    } else if (dlType === ETH_TYPE.IPV6) {
      if (protoMasked) {
        skipProto = true;
        if (proto === IPPROTO.ICMPV6) s = add(s, 'icmp6');
        else if (proto === IPPROTO.TCP) s = add(s, 'tcp6');
        else if (proto === IPPROTO.UDP) s = add(s, 'udp6');
        else if (proto === IPPROTO.SCTP) s = add(s, 'sctp6');
        else {
          s = add(s, 'ipv6');
          skipProto = false;
        }
      } else s = add(s, 'ipv6');
    } else if (dlType === ETH_TYPE.ARP) s = add(s, 'arp');
    else if (dlType === ETH_TYPE.RARP) s = add(s, 'rarp');
    else if (dlType === ETH_TYPE.MPLS) s = add(s, 'mpls');
    else if (dlType === ETH_TYPE.MPLS_MCAST) s = add(s, 'mplsm');
    else skipType = false;
  }

  for (let i = 0; i < 16; i++) {
    const mask = m.nm(S.reg0 + i);
    if (!mask) continue;
    const v = m.nv(S.reg0 + i);
    s = add(s, mask === 0xffffffff ? `reg${i}=${hexAlt(v)}` : `reg${i}=${hexAlt(v)}/${hexAlt(mask)}`);
  }
  s = be64(s, m, 'tun_id', S.tun_id);
  s = ipv4(s, m, 'tun_src', S.tun_src);
  s = ipv4(s, m, 'tun_dst', S.tun_dst);
  s = ipv6(s, m, 'tun_ipv6_src', S.tun_ipv6_src);
  s = ipv6(s, m, 'tun_ipv6_dst', S.tun_ipv6_dst);
  s = be16(s, m, 'tun_gbp_id', S.tun_gbp_id);
  // OVS prints the flags' value alone, even under a mask.
  if (m.nm(S.tun_gbp_flags)) s = add(s, `tun_gbp_flags=${hexAlt(m.nv(S.tun_gbp_flags))}`);
  // As OVS 3.1 prints them: values alone; the ERSPAN index, direction and hardware ID only with
  // the version that carries them; GTP-U without its "tun_" prefix.
  if (m.hasSlotsFrom(RARE_SLOTS_FROM)) s = formatErspanGtpu(s, m);
  // Always in the +/- form: OVS formats against a mask wider than the one public flag.
  if (m.nm(S.tun_flags) & 1) s = add(s, `tun_flags=${formatFlagsMasked(m.nv(S.tun_flags), 1, 0xffff, tunFlagName)}`);
  if (m.tunMd) {
    const md: string[] = [];
    formatTunMd(m.tunMd, md);
    for (const piece of md) s = add(s, piece);
  }
  s = be64(s, m, 'metadata', S.metadata);
  if (m.nm(S.in_port)) s = add(s, `in_port=${formatPort(m.nv(S.in_port))}`);

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
      if (vidMask) s = add(s, `dl_vlan=${tci & VLAN_VID_MASK}`);
      if (pcpMask) s = add(s, `dl_vlan_pcp=${tci >> 13}`);
    } else if (mask === 0xffff) {
      s = add(s, `vlan_tci=0x${tci.toString(16).padStart(4, '0')}`);
    } else {
      s = add(s, `vlan_tci=0x${tci.toString(16).padStart(4, '0')}/0x${mask.toString(16).padStart(4, '0')}`);
    }
  }
  s = eth(s, m, 'dl_src', S.dl_src);
  s = eth(s, m, 'dl_dst', S.dl_dst);
  if (!skipType && dlTypeMasked) s = add(s, `dl_type=0x${dlType.toString(16).padStart(4, '0')}`);

  const isArp = dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP;
  if (dlType === ETH_TYPE.IPV6) {
    const src = m.getAt(S.ipv6_src);
    if (src) s = add(s, `ipv6_src=${formatIpv6Masked(src.value, src.mask)}`);
    const dst = m.getAt(S.ipv6_dst);
    if (dst) s = add(s, `ipv6_dst=${formatIpv6Masked(dst.value, dst.mask)}`);
    const labelMask = m.nm(S.ipv6_label);
    if (labelMask) {
      const v = `0x${m.nv(S.ipv6_label).toString(16).padStart(5, '0')}`;
      s = add(
        s,
        labelMask === 0xfffff ? `ipv6_label=${v}` : `ipv6_label=${v}/0x${labelMask.toString(16).padStart(5, '0')}`,
      );
    }
  } else if (isArp) {
    s = ipv4(s, m, 'arp_spa', S.nw_src);
    s = ipv4(s, m, 'arp_tpa', S.nw_dst);
  } else if (dlType === ETH_TYPE.NSH) {
    s = formatNsh(s, m);
  } else {
    s = ipv4(s, m, 'nw_src', S.nw_src);
    s = ipv4(s, m, 'nw_dst', S.nw_dst);
  }
  if (!skipProto && protoMasked) s = add(s, isArp ? `arp_op=${proto}` : `nw_proto=${proto}`);
  if (isArp) {
    s = eth(s, m, 'arp_sha', S.arp_sha);
    s = eth(s, m, 'arp_tha', S.arp_tha);
  }
  const tos = m.nv(S.nw_tos);
  const tosMask = m.nm(S.nw_tos);
  if (tosMask & 0xfc) s = add(s, `nw_tos=${tos & 0xfc}`);
  if (tosMask & 0x03) s = add(s, `nw_ecn=${tos & 0x03}`);
  if (m.nm(S.nw_ttl)) s = add(s, `nw_ttl=${m.nv(S.nw_ttl)}`);
  if (m.nm(S.mpls_lse)) {
    const v = m.nv(S.mpls_lse);
    const mk = m.nm(S.mpls_lse);
    if (mk & 0xfffff000) s = add(s, `mpls_label=${v >>> 12}`);
    if (mk & 0x00000e00) s = add(s, `mpls_tc=${(v >>> 9) & 7}`);
    if (mk & 0x000000ff) s = add(s, `mpls_ttl=${v & 0xff}`);
    if (mk & 0x00000100) s = add(s, `mpls_bos=${(v >>> 8) & 1}`);
  }
  const frag = m.nv(S.nw_frag);
  switch (m.nm(S.nw_frag)) {
    case FRAG_ANY | FRAG_LATER:
      s = add(
        s,
        `nw_frag=${frag & FRAG_ANY ? (frag & FRAG_LATER ? 'later' : 'first') : frag & FRAG_LATER ? '<error>' : 'no'}`,
      );
      break;
    case FRAG_ANY:
      s = add(s, `nw_frag=${frag & FRAG_ANY ? 'yes' : 'no'}`);
      break;
    case FRAG_LATER:
      s = add(s, `nw_frag=${frag & FRAG_LATER ? 'later' : 'not_later'}`);
      break;
  }
  if (dlType === ETH_TYPE.IP && proto === IPPROTO.ICMP) {
    s = be16(s, m, 'icmp_type', S.tp_src);
    s = be16(s, m, 'icmp_code', S.tp_dst);
  } else if (dlType === ETH_TYPE.IPV6 && proto === IPPROTO.ICMPV6) {
    s = be16(s, m, 'icmp_type', S.tp_src);
    s = be16(s, m, 'icmp_code', S.tp_dst);
    const nd = m.getAt(S.nd_target);
    if (nd) s = add(s, `nd_target=${formatIpv6Masked(nd.value, nd.mask)}`);
    s = eth(s, m, 'nd_sll', S.arp_sha);
    s = eth(s, m, 'nd_tll', S.arp_tha);
    // OVS keeps these two in igmp_group_ip4 and tcp_flags.
    if (m.nm(S.nd_reserved)) s = add(s, `nd_reserved=${m.nv(S.nd_reserved)}`);
    if (m.nm(S.tcp_flags)) s = add(s, `nd_options_type=${m.nv(S.tcp_flags)}`);
  } else {
    s = be16(s, m, 'tp_src', S.tp_src);
    s = be16(s, m, 'tp_dst', S.tp_dst);
  }
  const tfMask = m.nm(S.tcp_flags);
  if (m.isIpAny() && proto === IPPROTO.TCP && tfMask) {
    s = add(s, `tcp_flags=${formatFlagsMasked(m.nv(S.tcp_flags), tfMask, 0x0fff, tcpFlagName)}`);
  }
  return s;
}

/** The ERSPAN and GTP-U fields of format_flow_tunnel. */
function formatErspanGtpu(s: string, m: Match): string {
  if (m.nm(S.tun_erspan_ver)) s = add(s, `tun_erspan_ver=${m.nv(S.tun_erspan_ver)}`);
  const erspanVer = m.nv(S.tun_erspan_ver);
  if (m.nm(S.tun_erspan_idx) && erspanVer === 1) s = add(s, `tun_erspan_idx=${hexAlt(m.nv(S.tun_erspan_idx))}`);
  if (m.nm(S.tun_erspan_dir) && erspanVer === 2) s = add(s, `tun_erspan_dir=${m.nv(S.tun_erspan_dir)}`);
  if (m.nm(S.tun_erspan_hwid) && erspanVer === 2) s = add(s, `tun_erspan_hwid=${hexAlt(m.nv(S.tun_erspan_hwid))}`);
  if (m.nm(S.tun_gtpu_flags)) s = add(s, `gtpu_flags=${hexAlt(m.nv(S.tun_gtpu_flags))}`);
  if (m.nm(S.tun_gtpu_msgtype)) s = add(s, `gtpu_msgtype=${m.nv(S.tun_gtpu_msgtype)}`);
  return s;
}

/** A packet type's namespace or type as OVS's put_u16_masked prints it (exact). */
function formatPtHalf(v: number): string {
  return v > 9 ? `0x${v.toString(16)}` : `${v}`;
}

/** OVS's format_nsh_masked: the base and path headers, the MD type 1 context only under mdtype=1. */
function formatNsh(s: string, m: Match): string {
  s = u8(s, m, 'nsh_flags', S.nsh_flags);
  s = u8(s, m, 'nsh_ttl', S.nsh_ttl);
  s = u8(s, m, 'nsh_mdtype', S.nsh_mdtype);
  s = u8(s, m, 'nsh_np', S.nsh_np);
  s = hex32(s, m, 'nsh_spi', S.nsh_spi, 0xffffff);
  s = u8(s, m, 'nsh_si', S.nsh_si);
  if (m.nm(S.nsh_mdtype) === 0xff && m.nv(S.nsh_mdtype) === 1) {
    for (let i = 0; i < 4; i++) s = hex32(s, m, `nsh_c${i + 1}`, S.nsh_c1 + i, 0xffffffff);
  }
  return s;
}

function u8(s: string, m: Match, name: string, slot: number): string {
  const mask = m.nm(slot);
  if (!mask) return s;
  const v = m.nv(slot);
  if (mask === 0xff) return add(s, `${name}=${v}`);
  return add(s, `${name}=0x${hex2(v)}/0x${hex2(mask)}`);
}

function hex2(x: number): string {
  return x.toString(16).padStart(2, '0');
}

/** OVS's format_be32_masked_hex; `exact` is the mask that prints no mask. */
function hex32(s: string, m: Match, name: string, slot: number, exact: number): string {
  const mask = m.nm(slot);
  if (!mask) return s;
  const v = m.nv(slot);
  return add(s, mask === exact ? `${name}=0x${v.toString(16)}` : `${name}=0x${v.toString(16)}/0x${mask.toString(16)}`);
}

/**
 * `s` with `piece` appended after a comma (none before the first): the match is built as one
 * string as it goes, with no array of pieces per flow (the line is flattened once when written).
 */
function add(s: string, piece: string): string {
  return s.length ? `${s},${piece}` : piece;
}

// One function per value kind, each returning `s` with `name=value[/mask]` appended when the slot
// is matched (module functions rather than closures made on every call).
function u32(s: string, m: Match, name: string, slot: number): string {
  const mask = m.nm(slot);
  if (!mask) return s;
  const v = m.nv(slot);
  return add(s, mask === 0xffffffff ? `${name}=${hexAlt(v)}` : `${name}=${hexAlt(v)}/${hexAlt(mask)}`);
}

function ipv4(s: string, m: Match, name: string, slot: number): string {
  const mask = m.nm(slot);
  return mask ? add(s, `${name}=${formatIpv4MaskedNum(m.nv(slot), mask)}`) : s;
}

function ipv6(s: string, m: Match, name: string, slot: number): string {
  const sv = m.getAt(slot);
  return sv ? add(s, `${name}=${formatIpv6Masked(sv.value, sv.mask)}`) : s;
}

function be16(s: string, m: Match, name: string, slot: number): string {
  const mask = m.nm(slot);
  if (!mask) return s;
  const v = m.nv(slot);
  return add(s, mask === 0xffff ? `${name}=${v}` : `${name}=0x${v.toString(16)}/0x${mask.toString(16)}`);
}

function be64(s: string, m: Match, name: string, slot: number): string {
  const sv = m.getAt(slot);
  if (!sv) return s;
  return add(
    s,
    sv.mask === 0xffffffffffffffffn ? `${name}=${hexAlt(sv.value)}` : `${name}=${hexAlt(sv.value)}/${hexAlt(sv.mask)}`,
  );
}

function eth(s: string, m: Match, name: string, slot: number): string {
  const sv = m.getAt(slot);
  if (!sv) return s;
  return add(
    s,
    sv.mask === MAC_ALL ? `${name}=${formatMac(sv.value)}` : `${name}=${formatMac(sv.value)}/${formatMac(sv.mask)}`,
  );
}
