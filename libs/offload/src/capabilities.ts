/**
 * What a piece of hardware can match and do, as masks and action kinds, and the checks a
 * provider runs before taking a flow: every mask bit must fall in a supported field, every
 * action must be of a supported kind.
 */
import type { DpAction, DpActionType, SetAttr } from '@softswitch/datapath';
import { createFlowKey, FIRST_PACKET_WORD, FLOW_FIELDS, FLOW_WORDS, flowField, maskField } from '@softswitch/packet';
import type { OpResult } from './provider.js';
import { OK } from './provider.js';

/** The bits of the key the named fields (Open vSwitch names, `in_port`, `dl_dst`, ...) cover. */
export function fieldsMask(names: readonly string[]): Uint32Array {
  const mask = createFlowKey();
  for (const name of names) {
    const f = flowField(name);
    if (f === undefined) throw new Error(`unknown match field "${name}"`);
    maskField(mask, f);
  }
  return mask;
}

/** Every bit some field occupies. */
const FIELD_BITS = fieldsMask(FLOW_FIELDS.map((f) => f.name));

export interface ActionSupport {
  readonly types: ReadonlySet<DpActionType>;
  /** Headers `set` may rewrite (when `set` is in `types`). */
  readonly setAttrs: ReadonlySet<SetAttr>;
}

export function checkActions(actions: readonly DpAction[], support: ActionSupport): OpResult {
  for (const a of actions) {
    if (!support.types.has(a.type)) return { ok: false, reason: 'unsupported-action', detail: a.type };
    if (a.type === 'set' && !support.setAttrs.has(a.attr))
      return { ok: false, reason: 'unsupported-action', detail: `set(${a.attr})` };
    if (a.type === 'clone') {
      const inner = checkActions(a.actions, support);
      if (!inner.ok) return inner;
    }
    if (a.type === 'check_pkt_len') {
      for (const branch of [a.gt, a.le]) {
        const inner = checkActions(branch, support);
        if (!inner.ok) return inner;
      }
    }
  }
  return OK;
}

/**
 * `mask` must need only `supported` bits, except metadata words (registers, tunnel, conntrack,
 * marks) the flow requires to be zero: a received packet's always are.
 */
export function checkMatch(key: Uint32Array, mask: Uint32Array, supported: Uint32Array): OpResult {
  for (let i = 0; i < FLOW_WORDS; i++) {
    // Bits outside every field (above a 16-bit dl_type, ...) are zero in every key: free.
    if ((mask[i] & ~supported[i] & FIELD_BITS[i]) === 0) continue;
    if (i < FIRST_PACKET_WORD && (key[i] & mask[i]) === 0) continue;
    return { ok: false, reason: 'unsupported-match', detail: `key word ${i}` };
  }
  return OK;
}
