/**
 * A simulated NIC (`type=sim`): a deterministic TCAM model for tests and benchmarks of the
 * offload policy. It has a fixed number of entries, a set of match fields and actions it
 * supports, an insertion latency (an entry matches only once it has elapsed), an insertion rate
 * limit, and fault injection (operation k fails or is refused). It really classifies packets:
 * the datapath asks it first, and a packet that hits an active entry is forwarded with the
 * entry's actions and counted in the entry, not in software.
 *
 * Lookup is a tuple space search over the entries' distinct masks (the TCAM's parallel match,
 * in software); megaflows do not overlap, so the first hit is the only one.
 */
import type { DpActionType, DpPort, SetAttr } from '@softswitch/datapath';
import { FLOW_WORDS, hashMasked, keysEqual } from '@softswitch/packet';
import { type ActionSupport, checkActions, checkMatch, fieldsMask } from './capabilities.js';
import { type HwFlowStats, type OffloadFlow, type OffloadProvider, OK, type OpResult } from './provider.js';

/** Fields a typical NIC's flow engine matches (OVS's rte_flow / tc flower subset). */
export const SIM_DEFAULT_FIELDS: readonly string[] = [
  'in_port',
  'dl_dst',
  'dl_src',
  'dl_type',
  'vlan_tci',
  'vlan_tpid',
  'nw_src',
  'nw_dst',
  'ipv6_src',
  'ipv6_dst',
  'nw_proto',
  'nw_tos',
  'nw_ttl',
  'nw_frag',
  'tp_src',
  'tp_dst',
  'tcp_flags',
];

export const SIM_DEFAULT_ACTIONS: readonly DpActionType[] = ['output', 'drop', 'push_vlan', 'pop_vlan', 'set'];
export const SIM_DEFAULT_SET_ATTRS: readonly SetAttr[] = ['eth', 'ipv4', 'ipv6', 'tcp', 'udp'];

export interface SimOptions {
  /** TCAM entries (default 64). */
  readonly capacity?: number;
  /** Match fields by Open vSwitch name (default SIM_DEFAULT_FIELDS). */
  readonly matchFields?: readonly string[];
  readonly actions?: readonly DpActionType[];
  readonly setAttrs?: readonly SetAttr[];
  /** An installed entry starts matching this long after the install (ms, default 0). */
  readonly insertLatencyMs?: number;
  /** Installs allowed per second (token bucket, one second of burst; default unlimited). */
  readonly maxInsertsPerSecond?: number;
  /** Operation numbers (install, modify and remove count, from 1) that fail with no effect. */
  readonly failOps?: Iterable<number>;
  /** Operation numbers that are refused (installs only: `refused`; other kinds then fail). */
  readonly refuseOps?: Iterable<number>;
  /** Every n-th operation fails (0: never). */
  readonly failEvery?: number;
  /** Datapath ports served (default: every port). */
  readonly ports?: Iterable<number>;
  /** Clock (ms) for latency and rate limit; the datapath's `now` is used for counters. */
  readonly clock?: () => number;
}

interface TcamEntry {
  readonly id: number;
  readonly key: Uint32Array;
  readonly mask: Uint32Array;
  readonly hash: number;
  readonly group: MaskGroup;
  readonly activeAt: number;
  stats: HwFlowStats;
}

interface MaskGroup {
  readonly mask: Uint32Array;
  readonly buckets: Map<number, TcamEntry[]>;
  size: number;
}

export interface SimCounters {
  ops: number;
  installs: number;
  modifies: number;
  removes: number;
  failed: number;
  refused: number;
  rateLimited: number;
  rejectedCapacity: number;
}

export class SimProvider implements OffloadProvider {
  readonly type = 'sim';
  readonly forwardsItself = false;
  readonly capacity: number;
  readonly counters: SimCounters = {
    ops: 0,
    installs: 0,
    modifies: 0,
    removes: 0,
    failed: 0,
    refused: 0,
    rateLimited: 0,
    rejectedCapacity: 0,
  };
  private readonly supportedMask: Uint32Array;
  private readonly actionSupport: ActionSupport;
  private readonly latency: number;
  private readonly maxInserts: number;
  private tokens: number;
  private lastRefill: number;
  private readonly failOps: Set<number>;
  private readonly refuseOps: Set<number>;
  private readonly failEvery: number;
  private readonly ports: Set<number> | undefined;
  private readonly clock: () => number;
  private readonly entries = new Map<number, TcamEntry>();
  private groups: MaskGroup[] = [];

  constructor(options: SimOptions = {}) {
    this.capacity = options.capacity ?? 64;
    this.supportedMask = fieldsMask(options.matchFields ?? SIM_DEFAULT_FIELDS);
    this.actionSupport = {
      types: new Set(options.actions ?? SIM_DEFAULT_ACTIONS),
      setAttrs: new Set(options.setAttrs ?? SIM_DEFAULT_SET_ATTRS),
    };
    this.latency = options.insertLatencyMs ?? 0;
    this.maxInserts = options.maxInsertsPerSecond ?? Number.POSITIVE_INFINITY;
    this.tokens = this.maxInserts;
    this.clock = options.clock ?? (() => performance.now());
    this.lastRefill = this.clock();
    this.failOps = new Set(options.failOps ?? []);
    this.refuseOps = new Set(options.refuseOps ?? []);
    this.failEvery = options.failEvery ?? 0;
    this.ports = options.ports === undefined ? undefined : new Set(options.ports);
  }

  get used(): number {
    return this.entries.size;
  }

  serves(port: DpPort): boolean {
    return this.ports === undefined || this.ports.has(port.portNo);
  }

  check(flow: OffloadFlow): OpResult {
    const m = checkMatch(flow.key, flow.mask, this.supportedMask);
    if (!m.ok) return m;
    return checkActions(flow.actions.actions, this.actionSupport);
  }

  /** Fault injection: the outcome of the next operation, before it has any effect. */
  private nextOp(kind: 'install' | 'modify' | 'remove'): OpResult {
    const n = ++this.counters.ops;
    if (this.refuseOps.has(n)) {
      this.counters.refused++;
      return { ok: false, reason: kind === 'install' ? 'refused' : 'failure', detail: `injected at op ${n}` };
    }
    if (this.failOps.has(n) || (this.failEvery > 0 && n % this.failEvery === 0)) {
      this.counters.failed++;
      return { ok: false, reason: 'failure', detail: `injected at op ${n}` };
    }
    return OK;
  }

  private takeInsertToken(now: number): boolean {
    if (this.maxInserts === Number.POSITIVE_INFINITY) return true;
    const elapsed = now - this.lastRefill;
    if (elapsed > 0) {
      this.tokens = Math.min(this.maxInserts, this.tokens + (elapsed * this.maxInserts) / 1000);
      this.lastRefill = now;
    }
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  install(id: number, flow: OffloadFlow): OpResult {
    const fault = this.nextOp('install');
    if (!fault.ok) return fault;
    const checked = this.check(flow);
    if (!checked.ok) return checked;
    if (this.entries.has(id)) return { ok: false, reason: 'failure', detail: `entry ${id} exists` };
    if (this.entries.size >= this.capacity) {
      this.counters.rejectedCapacity++;
      return { ok: false, reason: 'no-capacity' };
    }
    const now = this.clock();
    if (!this.takeInsertToken(now)) {
      this.counters.rateLimited++;
      return { ok: false, reason: 'rate-limit' };
    }
    const group = this.groupFor(flow.mask);
    const key = new Uint32Array(FLOW_WORDS);
    for (let i = 0; i < FLOW_WORDS; i++) key[i] = flow.key[i] & flow.mask[i];
    const hash = hashMasked(key, group.mask);
    const entry: TcamEntry = {
      id,
      key,
      mask: group.mask,
      hash,
      group,
      activeAt: now + this.latency,
      stats: { packets: 0, bytes: 0, used: 0, tcpFlags: 0 },
    };
    const bucket = group.buckets.get(hash);
    if (bucket === undefined) group.buckets.set(hash, [entry]);
    else bucket.push(entry);
    group.size++;
    this.entries.set(id, entry);
    this.counters.installs++;
    return OK;
  }

  modify(id: number, flow: OffloadFlow): OpResult {
    const fault = this.nextOp('modify');
    if (!fault.ok) return fault;
    if (!this.entries.has(id)) return { ok: false, reason: 'failure', detail: `no entry ${id}` };
    const checked = checkActions(flow.actions.actions, this.actionSupport);
    if (!checked.ok) return checked;
    // The match is fixed per entry; only the actions change, and those live with the manager.
    this.counters.modifies++;
    return OK;
  }

  remove(id: number): OpResult {
    const fault = this.nextOp('remove');
    if (!fault.ok) return fault;
    const e = this.entries.get(id);
    if (e === undefined) return OK;
    this.entries.delete(id);
    const bucket = e.group.buckets.get(e.hash)!;
    bucket.splice(bucket.indexOf(e), 1);
    if (bucket.length === 0) e.group.buckets.delete(e.hash);
    if (--e.group.size === 0) this.groups = this.groups.filter((g) => g !== e.group);
    this.counters.removes++;
    return OK;
  }

  classify(_inPort: number, _frame: Uint8Array, key: Uint32Array, _now: number): number {
    const groups = this.groups;
    if (groups.length === 0) return -1;
    const now = this.clock();
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g];
      const bucket = group.buckets.get(hashMaskedKey(key, group.mask));
      if (bucket === undefined) continue;
      for (let i = 0; i < bucket.length; i++) {
        const e = bucket[i];
        if (e.activeAt <= now && covers(e, key)) return e.id;
      }
    }
    return -1;
  }

  account(id: number, bytes: number, tcpFlags: number, now: number): void {
    const e = this.entries.get(id);
    if (e === undefined) return;
    e.stats.packets++;
    e.stats.bytes += bytes;
    e.stats.tcpFlags |= tcpFlags;
    if (now > e.stats.used) e.stats.used = now;
  }

  stats(id: number): HwFlowStats | undefined {
    return this.entries.get(id)?.stats;
  }

  ids(): number[] {
    return [...this.entries.keys()];
  }

  /** Whether entry `id` matches exactly this key and mask (consistency checks in tests). */
  holds(id: number, key: Uint32Array, mask: Uint32Array): boolean {
    const e = this.entries.get(id);
    return e !== undefined && keysEqual(e.mask, mask) && keysEqual(e.key, key);
  }

  close(): void {
    this.entries.clear();
    this.groups = [];
  }

  private groupFor(mask: Uint32Array): MaskGroup {
    for (const g of this.groups) if (keysEqual(g.mask, mask)) return g;
    const g: MaskGroup = { mask: Uint32Array.from(mask), buckets: new Map(), size: 0 };
    this.groups.push(g);
    return g;
  }
}

/** hashMasked of `key & mask` without building the masked key (same value as at install). */
function hashMaskedKey(key: Uint32Array, mask: Uint32Array): number {
  return hashMasked(key, mask);
}

function covers(e: TcamEntry, key: Uint32Array): boolean {
  const m = e.mask;
  const k = e.key;
  for (let i = 0; i < FLOW_WORDS; i++) if (((key[i] ^ k[i]) & m[i]) !== 0) return false;
  return true;
}
