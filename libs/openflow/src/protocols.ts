/**
 * Open vSwitch's "protocol" notion: an OpenFlow version plus, for OpenFlow 1.0, the flow format
 * (standard ofp_match or Nicira NXM) and whether the flow_mod_table_id extension is on. A set of
 * protocols is a bitmask; parsing a flow narrows the set to those able to express it.
 */
export const Protocol = {
  OF10_STD: 1 << 0,
  OF10_STD_TID: 1 << 1,
  OF10_NXM: 1 << 2,
  OF10_NXM_TID: 1 << 3,
  OF11_STD: 1 << 4,
  OF12_OXM: 1 << 5,
  OF13_OXM: 1 << 6,
  OF14_OXM: 1 << 7,
  OF15_OXM: 1 << 8,
} as const;

export const P_OF10_STD_ANY = Protocol.OF10_STD | Protocol.OF10_STD_TID;
export const P_OF10_NXM_ANY = Protocol.OF10_NXM | Protocol.OF10_NXM_TID;
export const P_ANY_OXM = Protocol.OF12_OXM | Protocol.OF13_OXM | Protocol.OF14_OXM | Protocol.OF15_OXM;
export const P_NXM_OXM_ANY = P_OF10_NXM_ANY | P_ANY_OXM;
export const P_NXM_OF11_UP = P_OF10_NXM_ANY | Protocol.OF11_STD | P_ANY_OXM;
export const P_OF11_UP = Protocol.OF11_STD | P_ANY_OXM;
export const P_OF12_UP = P_ANY_OXM;
export const P_OF13_UP = Protocol.OF13_OXM | Protocol.OF14_OXM | Protocol.OF15_OXM;
export const P_OF14_UP = Protocol.OF14_OXM | Protocol.OF15_OXM;
export const P_OF15_UP = Protocol.OF15_OXM;
export const P_TID = Protocol.OF10_STD_TID | Protocol.OF10_NXM_TID | Protocol.OF11_STD | P_ANY_OXM;
export const P_ANY = 0x1ff;

const PROTOCOL_NAMES: [number, string][] = [
  [Protocol.OF10_STD, 'OpenFlow10-table_id'],
  [Protocol.OF10_STD_TID, 'OpenFlow10+table_id'],
  [Protocol.OF10_NXM, 'NXM-table_id'],
  [Protocol.OF10_NXM_TID, 'NXM+table_id'],
  [Protocol.OF11_STD, 'OpenFlow11'],
  [Protocol.OF12_OXM, 'OXM-OpenFlow12'],
  [Protocol.OF13_OXM, 'OXM-OpenFlow13'],
  [Protocol.OF14_OXM, 'OXM-OpenFlow14'],
  [Protocol.OF15_OXM, 'OXM-OpenFlow15'],
];

/** Groups printed by one name when every member is present, as ovs-ofctl does. */
const ABBREVIATIONS: [number, string][] = [
  [P_ANY, 'any'],
  [P_OF10_STD_ANY, 'OpenFlow10'],
  [P_OF10_NXM_ANY, 'NXM'],
  [P_ANY_OXM, 'OXM'],
];

export function protocolName(p: number): string {
  for (const [bit, name] of PROTOCOL_NAMES) if (bit === p) return name;
  return 'none';
}

export function protocolsToString(protocols: number): string {
  const parts: string[] = [];
  let rest = protocols;
  for (const [bits, name] of ABBREVIATIONS) {
    if ((rest & bits) === bits) {
      parts.push(name);
      rest &= ~bits;
    }
  }
  for (const [bit, name] of PROTOCOL_NAMES) {
    if (rest & bit) parts.push(name);
  }
  return parts.length ? parts.join(',') : 'none';
}

/** Wire version byte of a protocol. */
export function protocolVersion(p: number): number {
  if (p & (P_OF10_STD_ANY | P_OF10_NXM_ANY)) return 1;
  if (p & Protocol.OF11_STD) return 2;
  if (p & Protocol.OF12_OXM) return 3;
  if (p & Protocol.OF13_OXM) return 4;
  if (p & Protocol.OF14_OXM) return 5;
  return 6;
}

/** Protocols usable with an OpenFlow version (for `-O`). */
export function protocolsForVersion(version: number): number {
  switch (version) {
    case 1:
      return P_OF10_STD_ANY | P_OF10_NXM_ANY;
    case 2:
      return Protocol.OF11_STD;
    case 3:
      return Protocol.OF12_OXM;
    case 4:
      return Protocol.OF13_OXM;
    case 5:
      return Protocol.OF14_OXM;
    case 6:
      return Protocol.OF15_OXM;
    default:
      return 0;
  }
}

export const VERSION_NAMES: Record<string, number> = {
  OpenFlow10: 1,
  OpenFlow11: 2,
  OpenFlow12: 3,
  OpenFlow13: 4,
  OpenFlow14: 5,
  OpenFlow15: 6,
};

/** Parses `-O OpenFlow10,OpenFlow13` into a version bitmap (bit N = version N). */
export function parseVersions(list: string): number {
  let bitmap = 0;
  for (const raw of list.split(',')) {
    const name = raw.trim();
    if (!name) continue;
    const v = VERSION_NAMES[name];
    if (v === undefined) throw new Error(`${name}: unknown OpenFlow version`);
    bitmap |= 1 << v;
  }
  return bitmap;
}

export function protocolsForVersionBitmap(bitmap: number): number {
  let p = 0;
  for (let v = 1; v <= 6; v++) if (bitmap & (1 << v)) p |= protocolsForVersion(v);
  return p;
}

/** `-F` flow formats (ovs-ofctl's ofputil_protocols_from_string). */
export function parseFlowFormats(list: string): number {
  let p = 0;
  for (const raw of list.split(',')) {
    const name = raw.trim();
    if (!name) continue;
    let bits: number | undefined;
    for (const [b, n] of PROTOCOL_NAMES) if (n.toLowerCase() === name.toLowerCase()) bits = b;
    for (const [b, n] of ABBREVIATIONS) if (n.toLowerCase() === name.toLowerCase()) bits = b;
    if (name.toLowerCase() === 'openflow10') bits = P_OF10_STD_ANY;
    if (name.toLowerCase() === 'nxm') bits = P_OF10_NXM_ANY;
    if (bits === undefined) throw new Error(`${name}: unknown flow protocol`);
    p |= bits;
  }
  return p;
}

/** The protocol ovs-ofctl picks: the lowest usable bit. */
export function chooseProtocol(usable: number): number {
  for (let i = 0; i < 9; i++) if (usable & (1 << i)) return 1 << i;
  return 0;
}
