import { type Action, parseActions, parsePortName, splitTopLevel } from '@softswitch/openflow';

/** OpenFlow group types (OFPGT_*). `select` is parsed but not translated yet. */
export type GroupType = 'all' | 'select' | 'indirect' | 'ff';

export interface GroupBucket {
  bucketId: number;
  weight: number;
  watchPort: number;
  watchGroup: number;
  actions: Action[];
}

export interface Group {
  groupId: number;
  type: GroupType;
  buckets: GroupBucket[];
}

export const OFPG_ANY = 0xffffffff;
const OFPP_ANY = 0xffff;

/**
 * Parses a group in `ovs-ofctl add-group(s)` syntax: `group_id=N,type=all|select|indirect|ff,
 * bucket=[bucket_id:N,][weight:N,][watch_port:P,][watch_group:G,][actions=]ACTIONS,bucket=...`.
 */
export function parseGroup(text: string): Group {
  const at = text.indexOf('bucket=');
  const head = at < 0 ? text : text.slice(0, at);
  let groupId: number | undefined;
  let type: GroupType = 'all';
  for (const word of splitTopLevel(head)) {
    if (!word) continue;
    const [k, v = ''] = word.split(/[=:]/, 2);
    if (k === 'group_id') groupId = Number(v);
    else if (k === 'type') {
      if (v !== 'all' && v !== 'select' && v !== 'indirect' && v !== 'ff' && v !== 'fast_failover')
        throw new Error(`${text}: unknown group type "${v}"`);
      type = v === 'fast_failover' ? 'ff' : v;
    } else throw new Error(`${text}: unknown group field "${k}"`);
  }
  if (groupId === undefined || !Number.isInteger(groupId)) throw new Error(`${text}: must specify a group_id`);
  const buckets: GroupBucket[] = [];
  if (at >= 0) {
    for (const part of text.slice(at + 'bucket='.length).split(/,?bucket=/)) {
      const b: GroupBucket = {
        bucketId: buckets.length,
        weight: 1,
        watchPort: OFPP_ANY,
        watchGroup: OFPG_ANY,
        actions: [],
      };
      const acts: string[] = [];
      const words = splitTopLevel(part);
      for (let i = 0; i < words.length; i++) {
        const w = words[i];
        const m = /^(bucket_id|weight|watch_port|watch_group)[:=](.*)$/.exec(w);
        if (m !== null && acts.length === 0) {
          const v = m[2];
          if (m[1] === 'bucket_id') b.bucketId = Number(v);
          else if (m[1] === 'weight') b.weight = Number(v);
          else if (m[1] === 'watch_port') b.watchPort = parsePortName(v) ?? Number(v);
          else b.watchGroup = Number(v);
          continue;
        }
        acts.push(w.startsWith('actions=') ? w.slice('actions='.length) : w);
      }
      b.actions = parseActions(acts.join(','), { usable: 0xffffffff });
      buckets.push(b);
    }
  }
  return { groupId, type, buckets };
}

/** OpenFlow 1.3 §5.10 action-set order, as OVS's ofpacts_execute_action_set. */
export function actionSetOrder(set: readonly Action[]): Action[] {
  const last = (pred: (a: Action) => boolean): Action[] => {
    for (let i = set.length - 1; i >= 0; i--) if (pred(set[i])) return [set[i]];
    return [];
  };
  const isSet = (a: Action) =>
    a.type.startsWith('set_') || a.type === 'reg_move' || a.type === 'set_field' || a.type === 'dec_mpls_ttl';
  const group = last((a) => a.type === 'group');
  return [
    ...last((a) => a.type === 'strip_vlan'),
    ...last((a) => a.type === 'pop_mpls'),
    ...last((a) => a.type === 'push_mpls'),
    ...last((a) => a.type === 'push_vlan'),
    ...last((a) => a.type === 'dec_ttl'),
    ...set.filter((a) => isSet(a) && a.type !== 'set_queue' && a.type !== 'dec_mpls_ttl'),
    ...last((a) => a.type === 'set_queue'),
    ...(group.length ? group : last((a) => a.type === 'output' || a.type === 'controller' || a.type === 'enqueue')),
  ];
}
