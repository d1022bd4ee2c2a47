/**
 * Datapath actions, after Open vSwitch's ODP actions (`OVS_ACTION_ATTR_*`): the union, its text
 * form exactly as `Datapath actions:` / `dpctl/dump-flows` print it, and its parser (what
 * `dpctl/add-flow` takes). Execution lives in execute.ts.
 */
import { createFlowKey } from '@softswitch/packet';
import { formatMpls, parseMpls } from './odp-flow.js';
import {
  formatAttrFields,
  isKeyAttr,
  KEY_ATTRS,
  type KeyAttrName,
  OdpSyntaxError,
  parseAttrFields,
  parseNumber,
  splitCall,
  splitTopLevel,
} from './odp-key.js';

/** Headers a `set(...)` can rewrite (the attributes libs/packet has writers for). */
export type SetAttr = Exclude<KeyAttrName, 'vlan'> | 'mpls';

export type DpAction =
  | { readonly type: 'output'; readonly port: number }
  | { readonly type: 'drop' }
  /** Rewrites the fields `mask` selects of header `attr` to `key`'s bits (set / set_masked). */
  | { readonly type: 'set'; readonly attr: SetAttr; readonly key: Uint32Array; readonly mask: Uint32Array }
  | {
      readonly type: 'push_vlan';
      readonly tpid: number;
      readonly vid: number;
      readonly pcp: number;
      readonly cfi: boolean;
    }
  | { readonly type: 'pop_vlan' }
  | {
      readonly type: 'push_mpls';
      readonly label: number;
      readonly tc: number;
      readonly ttl: number;
      readonly bos: number;
      readonly ethType: number;
    }
  | { readonly type: 'pop_mpls'; readonly ethType: number }
  /** Hands a copy of the packet to the datapath's userspace callback; `args` is kept verbatim. */
  | { readonly type: 'userspace'; readonly args: string }
  | { readonly type: 'recirc'; readonly id: number }
  /** Runs the packet through datapath meter `id`, which may drop it (and end the actions). */
  | { readonly type: 'meter'; readonly id: number }
  /**
   * Sets the packet's skb_priority (OpenFlow set_queue/enqueue). No port here has queues, so it
   * changes nothing the ports do; it is kept so flows read back as ovs-vswitchd's.
   */
  | { readonly type: 'set_priority'; readonly priority: number }
  /** Truncates the packet sent by the next output to `max` bytes. */
  | { readonly type: 'trunc'; readonly max: number }
  /** Runs `actions` on a copy, leaving the packet as it was for the actions after the clone. */
  | { readonly type: 'clone'; readonly actions: readonly DpAction[] }
  /**
   * Runs `gt` if the packet is longer than `size` bytes, else `le` (OpenFlow check_pkt_larger);
   * on a copy, as clone, unless it is the list's last action.
   */
  | {
      readonly type: 'check_pkt_len';
      readonly size: number;
      readonly gt: readonly DpAction[];
      readonly le: readonly DpAction[];
    };

export type DpActionType = DpAction['type'];

// ---- Constructors (what an upcall handler uses) ----

export const output = (port: number): DpAction => ({ type: 'output', port });
export const drop = (): DpAction => ({ type: 'drop' });
export const popVlan = (): DpAction => ({ type: 'pop_vlan' });
export const pushVlan = (vid: number, pcp = 0, tpid = 0x8100): DpAction => ({
  type: 'push_vlan',
  tpid,
  vid,
  pcp,
  cfi: true,
});

/** A `set` from text fields, e.g. `setFields('ipv4', 'src=10.0.0.1,ttl=5')`. */
export function setFields(attr: SetAttr, fields: string): DpAction {
  const key = createFlowKey();
  const mask = createFlowKey();
  if (attr === 'mpls') parseMpls(fields, key, mask, `mpls(${fields})`);
  else parseAttrFields(attr, fields, key, mask, true);
  return { type: 'set', attr, key, mask };
}

// ---- Text ----

export interface FormatActionsOptions {
  /** Port number → name (dpctl `--names`). */
  portName?: (port: number) => string | undefined;
}

const hexNoPad = (v: number) => `0x${v.toString(16)}`;

export function formatAction(a: DpAction, options: FormatActionsOptions = {}): string {
  switch (a.type) {
    case 'output':
      return options.portName?.(a.port) ?? String(a.port);
    case 'drop':
      return 'drop';
    case 'set':
      return a.attr === 'mpls'
        ? `set(${formatMpls(a.key, a.mask)})`
        : `set(${a.attr}(${formatAttrFields(KEY_ATTRS[a.attr], a.key, a.mask)}))`;
    case 'push_vlan':
      return `push_vlan(${a.tpid === 0x8100 ? '' : `tpid=${hexNoPad(a.tpid)},`}vid=${a.vid},pcp=${a.pcp}${a.cfi ? '' : ',cfi=0'})`;
    case 'pop_vlan':
      return 'pop_vlan';
    case 'push_mpls':
      return `push_mpls(label=${a.label},tc=${a.tc},ttl=${a.ttl},bos=${a.bos},eth_type=${hexNoPad(a.ethType)})`;
    case 'pop_mpls':
      return `pop_mpls(eth_type=${hexNoPad(a.ethType)})`;
    case 'userspace':
      return `userspace(${a.args})`;
    case 'recirc':
      return `recirc(${hexNoPad(a.id)})`;
    case 'meter':
      return `meter(${a.id})`;
    case 'trunc':
      return `trunc(${a.max})`;
    case 'set_priority':
      return `set(skb_priority(${a.priority === 0 ? '0' : hexNoPad(a.priority)}))`;
    case 'clone':
      return `clone(${formatActions(a.actions, options)})`;
    case 'check_pkt_len':
      return `check_pkt_len(size=${a.size},gt(${formatActions(a.gt, options)}),le(${formatActions(a.le, options)}))`;
  }
}

/** The action list as Open vSwitch prints it; an empty list is `drop`. */
export function formatActions(actions: readonly DpAction[], options: FormatActionsOptions = {}): string {
  if (actions.length === 0) return 'drop';
  return actions.map((a) => formatAction(a, options)).join(',');
}

function namedArgs(args: string, where: string, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of splitTopLevel(args)) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (eq < 0 || !allowed.includes(name)) throw new OdpSyntaxError(`unexpected "${part}"`, where);
    out.set(name, part.slice(eq + 1));
  }
  return out;
}

function parseOne(text: string, portNumber: ((name: string) => number | undefined) | undefined): DpAction {
  if (/^\d+$/.test(text)) return output(Number(text));
  const [name, args] = splitCall(text);
  if (args === undefined) {
    if (name === 'drop') return drop();
    if (name === 'pop_vlan') return popVlan();
    const port = portNumber?.(name);
    if (port !== undefined) return output(port);
    throw new OdpSyntaxError(`unknown action "${name}"`, text);
  }
  switch (name) {
    case 'drop':
      // drop(error) as Open vSwitch prints explicit drops with a reason code; the code is not kept.
      return drop();
    case 'set':
    case 'set_masked': {
      const [attr, fields] = splitCall(args);
      if (attr === 'skb_priority' && fields !== undefined && name === 'set') {
        return { type: 'set_priority', priority: parseNumber(fields, text) };
      }
      if (fields === undefined || !((isKeyAttr(attr) && attr !== 'vlan') || attr === 'mpls'))
        throw new OdpSyntaxError(`cannot set "${attr}"`, text);
      return setFields(attr, fields);
    }
    case 'push_vlan': {
      const m = namedArgs(args, text, ['tpid', 'vid', 'pcp', 'cfi']);
      const num = (k: string, d: number) => (m.has(k) ? parseNumber(m.get(k) as string, text) : d);
      const vid = num('vid', 0);
      const pcp = num('pcp', 0);
      if (vid > 4095 || pcp > 7) throw new OdpSyntaxError('vid or pcp out of range', text);
      return { type: 'push_vlan', tpid: num('tpid', 0x8100), vid, pcp, cfi: num('cfi', 1) !== 0 };
    }
    case 'push_mpls': {
      const m = namedArgs(args, text, ['label', 'tc', 'ttl', 'bos', 'eth_type']);
      const num = (k: string) => {
        const v = m.get(k);
        if (v === undefined) throw new OdpSyntaxError(`push_mpls needs ${k}=`, text);
        return parseNumber(v, text);
      };
      return {
        type: 'push_mpls',
        label: num('label'),
        tc: num('tc'),
        ttl: num('ttl'),
        bos: num('bos'),
        ethType: num('eth_type'),
      };
    }
    case 'pop_mpls': {
      const m = namedArgs(args, text, ['eth_type']);
      const t = m.get('eth_type');
      if (t === undefined) throw new OdpSyntaxError('pop_mpls needs eth_type=', text);
      return { type: 'pop_mpls', ethType: parseNumber(t, text) };
    }
    case 'userspace':
      return { type: 'userspace', args };
    case 'recirc':
      return { type: 'recirc', id: parseNumber(args, text) };
    case 'meter':
      return { type: 'meter', id: parseNumber(args, text) };
    case 'trunc':
      return { type: 'trunc', max: parseNumber(args, text) };
    case 'clone':
      return { type: 'clone', actions: parseActions(args, portNumber) };
    case 'check_pkt_len':
      return parseCheckPktLen(args, text, portNumber);
    default:
      throw new OdpSyntaxError(`unknown action "${name}"`, text);
  }
}

/** `check_pkt_len(size=N,gt(ACTIONS),le(ACTIONS))`, each part once, in that order. */
function parseCheckPktLen(
  args: string,
  text: string,
  portNumber: ((name: string) => number | undefined) | undefined,
): DpAction {
  const parts = splitTopLevel(args);
  const [sizePart, gtPart, lePart] = parts;
  if (parts.length !== 3 || !sizePart.startsWith('size='))
    throw new OdpSyntaxError('check_pkt_len needs size=N,gt(...),le(...)', text);
  const size = parseNumber(sizePart.slice('size='.length), text);
  if (size > 0xffff) throw new OdpSyntaxError('check_pkt_len size out of range', text);
  const branch = (part: string, name: string): DpAction[] => {
    const [n, inner] = splitCall(part);
    if (n !== name || inner === undefined) throw new OdpSyntaxError(`check_pkt_len needs ${name}(...)`, text);
    return parseActions(inner, portNumber);
  };
  return { type: 'check_pkt_len', size, gt: branch(gtPart, 'gt'), le: branch(lePart, 'le') };
}

/** Parses an action list as dpctl/add-flow takes it (`drop`, `2`, `set(eth(src=...)),2`, ...). */
export function parseActions(text: string, portNumber?: (name: string) => number | undefined): DpAction[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'drop') return trimmed === 'drop' ? [drop()] : [];
  return splitTopLevel(trimmed).map((t) => parseOne(t, portNumber));
}

/** True if any action (nested ones too) rewrites packet bytes in place. */
export function rewritesInPlace(actions: readonly DpAction[]): boolean {
  for (const a of actions) {
    if (a.type === 'set') return true;
    if (a.type === 'clone' && rewritesInPlace(a.actions)) return true;
    if (a.type === 'check_pkt_len' && (rewritesInPlace(a.gt) || rewritesInPlace(a.le))) return true;
  }
  return false;
}
