/**
 * Datapath actions as translation produces them, printed exactly as the `Datapath actions:` line
 * of `ovs-appctl ofproto/trace` (OVS's format_odp_actions). A local union until libs/datapath's
 * action type is unified with it.
 */
export interface SetField {
  /** Attribute member name as OVS prints it (`src`, `dst`, `tos`, `ttl`...). */
  readonly name: string;
  /** Value already formatted (`1.2.3.4`, `0x8`, `63`). */
  readonly value: string;
  /** Formatted mask when the set is partial (`0xfc`), else undefined. */
  readonly mask?: string;
}

export type DpAction =
  | { readonly type: 'output'; readonly port: number }
  | { readonly type: 'set'; readonly header: 'eth' | 'ipv4' | 'tcp' | 'udp' | 'sctp'; readonly fields: SetField[] }
  | { readonly type: 'push_vlan'; readonly tpid: number; readonly vid: number; readonly pcp: number }
  | { readonly type: 'pop_vlan' }
  /** The packet's skb_priority (what set_queue and enqueue choose), for the outputs after it. */
  | { readonly type: 'set_priority'; readonly priority: number }
  /** The next output sends at most `maxLen` bytes of the packet. */
  | { readonly type: 'trunc'; readonly maxLen: number }
  /** The datapath hashes the packet into dp_hash (`hash(sym_l4(0))`), for a recirculation. */
  | { readonly type: 'hash'; readonly algorithm: 'sym_l4' | 'l4'; readonly basis: number }
  | { readonly type: 'recirc'; readonly id: number }
  /** The datapath runs the packet through meter `id` (which may drop it). */
  | { readonly type: 'meter'; readonly id: number }
  /** Runs `gt` if the packet is longer than `size` bytes, else `le` (check_pkt_larger). */
  | {
      readonly type: 'check_pkt_len';
      readonly size: number;
      readonly gt: readonly DpAction[];
      readonly le: readonly DpAction[];
    }
  | {
      readonly type: 'userspace';
      readonly reason: number;
      readonly recircId: number;
      readonly cookie: bigint;
      readonly controllerId: number;
      readonly maxLen: number;
    };

export function formatDatapathAction(a: DpAction): string {
  switch (a.type) {
    case 'output':
      return String(a.port);
    case 'set':
      return `set(${a.header}(${a.fields.map((f) => `${f.name}=${f.value}${f.mask === undefined ? '' : `/${f.mask}`}`).join(',')}))`;
    case 'push_vlan':
      return `push_vlan(${a.tpid === 0x8100 ? '' : `tpid=0x${a.tpid.toString(16)},`}vid=${a.vid},pcp=${a.pcp})`;
    case 'pop_vlan':
      return 'pop_vlan';
    case 'trunc':
      return `trunc(${a.maxLen})`;
    case 'set_priority':
      return `set(skb_priority(${a.priority === 0 ? '0' : `0x${a.priority.toString(16)}`}))`;
    case 'hash':
      return `hash(${a.algorithm}(${a.basis}))`;
    case 'recirc':
      return `recirc(0x${a.id.toString(16)})`;
    case 'meter':
      return `meter(${a.id})`;
    case 'check_pkt_len':
      return `check_pkt_len(size=${a.size},gt(${formatDatapathActions(a.gt)}),le(${formatDatapathActions(a.le)}))`;
    case 'userspace':
      return `userspace(pid=0,controller(reason=${a.reason},dont_send=1,continuation=0,recirc_id=${a.recircId},rule_cookie=${a.cookie === 0n ? '0' : `0x${a.cookie.toString(16)}`},controller_id=${a.controllerId},max_len=${a.maxLen}))`;
  }
}

/** The whole list, `drop` when empty (as OVS prints it). */
export function formatDatapathActions(actions: readonly DpAction[]): string {
  return actions.length === 0 ? 'drop' : actions.map(formatDatapathAction).join(',');
}
