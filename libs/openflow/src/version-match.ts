import type { Writer } from './bytes.js';
import { decodeError, OFPBMC, OFPBRC, OFPET } from './errors.js';
import type { Match } from './match.js';
import { pullNxMatch, putNxMatch } from './nxm.js';
import { pullOfp10Match, putOfp10Match } from './ofp10-match.js';
import { OFPMT11_STANDARD_LENGTH, pullOfp11Match, putOfp11Match } from './ofp11-match.js';

/** ofp_match types: OpenFlow 1.1's fixed match and OXM. */
export const OFPMT_STANDARD = 0;
export const OFPMT_OXM = 1;

/**
 * Appends the match of a message in `version`'s form, as OVS writes it: OpenFlow 1.0's ofp_match,
 * 1.1's standard match, OXM (padded to 8 bytes) from 1.2.
 */
export function putVersionMatch(w: Writer, m: Match, version: number): void {
  if (version === 1) putOfp10Match(w, m);
  else if (version === 2) putOfp11Match(w, m);
  else {
    const start = w.length;
    w.u16(OFPMT_OXM).u16(0);
    const len = putNxMatch(w, m, version);
    w.setU16(start + 2, len + 4);
    w.pad(8, start);
  }
}

/**
 * Decodes the match of a message at `off` (within `end`), returning it and the offset after it.
 * As OVS (ofputil_pull_ofp11_match), OpenFlow 1.1+ accepts both the standard match and OXM.
 */
/** `into`: a Match to reuse for an OXM match (see pullNxMatch). */
export function pullVersionMatch(
  b: Uint8Array,
  off: number,
  end: number,
  version: number,
  into?: Match,
): [Match, number] {
  if (version === 1) {
    if (end - off < 40) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, off, 'truncated ofp_match');
    return [pullOfp10Match(b, off).match, off + 40];
  }
  if (end - off < 4) throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, off, 'truncated match header');
  // Two bytes each, read directly: a DataView per message for two fields cost more than them.
  const type = (b[off] << 8) | b[off + 1];
  const len = (b[off + 2] << 8) | b[off + 3];
  if (type === OFPMT_STANDARD) {
    if (len !== OFPMT11_STANDARD_LENGTH || off + len > end)
      throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, off, 'bad standard match length');
    return [pullOfp11Match(b, off), off + len];
  }
  if (type !== OFPMT_OXM) throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_TYPE, off, 'match type is not OXM');
  const padded = (len + 7) & ~7;
  if (len < 4 || off + padded > end)
    throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, off, 'match overruns its container');
  return [pullNxMatch(b, off + 4, len - 4, 0, false, into).match, off + padded];
}
