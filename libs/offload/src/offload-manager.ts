/**
 * The offload manager: the datapath's DatapathOffload hook and the policy that decides which
 * megaflows live in hardware (Open vSwitch's dpif-offload layer plus its flow-placement rules).
 *
 * Policy, run every `intervalMs` of the datapath's clock (0: after every batch):
 * 1. merge hardware counters into the flows (so heat, dumps and idle expiry see them);
 * 2. retry removals that failed (an entry is never left behind in hardware);
 * 3. reconcile: entries whose flow died are removed, whose actions changed are modified (or
 *    removed when the new actions are not supported);
 * 4. heat = packets a flow saw since the last round; flows at least `minHeat` hot and not yet in
 *    hardware are offered hottest first to the provider serving their input port; when it is
 *    full, its coldest entry is evicted if it is colder than the candidate. A provider with
 *    `coldOffersPerRound` (the kernel) is also offered up to that many flows a round however cold,
 *    once per flow and actions (a flow's upcall packet is not counted in it: without this, a flow
 *    that saw only that packet would never be hot).
 *
 * Correctness never depends on the provider: a packet is left to software whenever the entry it
 * hit is not active, its flow died, or the actions the hardware holds are not the flow's current
 * ones. Revalidation and expiry call `reconcile` before the next packet, so hardware follows the
 * OpenFlow tables at once.
 */
import {
  type CompiledActions,
  type Datapath,
  type DatapathOffload,
  type DpFlow,
  HW_CONSUMED,
} from '@softswitch/datapath';
import { W } from '@softswitch/packet';
import {
  type MaybeAsync,
  type OffloadFlow,
  type OffloadProvider,
  type OpResult,
  REJECT_REASONS,
  type RejectReason,
} from './provider.js';

export interface OffloadManagerOptions {
  /** Providers in order of preference: a port goes to the first that serves it. */
  readonly providers: readonly OffloadProvider[];
  /** Packets per round a flow needs before it is offered (default 1). */
  readonly minHeat?: number;
  /** Policy period in the datapath's ms (default 100; 0 = after every batch). */
  readonly intervalMs?: number;
  /** Offers per round at most (default unlimited). */
  readonly maxOffersPerRound?: number;
  readonly log?: (message: string) => void;
}

type EntryState = 'installing' | 'active' | 'updating';

interface HwEntry {
  readonly id: number;
  readonly flow: DpFlow;
  readonly provider: OffloadProvider;
  /** The actions the hardware holds (compared by identity with the flow's). */
  compiled: CompiledActions;
  state: EntryState;
  /** Provider counters already merged into the flow. */
  mergedPackets: number;
  mergedBytes: number;
  heat: number;
}

export interface OffloadCounters {
  offered: number;
  installed: number;
  modified: number;
  removed: number;
  evicted: number;
  failedRemovals: number;
  hwPackets: number;
  rejected: Record<RejectReason, number>;
}

function settle<T>(r: MaybeAsync<T>, then: (v: T) => void, onError: (e: unknown) => void): void {
  if (r instanceof Promise) r.then(then, onError);
  else then(r);
}

export class OffloadManager implements DatapathOffload {
  readonly providers: readonly OffloadProvider[];
  readonly totals: OffloadCounters = {
    offered: 0,
    installed: 0,
    modified: 0,
    removed: 0,
    evicted: 0,
    failedRemovals: 0,
    hwPackets: 0,
    rejected: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>,
  };
  private readonly minHeat: number;
  private readonly intervalMs: number;
  private readonly maxOffers: number;
  private readonly log: (message: string) => void;
  private dp: Datapath | undefined;
  /** Provider per datapath port number (refreshed every round). */
  private portTable: (OffloadProvider | undefined)[] = [];
  private readonly byFlow = new Map<DpFlow, HwEntry>();
  private readonly byId = new Map<number, HwEntry>();
  /** Hardware entries whose removal failed: retried every round. */
  private readonly orphans = new Map<number, OffloadProvider>();
  /** Packet count of each flow at the last round (heat = growth since). */
  private readonly lastPackets = new WeakMap<DpFlow, number>();
  /** Flows offered while cold, with the actions they had (not offered cold again until they change). */
  private readonly coldOffered = new WeakMap<DpFlow, CompiledActions>();
  /** Flows a provider cannot take with these actions (not offered again until they change). */
  private readonly unsupported = new WeakMap<DpFlow, CompiledActions>();
  /** Operations in flight (async providers). */
  private pending = 0;
  private nextId = 0;
  private lastRun = Number.NEGATIVE_INFINITY;
  private refreshing = false;

  constructor(options: OffloadManagerOptions) {
    this.providers = options.providers;
    this.minHeat = options.minHeat ?? 1;
    this.intervalMs = options.intervalMs ?? 100;
    this.maxOffers = options.maxOffersPerRound ?? Number.POSITIVE_INFINITY;
    this.log = options.log ?? (() => undefined);
  }

  /** Hooks into `dp` (one datapath per manager). */
  attach(dp: Datapath): void {
    this.dp = dp;
    dp.offload = this;
    this.refreshPorts();
  }

  /** Takes every entry out of hardware and unhooks from the datapath. */
  async close(): Promise<void> {
    const dp = this.dp;
    if (dp !== undefined && dp.offload === this) dp.offload = undefined;
    for (const e of [...this.byFlow.values()]) this.removeEntry(e, false);
    await this.idle();
    for (const p of this.providers) await p.close();
  }

  /** Resolves once no provider operation is in flight. */
  async idle(): Promise<void> {
    while (this.pending > 0) await new Promise((r) => setImmediate(r));
  }

  // ---- DatapathOffload ----

  ingress(inPort: number, frame: Uint8Array, key: Uint32Array, now: number) {
    const provider = this.portTable[inPort];
    if (provider === undefined) return undefined;
    const id = provider.classify(inPort, frame, key, now);
    if (id < 0) return undefined;
    const e = this.byId.get(id);
    // Anything not exactly in step with software goes to software (stale, changing, orphaned).
    if (e === undefined || e.state !== 'active' || e.flow.dead || e.flow.actions.compiled !== e.compiled)
      return undefined;
    this.totals.hwPackets++;
    if (provider.forwardsItself) return HW_CONSUMED;
    provider.account(id, frame.length, key[W.TCP_FLAGS] & 0xfff, now);
    return e.compiled;
  }

  afterBatch(now: number): void {
    if (this.intervalMs === 0 || now - this.lastRun >= this.intervalMs) this.run(now);
  }

  flowInstalled(flow: DpFlow): void {
    if (this.byFlow.size === 0) return;
    for (const e of [...this.byFlow.values()]) if (e.flow !== flow && overlap(e.flow, flow)) this.removeEntry(e, false);
  }

  flowRemoved(flow: DpFlow): void {
    const e = this.byFlow.get(flow);
    if (e !== undefined) this.removeEntry(e, false);
  }

  flowModified(flow: DpFlow): void {
    const e = this.byFlow.get(flow);
    if (e !== undefined) this.fix(e);
  }

  reconcile(): void {
    for (const e of [...this.byFlow.values()]) this.fix(e);
  }

  syncStats(_now: number): void {
    for (const e of this.byFlow.values()) this.merge(e);
  }

  layerOf(flow: DpFlow): string | undefined {
    const e = this.byFlow.get(flow);
    return e !== undefined && e.state === 'active' ? e.provider.type : undefined;
  }

  counters(): { name: string; value: number }[] {
    return this.statsLines();
  }

  // ---- Introspection ----

  /** Flows currently active in hardware. */
  offloadedFlows(): DpFlow[] {
    return [...this.byFlow.values()].filter((e) => e.state === 'active').map((e) => e.flow);
  }

  /** Entries in hardware or on their way (any state), and failed removals not yet retried. */
  get entryCount(): number {
    return this.byFlow.size;
  }

  get orphanCount(): number {
    return this.orphans.size;
  }

  /** The hardware id of `flow`'s entry, if it has one. */
  idOf(flow: DpFlow): number | undefined {
    return this.byFlow.get(flow)?.id;
  }

  /** Lines for `dpctl/offload-stats-show` (Open vSwitch's first two names, then ours). */
  statsLines(): { name: string; value: number }[] {
    let active = 0;
    for (const e of this.byFlow.values()) if (e.state === 'active') active++;
    const c = this.totals;
    const lines = [
      { name: 'Enqueued offloads', value: this.pending },
      { name: 'Inserted offloads', value: active },
      { name: 'Offered flows', value: c.offered },
      { name: 'Installed flows', value: c.installed },
      { name: 'Modified flows', value: c.modified },
      { name: 'Removed flows', value: c.removed },
      { name: 'Evicted cold flows', value: c.evicted },
      { name: 'Failed removals (retried)', value: c.failedRemovals },
      { name: 'Hardware packets', value: c.hwPackets },
    ];
    for (const r of REJECT_REASONS) lines.push({ name: `Rejected ${r}`, value: c.rejected[r] });
    for (const p of this.providers) {
      lines.push({ name: `${p.type} entries used`, value: p.used });
      lines.push({ name: `${p.type} capacity`, value: p.capacity });
    }
    return lines;
  }

  // ---- Policy ----

  /** One policy round now (see the file comment). */
  run(now: number): void {
    const dp = this.dp;
    if (dp === undefined) return;
    this.lastRun = now;
    this.refreshPorts();
    this.refreshCounters(now);
    this.syncStats(now);
    for (const [id, provider] of [...this.orphans]) {
      this.orphans.delete(id);
      this.removeFromHardware(id, provider);
    }
    this.reconcile();
    const candidates: { flow: DpFlow; heat: number; provider: OffloadProvider }[] = [];
    let cold: Map<OffloadProvider, number> | undefined;
    const megaflows = dp.cache.megaflows.entries();
    for (const flow of megaflows) {
      const heat = flow.packets - (this.lastPackets.get(flow) ?? 0);
      this.lastPackets.set(flow, flow.packets);
      const e = this.byFlow.get(flow);
      if (e !== undefined) {
        e.heat = heat;
        continue;
      }
      if (flow.mask[W.IN_PORT] !== 0xffffffff) continue;
      const provider = this.portTable[flow.key[W.IN_PORT]];
      if (provider === undefined || this.unsupported.get(flow) === flow.actions.compiled) continue;
      if (heat < this.minHeat) {
        // Not offered yet with these actions (new, or changed since: a flood that became an
        // output once the MAC was learned): the providers that take cold flows get some.
        const bound = provider.coldOffersPerRound ?? 0;
        if (bound <= 0 || this.coldOffered.get(flow) === flow.actions.compiled) continue;
        cold ??= new Map();
        const n = cold.get(provider) ?? 0;
        if (n >= bound) continue;
        cold.set(provider, n + 1);
        this.coldOffered.set(flow, flow.actions.compiled);
      }
      candidates.push({ flow, heat, provider });
    }
    if (candidates.length === 0) return;
    // Only flows no other flow overlaps: the hardware must pick the flow software would.
    const byPort = new Map<number, DpFlow[]>();
    for (const f of megaflows) {
      const port = f.mask[W.IN_PORT] === 0xffffffff ? f.key[W.IN_PORT] : -1;
      const list = byPort.get(port);
      if (list === undefined) byPort.set(port, [f]);
      else list.push(f);
    }
    const overlapsNone = (flow: DpFlow, list: DpFlow[] | undefined) => {
      if (list !== undefined) for (const other of list) if (other !== flow && overlap(other, flow)) return false;
      return true;
    };
    const alone = (flow: DpFlow) =>
      overlapsNone(flow, byPort.get(flow.key[W.IN_PORT])) && overlapsNone(flow, byPort.get(-1));
    candidates.sort((a, b) => b.heat - a.heat);
    const victims = new Map<OffloadProvider, HwEntry[]>();
    const full = new Set<OffloadProvider>();
    let offers = 0;
    for (const c of candidates) {
      if (offers >= this.maxOffers) break;
      if (full.has(c.provider) || !alone(c.flow)) continue;
      const spec = this.spec(c.flow);
      const checked = c.provider.check(spec, (no) => dp.portList.find((p) => p.portNo === no));
      if (!checked.ok) {
        this.reject(c.flow, checked);
        continue;
      }
      if (this.occupancy(c.provider) >= c.provider.capacity) {
        let list = victims.get(c.provider);
        if (list === undefined) {
          list = [...this.byFlow.values()]
            .filter((e) => e.provider === c.provider && e.state === 'active')
            .sort((a, b) => a.heat - b.heat);
          victims.set(c.provider, list);
        }
        const victim = list[0];
        if (victim === undefined || victim.heat >= c.heat) {
          this.totals.rejected['no-capacity']++;
          full.add(c.provider);
          continue;
        }
        list.shift();
        this.totals.evicted++;
        this.removeEntry(victim, true);
        if (this.occupancy(c.provider) >= c.provider.capacity) continue;
      }
      offers++;
      this.install(c.flow, c.provider, spec, c.heat);
    }
  }

  private occupancy(provider: OffloadProvider): number {
    let n = 0;
    for (const e of this.byFlow.values()) if (e.provider === provider) n++;
    for (const p of this.orphans.values()) if (p === provider) n++;
    return Math.max(n, provider.used);
  }

  private refreshPorts(): void {
    const dp = this.dp;
    if (dp === undefined) return;
    const table: (OffloadProvider | undefined)[] = [];
    for (const port of dp.portList) table[port.portNo] = this.providers.find((p) => p.serves(port));
    this.portTable = table;
  }

  private refreshCounters(now: number): void {
    if (this.refreshing) return;
    const async = this.providers.filter((p) => p.refresh !== undefined);
    if (async.length === 0) return;
    this.refreshing = true;
    Promise.all(async.map((p) => p.refresh?.(now)))
      .catch((err) => this.log(`offload: reading hardware counters: ${(err as Error).message}`))
      .finally(() => {
        this.refreshing = false;
      });
  }

  private spec(flow: DpFlow): OffloadFlow {
    return { key: flow.key, mask: flow.mask, packetType: flow.actions.packetType, actions: flow.actions.compiled };
  }

  private reject(flow: DpFlow, r: OpResult): void {
    if (r.ok) return;
    this.totals.rejected[r.reason]++;
    if (r.reason === 'unsupported-match' || r.reason === 'unsupported-action')
      this.unsupported.set(flow, flow.actions.compiled);
  }

  private track<T>(r: MaybeAsync<T>): MaybeAsync<T> {
    if (!(r instanceof Promise)) return r;
    this.pending++;
    return r.finally(() => {
      this.pending--;
    });
  }

  private install(flow: DpFlow, provider: OffloadProvider, spec: OffloadFlow, heat: number): void {
    const e: HwEntry = {
      id: ++this.nextId,
      flow,
      provider,
      compiled: spec.actions,
      state: 'installing',
      mergedPackets: 0,
      mergedBytes: 0,
      heat,
    };
    this.byFlow.set(flow, e);
    this.byId.set(e.id, e);
    this.totals.offered++;
    settle(
      this.track(provider.install(e.id, spec)),
      (r) => {
        if (this.byId.get(e.id) !== e) return; // removed meanwhile (its removal follows the install)
        if (!r.ok) {
          this.forget(e);
          this.reject(flow, r);
          if (r.reason === 'failure') this.log(`offload: install failed: ${r.detail ?? ''}`);
          return;
        }
        e.state = 'active';
        this.totals.installed++;
        this.fix(e);
      },
      (err) => {
        if (this.byId.get(e.id) === e) this.forget(e);
        this.totals.rejected.failure++;
        // It may be half there: make sure it is not.
        this.removeFromHardware(e.id, provider);
        this.log(`offload: install failed: ${(err as Error).message}`);
      },
    );
  }

  /** Brings entry `e` in step with its flow (removed if dead, modified if its actions changed). */
  private fix(e: HwEntry): void {
    if (this.byId.get(e.id) !== e) return;
    if (e.flow.dead) {
      this.removeEntry(e, false);
      return;
    }
    const target = e.flow.actions.compiled;
    if (target === e.compiled || e.state !== 'active') return; // an install/modify in flight re-checks
    const spec = this.spec(e.flow);
    const checked = e.provider.check(spec, (no) => this.dp?.portList.find((p) => p.portNo === no));
    if (!checked.ok) {
      this.reject(e.flow, checked);
      this.removeEntry(e, false);
      return;
    }
    e.state = 'updating';
    settle(
      this.track(e.provider.modify(e.id, spec)),
      (r) => {
        if (this.byId.get(e.id) !== e) return;
        if (!r.ok) {
          this.reject(e.flow, r);
          this.removeEntry(e, false);
          return;
        }
        e.compiled = target;
        e.state = 'active';
        this.totals.modified++;
        this.fix(e);
      },
      (err) => {
        this.log(`offload: modify failed: ${(err as Error).message}`);
        if (this.byId.get(e.id) === e) this.removeEntry(e, false);
      },
    );
  }

  /** Merges `e`'s new hardware counters into its flow. */
  private merge(e: HwEntry): void {
    const st = e.provider.stats(e.id);
    if (st === undefined || st.packets <= e.mergedPackets) return;
    const flow = e.flow;
    flow.packets += st.packets - e.mergedPackets;
    flow.bytes += st.bytes - e.mergedBytes;
    flow.tcpFlags |= st.tcpFlags;
    if (st.used > flow.used) flow.used = st.used;
    e.mergedPackets = st.packets;
    e.mergedBytes = st.bytes;
  }

  private forget(e: HwEntry): void {
    this.byFlow.delete(e.flow);
    this.byId.delete(e.id);
  }

  /** Takes `e` out of hardware (its last counters merged first) and out of the tables. */
  private removeEntry(e: HwEntry, evicted: boolean): void {
    if (this.byId.get(e.id) !== e) return;
    this.merge(e);
    this.forget(e);
    if (!evicted) this.totals.removed++;
    this.removeFromHardware(e.id, e.provider);
  }

  private removeFromHardware(id: number, provider: OffloadProvider): void {
    settle(
      this.track(provider.remove(id)),
      (r) => {
        if (r.ok) return;
        this.totals.failedRemovals++;
        this.orphans.set(id, provider);
      },
      (err) => {
        this.totals.failedRemovals++;
        this.orphans.set(id, provider);
        this.log(`offload: remove failed: ${(err as Error).message}`);
      },
    );
  }
}

/** Whether some packet could match both megaflows. */
function overlap(a: DpFlow, b: DpFlow): boolean {
  for (let i = 0; i < a.key.length; i++) if (((a.key[i] ^ b.key[i]) & a.mask[i] & b.mask[i]) !== 0) return false;
  return true;
}
