import type { Writer } from './bytes.js';
import { readUint } from './bytes.js';
import { cidrLength } from './format-values.js';
import { Match, normalizeMatch, VLAN_CFI, VLAN_PCP_MASK, VLAN_VID_MASK } from './match.js';

/** The 40-byte OpenFlow 1.0 ofp_match and its wildcard bits. */
export const OFPFW10 = {
  IN_PORT: 1 << 0,
  DL_VLAN: 1 << 1,
  DL_SRC: 1 << 2,
  DL_DST: 1 << 3,
  DL_TYPE: 1 << 4,
  NW_PROTO: 1 << 5,
  TP_SRC: 1 << 6,
  TP_DST: 1 << 7,
  NW_SRC_SHIFT: 8,
  NW_DST_SHIFT: 14,
  DL_VLAN_PCP: 1 << 20,
  NW_TOS: 1 << 21,
  ALL: (1 << 22) - 1,
} as const;

const wcbits = (mask: bigint): number => {
  const len = cidrLength(mask, 32);
  return 32 - (len < 0 ? 32 : len);
};
const netmask = (bits: number): bigint => {
  const b = bits & 0x3f;
  return b < 32 ? (0xffffffffn << BigInt(b)) & 0xffffffffn : 0n;
};

export function putOfp10Match(w: Writer, m: Match): void {
  let wc = 0;
  if (!m.get('in_port')) wc |= OFPFW10.IN_PORT;
  if (!m.get('dl_type')) wc |= OFPFW10.DL_TYPE;
  if (!m.get('nw_proto')) wc |= OFPFW10.NW_PROTO;
  wc |= wcbits(m.mask('nw_src')) << OFPFW10.NW_SRC_SHIFT;
  wc |= wcbits(m.mask('nw_dst')) << OFPFW10.NW_DST_SHIFT;
  if (!(m.numMask('nw_tos') & 0xfc)) wc |= OFPFW10.NW_TOS;
  if (!m.get('tp_src')) wc |= OFPFW10.TP_SRC;
  if (!m.get('tp_dst')) wc |= OFPFW10.TP_DST;
  if (!m.get('dl_src')) wc |= OFPFW10.DL_SRC;
  if (!m.get('dl_dst')) wc |= OFPFW10.DL_DST;
  let dlVlan = 0;
  let pcp = 0;
  const tci = m.num('vlan_tci');
  const tmask = m.numMask('vlan_tci');
  if (tmask === 0) wc |= OFPFW10.DL_VLAN | OFPFW10.DL_VLAN_PCP;
  else if (tmask & VLAN_CFI && !(tci & VLAN_CFI)) dlVlan = 0xffff;
  else {
    if (!(tmask & VLAN_VID_MASK)) wc |= OFPFW10.DL_VLAN;
    else dlVlan = tci & VLAN_VID_MASK;
    if (!(tmask & VLAN_PCP_MASK)) wc |= OFPFW10.DL_VLAN_PCP;
    else pcp = tci >> 13;
  }
  w.u32(wc);
  w.u16(m.num('in_port'));
  w.uint(m.value('dl_src'), 6);
  w.uint(m.value('dl_dst'), 6);
  w.u16(dlVlan).u8(pcp).u8(0);
  w.u16(m.num('dl_type'));
  w.u8(m.num('nw_tos') & 0xfc)
    .u8(m.num('nw_proto'))
    .u16(0);
  w.u32(m.num('nw_src')).u32(m.num('nw_dst'));
  w.u16(m.num('tp_src')).u16(m.num('tp_dst'));
}

/**
 * Decodes an ofp_match at `off` and normalizes it as OVS does (unless `normalize` is false, for
 * ovs-ofctl parse-ofp10-match, which shows both); returns the match and wildcards.
 */
export function pullOfp10Match(b: Uint8Array, off: number, normalize = true): { match: Match; wildcards: number } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const wc = v.getUint32(off) & OFPFW10.ALL;
  const m = new Match();
  if (!(wc & OFPFW10.IN_PORT)) m.setSlot('in_port', BigInt(v.getUint16(off + 4)), 0xffffn);
  if (!(wc & OFPFW10.DL_SRC)) m.setSlot('dl_src', readUint(b, off + 6, 6), 0xffffffffffffn);
  if (!(wc & OFPFW10.DL_DST)) m.setSlot('dl_dst', readUint(b, off + 12, 6), 0xffffffffffffn);
  const dlVlan = v.getUint16(off + 18);
  const pcp = b[off + 20];
  if (!(wc & OFPFW10.DL_VLAN) && dlVlan === 0xffff) m.setSlot('vlan_tci', 0n, 0xffffn);
  else {
    let tmask = 0;
    if (!(wc & OFPFW10.DL_VLAN_PCP)) tmask |= VLAN_PCP_MASK | VLAN_CFI;
    if (!(wc & OFPFW10.DL_VLAN)) tmask |= VLAN_VID_MASK | VLAN_CFI;
    const tci = (dlVlan & VLAN_VID_MASK) | ((pcp << 13) & VLAN_PCP_MASK) | VLAN_CFI;
    if (tmask) m.setSlot('vlan_tci', BigInt(tci), BigInt(tmask));
  }
  if (!(wc & OFPFW10.DL_TYPE)) m.setSlot('dl_type', BigInt(v.getUint16(off + 22)), 0xffffn);
  if (!(wc & OFPFW10.NW_TOS)) m.setSlot('nw_tos', BigInt(b[off + 24] & 0xfc), 0xfcn);
  if (!(wc & OFPFW10.NW_PROTO)) m.setSlot('nw_proto', BigInt(b[off + 25]), 0xffn);
  m.setSlot('nw_src', BigInt(v.getUint32(off + 28)), netmask(wc >> OFPFW10.NW_SRC_SHIFT));
  m.setSlot('nw_dst', BigInt(v.getUint32(off + 32)), netmask(wc >> OFPFW10.NW_DST_SHIFT));
  if (!(wc & OFPFW10.TP_SRC)) m.setSlot('tp_src', BigInt(v.getUint16(off + 36)), 0xffffn);
  if (!(wc & OFPFW10.TP_DST)) m.setSlot('tp_dst', BigInt(v.getUint16(off + 38)), 0xffffn);
  if (normalize) normalizeMatch(m);
  return { match: m, wildcards: wc };
}
