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

/** What a flow-mod's use of tun_metadata comes to: none, only mapped fields, or an unmapped one. */
const NONE = 0;
const MAPPED = 1;
const UNMAPPED = 2;

export function checkTunMetadata(fm: FlowMod, map: TlvMap): TunMetadataVerdict {
  // Runs on every flow-mod: no allocation, and a flow without tun_metadata only walks its actions.
  let inMatch = NONE;
  const md = fm.match.tunMd;
  if (md) for (let i = 0; i < md.length; i++) if (md[i]) inMatch = Math.max(inMatch, use(i, map));
  const used = Math.max(inMatch, tunMdInActions(fm.actions, map));
  if (used === NONE) return undefined;
  if (used === UNMAPPED) return { refuse: 'NXFMFC_INVALID_TLV_FIELD' };
  const adds = fm.command <= FlowModCommand.MODIFY_STRICT;
  if (inMatch) return adds ? { refuse: 'OFPBMC_BAD_FIELD' } : { noop: true };
  return adds ? { refuse: 'OFPBAC_BAD_SET_TYPE' } : undefined;
}

function use(index: number | undefined, map: TlvMap): number {
  if (index === undefined) return NONE;
  return map.isMapped(index) ? MAPPED : UNMAPPED;
}

/** The tun_metadataN that `actions` (nested lists included) set or move, as NONE/MAPPED/UNMAPPED. */
function tunMdInActions(actions: readonly Action[], map: TlvMap): number {
  let used = NONE;
  for (const a of actions) {
    if (a.type === 'set_field') used = Math.max(used, use(a.field.tunMd, map));
    else if (a.type === 'reg_move') used = Math.max(used, use(a.src.field.tunMd, map), use(a.dst.field.tunMd, map));
    else if (a.type === 'clone' || a.type === 'write_actions') used = Math.max(used, tunMdInActions(a.actions, map));
    else if (a.type === 'ct' && a.actions) used = Math.max(used, tunMdInActions(a.actions, map));
  }
  return used;
}
