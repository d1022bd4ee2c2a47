import { formatIpv4, formatIpv6, formatMac } from './addr.js';
import { ETH_TYPE, IP_PROTO, NW_FRAG_ANY, NW_FRAG_LATER, VLAN_CFI, W } from './flow-key.js';

/**
 * A flow key in Open vSwitch's flow syntax, exactly as the `Flow:` line of `ovs-appctl
 * ofproto/trace` prints it (OVS 3.1 `flow_format`): every field the packet's protocols define is
 * shown, even when zero, while the metadata fields (pkt_mark, regs, metadata, tunnel, ct_*) are
 * shown only when non-zero.
 */
export function formatFlow(key: Uint32Array): string {
  const out: string[] = [];
  const dlType = key[W.DL_TYPE];
  const nw = key[W.NW];
  const proto = nw & 0xff;
  const frag = nw >>> 24;
  const isIp = dlType === ETH_TYPE.IP;
  const isIpv6 = dlType === ETH_TYPE.IPV6;
  const isArp = dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP;
  const isMpls = dlType === ETH_TYPE.MPLS || dlType === ETH_TYPE.MPLS_MCAST;

  if (key[W.PKT_MARK]) out.push(`pkt_mark=${hexAlt(key[W.PKT_MARK])}`);
  if (key[W.CT_STATE]) out.push(`ct_state=${formatBits(key[W.CT_STATE], CT_STATE_NAMES)}`);
  if (key[W.CT_ZONE]) out.push(`ct_zone=${key[W.CT_ZONE]}`);
  if (key[W.CT_MARK]) out.push(`ct_mark=${hexAlt(key[W.CT_MARK])}`);
  const ctLabel = wideHex(key, W.CT_LABEL, 4);
  if (ctLabel !== '0') out.push(`ct_label=0x${ctLabel}`);

  let skipType = true;
  let skipProto = false;
  if (isIp) {
    const name = IPV4_PROTO_NAMES[proto];
    out.push(name ?? 'ip');
    skipProto = name !== undefined;
  } else if (isIpv6) {
    const name = IPV6_PROTO_NAMES[proto];
    out.push(name ?? 'ipv6');
    skipProto = name !== undefined;
  } else if (dlType === ETH_TYPE.ARP) out.push('arp');
  else if (dlType === ETH_TYPE.RARP) out.push('rarp');
  else if (dlType === ETH_TYPE.MPLS) out.push('mpls');
  else if (dlType === ETH_TYPE.MPLS_MCAST) out.push('mplsm');
  else skipType = false;

  for (let i = 0; i < 16; i++) if (key[W.REG0 + i]) out.push(`reg${i}=${hexAlt(key[W.REG0 + i])}`);
  formatTunnel(key, out);
  const metadata = wideHex(key, W.METADATA, 2);
  if (metadata !== '0') out.push(`metadata=0x${metadata}`);
  if (key[W.IN_PORT]) out.push(`in_port=${formatPort(key[W.IN_PORT])}`);

  for (let i = 0; i < 2; i++) {
    const suffix = i === 0 ? '' : String(i);
    const tci = key[W.VLAN0 + i] & 0xffff;
    if (tci & VLAN_CFI) out.push(`dl_vlan${suffix}=${tci & 0xfff}`, `dl_vlan_pcp${suffix}=${tci >>> 13}`);
    else out.push(`vlan_tci${suffix}=0x${tci.toString(16).padStart(4, '0')}`);
    if (tci === 0) break;
  }
  out.push(`dl_src=${formatMac(key[W.DL_SRC], key[W.DL_SRC + 1])}`);
  out.push(`dl_dst=${formatMac(key[W.DL_DST], key[W.DL_DST + 1])}`);
  if (!skipType) out.push(`dl_type=0x${dlType.toString(16).padStart(4, '0')}`);

  if (isIpv6) {
    out.push(`ipv6_src=${formatIpv6(key, W.IPV6_SRC)}`, `ipv6_dst=${formatIpv6(key, W.IPV6_DST)}`);
    out.push(`ipv6_label=0x${key[W.IPV6_LABEL].toString(16).padStart(5, '0')}`);
  } else if (isArp) {
    out.push(`arp_spa=${formatIpv4(key[W.NW_SRC])}`, `arp_tpa=${formatIpv4(key[W.NW_DST])}`);
  } else if (isIp) {
    out.push(`nw_src=${formatIpv4(key[W.NW_SRC])}`, `nw_dst=${formatIpv4(key[W.NW_DST])}`);
  }
  if (isArp) {
    out.push(`arp_op=${proto}`);
    out.push(`arp_sha=${formatMac(key[W.ARP_SHA], key[W.ARP_SHA + 1])}`);
    out.push(`arp_tha=${formatMac(key[W.ARP_THA], key[W.ARP_THA + 1])}`);
  } else if ((isIp || isIpv6) && !skipProto) {
    out.push(`nw_proto=${proto}`);
  }

  if (isMpls) {
    const lse = key[W.MPLS0];
    out.push(`mpls_label=${lse >>> 12}`, `mpls_tc=${(lse >>> 9) & 7}`, `mpls_ttl=${lse & 0xff}`);
    out.push(`mpls_bos=${(lse >>> 8) & 1}`);
    // Only the entries up to bottom of stack are part of the packet's flow.
    if (!(lse & 0x100)) {
      out.push(`mpls_lse1=${key[W.MPLS0 + 1]}`);
      if (!(key[W.MPLS0 + 1] & 0x100)) out.push(`mpls_lse2=${key[W.MPLS0 + 2]}`);
    }
  }

  if (isIp || isIpv6) {
    const tos = (nw >>> 16) & 0xff;
    out.push(`nw_tos=${tos & 0xfc}`, `nw_ecn=${tos & 3}`, `nw_ttl=${(nw >>> 8) & 0xff}`);
    out.push(
      `nw_frag=${frag & NW_FRAG_ANY ? (frag & NW_FRAG_LATER ? 'later' : 'first') : frag & NW_FRAG_LATER ? '<error>' : 'no'}`,
    );
    if (!(frag & NW_FRAG_LATER) && HAS_PORTS[proto]) formatL4(key, out, isIp, isIpv6, proto);
  }
  return out.join(',');
}

function formatL4(key: Uint32Array, out: string[], isIp: boolean, isIpv6: boolean, proto: number): void {
  const src = key[W.TP] >>> 16;
  const dst = key[W.TP] & 0xffff;
  if ((isIp && proto === IP_PROTO.ICMP) || (isIpv6 && proto === IP_PROTO.ICMPV6)) {
    out.push(`icmp_type=${src}`, `icmp_code=${dst}`);
    if (isIpv6 && dst === 0 && (src === 135 || src === 136)) {
      out.push(`nd_target=${formatIpv6(key, W.ND_TARGET)}`);
      out.push(`nd_sll=${formatMac(key[W.ARP_SHA], key[W.ARP_SHA + 1])}`);
      out.push(`nd_tll=${formatMac(key[W.ARP_THA], key[W.ARP_THA + 1])}`);
    }
    return;
  }
  out.push(`tp_src=${src}`, `tp_dst=${dst}`);
  if (proto === IP_PROTO.TCP) out.push(`tcp_flags=${formatBits(key[W.TCP_FLAGS] & 0xfff, TCP_FLAG_NAMES)}`);
}

function formatTunnel(key: Uint32Array, out: string[]): void {
  const tunId = wideHex(key, W.TUN_ID, 2);
  if (tunId !== '0') out.push(`tun_id=0x${tunId}`);
  if (key[W.TUN_SRC] || key[W.TUN_DST]) {
    // With a tunnel destination OVS shows every tunnel field it tracks; we track the
    // addresses only, so the rest are printed at their zero values.
    out.push(`tun_src=${formatIpv4(key[W.TUN_SRC])}`, `tun_dst=${formatIpv4(key[W.TUN_DST])}`);
    out.push('tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0');
    out.push('tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0');
  }
}

const RESERVED_PORTS: Record<number, string> = {
  65528: 'IN_PORT',
  65529: 'TABLE',
  65530: 'NORMAL',
  65531: 'FLOOD',
  65532: 'ALL',
  65533: 'CONTROLLER',
  65534: 'LOCAL',
  65535: 'ANY',
};

/** An OpenFlow port number as OVS prints it (reserved ports by name). */
export function formatPort(port: number): string {
  return RESERVED_PORTS[port] ?? String(port);
}

const IPV4_PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 132: 'sctp' };
const IPV6_PROTO_NAMES: Record<number, string> = { 58: 'icmp6', 6: 'tcp6', 17: 'udp6', 132: 'sctp6' };
const HAS_PORTS: Record<number, boolean> = { 1: true, 2: true, 6: true, 17: true, 58: true, 132: true };

const TCP_FLAG_NAMES = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ns', '[200]', '[400]', '[800]'];
const CT_STATE_NAMES = ['new', 'est', 'rel', 'rpl', 'inv', 'trk', 'snat', 'dnat'];

/** OVS `format_flags`: names of the set bits, lowest first, joined by '|'; unnamed bits in hex. */
function formatBits(bits: number, names: readonly string[]): string {
  if (bits === 0) return '0';
  const parts: string[] = [];
  let bad = 0;
  for (let i = 0; i < 32; i++) {
    const bit = 2 ** i;
    if (!(bits & bit)) continue;
    if (i < names.length) parts.push(names[i]);
    else bad += bit;
  }
  if (bad) parts.push(`0x${bad.toString(16)}`);
  return parts.join('|');
}

/** printf's `%#x`: 0 prints as "0", anything else with a 0x prefix. */
function hexAlt(v: number): string {
  return v === 0 ? '0' : `0x${(v >>> 0).toString(16)}`;
}

/** Words [start, start+n) as one hexadecimal number without leading zeros ("0" when zero). */
function wideHex(key: Uint32Array, start: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += key[start + i].toString(16).padStart(8, '0');
  s = s.replace(/^0+/, '');
  return s === '' ? '0' : s;
}
