import { Classifier, type Conjunction, type Rule } from '@softswitch/classifier';
import { type Action, type FlowMod, FlowModFlag, formatActions, formatMatch, type Match } from '@softswitch/openflow';
import { W } from '@softswitch/packet';
import { CONJ_ID_WORD, type KeyMatch, matchToKeyInto, TABLE_WORDS } from './match-key.js';

export const N_TABLES = 255;
const ALL64 = 0xffffffffffffffffn;
const OFPP_ANY = 0xffff;
const OFPG_ANY = 0xffffffff;
/**
 * The key of the flow-mod being applied: the classifier copies what it keeps, and nothing here
 * holds one key while making another, so one pair of arrays serves every flow-mod.
 */
const keyScratch: KeyMatch = { value: new Uint32Array(TABLE_WORDS), mask: new Uint32Array(TABLE_WORDS) };

/** Flow-mod commands (OFPFC_*). */
export const FlowModCommand = { ADD: 0, MODIFY: 1, MODIFY_STRICT: 2, DELETE: 3, DELETE_STRICT: 4 } as const;

/** Why a flow left its table (OFPRR_*). */
export const RemovedReason = { IDLE_TIMEOUT: 0, HARD_TIMEOUT: 1, DELETE: 2 } as const;

/**
 * A flow-mod refused, with the OpenFlow 1.1+ error type and code to reply with (the name is
 * OVS's, e.g. OFPFMFC_OVERLAP; OpenFlow 1.0 numbering is the connection layer's job).
 */
export class FlowModError extends Error {
  constructor(
    readonly errorName: string,
    readonly errorType: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** A flow entry: the classifier rule's payload. */
export interface FlowEntry {
  tableId: number;
  priority: number;
  match: Match;
  actions: Action[];
  cookie: bigint;
  idleTimeout: number;
  hardTimeout: number;
  importance: number;
  flags: number;
  /** Milliseconds on the injected clock. */
  created: number;
  modified: number;
  used: number;
  packets: bigint;
  bytes: bigint;
  rule: Rule<FlowEntry>;
}

export interface RemovedFlow {
  entry: FlowEntry;
  reason: number;
}

/**
 * Classifier configuration for the 64-word packet key plus the conj_id pseudo-field word
 * (stages: metadata, L2, L3, L4 and conj_id).
 */
export function newTableClassifier(merge = false): Classifier<FlowEntry> {
  return new Classifier<FlowEntry>({
    words: TABLE_WORDS,
    stages: [W.DL_DST, W.NW_SRC, W.TP, TABLE_WORDS],
    conjIdWord: CONJ_ID_WORD,
    prefixFields: [
      { name: 'nw_src', word: W.NW_SRC, words: 1 },
      { name: 'nw_dst', word: W.NW_DST, words: 1 },
      { name: 'ipv6_src', word: W.IPV6_SRC, words: 4 },
      { name: 'ipv6_dst', word: W.IPV6_DST, words: 4 },
    ],
    portWords: [W.TP],
    // OVS-style subtables (no tuple merging): megaflow masks then cover whole fields as OVS's
    // do, so the `Megaflow:` line reads like OVS's (merging can leave partial nw_proto masks).
    merge,
  });
}

/** True if the rule's actions (including write_actions) output to `port` (OVS's ofproto_rule_has_out_port). */
export function actionsOutputTo(actions: readonly Action[], port: number): boolean {
  for (const a of actions) {
    switch (a.type) {
      case 'output':
      case 'enqueue':
      case 'output_trunc':
        if (a.port === port) return true;
        break;
      case 'controller':
        if (port === 0xfffd) return true;
        break;
      case 'write_actions':
        if (actionsOutputTo(a.actions, port)) return true;
        break;
    }
  }
  return false;
}

/** The `conjunction(id,k/n)` clauses of a flow's actions (a conjunctive flow has only those). */
export function conjunctionsOf(actions: readonly Action[]): Conjunction[] {
  const out: Conjunction[] = [];
  for (const a of actions)
    if (a.type === 'conjunction') out.push({ id: a.id, clause: a.clause + 1, nClauses: a.nClauses }); // 0-based in the action
  return out;
}

const sameConjunctions = (a: readonly Conjunction[], b: readonly Conjunction[]) =>
  a.length === b.length &&
  a.every((c, i) => c.id === b[i].id && c.clause === b[i].clause && c.nClauses === b[i].nClauses);

/** True if a fin_timeout action appears anywhere in `actions` (it can give a flow timeouts later). */
function hasFinTimeout(actions: readonly Action[]): boolean {
  for (const a of actions) {
    if (a.type === 'fin_timeout') return true;
    const nested = (a as { actions?: unknown }).actions;
    if (Array.isArray(nested) && hasFinTimeout(nested)) return true;
  }
  return false;
}

/** Whether `actions` output to `group`, nested lists included (OVS's ofpacts_output_to_group). */
export function actionsUseGroup(actions: readonly Action[], group: number): boolean {
  for (const a of actions) {
    if (a.type === 'group' && a.groupId === group) return true;
    if ((a.type === 'write_actions' || a.type === 'clone') && actionsUseGroup(a.actions, group)) return true;
  }
  return false;
}

/**
 * The 255 OpenFlow tables of one bridge with OpenFlow/OVS flow-mod semantics. `now()` is the
 * injected clock in milliseconds (timeouts, durations).
 */
export class FlowTables {
  readonly tables: Classifier<FlowEntry>[] = [];

  constructor(private readonly now: () => number = Date.now) {
    for (let i = 0; i < N_TABLES; i++) this.tables.push(newTableClassifier());
  }

  /**
   * Brings flow counters up to date before they are read or flows change (the owner credits
   * cached datapath flows' new packets to their rules here, as OVS's revalidators push stats).
   */
  syncStats: (() => void) | undefined;

  /**
   * Flows that match on the nw_src/nw_dst words, by the packets they can apply to: IPv4 (dl_type
   * 0x0800), ARP/RARP, or any (no dl_type). Translation uses it to keep the bits the prefix tries
   * looked at out of the megaflow of packets no such flow can match (OVS checks a trie field's
   * prerequisites before consulting the trie).
   */
  readonly nwUsers = { ip: 0, arp: 0, any: 0 };

  /**
   * Bumped each time a `learn` action changed a table (added or modified a flow, not a refresh):
   * the owner revalidates its datapath flows then, as after a flow-mod.
   */
  learnChanges = 0;

  /**
   * Flows with an idle or hard timeout. While there are none (and no fin_timeout action ever
   * came, which gives a flow timeouts during a translation), `expire` has nothing to look at:
   * the periodic call costs nothing, however many flows the tables hold.
   */
  private readonly timed = new Set<FlowEntry>();
  private finTimeouts = false;

  private watchTimeouts(e: FlowEntry): void {
    if (e.idleTimeout || e.hardTimeout) this.timed.add(e);
    if (!this.finTimeouts && hasFinTimeout(e.actions)) this.finTimeouts = true;
  }

  /** A flow left its table: it has nothing left to expire, and its nw_src/nw_dst use is gone. */
  private forget(e: FlowEntry, r: Rule<FlowEntry>): void {
    this.timed.delete(e);
    this.trackNw(r, -1);
  }

  private trackNw(r: Rule<FlowEntry>, delta: number): void {
    if (r.mask[W.NW_SRC] === 0 && r.mask[W.NW_DST] === 0) return;
    const typed = r.mask[W.DL_TYPE] === 0xffff;
    const t = r.value[W.DL_TYPE];
    if (!typed) this.nwUsers.any += delta;
    else if (t === 0x0800) this.nwUsers.ip += delta;
    else this.nwUsers.arp += delta; // ARP/RARP: the only other protocols with these fields
  }

  /** Number of flows in all tables. */
  get size(): number {
    let n = 0;
    for (const t of this.tables) n += t.size;
    return n;
  }

  /**
   * Applies a flow-mod; returns the flows it removed (for flow-removed messages). `version` is
   * the OpenFlow version it came in (1 = OpenFlow 1.0 or NXM): it decides whether a modify that
   * selects nothing adds the flow.
   */
  apply(fm: FlowMod, version = 1): RemovedFlow[] {
    this.syncStats?.();
    switch (fm.command) {
      case FlowModCommand.ADD:
        // OpenFlow 1.0 and 1.1 have no reset_counts flag: an add always resets, so OVS records
        // the flag on such flows (OpenFlow 1.3 dumps show it).
        this.add(version <= 2 ? { ...fm, flags: fm.flags | FlowModFlag.RESET_COUNTS } : fm);
        return [];
      case FlowModCommand.MODIFY:
      case FlowModCommand.MODIFY_STRICT:
        this.modify(fm, fm.command === FlowModCommand.MODIFY_STRICT, version);
        return [];
      case FlowModCommand.DELETE:
      case FlowModCommand.DELETE_STRICT:
        return this.delete(fm, fm.command === FlowModCommand.DELETE_STRICT);
      default:
        throw new FlowModError('OFPFMFC_BAD_COMMAND', 5, 6, `unknown flow-mod command ${fm.command}`);
    }
  }

  private checkTable(tableId: number): void {
    if (tableId >= N_TABLES) throw new FlowModError('OFPBRC_BAD_TABLE_ID', 1, 9, `table ${tableId} out of range`);
  }

  private add(fm: FlowMod): void {
    // OpenFlow 1.0 flow-mods carry no table: they go to table 0.
    const tableId = fm.tableId === 0xff ? 0 : fm.tableId;
    this.checkTable(tableId);
    const cls = this.tables[tableId];
    const km = matchToKeyInto(fm.match, keyScratch);
    if (fm.flags & FlowModFlag.CHECK_OVERLAP && cls.checkOverlap(km, fm.priority) !== null) {
      throw new FlowModError('OFPFMFC_OVERLAP', 5, 3, 'flow overlaps an existing flow of the same priority');
    }
    const t = this.now();
    const entry: FlowEntry = {
      tableId,
      priority: fm.priority,
      match: fm.match, // the flow-mod is consumed: its match becomes the flow's
      actions: fm.actions,
      cookie: fm.newCookie === ALL64 ? fm.cookie : fm.newCookie,
      idleTimeout: fm.idleTimeout,
      hardTimeout: fm.hardTimeout,
      importance: fm.importance,
      flags: fm.flags,
      created: t,
      modified: t,
      used: t,
      packets: 0n,
      bytes: 0n,
      rule: undefined as unknown as Rule<FlowEntry>,
    };
    // An identical flow (same match and priority) is replaced: one mask lookup finds, removes and
    // inserts (the classifier's findExact, remove, insert).
    const conj = conjunctionsOf(fm.actions);
    entry.rule = cls.replace(km, fm.priority, entry, conj.length === 0 ? undefined : { conjunctions: conj });
    const old = cls.replaced;
    if (old !== null) {
      // Replacing an identical flow keeps its counters unless reset_counts is given (as OVS).
      if (!(fm.flags & FlowModFlag.RESET_COUNTS)) {
        entry.packets = old.data.packets;
        entry.bytes = old.data.bytes;
        entry.created = old.data.created;
        entry.used = old.data.used;
      }
      this.forget(old.data, old);
    }
    this.trackNw(entry.rule, 1);
    this.watchTimeouts(entry);
  }

  /**
   * A flow-mod made by a `learn` action (OVS's learn_execute: MODIFY_STRICT that adds when
   * nothing matches). A flow with the same match, priority, actions and cookie is only refreshed
   * (its hard timeout restarts, as ofproto_flow_mod_learn_refresh); returns true if a table
   * changed. It does not sync stats: it runs inside a translation.
   */
  learn(fm: FlowMod): boolean {
    this.checkTable(fm.tableId);
    const old = this.tables[fm.tableId].findExact(matchToKeyInto(fm.match, keyScratch), fm.priority)?.data;
    if (old !== undefined && old.cookie === fm.newCookie && formatActions(old.actions) === formatActions(fm.actions)) {
      old.modified = this.now();
      return false;
    }
    if (old !== undefined) this.modifyEntry(old, fm, this.now());
    else this.add({ ...fm, command: FlowModCommand.ADD, cookie: 0n });
    this.learnChanges++;
    return true;
  }

  /** Flows selected by a modify/delete, in priority order then table order. */
  select(fm: FlowMod, strict: boolean): FlowEntry[] {
    this.syncStats?.();
    const km = matchToKeyInto(fm.match, keyScratch);
    const out: FlowEntry[] = [];
    const first = fm.tableId === 0xff ? 0 : fm.tableId;
    const last = fm.tableId === 0xff ? N_TABLES - 1 : fm.tableId;
    this.checkTable(first);
    for (let t = first; t <= last; t++) {
      const cls = this.tables[t];
      if (cls.size === 0) continue;
      const rules = strict ? [cls.findExact(km, fm.priority)].filter((r) => r !== null) : cls.findLoose(km);
      for (const r of rules) {
        const e = r.data;
        if (((e.cookie ^ fm.cookie) & fm.cookieMask) !== 0n) continue;
        if (fm.outPort !== OFPP_ANY && !actionsOutputTo(e.actions, fm.outPort)) continue;
        if (fm.outGroup !== OFPG_ANY && !actionsUseGroup(e.actions, fm.outGroup)) continue;
        out.push(e);
      }
    }
    return out;
  }

  private modify(fm: FlowMod, strict: boolean, version: number): void {
    const hits = this.select(fm, strict);
    if (hits.length === 0) {
      // OVS: with OpenFlow 1.0/NXM a modify that selects nothing adds the flow (with the new
      // cookie, if any); from OpenFlow 1.1 on it does nothing.
      if (version === 1) {
        this.add({
          ...fm,
          command: FlowModCommand.ADD,
          newCookie: fm.newCookie === ALL64 ? 0n : fm.newCookie,
          cookie: 0n,
        });
      }
      return;
    }
    const t = this.now();
    for (const e of hits) this.modifyEntry(e, fm, t);
  }

  private modifyEntry(e: FlowEntry, fm: FlowMod, t: number): void {
    const conj = conjunctionsOf(fm.actions);
    if (!sameConjunctions(conj, e.rule.conjunctions)) {
      // Whether (and how) a flow is conjunctive is part of its classifier rule: re-insert it.
      const cls = this.tables[e.tableId];
      const km = { value: Uint32Array.from(e.rule.value), mask: Uint32Array.from(e.rule.mask) };
      cls.remove(e.rule);
      e.rule = cls.insert(km, e.priority, e, { conjunctions: conj });
    }
    e.actions = fm.actions;
    this.watchTimeouts(e);
    if (fm.newCookie !== ALL64) e.cookie = fm.newCookie;
    e.modified = t;
    if (fm.flags & FlowModFlag.RESET_COUNTS) {
      e.packets = 0n;
      e.bytes = 0n;
    }
  }

  private delete(fm: FlowMod, strict: boolean): RemovedFlow[] {
    const hits = this.select(fm, strict);
    for (const e of hits) {
      this.tables[e.tableId].remove(e.rule);
      this.forget(e, e.rule);
    }
    return hits.map((entry) => ({ entry, reason: RemovedReason.DELETE }));
  }

  /** Removes one flow (e.g. one that used a deleted meter). */
  remove(e: FlowEntry): void {
    this.tables[e.tableId].remove(e.rule);
    this.forget(e, e.rule);
  }

  /** Removes flows whose idle or hard timeout has passed at the clock's current time. */
  expire(): RemovedFlow[] {
    // No flow has (or can get) a timeout: nothing to scan. Otherwise every table is walked, so
    // flows leave in table then priority order.
    if (this.timed.size === 0 && !this.finTimeouts) return [];
    this.syncStats?.();
    const t = this.now();
    const out: RemovedFlow[] = [];
    for (const cls of this.tables) {
      if (cls.size === 0) continue;
      for (const r of cls.rules()) {
        const e = r.data;
        let reason = -1;
        if (e.hardTimeout && t - e.modified >= e.hardTimeout * 1000) reason = RemovedReason.HARD_TIMEOUT;
        else if (e.idleTimeout && t - e.used >= e.idleTimeout * 1000) reason = RemovedReason.IDLE_TIMEOUT;
        if (reason < 0) continue;
        cls.remove(r);
        this.forget(e, r);
        out.push({ entry: e, reason });
      }
    }
    return out;
  }

  /** Every flow, table by table, each table in descending priority. */
  entries(tableId = 0xff): FlowEntry[] {
    this.syncStats?.();
    const out: FlowEntry[] = [];
    for (let t = 0; t < N_TABLES; t++) {
      if (tableId !== 0xff && t !== tableId) continue;
      for (const r of this.tables[t].rules()) out.push(r.data);
    }
    return out;
  }

  /**
   * `ovs-ofctl dump-flows` lines (OpenFlow 1.0/NXM form, as `ovs-ofctl dump-flows BR` prints
   * without -O), in table then priority order; OVS's own order within a priority is unspecified.
   */
  dumpFlows(tableId = 0xff): string[] {
    const t = this.now();
    return this.entries(tableId).map((e) => formatFlowStats(e, t));
  }
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

/** One dump-flows line (OVS's ofputil_flow_stats_format for an NXST flow stats entry). */
export function formatFlowStats(e: FlowEntry, now: number): string {
  let s = ` cookie=0x${e.cookie.toString(16)}, duration=${formatSeconds(now - e.created)}, table=${e.tableId}, n_packets=${e.packets}, n_bytes=${e.bytes}, `;
  if (e.idleTimeout) s += `idle_timeout=${e.idleTimeout}, `;
  if (e.hardTimeout) s += `hard_timeout=${e.hardTimeout}, `;
  const durationSec = Math.floor((now - e.created) / 1000);
  const hardAge = Math.floor((now - e.modified) / 1000);
  s += `idle_age=${Math.floor((now - e.used) / 1000)}, `;
  if (hardAge !== durationSec) s += `hard_age=${hardAge}, `;
  const m = formatMatch(e.match, e.priority);
  if (m) s += `${m} `;
  return `${s}actions=${formatActions(e.actions.map(asOf10))}`;
}

/** OpenFlow 1.0/NXM has no goto_table: OVS sends it as (and ovs-ofctl prints) `resubmit(,N)`. */
function asOf10(a: Action): Action {
  return a.type === 'goto_table' ? { type: 'resubmit', inPort: 0xfff8, table: a.table } : a;
}
