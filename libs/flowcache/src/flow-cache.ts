import { ExactMatchCache, type ExactMatchCacheOptions } from './emc.js';
import { MegaflowCache } from './megaflow-cache.js';
import type { MegaflowEntry } from './megaflow-entry.js';
import { SignatureMatchCache } from './smc.js';

export interface FlowCacheOptions {
  /** Key width in 32-bit words. */
  readonly words: number;
  /**
   * EMC slots (default 8192) and insertion probability (default 1/100; 0: nothing goes in, and
   * lookups skip the EMC, as OVS with emc-insert-inv-prob=0).
   */
  readonly emcEntries?: number;
  readonly emcInsertProbability?: number;
  /** Key words every key holds the same value in: the EMC neither stores nor compares them. */
  readonly emcFixedWords?: ExactMatchCacheOptions['fixedWords'];
  /**
   * Signature match cache between the EMC and the megaflows (OVS other_config:smc-enable; see
   * smc.ts). Default false, as OVS (see README); settable at run time (`smcEnabled`).
   */
  readonly smcEnabled?: boolean;
  /** SMC entries (default 1M, 8 bytes each, allocated while enabled). */
  readonly smcEntries?: number;
  /** Upper bound of the adaptive flow limit (OVS other_config:flow-limit, default 200000). */
  readonly maxFlows?: number;
  /** Lower bound of the adaptive flow limit (default 1000, as OVS). */
  readonly minFlowLimit?: number;
  /** Most megaflow masks (default 256). */
  readonly maxSubtables?: number;
  /** Idle time after which a megaflow expires, ms (default 10000, OVS max-idle). */
  readonly idleTimeout?: number;
  /** Idle time used while over the flow limit, ms (default 100, as OVS). */
  readonly overLimitIdleTimeout?: number;
  /** Clock for revalidation durations, ms (default performance.now). */
  readonly clock?: () => number;
  readonly seed?: number;
}

/** What re-translating a megaflow gives now: its actions and the mask translation examined. */
export interface Retranslation<A> {
  readonly actions: A;
  readonly mask: Uint32Array;
}

export interface RevalidationResult {
  checked: number;
  kept: number;
  modified: number;
  evicted: number;
  durationMs: number;
  flowLimit: number;
}

export interface FlowCacheStats {
  emcHits: number;
  /**
   * Found past the EMC: in the megaflow cache, directly or through the signature match cache,
   * and of those, found through the SMC (OVS prints its `megaflow hits` without them).
   */
  megaflowHits: number;
  smcHits: number;
  misses: number;
  /** Upcall results not installed: over the flow limit or no room for a new mask. */
  refused: number;
  flows: number;
  masks: number;
  emcEntries: number;
  /** SMC ways in use (0 while it is disabled). */
  smcEntries: number;
  flowLimit: number;
  /** Average megaflow subtables probed per megaflow lookup. */
  subtablesPerLookup: number;
}

/**
 * The datapath's caches: exact-match cache in front of the megaflow cache, revalidation against
 * the OpenFlow tables, idle expiry and an adaptive flow limit.
 *
 * Typical use: `e = lookup(key, hash)`; on a hit `credit(e, bytes, tcpFlags, now)` and run
 * `e.actions`; on a miss translate (classifier lookup with wildcards), then `insert(key, wc,
 * actions, now)`.
 */
export class FlowCache<A> {
  readonly emc: ExactMatchCache<A>;
  readonly megaflows: MegaflowCache<A>;
  private signatures: SignatureMatchCache<A> | undefined;
  /** False while the EMC takes nothing in: lookups skip it. */
  private emcInUse: boolean;
  /** Current flow limit; insertions beyond it are refused. */
  flowLimit: number;
  private readonly maxFlows: number;
  private readonly minFlowLimit: number;
  private idle: number;
  private readonly overLimitIdleTimeout: number;
  private readonly clock: () => number;
  private readonly smcEntries: number | undefined;
  private readonly seed: number | undefined;
  private emcHits = 0;
  private smcHits = 0;
  private megaflowHits = 0;
  private misses = 0;
  private refused = 0;

  constructor(options: FlowCacheOptions) {
    this.emc = new ExactMatchCache<A>({
      words: options.words,
      entries: options.emcEntries,
      insertProbability: options.emcInsertProbability,
      fixedWords: options.emcFixedWords,
      seed: options.seed,
    });
    this.emcInUse = this.emc.insertProbability > 0;
    this.megaflows = new MegaflowCache<A>({ words: options.words, maxSubtables: options.maxSubtables });
    this.smcEntries = options.smcEntries;
    this.seed = options.seed;
    this.smcEnabled = options.smcEnabled ?? false;
    this.maxFlows = options.maxFlows ?? 200_000;
    this.minFlowLimit = Math.min(options.minFlowLimit ?? 1000, this.maxFlows);
    this.flowLimit = this.maxFlows;
    this.idle = checkIdleTimeout(options.idleTimeout ?? 10_000);
    this.overLimitIdleTimeout = options.overLimitIdleTimeout ?? 100;
    this.clock = options.clock ?? (() => performance.now());
  }

  /**
   * Probability that a flow found past the EMC is copied into it (OVS other_config:
   * emc-insert-inv-prob is its inverse). At 0 lookups skip the EMC: with traffic of more flows
   * than it holds, its probe is pure cost.
   */
  get emcInsertProbability(): number {
    return this.emc.insertProbability;
  }

  set emcInsertProbability(p: number) {
    this.emc.insertProbability = p;
    this.emcInUse = p > 0;
  }

  /** The signature match cache while enabled. */
  get smc(): SignatureMatchCache<A> | undefined {
    return this.signatures;
  }

  /** Whether the signature match cache is on. Turning it off frees its table; on starts it empty. */
  get smcEnabled(): boolean {
    return this.signatures !== undefined;
  }

  set smcEnabled(on: boolean) {
    if (on === this.smcEnabled) return;
    this.signatures = on
      ? new SignatureMatchCache<A>(this.megaflows, { entries: this.smcEntries, seed: this.seed })
      : undefined;
  }

  /**
   * The flow for `key` (its unsigned 32-bit hash given by the caller): EMC first, then the SMC,
   * then megaflows. A flow found past the EMC may be copied into it (see ExactMatchCache), one
   * found in the megaflows goes into the SMC.
   */
  lookup(key: Uint32Array, hash: number): MegaflowEntry<A> | undefined {
    if (this.emcInUse) {
      const hit = this.emc.lookup(key, hash);
      if (hit !== undefined) {
        this.emcHits++;
        return hit;
      }
    }
    const smc = this.signatures;
    if (smc !== undefined) {
      const flow = smc.lookup(key, hash);
      if (flow !== undefined) {
        this.smcHits++;
        if (this.emcInUse) this.emc.maybeInsert(key, hash, flow);
        return flow;
      }
    }
    const flow = this.megaflows.lookup(key);
    if (flow === undefined) {
      this.misses++;
      return undefined;
    }
    this.megaflowHits++;
    if (this.emcInUse) this.emc.maybeInsert(key, hash, flow);
    smc?.insert(hash, flow);
    return flow;
  }

  /**
   * Installs the megaflow (key & mask → actions). Returns undefined when refused (flow limit
   * reached or no room for a new mask): the packet is still handled, just not cached. With
   * `hash` (the packet's, as given to `lookup`), the SMC points at the flow right away.
   */
  insert(key: Uint32Array, mask: Uint32Array, actions: A, now: number, hash?: number): MegaflowEntry<A> | undefined {
    if (this.megaflows.size >= this.flowLimit) {
      this.refused++;
      return undefined;
    }
    const e = this.megaflows.insert(key, mask, actions, now);
    if (e === undefined) this.refused++;
    else if (hash !== undefined) this.signatures?.insert(hash, e);
    return e;
  }

  /** Accounts one packet to a flow. */
  credit(flow: MegaflowEntry<A>, bytes: number, tcpFlags: number, now: number): void {
    flow.packets++;
    flow.bytes += bytes;
    flow.tcpFlags |= tcpFlags;
    if (now > flow.used) flow.used = now;
  }

  /** Removes a megaflow (its EMC and SMC entries go stale and read as misses). */
  remove(flow: MegaflowEntry<A>): void {
    this.megaflows.remove(flow);
  }

  /**
   * Rechecks every megaflow against the current tables. `retranslate(flow)` looks up the flow's
   * key (`flow.key`, wildcarded bits zero) and returns the actions and the mask that lookup
   * examined, or null if the flow should not exist. A flow is evicted when the new mask needs bits
   * the flow does not match on (it may now cover packets that get other answers), its actions
   * are updated in place when only they changed (`sameActions`, default ===), else kept. Then
   * the flow limit adapts to how long the round took, as OVS's revalidator does.
   */
  revalidate(
    retranslate: (flow: MegaflowEntry<A>) => Retranslation<A> | null,
    sameActions: (a: A, b: A) => boolean = (a, b) => a === b,
  ): RevalidationResult {
    const start = this.clock();
    const result: RevalidationResult = {
      checked: 0,
      kept: 0,
      modified: 0,
      evicted: 0,
      durationMs: 0,
      flowLimit: this.flowLimit,
    };
    const flows = this.megaflows.entries();
    for (const flow of flows) {
      result.checked++;
      const r = retranslate(flow);
      let fits = r !== null;
      if (r !== null) {
        for (let i = 0; i < flow.mask.length; i++) {
          if ((r.mask[i] & ~flow.mask[i]) !== 0) {
            fits = false;
            break;
          }
        }
      }
      if (!fits || r === null) {
        this.megaflows.remove(flow);
        result.evicted++;
      } else if (!sameActions(flow.actions, r.actions)) {
        flow.actions = r.actions;
        result.modified++;
      } else result.kept++;
    }
    const duration = Math.max(this.clock() - start, 1);
    result.durationMs = duration;
    this.adaptFlowLimit(duration, flows.length);
    result.flowLimit = this.flowLimit;
    return result;
  }

  /** Idle time (ms) after which `expire` evicts a megaflow; settable at run time (OVS other_config:max-idle). */
  get idleTimeout(): number {
    return this.idle;
  }

  set idleTimeout(ms: number) {
    this.idle = checkIdleTimeout(ms);
  }

  /** Evicts megaflows idle since `now - idleTimeout` (a much shorter idle time while over the flow limit). Returns how many. */
  expire(now: number): number {
    const overLimit = this.megaflows.size > this.flowLimit;
    const cutoff = now - (overLimit ? this.overLimitIdleTimeout : this.idle);
    let n = 0;
    for (const flow of this.megaflows.entries()) {
      if (flow.used < cutoff) {
        this.megaflows.remove(flow);
        n++;
      }
    }
    return n;
  }

  get stats(): FlowCacheStats {
    const m = this.megaflows;
    return {
      emcHits: this.emcHits,
      megaflowHits: this.megaflowHits + this.smcHits,
      smcHits: this.smcHits,
      misses: this.misses,
      refused: this.refused,
      flows: m.size,
      masks: m.subtableCount,
      emcEntries: this.emc.size,
      smcEntries: this.signatures?.size ?? 0,
      flowLimit: this.flowLimit,
      subtablesPerLookup: m.lookups === 0 ? 0 : m.probes / m.lookups,
    };
  }

  /**
   * OVS's rule (ofproto/ofproto-dpif-upcall.c): a round over 2 s divides the limit by its length
   * in seconds, over 1.3 s takes a quarter off, under 1 s adds 1000 while the limit is below what
   * that pace could sustain; clamped to [minFlowLimit, maxFlows].
   */
  private adaptFlowLimit(durationMs: number, nFlows: number): void {
    let limit = this.flowLimit;
    if (durationMs > 2000) limit = Math.floor(limit / (durationMs / 1000));
    else if (durationMs > 1300) limit = Math.floor((limit * 3) / 4);
    else if (durationMs < 1000 && limit < (nFlows * 1000) / durationMs) limit += 1000;
    this.flowLimit = Math.min(this.maxFlows, Math.max(limit, this.minFlowLimit));
  }
}

function checkIdleTimeout(ms: number): number {
  if (!(Number.isFinite(ms) && ms >= 0))
    throw new Error(`flowcache: idleTimeout must be a non-negative number of ms, got ${ms}`);
  return ms;
}
