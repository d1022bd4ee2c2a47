import { FlowModCommand } from '@softswitch/ofproto';
import type { Action, FlowMod } from '@softswitch/openflow';
import type { TlvMap } from './tlv-map.js';

/**
 * What switchd does with a flow-mod that uses tun_metadataN, in its match or in set_field,
 * load or move. ovs-vswitchd refuses a field the bridge's TLV map does not map
 * (NXFMFC_INVALID_TLV_FIELD), and so do we. Mapped ones it accepts; softswitch's flow tables
 * cannot hold them (the classifier's flow key has no room for variable-length options, and the
 * datapath none for tunnel options), so adds and modifies (which OVS turns into adds when nothing
 * matches) are refused: OFPBMC_BAD_FIELD for a match, OFPBAC_BAD_SET_TYPE for an action. A delete
 * on a mapped match is a no-op: no rule carries the field, so none matches it.
 */
export type TunMetadataVerdict = { refuse: string } | { noop: true } | undefined;

export function checkTunMetadata(fm: FlowMod, map: TlvMap): TunMetadataVerdict {
  const used: number[] = [];
  const md = fm.match.tunMd;
  if (md) for (let i = 0; i < md.length; i++) if (md[i]) used.push(i);
  const inMatch = used.length;
  tunMdInActions(fm.actions, used);
  if (!used.length) return undefined;
  if (used.some((i) => !map.isMapped(i))) return { refuse: 'NXFMFC_INVALID_TLV_FIELD' };
  const adds = fm.command <= FlowModCommand.MODIFY_STRICT;
  if (inMatch) return adds ? { refuse: 'OFPBMC_BAD_FIELD' } : { noop: true };
  return adds ? { refuse: 'OFPBAC_BAD_SET_TYPE' } : undefined;
}

/** Appends the tun_metadataN that `actions` (nested lists included) set or move. */
function tunMdInActions(actions: readonly Action[], out: number[]): void {
  for (const a of actions) {
    if (a.type === 'set_field') {
      if (a.field.tunMd !== undefined) out.push(a.field.tunMd);
    } else if (a.type === 'reg_move') {
      if (a.src.field.tunMd !== undefined) out.push(a.src.field.tunMd);
      if (a.dst.field.tunMd !== undefined) out.push(a.dst.field.tunMd);
    } else if (a.type === 'clone' || a.type === 'write_actions') tunMdInActions(a.actions, out);
    else if (a.type === 'ct' && a.actions) tunMdInActions(a.actions, out);
  }
}
