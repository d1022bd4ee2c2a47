import type { Writer } from './bytes.js';
import { readUint } from './bytes.js';
import { decodeError, OFPBMC, OFPET } from './errors.js';
import { portFromOf11, portToOf11 } from './format-values.js';
import { ETH_TYPE, IPPROTO, isMplsType, Match, S, VLAN_CFI, VLAN_PCP_MASK, VLAN_VID_MASK } from './match.js';

/**
 * The 88-byte OpenFlow 1.1 ofp11_match (OFPMT_STANDARD): a wildcard bitmap for the exact-only
 * fields and inverted masks (1 = wildcard) for addresses and metadata.
 */
export const OFPMT11_STANDARD_LENGTH = 88;
export const OFPFW11 = {
  IN_PORT: 1 << 0,
  DL_VLAN: 1 << 1,
  DL_VLAN_PCP: 1 << 2,
  DL_TYPE: 1 << 3,
  NW_TOS: 1 << 4,
  NW_PROTO: 1 << 5,
  TP_SRC: 1 << 6,
  TP_DST: 1 << 7,
  MPLS_LABEL: 1 << 8,
  MPLS_TC: 1 << 9,
} as const;
/** dl_vlan values: any tagged packet, and only untagged packets. */
const OFPVID11_ANY = 0xfffe;
const OFPVID11_NONE = 0xffff;
const MAC_ALL = 0xffffffffffffn;
const ALL64 = 0xffffffffffffffffn;

/** Appends the ofp11_match for `m` (OVS's ofputil_match_to_ofp11_match). */
export function putOfp11Match(w: Writer, m: Match): void {
  let wc = 0;
  const inPortMask = m.nm(S.in_port);
  if (!inPortMask) wc |= OFPFW11.IN_PORT;
  const tci = m.nv(S.vlan_tci);
  const tciMask = m.nm(S.vlan_tci);
  let dlVlan = 0;
  let pcp = 0;
  if (!tciMask) wc |= OFPFW11.DL_VLAN | OFPFW11.DL_VLAN_PCP;
  else if (tciMask & VLAN_CFI && !(tci & VLAN_CFI)) {
    dlVlan = OFPVID11_NONE;
    wc |= OFPFW11.DL_VLAN_PCP;
  } else {
    dlVlan = tciMask & VLAN_VID_MASK ? tci & VLAN_VID_MASK : OFPVID11_ANY;
    if (tciMask & VLAN_PCP_MASK) pcp = tci >> 13;
    else wc |= OFPFW11.DL_VLAN_PCP;
  }
  if (!m.nm(S.dl_type)) wc |= OFPFW11.DL_TYPE;
  if (!(m.nm(S.nw_tos) & 0xfc)) wc |= OFPFW11.NW_TOS;
  if (!m.nm(S.nw_proto)) wc |= OFPFW11.NW_PROTO;
  if (!m.nm(S.tp_src)) wc |= OFPFW11.TP_SRC;
  if (!m.nm(S.tp_dst)) wc |= OFPFW11.TP_DST;
  const lseMask = m.nm(S.mpls_lse);
  const lse = m.nv(S.mpls_lse);
  if (!(lseMask & 0xfffff000)) wc |= OFPFW11.MPLS_LABEL;
  if (!(lseMask & 0xe00)) wc |= OFPFW11.MPLS_TC;
  const src = m.getAt(S.dl_src);
  const dst = m.getAt(S.dl_dst);
  const meta = m.getAt(S.metadata);
  w.u16(0).u16(OFPMT11_STANDARD_LENGTH);
  w.u32(inPortMask ? portToOf11(m.nv(S.in_port)) : 0).u32(wc);
  w.uint(src?.value ?? 0n, 6).uint(~(src?.mask ?? 0n) & MAC_ALL, 6);
  w.uint(dst?.value ?? 0n, 6).uint(~(dst?.mask ?? 0n) & MAC_ALL, 6);
  w.u16(dlVlan).u8(pcp).u8(0);
  w.u16(m.nv(S.dl_type))
    .u8(m.nv(S.nw_tos) & 0xfc)
    .u8(m.nv(S.nw_proto));
  w.u32(m.nv(S.nw_src)).u32(~m.nm(S.nw_src) >>> 0);
  w.u32(m.nv(S.nw_dst)).u32(~m.nm(S.nw_dst) >>> 0);
  w.u16(m.nv(S.tp_src)).u16(m.nv(S.tp_dst));
  w.u32(lseMask & 0xfffff000 ? lse >>> 12 : 0)
    .u8(lseMask & 0xe00 ? (lse >> 9) & 7 : 0)
    .zeros(3);
  w.u64(meta?.value ?? 0n).u64(~(meta?.mask ?? 0n) & ALL64);
}

const badValue = (at: number, why: string) => decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_VALUE, at, why);

/**
 * Decodes the ofp11_match at `off` (type and length already checked) as OVS's
 * ofputil_match_from_ofp11_match: fields whose prerequisites the match lacks are ignored.
 */
export function pullOfp11Match(b: Uint8Array, off: number): Match {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const m = new Match();
  const wc = v.getUint32(off + 8) & 0xffff;
  if (!(wc & OFPFW11.IN_PORT)) {
    const port = portFromOf11(v.getUint32(off + 4));
    if (port < 0) throw badValue(off + 4, 'in_port out of range');
    m.setNum(S.in_port, port, 0xffff);
  }
  setMacMasked(m, S.dl_src, readUint(b, off + 12, 6), ~readUint(b, off + 18, 6) & MAC_ALL);
  setMacMasked(m, S.dl_dst, readUint(b, off + 24, 6), ~readUint(b, off + 30, 6) & MAC_ALL);
  if (!(wc & OFPFW11.DL_VLAN)) {
    const dlVlan = v.getUint16(off + 36);
    if (dlVlan === OFPVID11_NONE) m.setNum(S.vlan_tci, 0, 0xffff);
    else {
      let tci: number;
      let mask: number;
      if (dlVlan === OFPVID11_ANY) {
        tci = VLAN_CFI;
        mask = VLAN_CFI;
      } else if (dlVlan < 4096) {
        tci = VLAN_CFI | dlVlan;
        mask = VLAN_CFI | VLAN_VID_MASK;
      } else throw badValue(off + 36, 'bad dl_vlan');
      if (!(wc & OFPFW11.DL_VLAN_PCP)) {
        const pcp = b[off + 38];
        if (pcp > 7) throw badValue(off + 38, 'bad dl_vlan_pcp');
        tci |= pcp << 13;
        mask |= VLAN_PCP_MASK;
      }
      m.setNum(S.vlan_tci, tci, mask);
    }
  }
  if (!(wc & OFPFW11.DL_TYPE)) m.setNum(S.dl_type, v.getUint16(off + 40), 0xffff);
  const dlType = m.dlType();
  const ipv4 = dlType === ETH_TYPE.IP;
  const arp = dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP;
  if (ipv4 && !(wc & OFPFW11.NW_TOS)) {
    const tos = b[off + 42];
    if (tos & 3) throw badValue(off + 42, 'bad nw_tos');
    m.setBitsNum(S.nw_tos, tos, 0xfc);
  }
  if (ipv4 || arp) {
    if (!(wc & OFPFW11.NW_PROTO)) m.setNum(S.nw_proto, b[off + 43], 0xff);
    setIpMasked(m, S.nw_src, v.getUint32(off + 44), ~v.getUint32(off + 48) >>> 0);
    setIpMasked(m, S.nw_dst, v.getUint32(off + 52), ~v.getUint32(off + 56) >>> 0);
  }
  if (ipv4 && (wc & (OFPFW11.TP_SRC | OFPFW11.TP_DST)) !== (OFPFW11.TP_SRC | OFPFW11.TP_DST)) {
    const proto = m.nv(S.nw_proto);
    const tpSrc = v.getUint16(off + 60);
    const tpDst = v.getUint16(off + 62);
    if (proto === IPPROTO.ICMP) {
      if (!(wc & OFPFW11.TP_SRC)) {
        if (tpSrc > 0xff) throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_FIELD, off + 60, 'bad icmp_type');
        m.setNum(S.tp_src, tpSrc, 0xffff);
      }
      if (!(wc & OFPFW11.TP_DST)) {
        if (tpDst > 0xff) throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_FIELD, off + 62, 'bad icmp_code');
        m.setNum(S.tp_dst, tpDst, 0xffff);
      }
    } else if (proto === IPPROTO.TCP || proto === IPPROTO.UDP || proto === IPPROTO.SCTP) {
      if (!(wc & OFPFW11.TP_SRC)) m.setNum(S.tp_src, tpSrc, 0xffff);
      if (!(wc & OFPFW11.TP_DST)) m.setNum(S.tp_dst, tpDst, 0xffff);
    }
  }
  if (isMplsType(dlType)) {
    if (!(wc & OFPFW11.MPLS_LABEL)) m.setBitsNum(S.mpls_lse, (v.getUint32(off + 64) << 12) >>> 0, 0xfffff000);
    if (!(wc & OFPFW11.MPLS_TC)) m.setBitsNum(S.mpls_lse, (b[off + 68] & 7) << 9, 0xe00);
  }
  const metaMask = ~v.getBigUint64(off + 80) & ALL64;
  if (metaMask) m.setSlotAt(S.metadata, v.getBigUint64(off + 72) & metaMask, metaMask);
  return m;
}

function setMacMasked(m: Match, slot: number, value: bigint, mask: bigint): void {
  if (mask) m.setSlotAt(slot, value & mask, mask);
}

function setIpMasked(m: Match, slot: number, value: number, mask: number): void {
  if (mask) m.setNum(slot, (value & mask) >>> 0, mask);
}
