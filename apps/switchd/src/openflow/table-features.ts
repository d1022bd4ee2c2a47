import { Writer } from '@softswitch/openflow';

const MAX_ENTRIES = 1_000_000;
/**
 * The properties OVS requires in every entry (instructions, next_tables, write/apply actions,
 * match, wildcards, write/apply set-field), each sent empty: ovs-ofctl only wants the names.
 */
const REQUIRED_PROPERTIES = [0, 2, 4, 6, 8, 10, 12, 14];
const ENTRY_LEN = 64 + REQUIRED_PROPERTIES.length * 8;

/**
 * One ofp_table_features with empty properties (OpenFlow 1.3+): ovs-ofctl fetches these for table
 * names before flow commands; the fixed part carries the name and limits.
 */
export function encodeTableFeatures(tableId: number): Uint8Array {
  const w = new Writer(ENTRY_LEN);
  w.u16(ENTRY_LEN).u8(tableId).zeros(5);
  const name = new TextEncoder().encode(`table${tableId}`);
  w.bytes(name).zeros(32 - name.length);
  w.u64(0xffffffffffffffffn).u64(0xffffffffffffffffn); // metadata match / write: all bits
  w.u32(0).u32(MAX_ENTRIES);
  for (const type of REQUIRED_PROPERTIES) w.u16(type).u16(4).zeros(4);
  return w.finish();
}
