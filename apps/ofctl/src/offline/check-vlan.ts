import { nxMatchToString } from './nx-match.js';

type Of = typeof import('@softswitch/openflow');
type Match = import('@softswitch/openflow').Match;

const OFPFW10_DL_VLAN = 1 << 1;
const OFPFW10_DL_VLAN_PCP = 1 << 20;
const OFPFW11_DL_VLAN = 1 << 1;
const OFPFW11_DL_VLAN_PCP = 1 << 2;
const VID_CFI = 0x1fff;

/** C's strtoul(s, NULL, 16) as ovs-ofctl reads the arguments, truncated to 16 bits as htons does. */
function hex16(s: string): number {
  const m = /^\s*[+]?(?:0[xX])?([0-9a-fA-F]*)/.exec(s);
  const digits = m?.[1] ?? '';
  return digits ? Number(BigInt(`0x${digits}`) & 0xffffn) : 0;
}

const h4 = (n: number) => n.toString(16).padStart(4, '0');
const h2 = (n: number) => n.toString(16).padStart(2, '0');

function tciOf(of: Of, m: Match): string {
  const f = of.fieldByName('vlan_tci') as import('@softswitch/openflow').FieldDef;
  const { value, mask } = m.getField(f);
  return `${h4(Number(value))}/${h4(Number(mask))}`;
}

function errorNameOf(of: Of, e: unknown): string {
  if (!(e instanceof of.OpenFlowDecodeError)) throw e;
  return of.errorName(e.type, e.code);
}

/**
 * ovs-ofctl check-vlan TCI MASK: a vlan_tci match through each of OVS's forms and back — flow
 * syntax, NXM, OXM (OpenFlow 1.2), the OpenFlow 1.0 and 1.1 matches — one line each. Values
 * outside the mask are kept as given, which only the flow-syntax line shows the same way.
 */
export function checkVlanOutput(of: Of, tciText: string, maskText: string): string {
  const tci = hex16(tciText);
  const mask = hex16(maskText);
  const field = of.fieldByName('vlan_tci') as import('@softswitch/openflow').FieldDef;
  const match = new of.Match();
  match.setField(field, BigInt(tci & mask), BigInt(mask));
  let out = '';

  const text = of.formatMatch(match);
  out += `${text} -> ${tciOf(of, of.parseFlow(text, 3).fm.match)}\n`;

  const nxm = new of.Writer(64);
  const nxmLen = of.putNxMatch(nxm, match, 0);
  const nxmBytes = nxm.finish().subarray(0, nxmLen);
  out += `NXM: ${nxMatchToString(of, nxmBytes)} -> `;
  try {
    out += `${tciOf(of, of.pullNxMatch(nxmBytes, 0, nxmLen).match)}\n`;
  } catch (e) {
    out += `${errorNameOf(of, e)}\n`;
  }

  const oxm = new of.Writer(64);
  const oxmLen = of.putNxMatch(oxm, match, 3);
  const oxmBytes = oxm.finish().subarray(0, oxmLen);
  out += `OXM: ${nxMatchToString(of, oxmBytes)} -> `;
  try {
    const back = of.pullNxMatch(oxmBytes, 0, oxmLen).match.getField(field);
    const vid = Number(back.value) & VID_CFI;
    const vidMask = Number(back.mask) & VID_CFI;
    const pcpMasked = (Number(back.mask) >> 13) & 7;
    out += `${h4(vid)}/${h4(vidMask)},${vid && pcpMasked ? String((Number(back.value) >> 13) & 7).padStart(2, '0') : '--'}\n`;
  } catch (e) {
    out += `${errorNameOf(of, e)}\n`;
  }

  const m10 = new of.Writer(40);
  of.putOfp10Match(m10, match);
  const b10 = m10.finish();
  const v10 = new DataView(b10.buffer, b10.byteOffset, b10.byteLength);
  const w10 = v10.getUint32(0);
  out += `OF1.0: ${h4(v10.getUint16(18))}/${+!!(w10 & OFPFW10_DL_VLAN)},${h2(b10[20])}/${+!!(w10 & OFPFW10_DL_VLAN_PCP)} -> `;
  out += `${tciOf(of, of.pullOfp10Match(b10, 0).match)}\n`;

  const m11 = new of.Writer(88);
  of.putOfp11Match(m11, match);
  const b11 = m11.finish();
  const v11 = new DataView(b11.buffer, b11.byteOffset, b11.byteLength);
  const w11 = v11.getUint32(8);
  out += `OF1.1: ${h4(v11.getUint16(36))}/${+!!(w11 & OFPFW11_DL_VLAN)},${h2(b11[38])}/${+!!(w11 & OFPFW11_DL_VLAN_PCP)} -> `;
  out += `${tciOf(of, of.pullOfp11Match(b11, 0))}\n`;
  return out;
}
