/** What ofp-print writes after a message's name: its version unless 1.0 (OVS's ofp_header_to_string). */
const VERSION_SUFFIX = ['', '', ' (OF1.1)', ' (OF1.2)', ' (OF1.3)', ' (OF1.4)', ' (OF1.5)'];

/** The first words of ofp-print's text for a message: `NAME (OF1.x) (xid=0x..):`. */
export function messageHead(name: string, version: number, xid: number): string {
  return `${name}${VERSION_SUFFIX[version] ?? ''} (xid=0x${xid.toString(16)}):`;
}
