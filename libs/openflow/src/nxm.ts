import { readUint, readUintNum, type Writer } from './bytes.js';
import { decodeError, OFPBMC } from './errors.js';
import {
  type FieldDef,
  fieldByHeader,
  fieldByName,
  headerFor,
  NARROW_SLOTS,
  oxmExperimenterId,
  RARE_SLOTS_FROM,
  REG_SLOTS,
} from './fields.js';
import { portFromOf11, portToOf11 } from './format-values.js';
import { ETH_TYPE, IPPROTO, isMplsType, Match, S, VLAN_CFI, VLAN_VID_MASK } from './match.js';
import { newTunMd, pullTunMdEntry, putTunMd, TUN_METADATA_MAX_BYTES, tunMdIndexOfHeader } from './tun-metadata.js';

const F = (name: string): FieldDef => fieldByName(name) as FieldDef;
const BYTE_ONES: bigint[] = [];
for (let i = 0; i <= 16; i++) BYTE_ONES.push((1n << BigInt(i * 8)) - 1n);
const ones = (bytes: number): bigint => BYTE_ONES[bytes];
const XREG_CLASS = 0x8001;
const NXM_NX_COOKIE = 0x00013c08;

/** Writes one NXM/OXM entry; nothing for a zero mask, no mask for an exact one. */
function put(
  w: Writer,
  header: number,
  bytes: number,
  value: bigint,
  mask: bigint | undefined,
  exactMask?: bigint,
): void {
  if (mask !== undefined) {
    mask &= ones(bytes);
    if (mask === 0n) return;
    if (mask === ones(bytes) || mask === exactMask) mask = undefined;
  }
  const experimenter = header >>> 16 === 0xffff;
  const payload = bytes + (experimenter ? 4 : 0);
  const hdr =
    ((header & 0xfffffe00) | (mask !== undefined ? 0x100 : 0) | (mask !== undefined ? payload + bytes : payload)) >>> 0;
  w.u32(hdr);
  if (experimenter) w.u32(oxmExperimenterId(header));
  w.uint(value & (mask ?? ones(bytes)), bytes);
  if (mask !== undefined) w.uint(mask, bytes);
}

const NUM_BYTE_ONES = [0, 0xff, 0xffff, 0xffffff, 0xffffffff];

/**
 * `put` for fields of at most 4 bytes, in numbers: one entry, nothing for a zero mask, no mask
 * for an exact one. `mask` -1 means "exact".
 */
function putNum(w: Writer, f: FieldDef, version: number, value: number, mask = -1): void {
  const bytes = f.bytes;
  const full = NUM_BYTE_ONES[bytes];
  let masked = false;
  if (mask !== -1) {
    mask = (mask & full) >>> 0;
    if (mask === 0) return;
    masked = !(mask === full || mask === f.wholeMaskNum);
  }
  const header = f.headers[version];
  const experimenter = header >>> 16 === 0xffff;
  const payload = bytes + (experimenter ? 4 : 0);
  w.u32(((header & 0xfffffe00) | (masked ? 0x100 | (payload + bytes) : payload)) >>> 0);
  if (experimenter) w.u32(oxmExperimenterId(header));
  if (masked) {
    w.uintNum(value & mask, bytes);
    w.uintNum(mask, bytes);
  } else w.uintNum(value & full, bytes);
}

/** A narrow slot as one entry (value/mask as the match holds them). */
function putSlotNum(w: Writer, f: FieldDef, version: number, m: Match, i: number): void {
  const mask = m.nm(i);
  if (mask) putNum(w, f, version, m.nv(i), mask);
}

/** A wide slot as one entry. */
function putSlotWide(w: Writer, f: FieldDef, version: number, m: Match, i: number): void {
  const sv = m.getAt(i);
  if (sv) put(w, headerFor(f, version) as number, f.bytes, sv.value, sv.mask, f.allOnes);
}

const FD = {
  dp_hash: F('dp_hash'),
  recirc_id: F('recirc_id'),
  conj_id: F('conj_id'),
  in_port: F('in_port'),
  in_port_oxm: F('in_port_oxm'),
  eth_src: F('eth_src'),
  eth_dst: F('eth_dst'),
  eth_type: F('eth_type'),
  vlan_vid: F('vlan_vid'),
  vlan_pcp: F('vlan_pcp'),
  vlan_tci: F('vlan_tci'),
  mpls_tc: F('mpls_tc'),
  mpls_bos: F('mpls_bos'),
  mpls_ttl: F('mpls_ttl'),
  mpls_label: F('mpls_label'),
  ip_src: F('ip_src'),
  ip_dst: F('ip_dst'),
  ipv6_src: F('ipv6_src'),
  ipv6_dst: F('ipv6_dst'),
  ip_frag: F('ip_frag'),
  ip_dscp: F('ip_dscp'),
  nw_tos: F('nw_tos'),
  nw_ecn: F('nw_ecn'),
  nw_ttl: F('nw_ttl'),
  ipv6_label: F('ipv6_label'),
  nw_proto: F('nw_proto'),
  tcp_src: F('tcp_src'),
  tcp_dst: F('tcp_dst'),
  tcp_flags: F('tcp_flags'),
  udp_src: F('udp_src'),
  udp_dst: F('udp_dst'),
  sctp_src: F('sctp_src'),
  sctp_dst: F('sctp_dst'),
  icmp_type: F('icmp_type'),
  icmp_code: F('icmp_code'),
  icmpv6_type: F('icmpv6_type'),
  icmpv6_code: F('icmpv6_code'),
  nd_target: F('nd_target'),
  nd_sll: F('nd_sll'),
  nd_tll: F('nd_tll'),
  arp_op: F('arp_op'),
  arp_spa: F('arp_spa'),
  arp_tpa: F('arp_tpa'),
  arp_sha: F('arp_sha'),
  arp_tha: F('arp_tha'),
  tun_id: F('tun_id'),
  tun_src: F('tun_src'),
  tun_dst: F('tun_dst'),
  pkt_mark: F('pkt_mark'),
  ct_state: F('ct_state'),
  ct_zone: F('ct_zone'),
  ct_mark: F('ct_mark'),
  ct_label: F('ct_label'),
  metadata: F('metadata'),
  tun_ipv6_src: F('tun_ipv6_src'),
  tun_ipv6_dst: F('tun_ipv6_dst'),
  tun_gbp_id: F('tun_gbp_id'),
  tun_gbp_flags: F('tun_gbp_flags'),
  tun_flags: F('tun_flags'),
  actset_output: F('actset_output'),
  nd_reserved: F('nd_reserved'),
  nd_options_type: F('nd_options_type'),
  packet_type: F('packet_type'),
  ct_nw_proto: F('ct_nw_proto'),
  ct_nw_src: F('ct_nw_src'),
  ct_nw_dst: F('ct_nw_dst'),
  ct_ipv6_src: F('ct_ipv6_src'),
  ct_ipv6_dst: F('ct_ipv6_dst'),
  ct_tp_src: F('ct_tp_src'),
  ct_tp_dst: F('ct_tp_dst'),
};
const REG_FIELDS: FieldDef[] = REG_SLOTS.map((r) => F(r));
/** The rare fields nx_put_raw writes after tun_metadata, in its order. */
const RARE_PUT_ORDER: FieldDef[] = [
  'tun_erspan_idx',
  'tun_erspan_ver',
  'tun_erspan_dir',
  'tun_erspan_hwid',
  'tun_gtpu_flags',
  'tun_gtpu_msgtype',
  'nsh_flags',
  'nsh_ttl',
  'nsh_mdtype',
  'nsh_np',
  'nsh_spi',
  'nsh_si',
  'nsh_c1',
  'nsh_c2',
  'nsh_c3',
  'nsh_c4',
].map(F);

/**
 * Appends the NXM (version 0) or OXM (version = wire version) entries for a match, in the order
 * Open vSwitch writes them, and returns the number of bytes written (without padding).
 */
export function putNxMatch(w: Writer, m: Match, version: number, cookie = 0n, cookieMask = 0n): number {
  const start = w.length;
  const dlType = m.dlType();
  // ERSPAN, GTP-U, packet_type and NSH live in the rare slots, which most matches never reach.
  const rare = m.hasSlotsFrom(RARE_SLOTS_FROM);
  // The packet type first (OXM requires it), unless Ethernet's (0,0), the default.
  if (rare && m.nm(S.packet_type) && m.nv(S.packet_type) !== 0) putNum(w, FD.packet_type, version, m.nv(S.packet_type));
  putSlotNum(w, FD.dp_hash, version, m, S.dp_hash);
  if (m.nm(S.recirc_id)) putNum(w, FD.recirc_id, version, m.nv(S.recirc_id));
  if (m.nm(S.conj_id)) putNum(w, FD.conj_id, version, m.nv(S.conj_id));
  if (m.nm(S.in_port)) {
    if (version) putNum(w, FD.in_port_oxm, version, portToOf11(m.nv(S.in_port)));
    else putNum(w, FD.in_port, version, m.nv(S.in_port));
  }
  if (m.nm(S.actset_output)) putNum(w, FD.actset_output, version, portToOf11(m.nv(S.actset_output)));
  putSlotWide(w, FD.eth_src, version, m, S.dl_src);
  putSlotWide(w, FD.eth_dst, version, m, S.dl_dst);
  putSlotNum(w, FD.eth_type, version, m, S.dl_type);
  const vmask = m.nm(S.vlan_tci);
  if (vmask) {
    const vval = m.nv(S.vlan_tci);
    if (version) {
      const vidCfi = VLAN_VID_MASK | VLAN_CFI;
      const vid = vval & vidCfi;
      const mask = vmask & vidCfi;
      if (mask === vidCfi) putNum(w, FD.vlan_vid, version, vid);
      else if (mask) putNum(w, FD.vlan_vid, version, vid, mask);
      if (vid && (vmask >> 13) & 7) putNum(w, FD.vlan_pcp, version, (vval >> 13) & 7);
    } else putNum(w, FD.vlan_tci, version, vval, vmask);
  }
  if (isMplsType(dlType)) {
    const lmask = m.nm(S.mpls_lse);
    if (lmask) {
      const v = m.nv(S.mpls_lse);
      if (lmask & 0xe00) putNum(w, FD.mpls_tc, version, (v >>> 9) & 7);
      if (lmask & 0x100) putNum(w, FD.mpls_bos, version, (v >>> 8) & 1);
      if (lmask & 0xff) putNum(w, FD.mpls_ttl, version, v & 0xff);
      if (lmask & 0xfffff000) putNum(w, FD.mpls_label, version, v >>> 12);
    }
  }
  if (dlType === ETH_TYPE.IP || dlType === ETH_TYPE.IPV6) {
    if (dlType === ETH_TYPE.IP) {
      putSlotNum(w, FD.ip_src, version, m, S.nw_src);
      putSlotNum(w, FD.ip_dst, version, m, S.nw_dst);
    } else {
      putSlotWide(w, FD.ipv6_src, version, m, S.ipv6_src);
      putSlotWide(w, FD.ipv6_dst, version, m, S.ipv6_dst);
    }
    const fmask = m.nm(S.nw_frag);
    if (fmask) putNum(w, FD.ip_frag, version, m.nv(S.nw_frag) & 3, (fmask & 3) === 3 ? 0xff : fmask & 3);
    const tosMask = m.nm(S.nw_tos);
    const tos = m.nv(S.nw_tos);
    if (tosMask & 0xfc) {
      if (version) putNum(w, FD.ip_dscp, version, tos >> 2);
      else putNum(w, FD.nw_tos, version, tos & 0xfc);
    }
    if (tosMask & 3) putNum(w, FD.nw_ecn, version, tos & 3);
    if (m.nm(S.nw_ttl)) putNum(w, FD.nw_ttl, version, m.nv(S.nw_ttl));
    putSlotNum(w, FD.ipv6_label, version, m, S.ipv6_label);
    if (m.nm(S.nw_proto)) {
      const proto = m.nwProto();
      putNum(w, FD.nw_proto, version, proto);
      if (proto === IPPROTO.TCP) {
        putSlotNum(w, FD.tcp_src, version, m, S.tp_src);
        putSlotNum(w, FD.tcp_dst, version, m, S.tp_dst);
        putSlotNum(w, FD.tcp_flags, version, m, S.tcp_flags);
      } else if (proto === IPPROTO.UDP) {
        putSlotNum(w, FD.udp_src, version, m, S.tp_src);
        putSlotNum(w, FD.udp_dst, version, m, S.tp_dst);
      } else if (proto === IPPROTO.SCTP) {
        putSlotNum(w, FD.sctp_src, version, m, S.tp_src);
        putSlotNum(w, FD.sctp_dst, version, m, S.tp_dst);
      } else if (proto === IPPROTO.ICMP && dlType === ETH_TYPE.IP) {
        if (m.nm(S.tp_src)) putNum(w, FD.icmp_type, version, m.nv(S.tp_src));
        if (m.nm(S.tp_dst)) putNum(w, FD.icmp_code, version, m.nv(S.tp_dst));
      } else if (proto === IPPROTO.ICMPV6 && dlType === ETH_TYPE.IPV6) {
        if (m.nm(S.tp_src)) putNum(w, FD.icmpv6_type, version, m.nv(S.tp_src));
        if (m.nm(S.tp_dst)) putNum(w, FD.icmpv6_code, version, m.nv(S.tp_dst));
        const type = m.nv(S.tp_src);
        if (m.nm(S.tp_src) === 0xffff && (type === 135 || type === 136)) {
          if (m.nm(S.nd_reserved)) putNum(w, FD.nd_reserved, version, m.nv(S.nd_reserved));
          putSlotWide(w, FD.nd_target, version, m, S.nd_target);
          if (m.nm(S.tcp_flags)) putNum(w, FD.nd_options_type, version, m.nv(S.tcp_flags));
          if (type === 135) putSlotWide(w, FD.nd_sll, version, m, S.arp_sha);
          if (type === 136) putSlotWide(w, FD.nd_tll, version, m, S.arp_tha);
        }
      }
    }
  } else if (dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP) {
    if (m.nm(S.nw_proto)) putNum(w, FD.arp_op, version, m.nv(S.nw_proto));
    putSlotNum(w, FD.arp_spa, version, m, S.nw_src);
    putSlotNum(w, FD.arp_tpa, version, m, S.nw_dst);
    putSlotWide(w, FD.arp_sha, version, m, S.arp_sha);
    putSlotWide(w, FD.arp_tha, version, m, S.arp_tha);
  }
  putSlotWide(w, FD.tun_id, version, m, S.tun_id);
  putSlotNum(w, FD.tun_flags, version, m, S.tun_flags);
  putSlotNum(w, FD.tun_src, version, m, S.tun_src);
  putSlotNum(w, FD.tun_dst, version, m, S.tun_dst);
  putSlotWide(w, FD.tun_ipv6_src, version, m, S.tun_ipv6_src);
  putSlotWide(w, FD.tun_ipv6_dst, version, m, S.tun_ipv6_dst);
  putSlotNum(w, FD.tun_gbp_id, version, m, S.tun_gbp_id);
  putSlotNum(w, FD.tun_gbp_flags, version, m, S.tun_gbp_flags);
  if (m.tunMd) putTunMd(w, m.tunMd);
  // ERSPAN, GTP-U, then NSH whatever the Ethernet type (as OVS: a reader then finds the NSH
  // prerequisite missing), in OVS's order.
  if (rare) for (const f of RARE_PUT_ORDER) putSlotNum(w, f, version, m, f.slotIndex);
  if (version < 6) {
    for (let i = 0; i < 16; i++) putSlotNum(w, REG_FIELDS[i], version, m, S.reg0 + i);
  } else {
    for (let i = 0; i < 8; i++) {
      const hiMask = m.nm(S.reg0 + 2 * i);
      const loMask = m.nm(S.reg0 + 2 * i + 1);
      if (!hiMask && !loMask) continue;
      const value = (BigInt(m.nv(S.reg0 + 2 * i)) << 32n) | BigInt(m.nv(S.reg0 + 2 * i + 1));
      const mask = (BigInt(hiMask) << 32n) | BigInt(loMask);
      put(w, ((XREG_CLASS << 16) | (i << 9) | 8) >>> 0, 8, value, mask);
    }
  }
  putSlotNum(w, FD.pkt_mark, version, m, S.pkt_mark);
  putSlotNum(w, FD.ct_state, version, m, S.ct_state);
  putSlotNum(w, FD.ct_zone, version, m, S.ct_zone);
  putSlotNum(w, FD.ct_mark, version, m, S.ct_mark);
  putSlotWide(w, FD.ct_label, version, m, S.ct_label);
  putSlotNum(w, FD.ct_nw_src, version, m, S.ct_nw_src);
  putSlotWide(w, FD.ct_ipv6_src, version, m, S.ct_ipv6_src);
  putSlotNum(w, FD.ct_nw_dst, version, m, S.ct_nw_dst);
  putSlotWide(w, FD.ct_ipv6_dst, version, m, S.ct_ipv6_dst);
  // As OVS's nx_put_raw: the protocol and ports only when the protocol's value is not zero.
  if (m.nv(S.ct_nw_proto)) {
    putSlotNum(w, FD.ct_nw_proto, version, m, S.ct_nw_proto);
    putSlotNum(w, FD.ct_tp_src, version, m, S.ct_tp_src);
    putSlotNum(w, FD.ct_tp_dst, version, m, S.ct_tp_dst);
  }
  putSlotWide(w, FD.metadata, version, m, S.metadata);
  if (cookieMask) {
    const masked = cookieMask !== 0xffffffffffffffffn;
    w.u32(masked ? (NXM_NX_COOKIE & ~0xff) | 0x100 | 16 : NXM_NX_COOKIE);
    w.u64(cookie & cookieMask);
    if (masked) w.u64(cookieMask);
  }
  return w.length - start;
}

export interface PulledMatch {
  match: Match;
  cookie: bigint;
  cookieMask: bigint;
}

function prereqOk(f: FieldDef, m: Match): boolean {
  switch (f.prereq) {
    case 'none':
      return true;
    case 'vlan':
      return (m.nv(S.vlan_tci) & VLAN_CFI) !== 0;
    case 'ct':
      return ctValid(m);
    case 'ethernet':
      return !m.nm(S.packet_type) || m.nv(S.packet_type) === 0;
  }
  const dlType = m.dlType();
  const proto = m.nm(S.nw_proto) ? m.nwProto() : -1;
  const ipAny = dlType === ETH_TYPE.IP || dlType === ETH_TYPE.IPV6;
  // Later fragments carry no L4 header, so L4 fields cannot be matched on them.
  const l4 = ipAny && !(m.nv(S.nw_frag) & 2);
  switch (f.prereq) {
    case 'arp':
      return dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP;
    case 'ipv4':
      return dlType === ETH_TYPE.IP;
    case 'ipv6':
      return dlType === ETH_TYPE.IPV6;
    case 'ip_any':
      return ipAny;
    case 'mpls':
      return isMplsType(dlType);
    case 'nsh':
      return dlType === ETH_TYPE.NSH;
    case 'tcp':
      return l4 && proto === IPPROTO.TCP;
    case 'udp':
      return l4 && proto === IPPROTO.UDP;
    case 'sctp':
      return l4 && proto === IPPROTO.SCTP;
    case 'icmpv4':
      return dlType === ETH_TYPE.IP && proto === IPPROTO.ICMP;
    case 'icmpv6':
      return dlType === ETH_TYPE.IPV6 && proto === IPPROTO.ICMPV6;
    case 'nd':
    case 'nd_solicit':
    case 'nd_advert': {
      if (!(dlType === ETH_TYPE.IPV6 && proto === IPPROTO.ICMPV6) || m.nm(S.tp_src) !== 0xffff) return false;
      const t = m.nv(S.tp_src);
      if (f.prereq === 'nd') return t === 135 || t === 136;
      return f.prereq === 'nd_solicit' ? t === 135 : t === 136;
    }
  }
  return true;
}

export { prereqOk };

/** ct_state bits that only a valid connection has: new, est, rel, rpl, snat, dnat. */
const CS_VALID_BITS = 0xcf;
const CS_INVALID = 0x10;
const CS_TRACKED = 0x20;

/**
 * OVS's is_ct_valid for a match: it must require one of the bits only a valid connection has,
 * or require tracked and not invalid (`+trk` alone is not enough: `-inv` must be matched too).
 */
export function ctValid(m: Match): boolean {
  const v = m.nv(S.ct_state);
  return (
    (v & CS_VALID_BITS) !== 0 || ((v & CS_TRACKED) !== 0 && (m.nm(S.ct_state) & CS_INVALID) !== 0 && !(v & CS_INVALID))
  );
}

/**
 * Decodes `length` bytes of NXM/OXM entries at `offset` (absolute offsets are reported in errors
 * relative to `base`). Checks lengths, masks, prerequisites and duplicates as OVS does; `loose`
 * (OVS's nx_pull_match_loose) skips unknown fields and does not check prerequisites.
 */
/** `into`, when given, is reset and filled instead of a new Match (a caller's reused scratch). */
export function pullNxMatch(
  b: Uint8Array,
  offset: number,
  length: number,
  base = 0,
  loose = false,
  into?: Match,
): PulledMatch {
  const match = into ?? new Match();
  if (into) into.reset();
  const end = offset + length;
  let cookie = 0n;
  let cookieMask = 0n;
  const seen = SEEN;
  let nSeen = 0;
  let p = offset;
  while (p < end) {
    if (end - p < 4) throw decodeError(4, OFPBMC.BAD_LEN, base + p, 'truncated NXM/OXM entry header');
    const header = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    const hasMask = (header & 0x100) !== 0;
    let len = header & 0xff;
    const cls = header >>> 16;
    let q = p + 4;
    if (cls === 0xffff) {
      if (len < 4 || end - q < 4) throw decodeError(4, OFPBMC.BAD_LEN, base + p, 'bad experimenter OXM length');
      q += 4;
      len -= 4;
    }
    // tun_metadataN is variable-length: 0 to 124 bytes (a zero-length masked entry is `tun_metadataN`).
    const tunIdx = cls === 1 ? tunMdIndexOfHeader(header) : -1;
    if ((len === 0 && tunIdx < 0) || (hasMask && len % 2) || end - q < len) {
      throw decodeError(4, OFPBMC.BAD_LEN, base + p, `NXM/OXM entry 0x${header.toString(16)} overruns the match`);
    }
    const bytes = hasMask ? len / 2 : len;
    const key = header >>> 9;
    for (let k = 0; k < nSeen; k++)
      if (seen[k] === key) throw decodeError(4, OFPBMC.DUP_FIELD, base + p, 'duplicate NXM/OXM field');
    seen[nSeen++] = key;
    if (tunIdx >= 0) {
      if (bytes > TUN_METADATA_MAX_BYTES)
        throw decodeError(4, OFPBMC.BAD_LEN, base + p, `bad length for tun_metadata${tunIdx}`);
      if (hasMask && readUint(b, q, bytes) & ~readUint(b, q + bytes, bytes))
        throw decodeError(4, OFPBMC.BAD_WILDCARDS, base + p, `tun_metadata${tunIdx} value has bits outside its mask`);
      if (!match.tunMd) match.tunMd = newTunMd();
      try {
        pullTunMdEntry(match.tunMd, tunIdx, b, q, bytes, hasMask);
      } catch (e) {
        // Over the 256 bytes all options share (OVS's nx_pull_raw: an error from mf_set).
        throw decodeError(4, OFPBMC.BAD_VALUE, base + p, (e as Error).message);
      }
      p = q + len;
      continue;
    }
    // An experimenter field is known only with its own experimenter ID.
    const f =
      cls === XREG_CLASS || (cls === 0xffff && readUintNum(b, p + 4, 4) !== oxmExperimenterId(header))
        ? undefined
        : fieldByHeader(header);
    if (f && bytes <= 4 && bytes === f.bytes && f.slotIndex < NARROW_SLOTS) {
      // The common case in numbers: a field of up to 4 bytes in a narrow slot.
      const value = readUintNum(b, q, bytes);
      const mask = hasMask ? readUintNum(b, q + bytes, bytes) : NUM_BYTE_ONES[bytes];
      checkMaskAndPrereq(f, hasMask, loose, match, base + p, value);
      applyFieldNum(match, f, value, mask, base + p);
      p = q + len;
      continue;
    }
    const value = readUint(b, q, bytes);
    const mask = hasMask ? readUint(b, q + bytes, bytes) : ones(bytes);
    if ((header & 0xfffffe00) >>> 0 === (NXM_NX_COOKIE & 0xfffffe00) >>> 0) {
      if (bytes !== 8) throw decodeError(4, OFPBMC.BAD_LEN, base + p, 'bad cookie length');
      cookie = value & mask;
      cookieMask = mask;
    } else if (cls === XREG_CLASS) {
      const i = (header >>> 9) & 0x7f;
      if (bytes !== 8 || i > 7) throw decodeError(4, OFPBMC.BAD_FIELD, base + p, 'unknown xreg');
      match.setSlot(`reg${2 * i}`, (value >> 32n) & (mask >> 32n), mask >> 32n);
      match.setSlot(`reg${2 * i + 1}`, value & 0xffffffffn & mask, mask & 0xffffffffn);
    } else {
      if (!f && loose) {
        p = q + len;
        continue;
      }
      if (!f) throw decodeError(4, OFPBMC.BAD_FIELD, base + p, `unknown NXM/OXM field 0x${header.toString(16)}`);
      if (bytes !== f.bytes) throw decodeError(4, OFPBMC.BAD_LEN, base + p, `bad length for ${f.name}`);
      checkMaskAndPrereq(f, hasMask, loose, match, base + p);
      applyField(match, f, value, mask, base + p);
    }
    p = q + len;
  }
  return { match, cookie, cookieMask };
}

const SEEN: number[] = [];

/**
 * A mask only on a maskable field (vlan_vid takes OpenFlow 1.0-style masks too), a value OVS
 * accepts (`value` -1: checked later), then prerequisites unless `loose`: nx_pull_raw's order.
 */
function checkMaskAndPrereq(f: FieldDef, hasMask: boolean, loose: boolean, match: Match, at: number, value = -1): void {
  if (hasMask && !f.maskable && f.name !== 'vlan_vid')
    throw decodeError(4, OFPBMC.BAD_MASK, at, `${f.name} is not maskable`);
  if (value >= 0 && !numValueOk(f, value)) throw decodeError(4, OFPBMC.BAD_VALUE, at, `bad value for ${f.name}`);
  if (!loose && !prereqOk(f, match)) throw decodeError(4, OFPBMC.BAD_PREREQ, at, `${f.name} prerequisites not met`);
}

/** OVS's mf_is_value_valid for the fields with rules of their own beyond their width. */
function numValueOk(f: FieldDef, value: number): boolean {
  switch (f.name) {
    case 'nsh_ttl':
      return value <= 63;
    case 'nsh_mdtype':
      return value === 1 || value === 2;
    case 'nsh_spi':
      return value <= 0xffffff;
  }
  return true;
}

/** applyField for a field of up to 4 bytes in a narrow slot, in numbers. */
function applyFieldNum(m: Match, f: FieldDef, value: number, mask: number, offset: number): void {
  switch (f.name) {
    case 'in_port_oxm': {
      const port = portFromOf11(value);
      if (port < 0) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad in_port');
      m.setNum(S.in_port, port, 0xffff);
      return;
    }
    case 'actset_output': {
      const port = portFromOf11(value);
      if (port < 0) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad actset_output');
      m.setNum(S.actset_output, port, 0xffff);
      return;
    }
    case 'vlan_vid':
      m.setFieldNum(f, value, mask);
      return;
    case 'vlan_pcp':
      if (value > 7) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad vlan_pcp');
      m.setFieldNum(f, value, mask);
      return;
    case 'nw_tos':
      if (value & 3) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad nw_tos');
      m.setFieldNum(f, value, mask);
      return;
    case 'ip_dscp':
      if (value > 63) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad ip_dscp');
      m.setFieldNum(f, value, mask);
      return;
    case 'nw_ecn':
      if (value > 3) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad nw_ecn');
      m.setFieldNum(f, value, mask);
      return;
    case 'arp_op':
      if (value > 0xff) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad arp_op');
      m.setBitsNum(S.nw_proto, value, 0xff);
      return;
    case 'ip_frag':
      m.setNum(S.nw_frag, value & 3, mask & 3);
      return;
    case 'icmp_type':
    case 'icmpv6_type':
      m.setNum(S.tp_src, value & 0xffff, 0xffff);
      return;
    case 'icmp_code':
    case 'icmpv6_code':
      m.setNum(S.tp_dst, value & 0xffff, 0xffff);
      return;
    case 'mpls_label':
      if (value >= 1 << 20) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad mpls_label');
      m.setFieldNum(f, value, 0xffffffff);
      return;
    default: {
      // A shift, not `2 ** bits`: V8 calls its C pow for a variable exponent (seen in profiles).
      if (f.bits < 32 && value > f.allOnesNum && f.format !== 'mac' && f.format !== 'ipv6') {
        throw decodeError(4, OFPBMC.BAD_VALUE, offset, `bad value for ${f.name}`);
      }
      m.setFieldNum(f, value, mask);
    }
  }
}

function applyField(m: Match, f: FieldDef, value: bigint, mask: bigint, offset: number): void {
  switch (f.name) {
    case 'in_port_oxm': {
      const port = portFromOf11(Number(value));
      if (port < 0) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad in_port');
      m.setSlot('in_port', BigInt(port), 0xffffn);
      return;
    }
    case 'vlan_vid':
      m.setField(f, value, mask);
      return;
    case 'vlan_pcp':
      if (value > 7n) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad vlan_pcp');
      m.setField(f, value, mask);
      return;
    case 'nw_tos':
      if (value & 3n) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad nw_tos');
      m.setField(f, value, mask);
      return;
    case 'ip_dscp':
      if (value > 63n) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad ip_dscp');
      m.setField(f, value, mask);
      return;
    case 'nw_ecn':
      if (value > 3n) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad nw_ecn');
      m.setField(f, value, mask);
      return;
    case 'arp_op':
      if (value > 0xffn) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad arp_op');
      m.setBits('nw_proto', value, 0xffn);
      return;
    case 'ip_frag':
      m.setSlot('nw_frag', value & 3n, mask & 3n);
      return;
    case 'icmp_type':
    case 'icmpv6_type':
      m.setSlot('tp_src', value, 0xffn | 0xff00n);
      return;
    case 'icmp_code':
    case 'icmpv6_code':
      m.setSlot('tp_dst', value, 0xffffn);
      return;
    case 'mpls_label':
      if (value >= 1n << 20n) throw decodeError(4, OFPBMC.BAD_VALUE, offset, 'bad mpls_label');
      m.setField(f, value, ones(4));
      return;
    default: {
      const limit = 1n << BigInt(f.bits);
      if (value >= limit && f.format !== 'mac' && f.format !== 'ipv6') {
        throw decodeError(4, OFPBMC.BAD_VALUE, offset, `bad value for ${f.name}`);
      }
      m.setField(f, value, mask);
    }
  }
}
