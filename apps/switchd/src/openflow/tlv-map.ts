import {
  NXTTMC,
  TLV_MAX_FIELDS,
  TLV_MAX_OPTION_SPACE,
  type TlvMapping,
  TlvTableError,
  type TlvTableReply,
} from '@softswitch/openflow';

/**
 * The bridge's Geneve option ↔ tun_metadata map, kept as ovs-vswitchd keeps it: a request is
 * applied whole or not at all; adds refuse a field in use, a (class, type) mapped twice and more
 * than 256 bytes of options; deletes free fields (mapped or not); clear empties the map.
 */
export class TlvMap {
  private mappings: TlvMapping[] = [];

  apply(command: number, requested: readonly TlvMapping[]): void {
    if (command === NXTTMC.CLEAR) {
      this.mappings = [];
      return;
    }
    if (command === NXTTMC.DELETE) {
      const gone = new Set(requested.map((m) => m.index));
      this.mappings = this.mappings.filter((m) => !gone.has(m.index));
      return;
    }
    const next = [...this.mappings];
    let space = next.reduce((n, m) => n + m.optionLen, 0);
    for (const m of requested) {
      if (next.some((o) => o.index === m.index)) throw new TlvTableError('NXTTMFC_ALREADY_MAPPED');
      if (next.some((o) => o.optionClass === m.optionClass && o.optionType === m.optionType))
        throw new TlvTableError('NXTTMFC_DUP_ENTRY');
      space += m.optionLen;
      if (space > TLV_MAX_OPTION_SPACE) throw new TlvTableError('NXTTMFC_TABLE_FULL');
      next.push({ ...m });
    }
    this.mappings = next.sort((a, b) => a.index - b.index);
  }

  /** Whether tun_metadata`index` has a mapping (a flow may use it). */
  isMapped(index: number): boolean {
    return this.mappings.some((m) => m.index === index);
  }

  reply(): TlvTableReply {
    return { maxOptionSpace: TLV_MAX_OPTION_SPACE, maxFields: TLV_MAX_FIELDS, mappings: this.mappings };
  }
}
