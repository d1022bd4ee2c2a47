import { readUint, type Writer } from './bytes.js';
import { decodeError, OFPBMC } from './errors.js';
import { type FieldDef, fieldByHeader, fieldByName, headerFor, REG_SLOTS } from './fields.js';
import { portFromOf11, portToOf11 } from './format-values.js';
import { ETH_TYPE, IPPROTO, isMplsType, Match, VLAN_CFI, VLAN_VID_MASK } from './match.js';

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
  if (experimenter) w.u32(0x4f4e4600);
  w.uint(value & (mask ?? ones(bytes)), bytes);
  if (mask !== undefined) w.uint(mask, bytes);
}

function putField(w: Writer, name: string, version: number, value: bigint, mask?: bigint): void {
  const f = F(name);
  put(w, headerFor(f, version) as number, f.bytes, value, mask, f.allOnes);
}

/**
 * Appends the NXM (version 0) or OXM (version = wire version) entries for a match, in the order
 * Open vSwitch writes them, and returns the number of bytes written (without padding).
 */
export function putNxMatch(w: Writer, m: Match, version: number, cookie = 0n, cookieMask = 0n): number {
  const start = w.length;
  const dlType = m.dlType();
  const sv = (slot: Parameters<Match['get']>[0]) => m.get(slot);
  const putSlot = (name: string, slot: Parameters<Match['get']>[0]) => {
    const s = sv(slot);
    if (s) putField(w, name, version, s.value, s.mask);
  };
  putSlot('dp_hash', 'dp_hash');
  if (sv('recirc_id')) putField(w, 'recirc_id', version, m.value('recirc_id'));
  if (sv('conj_id')) putField(w, 'conj_id', version, m.value('conj_id'));
  if (sv('in_port')) {
    if (version) putField(w, 'in_port_oxm', version, BigInt(portToOf11(m.num('in_port'))));
    else putField(w, 'in_port', version, m.value('in_port'));
  }
  putSlot('eth_src', 'dl_src');
  putSlot('eth_dst', 'dl_dst');
  putSlot('eth_type', 'dl_type');
  const vlan = sv('vlan_tci');
  if (vlan) {
    if (version) {
      const vidCfi = BigInt(VLAN_VID_MASK | VLAN_CFI);
      const vid = vlan.value & vidCfi;
      const mask = vlan.mask & vidCfi;
      if (mask === vidCfi) putField(w, 'vlan_vid', version, vid);
      else if (mask) putField(w, 'vlan_vid', version, vid, mask);
      if (vid && (vlan.mask >> 13n) & 7n) putField(w, 'vlan_pcp', version, (vlan.value >> 13n) & 7n);
    } else putField(w, 'vlan_tci', version, vlan.value, vlan.mask);
  }
  if (isMplsType(dlType)) {
    const lse = sv('mpls_lse');
    if (lse) {
      const v = lse.value;
      if (lse.mask & 0xe00n) putField(w, 'mpls_tc', version, (v >> 9n) & 7n);
      if (lse.mask & 0x100n) putField(w, 'mpls_bos', version, (v >> 8n) & 1n);
      if (lse.mask & 0xffn) putField(w, 'mpls_ttl', version, v & 0xffn);
      if (lse.mask & 0xfffff000n) putField(w, 'mpls_label', version, v >> 12n);
    }
  }
  if (dlType === ETH_TYPE.IP || dlType === ETH_TYPE.IPV6) {
    if (dlType === ETH_TYPE.IP) {
      putSlot('ip_src', 'nw_src');
      putSlot('ip_dst', 'nw_dst');
    } else {
      putSlot('ipv6_src', 'ipv6_src');
      putSlot('ipv6_dst', 'ipv6_dst');
    }
    const frag = sv('nw_frag');
    if (frag) putField(w, 'ip_frag', version, frag.value & 3n, (frag.mask & 3n) === 3n ? 0xffn : frag.mask & 3n);
    const tosMask = m.numMask('nw_tos');
    const tos = m.num('nw_tos');
    if (tosMask & 0xfc) {
      if (version) putField(w, 'ip_dscp', version, BigInt(tos >> 2));
      else putField(w, 'nw_tos', version, BigInt(tos & 0xfc));
    }
    if (tosMask & 3) putField(w, 'nw_ecn', version, BigInt(tos & 3));
    if (sv('nw_ttl')) putField(w, 'nw_ttl', version, m.value('nw_ttl'));
    putSlot('ipv6_label', 'ipv6_label');
    if (sv('nw_proto')) {
      const proto = m.nwProto();
      putField(w, 'nw_proto', version, BigInt(proto));
      if (proto === IPPROTO.TCP) {
        putSlot('tcp_src', 'tp_src');
        putSlot('tcp_dst', 'tp_dst');
        putSlot('tcp_flags', 'tcp_flags');
      } else if (proto === IPPROTO.UDP) {
        putSlot('udp_src', 'tp_src');
        putSlot('udp_dst', 'tp_dst');
      } else if (proto === IPPROTO.SCTP) {
        putSlot('sctp_src', 'tp_src');
        putSlot('sctp_dst', 'tp_dst');
      } else if (proto === IPPROTO.ICMP && dlType === ETH_TYPE.IP) {
        if (sv('tp_src')) putField(w, 'icmp_type', version, m.value('tp_src'));
        if (sv('tp_dst')) putField(w, 'icmp_code', version, m.value('tp_dst'));
      } else if (proto === IPPROTO.ICMPV6 && dlType === ETH_TYPE.IPV6) {
        if (sv('tp_src')) putField(w, 'icmpv6_type', version, m.value('tp_src'));
        if (sv('tp_dst')) putField(w, 'icmpv6_code', version, m.value('tp_dst'));
        const type = m.num('tp_src');
        if (m.numMask('tp_src') === 0xffff && (type === 135 || type === 136)) {
          putSlot('nd_target', 'nd_target');
          if (type === 135) putSlot('nd_sll', 'arp_sha');
          if (type === 136) putSlot('nd_tll', 'arp_tha');
        }
      }
    }
  } else if (dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP) {
    if (sv('nw_proto')) putField(w, 'arp_op', version, m.value('nw_proto'));
    putSlot('arp_spa', 'nw_src');
    putSlot('arp_tpa', 'nw_dst');
    putSlot('arp_sha', 'arp_sha');
    putSlot('arp_tha', 'arp_tha');
  }
  putSlot('tun_id', 'tun_id');
  putSlot('tun_src', 'tun_src');
  putSlot('tun_dst', 'tun_dst');
  if (version < 6) {
    for (let i = 0; i < 16; i++) {
      const r = m.get(REG_SLOTS[i]);
      if (r) putField(w, REG_SLOTS[i], version, r.value, r.mask);
    }
  } else {
    for (let i = 0; i < 8; i++) {
      const hi = sv(REG_SLOTS[2 * i]);
      const lo = sv(REG_SLOTS[2 * i + 1]);
      if (!hi && !lo) continue;
      const value = ((hi?.value ?? 0n) << 32n) | (lo?.value ?? 0n);
      const mask = ((hi?.mask ?? 0n) << 32n) | (lo?.mask ?? 0n);
      put(w, ((XREG_CLASS << 16) | (i << 9) | 8) >>> 0, 8, value, mask);
    }
  }
  putSlot('pkt_mark', 'pkt_mark');
  putSlot('ct_state', 'ct_state');
  putSlot('ct_zone', 'ct_zone');
  putSlot('ct_mark', 'ct_mark');
  putSlot('ct_label', 'ct_label');
  putSlot('metadata', 'metadata');
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
  const dlType = m.dlType();
  const proto = m.numMask('nw_proto') ? m.nwProto() : -1;
  const ipAny = dlType === ETH_TYPE.IP || dlType === ETH_TYPE.IPV6;
  // Later fragments carry no L4 header, so L4 fields cannot be matched on them.
  const l4 = ipAny && !(m.num('nw_frag') & 2);
  switch (f.prereq) {
    case 'none':
      return true;
    case 'vlan':
      return (m.num('vlan_tci') & VLAN_CFI) !== 0;
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
      if (!(dlType === ETH_TYPE.IPV6 && proto === IPPROTO.ICMPV6) || m.numMask('tp_src') !== 0xffff) return false;
      const t = m.num('tp_src');
      if (f.prereq === 'nd') return t === 135 || t === 136;
      return f.prereq === 'nd_solicit' ? t === 135 : t === 136;
    }
  }
}

export { prereqOk };

/**
 * Decodes `length` bytes of NXM/OXM entries at `offset` (absolute offsets are reported in errors
 * relative to `base`). Checks lengths, masks, prerequisites and duplicates as OVS does.
 */
export function pullNxMatch(b: Uint8Array, offset: number, length: number, base = 0): PulledMatch {
  const match = new Match();
  const end = offset + length;
  let cookie = 0n;
  let cookieMask = 0n;
  const seen = new Set<number>();
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
    if (len === 0 || (hasMask && len % 2) || end - q < len) {
      throw decodeError(4, OFPBMC.BAD_LEN, base + p, `NXM/OXM entry 0x${header.toString(16)} overruns the match`);
    }
    const bytes = hasMask ? len / 2 : len;
    const value = readUint(b, q, bytes);
    const mask = hasMask ? readUint(b, q + bytes, bytes) : ones(bytes);
    const key = header >>> 9;
    if (seen.has(key)) throw decodeError(4, OFPBMC.DUP_FIELD, base + p, 'duplicate NXM/OXM field');
    seen.add(key);
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
      const f = fieldByHeader(header);
      if (!f) throw decodeError(4, OFPBMC.BAD_FIELD, base + p, `unknown NXM/OXM field 0x${header.toString(16)}`);
      if (bytes !== f.bytes) throw decodeError(4, OFPBMC.BAD_LEN, base + p, `bad length for ${f.name}`);
      if (hasMask && !f.maskable && f.name !== 'vlan_vid') {
        throw decodeError(4, OFPBMC.BAD_MASK, base + p, `${f.name} is not maskable`);
      }
      if (!prereqOk(f, match)) throw decodeError(4, OFPBMC.BAD_PREREQ, base + p, `${f.name} prerequisites not met`);
      applyField(match, f, value, mask, base + p);
    }
    p = q + len;
  }
  return { match, cookie, cookieMask };
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
