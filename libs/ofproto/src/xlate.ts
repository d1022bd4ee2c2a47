import type { Action, FieldDef, Learn, Prereq, Subfield } from '@softswitch/openflow';
import { FlowModFlag, formatAction, formatMatch, Match, newFlowMod, OFPP, registerSpan } from '@softswitch/openflow';
import {
  ETH_TYPE,
  FIRST_PACKET_WORD,
  FLOW_WORDS,
  formatIpv4,
  formatMac,
  IP_PROTO,
  NW_FRAG_ANY,
  NW_FRAG_LATER,
  VLAN_CFI,
  W,
} from '@softswitch/packet';
import type { DpAction, SetField } from './dp-actions.js';
import { flowHashFields, hash2Words, maskHashFields, multipathLink } from './flow-hash.js';
import type { FlowEntry, FlowTables } from './flow-table.js';
import { FRAG_DROP_TRACE, FragLookup, FragMode, fragLookup } from './frag-mode.js';
import { actionSetOrder, type Group, type GroupBucket, OFPG_ANY } from './groups.js';
import type { MacTable } from './mac-learning.js';
import { orFieldMask, orSlotMask, readField, readSlot, TABLE_WORDS, writeField, writeSlot } from './match-key.js';
import { dpHashTable, symL4Hash } from './select-group.js';
import type { XlateCache } from './xlate-cache.js';

/** An OpenFlow port of the bridge, with what NORMAL needs of its Port row. */
export interface PortConfig {
  readonly ofport: number;
  readonly name: string;
  /** Datapath port number (what `Datapath actions:` prints). */
  readonly dpPort: number;
  /** OFPPC_NO_FLOOD: left out of FLOOD. */
  readonly noFlood?: boolean;
  /** OFPPC_NO_RECV / OFPPC_NO_RECV_STP: what it receives (other than / only STP) is dropped. */
  readonly noRecv?: boolean;
  readonly noRecvStp?: boolean;
  /** OFPPC_NO_FWD: nothing is output to it. */
  readonly noFwd?: boolean;
  /** Port.tag: an access port of this VLAN. */
  readonly tag?: number;
  /** Port.trunks: the VLANs a trunk port carries (all when absent). */
  readonly trunks?: readonly number[];
  /**
   * A patch port (`type=patch`): no datapath port; output continues in the peer bridge
   * (XlateBridge.patchPeer), as OVS's patch_port_output.
   */
  readonly patch?: boolean;
}

/** Where a patch port leads: the peer bridge and the peer port's OpenFlow number there. */
export interface PatchPeer {
  readonly bridge: XlateBridge;
  readonly ofport: number;
}

/** What translation reads of the bridge. */
export interface XlateBridge {
  readonly name: string;
  readonly tables: FlowTables;
  readonly macs: MacTable;
  port(ofport: number): PortConfig | undefined;
  /** Ports in the order FLOOD/ALL visit them (OVS: its ofport hash map order). */
  readonly floodOrder: readonly PortConfig[];
  /** Ports in the order NORMAL floods them (OVS: its bundle list order). */
  readonly normalOrder: readonly PortConfig[];
  /** Allocates the recirculation id of a controller action (OVS numbers them globally). */
  nextRecircId(): number;
  /** The group table. */
  group(groupId: number): Group | undefined;
  /**
   * Fail-open (OVS's fail_open.c): a standalone bridge whose controllers have been unreachable
   * for a while acts as a learning switch, through a hidden table-0 rule that outranks every flow.
   */
  readonly failOpen?: boolean;
  /** The other end of patch port `ofport`, when it is linked. */
  patchPeer?(ofport: number): PatchPeer | undefined;
  /** The datapath meter id of OpenFlow meter `meterId` (OVS's provider_meter_id), if it exists. */
  meterDpId?(meterId: number): number | undefined;
  /** How lookups treat IP fragments (set-config's OFPC_FRAG_*); NORMAL when absent, as OVS. */
  readonly fragMode?: FragMode;
}

/** Priority of the hidden fail-open rule (OVS's FAIL_OPEN_PRIORITY), as traces print it. */
export const FAIL_OPEN_PRIORITY = 0xf0f0f0;

export interface XlateOptions {
  /**
   * Side effects of a real packet: learn source MACs in NORMAL, run `learn` actions (add or
   * refresh the learned flows) and `fin_timeout`. ofproto/trace leaves it off, as OVS suppresses
   * side effects there.
   */
  mayLearn?: boolean;
  /** Record the per-table walk for ofproto/trace. */
  trace?: boolean;
  /** Credit the packet to the flows it hits (bytes = this length). */
  packetLength?: number;
  /** Clock for flow `used` times, when packetLength is given. */
  now?: number;
  /** Collects the rules the translation hits (for crediting a megaflow's statistics later). */
  cache?: XlateCache;
  /**
   * Choose select-group buckets during translation (hashing the flow) instead of emitting OVS's
   * `hash(...),recirc(...)`: for a datapath without recirculation. ofproto/trace leaves it off.
   */
  selectInline?: boolean;
}

export interface XlateResult {
  actions: DpAction[];
  /** The megaflow mask: every key bit the actions depended on. */
  mask: Uint32Array;
  /** The key after every rewrite (the trace's `Final flow:`). */
  finalFlow: Uint32Array;
  /** The per-table walk, one line each (with trace: true). */
  walk: string[];
}

/** Actions a clone cannot run inline (OVS's reversible_actions is false: a datapath clone is needed). */
const NOT_REVERSIBLE = new Set(['ct', 'meter', 'nat', 'output_trunc', 'encap', 'decap', 'dec_nsh_ttl']);

/** NX_BD_ALG_ACTIVE_BACKUP (the index into @softswitch/openflow's BUNDLE_ALGORITHMS). */
const BUNDLE_ACTIVE_BACKUP = 0;
/** Bound on resubmits per translation (loops in the tables end here). */
const MAX_RESUBMITS = 4096;
const MASK16 = 0xffff;
/** VLAN word masks: TPID (high 16 bits) with VID+CFI or PCP+CFI. */
const VLAN_VID_CFI_TPID = 0xffff1fff | 0;
const VLAN_PCP_CFI_TPID = 0xfffff000 | 0;

export class UnsupportedActionError extends Error {}

/** Ethernet + VLAN: the fields a megaflow always matches for every packet (OVS's xlate). */
function initialWildcards(key: Uint32Array, wc: Uint32Array): void {
  wc[W.IN_PORT] = 0xffffffff;
  wc[W.DL_TYPE] = 0xffffffff;
  const t = key[W.DL_TYPE];
  if (t === ETH_TYPE.IP || t === ETH_TYPE.IPV6) wc[W.NW] |= (NW_FRAG_ANY | NW_FRAG_LATER) << 24; // nw_frag
}

const isIp = (k: Uint32Array) => k[W.DL_TYPE] === ETH_TYPE.IP || k[W.DL_TYPE] === ETH_TYPE.IPV6;
const isIpv4 = (k: Uint32Array) => k[W.DL_TYPE] === ETH_TYPE.IP;

/** One translation's working state (OVS's xlate_ctx). */
class Ctx {
  readonly flow: Uint32Array;
  /** The packet as the datapath has it so far: actions are emitted for differences (commit). */
  readonly base: Uint32Array;
  /** TABLE_WORDS long: the packet key's words plus the conj_id pseudo-field (always 0 here). */
  readonly wc = new Uint32Array(TABLE_WORDS);
  /** The datapath actions so far (a check_pkt_len branch's while one is translated). */
  out: DpAction[] = [];
  readonly walk: string[] = [];
  actionSet: Action[] = [];
  depth = 0;
  resubmits = 0;
  /**
   * skb_priority (set_queue / enqueue pick it; the datapath key has no word for it): the
   * packet's, and what the datapath was last told (commit emits set(skb_priority) on a change).
   */
  priority = 0;
  basePriority = 0;
  /** The NXAST_STACK_PUSH/POP stack: subfield values, last pushed last. */
  private readonly stack: bigint[] = [];
  exited = false;
  /** The packet came in on a port that may not receive it (the table-0 lookup runs no actions). */
  inPortBlocked = false;
  /** Stop the action list being run, not the pipeline (OVS's dec_ttl on an expired TTL). */
  stopList = false;
  tableId = 0;
  rule: FlowEntry | null = null;
  /** The action being run is its list's last (a trailing resubmit is a tail call, as in OVS). */
  lastAction = false;

  constructor(
    /** The bridge being walked (changes while a patch port's peer bridge runs). */
    public br: XlateBridge,
    key: Uint32Array,
    readonly opts: XlateOptions,
  ) {
    this.flow = new Uint32Array(TABLE_WORDS);
    this.flow.set(key.subarray(0, FLOW_WORDS));
    this.base = Uint32Array.from(key.subarray(0, FLOW_WORDS));
    initialWildcards(key, this.wc);
  }

  note(indentExtra: number, text: string): void {
    if (this.opts.trace) this.walk.push(`${' '.repeat(4 + 8 * this.depth + indentExtra)}${text}`);
  }

  // ---- tables ----

  lookupTable(tableId: number, isGoto: boolean): void {
    if (tableId >= this.br.tables.tables.length) return;
    const saveTable = this.tableId;
    const saveRule = this.rule;
    this.tableId = tableId;
    const wc = this.wc;
    const nwSrcWc = wc[W.NW_SRC];
    const nwDstWc = wc[W.NW_DST];
    const frag = this.fragLookup();
    if (frag === FragLookup.DROP) {
      if (this.opts.trace) this.walk.push(`${' '.repeat(1 + 4 * this.depth)}${tableId}. ${FRAG_DROP_TRACE}`);
      this.note(0, 'drop');
      this.tableId = saveTable;
      return;
    }
    // OVS's rule_dpif_lookup_from_table: the ports a fragment's lookup must not see are 0 for it
    // only; the actions see the packet's own (the bits examined still go into the megaflow).
    const tp = this.flow[W.TP];
    if (frag === FragLookup.ZERO_PORTS) this.flow[W.TP] = 0;
    const r = this.br.tables.tables[tableId].lookup(this.flow, wc);
    this.flow[W.TP] = tp;
    if (this.nwIrrelevant()) {
      // No flow that could match this packet looks at nw_src/nw_dst: the bits the classifier's
      // prefix tries examined there decided nothing.
      wc[W.NW_SRC] = nwSrcWc;
      wc[W.NW_DST] = nwDstWc;
    }
    const indent = this.opts.trace ? ' '.repeat(1 + 4 * this.depth) : '';
    if (r === null) {
      if (this.opts.trace) this.walk.push(`${indent}${tableId}. No match.`, `${' '.repeat(4 + 8 * this.depth)}drop`);
      this.tableId = saveTable;
      this.rule = saveRule;
      return;
    }
    const e = r.data;
    this.opts.cache?.rules.push(e);
    if (this.opts.packetLength !== undefined) {
      e.packets++;
      e.bytes += BigInt(this.opts.packetLength);
      if (this.opts.now !== undefined) e.used = this.opts.now;
    }
    if (this.opts.trace) {
      const m = formatMatch(e.match);
      this.walk.push(
        `${indent}${tableId}. ${m ? `${m}, ` : ''}priority ${e.priority}${e.cookie ? `, cookie 0x${e.cookie.toString(16)}` : ''}`,
      );
    }
    if (this.inPortBlocked) {
      // OVS's may_receive: the rule matched (and counts the packet) but its actions do not run.
      this.tableId = saveTable;
      this.rule = saveRule;
      return;
    }
    this.rule = e;
    if (e.actions.length === 0) this.note(0, 'drop'); // as OVS's trace prints an empty action list
    this.doActions(e.actions);
    if (!isGoto) {
      this.tableId = saveTable;
      this.rule = saveRule;
    }
  }

  /** What the bridge's fragment handling makes of this packet's lookups (non-IP: as is). */
  fragLookup(): FragLookup {
    const f = this.flow;
    return isIp(f) ? fragLookup(this.br.fragMode ?? FragMode.NORMAL, f[W.NW] >>> 24) : FragLookup.AS_IS;
  }

  /** True if no flow in any table matching on nw_src/nw_dst can match this packet's dl_type. */
  nwIrrelevant(): boolean {
    const u = this.br.tables.nwUsers;
    if (u.any !== 0) return false;
    const t = this.flow[W.DL_TYPE];
    if (t === ETH_TYPE.IP) return u.ip === 0;
    if (t === ETH_TYPE.ARP || t === ETH_TYPE.RARP) return u.arp === 0;
    return true;
  }

  doActions(actions: readonly Action[]): void {
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i];
      if (this.exited) return;
      this.lastAction = i === actions.length - 1;
      if (this.opts.trace && a.type !== 'goto_table' && a.type !== 'write_actions' && a.type !== 'clear_actions') {
        this.note(0, formatAction(a));
      }
      if (a.type === 'check_pkt_larger') {
        // As OVS: the rest of this list runs inside the datapath's check_pkt_len, once per
        // branch (both empty when it is the last action), and this list ends here.
        this.checkPktLarger(a.pktLen, a.dst, actions.slice(i + 1));
        return;
      }
      this.doAction(a);
      if (this.stopList) {
        this.stopList = false;
        return;
      }
    }
  }

  doAction(a: Action): void {
    const f = this.flow;
    const wc = this.wc;
    switch (a.type) {
      case 'output':
        this.output(a.port, a.maxLen);
        return;
      case 'enqueue':
        this.enqueue(a.port, a.queue);
        return;
      case 'set_queue':
        // dpif-netdev maps a queue to the priority of the same number.
        this.priority = a.queue;
        return;
      case 'pop_queue':
        this.priority = 0;
        return;
      case 'controller':
        this.controller(a.reason, a.controllerId, a.maxLen);
        return;
      case 'resubmit':
        this.resubmit(a.inPort, a.table === 0xff ? this.tableId : a.table);
        return;
      case 'goto_table':
        if (this.opts.trace) this.note(0, formatAction(a));
        this.lookupTable(a.table, true);
        return;
      case 'write_actions':
        if (this.opts.trace) this.note(0, formatAction(a));
        this.writeActionSet(a.actions);
        return;
      case 'clear_actions':
        this.note(0, 'clear_actions');
        this.actionSet = [];
        return;
      case 'write_metadata': {
        const v = readSlot(f, 'metadata');
        writeSlot(f, 'metadata', (v & ~a.mask) | (a.metadata & a.mask), 0xffffffffffffffffn);
        return;
      }
      case 'group':
        this.group(a.groupId);
        return;
      case 'note':
      case 'conjunction': // a conjunctive flow is never a lookup's result: nothing to run
        return;
      case 'meter': {
        // OVS's xlate_meter_action: the datapath meter, when the meter exists; no commit.
        const id = this.br.meterDpId?.(a.meterId);
        if (id !== undefined) this.out.push({ type: 'meter', id });
        return;
      }
      case 'learn':
        this.learn(a);
        return;
      case 'fin_timeout':
        // As OVS: nw_proto decides whether it applies; the FIN/RST flags come from the packet's
        // statistics, not the flow, so they stay out of the megaflow.
        wc[W.NW] |= 0xff;
        if (this.opts.mayLearn && this.rule !== null && (f[W.TCP_FLAGS] & 0x5) !== 0) {
          const e = this.rule;
          if (a.idleTimeout && (!e.idleTimeout || a.idleTimeout < e.idleTimeout)) e.idleTimeout = a.idleTimeout;
          if (a.hardTimeout && (!e.hardTimeout || a.hardTimeout < e.hardTimeout)) e.hardTimeout = a.hardTimeout;
        }
        return;
      case 'exit':
        this.exited = true;
        return;
      case 'set_eth_src':
      case 'set_eth_dst': {
        const slot = a.type === 'set_eth_src' ? 'dl_src' : 'dl_dst';
        orSlotMask(wc, slot, 0xffffffffffffn);
        writeSlot(f, slot, a.mac, 0xffffffffffffn);
        return;
      }
      case 'set_ipv4_src':
      case 'set_ipv4_dst':
        if (isIpv4(f)) {
          const word = a.type === 'set_ipv4_src' ? W.NW_SRC : W.NW_DST;
          wc[word] = 0xffffffff;
          f[word] = a.ip >>> 0;
        }
        return;
      case 'set_ip_dscp':
        if (isIp(f)) {
          wc[W.NW] |= 0xfc << 16;
          f[W.NW] = ((f[W.NW] & ~(0xfc << 16)) | ((a.tos & 0xfc) << 16)) >>> 0;
        }
        return;
      case 'set_ip_ecn':
        if (isIp(f)) {
          wc[W.NW] |= 0x03 << 16;
          f[W.NW] = ((f[W.NW] & ~(0x03 << 16)) | ((a.ecn & 3) << 16)) >>> 0;
        }
        return;
      case 'set_ip_ttl':
        if (isIp(f)) {
          wc[W.NW] |= 0xff << 8;
          f[W.NW] = ((f[W.NW] & ~(0xff << 8)) | ((a.ttl & 0xff) << 8)) >>> 0;
        }
        return;
      case 'set_l4_src':
      case 'set_l4_dst':
        if (isIp(f) && !((f[W.NW] >>> 24) & NW_FRAG_LATER)) {
          wc[W.NW] |= 0xff;
          const shift = a.type === 'set_l4_src' ? 16 : 0;
          wc[W.TP] |= MASK16 << shift;
          f[W.TP] = ((f[W.TP] & ~(MASK16 << shift)) | ((a.port & MASK16) << shift)) >>> 0;
        }
        return;
      case 'dec_ttl':
        this.decTtl(a.ids);
        return;
      case 'set_vlan_vid':
        // VID and CFI as OVS (plus the TPID, which a re-tag may fill in); the commit un-wildcards
        // the rest if it re-tags.
        wc[W.VLAN0] |= VLAN_VID_CFI_TPID;
        if (f[W.VLAN0] & VLAN_CFI || a.push) {
          if (!(f[W.VLAN0] >>> 16)) f[W.VLAN0] |= 0x8100 << 16;
          f[W.VLAN0] = ((f[W.VLAN0] & ~0xfff) | (a.vid & 0xfff) | VLAN_CFI) >>> 0;
        }
        return;
      case 'set_vlan_pcp':
        wc[W.VLAN0] |= VLAN_PCP_CFI_TPID;
        if (f[W.VLAN0] & VLAN_CFI || a.push) {
          if (!(f[W.VLAN0] >>> 16)) f[W.VLAN0] |= 0x8100 << 16;
          f[W.VLAN0] = ((f[W.VLAN0] & ~0xe000) | ((a.pcp & 7) << 13) | VLAN_CFI) >>> 0;
        }
        return;
      case 'strip_vlan':
        // Popping moves the inner tag out: later lookups then read the original VLAN1.
        wc[W.VLAN0] |= VLAN_CFI;
        if (f[W.VLAN0] & VLAN_CFI) this.unwildcardVlans();
        f[W.VLAN0] = f[W.VLAN0] & VLAN_CFI ? f[W.VLAN1] : 0;
        f[W.VLAN1] = 0;
        return;
      case 'push_vlan':
        this.unwildcardVlans();
        f[W.VLAN1] = f[W.VLAN0];
        // As OVS: the new tag starts as VID 0, PCP 0 (set_field fills it in), not a copy.
        f[W.VLAN0] = ((a.ethertype << 16) | VLAN_CFI) >>> 0;
        return;
      case 'set_field':
        this.setField(a.field, a.value, a.mask);
        return;
      case 'reg_move':
        // Source and destination are the same width (the parser and decoder check it).
        this.writeSubfield(a.dst, this.readSubfield(a.src));
        return;
      case 'clone':
        this.clone(a.actions);
        return;
      case 'ct_clear':
        // OVS clears conntrack state only of a packet that went through ct(), which here none has.
        return;
      case 'multipath': {
        // OVS's multipath_execute: the link the flow hash picks, into the destination.
        const link = multipathLink(flowHashFields(f, a.fields, a.basis), a.algorithm, a.nLinks, a.arg);
        maskHashFields(f, wc, a.fields);
        this.writeSubfield(a.dst, BigInt(link));
        return;
      }
      case 'bundle': {
        const member = this.bundleMember(a.fields, a.basis, a.algorithm, a.members);
        if (a.dst) this.writeSubfield(a.dst, BigInt(member));
        else this.output(member, 0);
        return;
      }
      case 'set_tunnel':
        // As OVS: only the flow's tun_id changes (later lookups see it); it reaches the datapath
        // only through an output to a tunnel port, which a bridge here does not have.
        writeSlot(f, 'tun_id', a.tunId, 0xffffffffffffffffn);
        return;
      case 'sample':
        // OVS's xlate_sample_action samples only to a bridge's IPFIX exporter; a bridge has none
        // here (switchd answers the IPFIX statistics requests as a bridge without IPFIX), so, as
        // there, the action adds nothing to the datapath actions or the megaflow.
        return;
      case 'output_trunc':
        this.outputTrunc(a.port, a.maxLen);
        return;
      case 'output_reg': {
        // The port is the subfield's value (reserved ports too); the megaflow keeps its bits.
        const port = this.readSubfield(a.src);
        if (port <= 0xffffn) this.output(Number(port), a.maxLen);
        return;
      }
      case 'stack_push':
        this.stack.push(this.readSubfield(a.sub));
        return;
      case 'stack_pop': {
        // An empty stack leaves the field alone (OVS logs a warning).
        const v = this.stack.pop();
        if (v !== undefined) this.writeSubfield(a.sub, v);
        return;
      }
      default:
        throw new UnsupportedActionError(`action ${a.type} is not supported by translation yet`);
    }
  }

  /**
   * OVS's xlate_learn_action: the fields the specs read go into the megaflow (learn_mask); with
   * side effects allowed, the flow-mod learn_execute builds goes to the target table.
   */
  learn(l: Learn): void {
    const f = this.flow;
    const values: bigint[] = [];
    for (const sp of l.specs) {
      if (sp.kind === 'match_imm' || sp.kind === 'load_imm') {
        values.push(sp.value & ((1n << BigInt(sp.dst.nBits)) - 1n));
        continue;
      }
      const src = sp.src;
      const bits = (1n << BigInt(src.nBits)) - 1n;
      const shift = BigInt(src.field.shift + src.ofs);
      orFieldMask(this.wc, src.field, bits << shift);
      values.push((readField(f, src.field) >> shift) & bits);
    }
    if (!this.opts.mayLearn) {
      this.note(1, '>> suppressing side effects, so learn action ignored');
      return;
    }
    const fm = newFlowMod();
    fm.command = 2; // MODIFY_STRICT
    fm.tableId = l.table;
    fm.priority = l.priority;
    fm.newCookie = l.cookie;
    fm.idleTimeout = l.idleTimeout;
    fm.hardTimeout = l.hardTimeout;
    if (l.flags & 1) fm.flags |= FlowModFlag.SEND_FLOW_REM;
    const match = new Match();
    const actions: Action[] = [];
    if (l.finIdleTimeout || l.finHardTimeout) {
      actions.push({ type: 'fin_timeout', idleTimeout: l.finIdleTimeout, hardTimeout: l.finHardTimeout });
    }
    l.specs.forEach((sp, i) => {
      const v = values[i];
      switch (sp.kind) {
        case 'match':
        case 'match_imm': {
          const shift = BigInt(sp.dst.field.shift + sp.dst.ofs);
          const bits = (1n << BigInt(sp.dst.nBits)) - 1n;
          if (registerSpan(sp.dst.field) > 1) setRegisterSpanBits(match, sp.dst.field, v << shift, bits << shift);
          else match.setBits(sp.dst.field.slot, v << shift, bits << shift);
          return;
        }
        case 'load':
        case 'load_imm': {
          const ofs = BigInt(sp.dst.ofs);
          const bits = (1n << BigInt(sp.dst.nBits)) - 1n;
          actions.push({ type: 'set_field', field: sp.dst.field, value: v << ofs, mask: bits << ofs, fromLoad: true });
          return;
        }
        case 'output': {
          if (sp.src.nBits > 16 && v >> 16n !== 0n) return;
          const port = Number(v & 0xffffn);
          if (
            port < OFPP.MAX ||
            port === OFPP.IN_PORT ||
            port === OFPP.FLOOD ||
            port === OFPP.LOCAL ||
            port === OFPP.ALL
          ) {
            actions.push({ type: 'output', port, maxLen: 0 });
          }
          return;
        }
      }
    });
    fm.match = match;
    fm.actions = actions;
    try {
      this.br.tables.learn(fm);
    } catch (err) {
      this.note(1, `>> learn failed: ${(err as Error).message}`);
    }
  }

  /**
   * VLAN rewrites and NORMAL depend on the whole tag stack (TPID, PCP, the inner tag once the
   * outer is popped), so the megaflow matches all of it.
   */
  unwildcardVlans(): void {
    this.wc[W.VLAN0] = 0xffffffff;
    this.wc[W.VLAN1] = 0xffffffff;
  }

  /** OVS's mf_are_prereqs_ok, un-wildcarding what it examines. */
  prereqsOk(p: Prereq): boolean {
    const f = this.flow;
    const t = f[W.DL_TYPE];
    const proto = f[W.NW] & 0xff;
    const needProto = (dl: boolean, n: number) => {
      if (!dl) return false;
      this.wc[W.NW] |= 0xff;
      return proto === n;
    };
    switch (p) {
      case 'none':
      case 'ethernet':
        // Every packet this datapath carries is an Ethernet frame (no packet_type other than (0,0)).
        return true;
      case 'vlan':
        this.wc[W.VLAN0] |= VLAN_CFI;
        return (f[W.VLAN0] & VLAN_CFI) !== 0;
      case 'arp':
        return t === ETH_TYPE.ARP || t === ETH_TYPE.RARP;
      case 'ipv4':
        return t === ETH_TYPE.IP;
      case 'ipv6':
        return t === ETH_TYPE.IPV6;
      case 'ip_any':
        return isIp(f);
      case 'mpls':
        return t === ETH_TYPE.MPLS || t === ETH_TYPE.MPLS_MCAST;
      case 'tcp':
        return needProto(isIp(f), IP_PROTO.TCP);
      case 'udp':
        return needProto(isIp(f), IP_PROTO.UDP);
      case 'sctp':
        return needProto(isIp(f), IP_PROTO.SCTP);
      case 'icmpv4':
        return needProto(isIpv4(f), IP_PROTO.ICMP);
      case 'icmpv6':
        return needProto(t === ETH_TYPE.IPV6, IP_PROTO.ICMPV6);
      default:
        return false;
    }
  }

  setField(field: FieldDef, value: bigint, mask: bigint): void {
    const f = this.flow;
    if (!this.prereqsOk(field.prereq)) return;
    switch (field.name) {
      case 'vlan_vid':
      case 'dl_vlan': {
        // OpenFlow 1.2+ set_field of the VID does not push a tag; on a tagged packet it keeps CFI.
        this.wc[W.VLAN0] |= VLAN_VID_CFI_TPID;
        if (!(f[W.VLAN0] & VLAN_CFI)) return;
        const m = Number(mask) & 0xfff;
        f[W.VLAN0] = ((f[W.VLAN0] & ~m) | (Number(value) & m) | VLAN_CFI) >>> 0;
        return;
      }
      case 'vlan_pcp':
      case 'dl_vlan_pcp': {
        this.wc[W.VLAN0] |= VLAN_PCP_CFI_TPID;
        if (!(f[W.VLAN0] & VLAN_CFI)) return;
        f[W.VLAN0] = ((f[W.VLAN0] & ~0xe000) | ((Number(value) & 7) << 13)) >>> 0;
        return;
      }
      case 'ip_dscp':
        this.wc[W.NW] |= 0xfc << 16;
        f[W.NW] = ((f[W.NW] & ~(0xfc << 16)) | ((Number(value) & 0x3f) << 18)) >>> 0;
        return;
      case 'nw_ecn':
        this.wc[W.NW] |= 0x03 << 16;
        f[W.NW] = ((f[W.NW] & ~(0x03 << 16)) | ((Number(value) & 3) << 16)) >>> 0;
        return;
      case 'nw_tos':
        this.wc[W.NW] |= 0xfc << 16;
        f[W.NW] = ((f[W.NW] & ~(0xfc << 16)) | ((Number(value) & 0xfc) << 16)) >>> 0;
        return;
    }
    const shift = BigInt(field.shift);
    const m = (mask & ((1n << BigInt(field.bits)) - 1n)) << shift;
    orFieldMask(this.wc, field, m);
    writeField(f, field, value << shift, m);
  }

  writeActionSet(actions: readonly Action[]): void {
    // As OVS: the set accumulates; execution keeps the last of each kind (all the set-field
    // actions, in order) in the OpenFlow action-set order (actionSetOrder).
    this.actionSet.push(...actions);
  }

  // ---- groups ----

  group(groupId: number, depth = 0): void {
    const g = this.br.group(groupId);
    if (g === undefined) return;
    switch (g.type) {
      case 'all':
        for (const b of g.buckets) this.bucket(b);
        return;
      case 'indirect':
        if (g.buckets.length) this.bucket(g.buckets[0]);
        return;
      case 'ff': {
        const b = g.buckets.find((x) => this.bucketAlive(x, depth));
        if (b !== undefined) this.bucket(b);
        return;
      }
      case 'select':
        this.selectGroup(g);
        return;
    }
  }

  /**
   * A select group without a selection method, as OVS 3.1 (dp_hash): the datapath hashes the
   * packet and recirculates, and the bucket is chosen on the second pass from the dp_hash table.
   * Translation freezes here (nothing after it runs in this pass). With `selectInline` the hash
   * and the choice happen here instead.
   */
  selectGroup(g: Group): void {
    const table = dpHashTable(g);
    if (!this.opts.selectInline && table !== null) {
      this.note(1, '-> no live bucket'); // what OVS's trace says of the first pass
      this.commit();
      this.out.push({ type: 'hash', algorithm: 'sym_l4', basis: 0 }, { type: 'recirc', id: this.br.nextRecircId() });
      this.exited = true;
      return;
    }
    const hash = symL4Hash(this.flow, this.wc);
    const n = table === null ? g.buckets.length : table.mask + 1;
    for (let i = 0; i < n; i++) {
      const index = table === null ? (hash + i) % n : table.buckets[(hash + i) & table.mask];
      const b = g.buckets[index];
      if (b.weight === 0 || !this.bucketAlive(b, 0)) continue;
      this.note(1, `-> using bucket ${b.bucketId}`);
      this.bucket(b);
      return;
    }
    this.note(1, '-> no live bucket');
  }

  /** A bucket runs its actions as an action set on a copy of the flow (OVS's xlate_group_bucket). */
  bucket(b: GroupBucket): void {
    const saved = Uint32Array.from(this.flow);
    const savedExit = this.exited;
    const priority = this.priority;
    this.depth++;
    this.doActions(actionSetOrder(b.actions));
    this.depth--;
    this.flow.set(saved);
    this.priority = priority;
    this.exited = savedExit;
  }

  bucketAlive(b: GroupBucket, depth: number): boolean {
    if (b.watchPort === OFPP.NONE && b.watchGroup === OFPG_ANY) return true;
    if (b.watchPort !== OFPP.NONE && b.watchPort !== OFPP.CONTROLLER && this.br.port(b.watchPort) !== undefined)
      return true;
    if (b.watchGroup !== OFPG_ANY && depth < 32) {
      const g = this.br.group(b.watchGroup);
      return g?.buckets.some((x) => this.bucketAlive(x, depth + 1)) ?? false;
    }
    return false;
  }

  decTtl(ids: readonly number[]): void {
    const f = this.flow;
    if (!isIp(f)) return;
    this.wc[W.NW] |= 0xff << 8;
    const ttl = (f[W.NW] >>> 8) & 0xff;
    if (ttl > 1) {
      f[W.NW] = ((f[W.NW] & ~(0xff << 8)) | ((ttl - 1) << 8)) >>> 0;
      return;
    }
    // TTL expired: a packet-in per controller id (reason invalid_ttl), then this action list
    // stops; whoever resubmitted carries on (OVS's compose_dec_ttl).
    for (const id of ids.length ? ids : [0]) this.controller(2, id, 65535);
    this.stopList = true;
  }

  // ---- outputs ----

  /**
   * clone(...): the actions run on a copy of the packet, then the packet, the register stack and
   * the action set are as before. As OVS for a clone of "reversible" actions (no ct, nat, meter,
   * trunc or encap/decap, which translation does not run here anyway): the clone's datapath
   * actions go inline, and what they committed stays committed, so a later output puts the
   * changed fields back (`set(...),2,set(<original>),3`).
   */
  clone(actions: readonly Action[]): void {
    const needsDatapathClone = actions.find((a) => NOT_REVERSIBLE.has(a.type));
    if (needsDatapathClone) {
      throw new UnsupportedActionError(`clone with ${needsDatapathClone.type} is not supported by translation yet`);
    }
    const flow = this.flow.slice();
    const stack = [...this.stack];
    const actionSet = this.actionSet;
    this.actionSet = [...actionSet];
    const wasLast = this.lastAction;
    const priority = this.priority;
    this.doActions(actions);
    this.lastAction = wasLast;
    this.priority = priority;
    this.flow.set(flow);
    this.stack.length = 0;
    this.stack.push(...stack);
    this.actionSet = actionSet;
  }

  /** Runs the action set, if the pipeline left one and did not exit, and empties it. */
  runActionSet(trace = false): void {
    if (!this.actionSet.length || this.exited) return;
    const set = this.actionSet;
    this.actionSet = [];
    if (trace) {
      this.note(0, '');
      if (this.opts.trace) this.walk.push('', 'Action set:');
    }
    this.doActions(actionSetOrder(set));
  }

  /**
   * OVS's xlate_check_pkt_larger (a datapath with check_pkt_len, as dpif-netdev): pending changes
   * committed, then `rest` translated twice, with the destination bit 1 (the packet is longer
   * than `pktLen`) and 0, the action set run at the end of each; the two lists become
   * check_pkt_len's branches. As there, each branch starts from the same flow, but the register
   * stack and the action set carry over from the first branch to the second (the first's run
   * empties the set), and the pipeline goes on exited if the first branch exited; the stack and
   * action set are put back afterwards.
   */
  private checkPktLarger(pktLen: number, dst: Subfield, rest: readonly Action[]): void {
    this.commit();
    const flow = this.flow.slice();
    const base = this.base.slice();
    const stack = [...this.stack];
    const { actionSet, priority, basePriority } = this;
    const outer = this.out;
    this.actionSet = [...actionSet];
    const branch = (bit: bigint): DpAction[] => {
      const out: DpAction[] = [];
      this.out = out;
      this.writeSubfield(dst, bit, false);
      this.doActions(rest);
      this.runActionSet();
      this.flow.set(flow);
      this.base.set(base);
      this.priority = priority;
      this.basePriority = basePriority;
      return out;
    };
    const gt = branch(1n);
    const exitedInGt = this.exited;
    this.exited = false;
    const le = branch(0n);
    this.out = outer;
    this.stack.length = 0;
    this.stack.push(...stack);
    this.actionSet = actionSet;
    this.exited = exitedInGt;
    outer.push({ type: 'check_pkt_len', size: pktLen, gt, le });
  }

  /**
   * enqueue:PORT:QUEUE, as OVS's xlate_enqueue_action: the output with skb_priority set to the
   * queue's for that output only (IN_PORT means the input port; the input port itself is skipped).
   */
  enqueue(port: number, queue: number): void {
    const inPort = this.flow[W.IN_PORT];
    if (port === OFPP.IN_PORT) port = inPort;
    else if (port === inPort) return;
    const priority = this.priority;
    this.priority = queue;
    this.outputTo(this.br.port(port));
    this.priority = priority;
  }

  /**
   * output(port=P,max_len=N), as OVS's xlate_output_trunc_action: a trunc(N) datapath action, then
   * the output; refused (nothing emitted) for reserved ports, a missing or patch port, and the
   * input port (also as IN_PORT).
   */
  outputTrunc(port: number, maxLen: number): void {
    switch (port) {
      case OFPP.TABLE:
      case OFPP.NORMAL:
      case OFPP.FLOOD:
      case OFPP.ALL:
      case OFPP.CONTROLLER:
      case OFPP.NONE:
        this.note(1, 'output_trunc does not support this port');
        return;
    }
    if (port === this.flow[W.IN_PORT]) {
      this.note(1, '>> skipping output to input port');
      return;
    }
    const p = this.br.port(port);
    if (p === undefined || p.patch) {
      this.note(1, 'output_trunc does not support patch ports');
      return;
    }
    this.out.push({ type: 'trunc', maxLen });
    this.outputTo(p);
  }

  /**
   * OVS's bundle_execute: active_backup takes the first live member, hrw the live member whose
   * hash with the flow's is highest (the hashed fields enter the megaflow when there is a choice).
   * A member is live if it is a port of the bridge (OVS: and may be enabled) or a reserved port
   * other than CONTROLLER; none live gives OFPP_NONE.
   */
  private bundleMember(fields: number, basis: number, algorithm: number, members: readonly number[]): number {
    if (algorithm === BUNDLE_ACTIVE_BACKUP) return members.find((p) => this.memberLive(p)) ?? OFPP.NONE;
    if (members.length > 1) maskHashFields(this.flow, this.wc, fields);
    const flowHash = flowHashFields(this.flow, fields, basis);
    let best = -1;
    let bestHash = 0;
    for (let i = 0; i < members.length; i++) {
      if (!this.memberLive(members[i])) continue;
      const h = hash2Words(i, flowHash);
      if (best < 0 || h > bestHash) {
        best = i;
        bestHash = h;
      }
    }
    return best < 0 ? OFPP.NONE : members[best];
  }

  /** OVS's member_enabled_cb: a port of the bridge, or a reserved port other than CONTROLLER. */
  private memberLive(port: number): boolean {
    switch (port) {
      case OFPP.IN_PORT:
      case OFPP.TABLE:
      case OFPP.NORMAL:
      case OFPP.FLOOD:
      case OFPP.ALL:
      case OFPP.NONE:
        return true;
      case OFPP.CONTROLLER:
        return false;
      default:
        return this.br.port(port) !== undefined;
    }
  }

  /**
   * Writes `value`'s low bits into a subfield, its bits un-wildcarded (what the translation
   * wrote) unless `megaflow` is false (OVS's mf_write_subfield_flow: the flow only).
   */
  writeSubfield(sub: Subfield, value: bigint, megaflow = true): void {
    const shift = BigInt(sub.field.shift + sub.ofs);
    const bits = (1n << BigInt(sub.nBits)) - 1n;
    if (megaflow) orFieldMask(this.wc, sub.field, bits << shift);
    writeField(this.flow, sub.field, (value & bits) << shift, bits << shift);
  }

  /** A subfield's value, its bits un-wildcarded (what the translation read). */
  readSubfield(sub: Subfield): bigint {
    const shift = BigInt(sub.field.shift + sub.ofs);
    const bits = (1n << BigInt(sub.nBits)) - 1n;
    orFieldMask(this.wc, sub.field, bits << shift);
    return (readField(this.flow, sub.field) >> shift) & bits;
  }

  /** Looks `table` up again, with in_port `inPort` (OFPP_IN_PORT keeps it) meanwhile. */
  resubmit(inPort: number, table: number): void {
    const f = this.flow;
    if (this.resubmits >= MAX_RESUBMITS) {
      this.note(0, '>>>> Resubmit depth exceeded <<<<');
      this.exited = true;
      return;
    }
    const savedPort = f[W.IN_PORT];
    if (inPort !== OFPP.IN_PORT) f[W.IN_PORT] = inPort;
    const nest = this.lastAction ? 0 : 1;
    this.resubmits++;
    this.depth += nest;
    this.lookupTable(table, false);
    this.depth -= nest;
    f[W.IN_PORT] = savedPort;
  }

  output(port: number, maxLen: number): void {
    const inPort = this.flow[W.IN_PORT];
    switch (port) {
      case OFPP.IN_PORT:
        this.outputTo(this.br.port(inPort));
        return;
      case OFPP.NORMAL:
        this.normal();
        return;
      case OFPP.FLOOD:
      case OFPP.ALL:
        for (const p of this.br.floodOrder) {
          if (p.ofport === inPort || (port === OFPP.FLOOD && p.noFlood)) continue;
          this.outputTo(p);
        }
        return;
      case OFPP.CONTROLLER:
        this.controller(1, 0, maxLen);
        return;
      case OFPP.TABLE:
        // The packet through the pipeline from table 0 (meant for packet-outs), as OVS does.
        this.resubmit(OFPP.IN_PORT, 0);
        return;
      case OFPP.NONE:
        return;
      default:
        if (port === inPort) {
          this.note(1, '>> skipping output to input port');
          return;
        }
        this.outputTo(this.br.port(port));
    }
  }

  outputTo(p: PortConfig | undefined): void {
    if (p === undefined) return;
    if (p.noFwd) {
      this.note(1, '-> OFPPC_NO_FWD set, skipping output');
      return;
    }
    if (p.patch) {
      this.patchOutput(p);
      return;
    }
    this.commit();
    this.out.push({ type: 'output', port: p.dpPort });
  }

  /**
   * OVS's patch_port_output: the peer bridge sees the packet as received on the peer port, with
   * metadata and registers cleared and its own action set; afterwards the flow, bridge and
   * action set are as before (the next commit undoes the peer's rewrites), and the peer's exit
   * does not stop this bridge.
   */
  patchOutput(p: PortConfig): void {
    const peer = this.br.patchPeer?.(p.ofport);
    if (peer === undefined) return;
    const f = this.flow;
    const saved = Uint32Array.from(f);
    const { br, actionSet, tableId, rule, depth, priority } = this;
    const nest = this.lastAction ? 0 : 1;
    f[W.IN_PORT] = peer.ofport;
    f.fill(0, W.METADATA, W.METADATA + 2);
    f.fill(0, W.REG0, W.REG0 + 16);
    this.br = peer.bridge;
    this.actionSet = [];
    if (this.opts.trace) {
      const indent = ' '.repeat(4 * nest + 4 * depth);
      const title = `bridge("${peer.bridge.name}")`;
      this.walk.push('', `${indent}${title}`, `${indent}${'-'.repeat(title.length)}`);
    }
    this.depth += 2 * nest;
    this.inPortBlocked = !mayReceive(peer.bridge.port(peer.ofport), f, this.wc);
    this.lookupTable(0, true);
    this.inPortBlocked = false;
    this.runActionSet();
    this.depth = depth;
    this.br = br;
    this.actionSet = actionSet;
    this.tableId = tableId;
    this.rule = rule;
    this.exited = false;
    this.priority = priority;
    f.set(saved);
  }

  controller(reason: number, controllerId: number, maxLen: number): void {
    const e = this.rule;
    // A controller action in a table-miss flow (priority 0, match-all) reports an explicit miss.
    const miss = e !== null && e.priority === 0 && e.match.slots.size === 0;
    this.commit();
    this.out.push({
      type: 'userspace',
      reason: miss && reason === 1 ? 6 : reason,
      recircId: this.br.nextRecircId(),
      cookie: e?.cookie ?? 0n,
      controllerId,
      maxLen,
    });
  }

  // ---- NORMAL ----

  normal(): void {
    const f = this.flow;
    const wc = this.wc;
    const inPort = f[W.IN_PORT];
    wc[W.DL_SRC] = wc[W.DL_SRC + 1] = wc[W.DL_DST] = wc[W.DL_DST + 1] = 0xffffffff;
    // The VLAN decisions read only the VID and CFI bits (OVS's NORMAL un-wildcards the same).
    wc[W.VLAN0] |= 0x1fff;
    const inp = this.br.port(inPort);
    if (inp === undefined) {
      this.note(1, '-> no input bundle, dropping');
      return;
    }
    const dstHi = f[W.DL_DST];
    const dstLo = f[W.DL_DST + 1];
    if (dstHi === 0x0180 && (dstLo & 0xfffffff0) >>> 0 === 0xc2000000) {
      this.note(1, '-> dropping packet to reserved multicast address');
      return;
    }
    const tci = f[W.VLAN0] & MASK16;
    const vid = tci & VLAN_CFI ? tci & 0xfff : 0;
    let vlan: number;
    if (inp.tag !== undefined) {
      if (vid !== 0) {
        this.note(
          1,
          `-> dropping VLAN ${vid} tagged packet received on port ${inp.name} configured as VLAN ${inp.tag} access port`,
        );
        return;
      }
      vlan = inp.tag;
    } else {
      if (inp.trunks !== undefined && inp.trunks.length > 0 && !inp.trunks.includes(vid)) {
        this.note(
          1,
          `-> dropping VLAN ${vid} packet received on port ${inp.name} not configured for trunking VLAN ${vid}`,
        );
        return;
      }
      vlan = vid;
    }
    const src = (BigInt(f[W.DL_SRC]) << 32n) | BigInt(f[W.DL_SRC + 1]);
    const srcMulticast = (f[W.DL_SRC] & 0x0100) !== 0;
    if (this.opts.mayLearn && !srcMulticast) this.br.macs.learn(vlan, src, inPort);
    if (!(dstHi & 0x0100)) {
      const dst = (BigInt(dstHi) << 32n) | BigInt(dstLo);
      const out = this.br.macs.lookup(vlan, dst);
      if (out !== undefined) {
        if (out === inPort) {
          this.note(1, '-> learned port is input port, dropping');
          return;
        }
        this.note(1, `-> forwarding to learned port`);
        this.outputNormal(this.br.port(out), vlan);
        return;
      }
      this.note(1, '-> no learned MAC for destination, flooding');
    } else {
      this.note(1, '-> no learned MAC for destination, flooding');
    }
    for (const p of this.br.normalOrder) {
      if (p.ofport === inPort || p.noFlood || !carriesVlan(p, vlan)) continue;
      this.outputNormal(p, vlan);
    }
  }

  outputNormal(p: PortConfig | undefined, vlan: number): void {
    if (p === undefined) return;
    const f = this.flow;
    const saved = f[W.VLAN0];
    // OVS's xvlan_output_translate/xvlan_put: an access port sends untagged; a trunk keeps the
    // VLAN and the PCP, so a priority-tagged (VID 0) frame stays tagged.
    const tagged = (saved & VLAN_CFI) !== 0;
    const tci = p.tag !== undefined ? 0 : vlan | (tagged ? saved & 0xe000 : 0);
    const tpid = tagged ? saved >>> 16 : 0x8100;
    f[W.VLAN0] = tci ? ((tpid << 16) | tci | VLAN_CFI) >>> 0 : 0;
    // Re-tagging emits actions that carry the PCP and TPID: only then do they matter.
    if (f[W.VLAN0] !== saved && (tagged || f[W.VLAN0] !== 0)) this.unwildcardVlans();
    this.outputTo(p);
    f[W.VLAN0] = saved;
  }

  // ---- commit: emit datapath actions for what changed (OVS's commit_odp_actions) ----

  commit(): void {
    // Fast path: nothing rewritten since the last commit (the common pure-forwarding case).
    const f = this.flow;
    const b = this.base;
    let same = true;
    for (let i = FIRST_PACKET_WORD; i < FLOW_WORDS; i++) {
      if (f[i] !== b[i]) {
        same = false;
        break;
      }
    }
    if (!same) {
      this.commitEth();
      this.commitNw();
      this.commitPorts();
      this.commitVlan();
    }
    if (this.priority !== this.basePriority) {
      this.out.push({ type: 'set_priority', priority: this.priority });
      this.basePriority = this.priority;
    }
  }

  private changedField(word: number, words: number, mask?: number): boolean {
    for (let i = 0; i < words; i++) {
      if (((this.flow[word + i] ^ this.base[word + i]) & (mask ?? 0xffffffff)) !== 0) return true;
    }
    return false;
  }

  private commitEth(): void {
    const fields: SetField[] = [];
    for (const [name, word] of [
      ['src', W.DL_SRC],
      ['dst', W.DL_DST],
    ] as const) {
      if (!this.changedField(word, 2)) continue;
      const mask = (this.wc[word] & MASK16) === MASK16 && this.wc[word + 1] === 0xffffffff;
      fields.push({
        name,
        value: formatMac(this.flow[word], this.flow[word + 1]),
        mask: mask ? undefined : formatMac(this.wc[word] & MASK16, this.wc[word + 1]),
      });
      this.base[word] = this.flow[word];
      this.base[word + 1] = this.flow[word + 1];
    }
    if (fields.length) this.out.push({ type: 'set', header: 'eth', fields });
  }

  private commitNw(): void {
    const f = this.flow;
    if (f[W.DL_TYPE] !== ETH_TYPE.IP) return;
    const dirty =
      this.changedField(W.NW_SRC, 1) || this.changedField(W.NW_DST, 1) || this.changedField(W.NW, 1, 0x00ffff00);
    if (!dirty) return;
    // OVS leaves the L3 header alone when nw_proto is 0; that choice depends on nw_proto.
    this.wc[W.NW] |= 0xff;
    if ((f[W.NW] & 0xff) === 0) return;
    const fields: SetField[] = [];
    for (const [name, word] of [
      ['src', W.NW_SRC],
      ['dst', W.NW_DST],
    ] as const) {
      if (!this.changedField(word, 1)) continue;
      const m = this.wc[word];
      fields.push({ name, value: formatIpv4(f[word]), mask: m === 0xffffffff ? undefined : formatIpv4(m) });
      this.base[word] = f[word];
    }
    for (const [name, shift] of [
      ['tos', 16],
      ['ttl', 8],
    ] as const) {
      const bits = 0xff << shift;
      if (!this.changedField(W.NW, 1, bits)) continue;
      const m = (this.wc[W.NW] >>> shift) & 0xff;
      const v = (f[W.NW] >>> shift) & m;
      fields.push({
        name,
        value: name === 'tos' ? hexAlt(v) : String(v),
        mask: m === 0xff ? undefined : hexAlt(m),
      });
      this.base[W.NW] = ((this.base[W.NW] & ~bits) | (f[W.NW] & bits)) >>> 0;
    }
    if (fields.length) this.out.push({ type: 'set', header: 'ipv4', fields });
  }

  private commitPorts(): void {
    const f = this.flow;
    if (!isIp(f) || !this.changedField(W.TP, 1)) return;
    this.wc[W.NW] |= 0xff;
    const proto = f[W.NW] & 0xff;
    const header =
      proto === IP_PROTO.TCP ? 'tcp' : proto === IP_PROTO.UDP ? 'udp' : proto === IP_PROTO.SCTP ? 'sctp' : '';
    if (header === '') return;
    const fields: SetField[] = [];
    for (const [name, shift] of [
      ['src', 16],
      ['dst', 0],
    ] as const) {
      const bits = MASK16 << shift;
      if (!this.changedField(W.TP, 1, bits)) continue;
      const m = (this.wc[W.TP] >>> shift) & MASK16;
      fields.push({
        name,
        value: String((f[W.TP] >>> shift) & MASK16),
        mask: m === MASK16 ? undefined : hexAlt(m),
      });
      this.base[W.TP] = ((this.base[W.TP] & ~bits) | (f[W.TP] & bits)) >>> 0;
    }
    if (fields.length) this.out.push({ type: 'set', header, fields });
  }

  private commitVlan(): void {
    const f = this.flow;
    const b = this.base;
    const stack = (k: Uint32Array) => {
      const s: number[] = [];
      for (let i = 0; i < 2 && k[W.VLAN0 + i] & VLAN_CFI; i++) s.push(k[W.VLAN0 + i]);
      return s;
    };
    const fs = stack(f);
    const bs = stack(b);
    // Keep the longest common bottom of the two stacks; pop the rest of base, push the rest of flow.
    let common = 0;
    while (common < fs.length && common < bs.length && fs[fs.length - 1 - common] === bs[bs.length - 1 - common])
      common++;
    if (common === fs.length && common === bs.length) return;
    // Re-tagging: the pops and pushes depend on the whole tag stack (PCP, TPID included).
    this.unwildcardVlans();
    for (let i = 0; i < bs.length - common; i++) this.out.push({ type: 'pop_vlan' });
    for (let i = fs.length - common - 1; i >= 0; i--) {
      const v = fs[i];
      this.out.push({ type: 'push_vlan', tpid: v >>> 16 || 0x8100, vid: v & 0xfff, pcp: (v >>> 13) & 7 });
    }
    b[W.VLAN0] = f[W.VLAN0];
    b[W.VLAN1] = f[W.VLAN1];
  }
}

/** C's `%#x`: `0` for zero, else `0x...`. */
const hexAlt = (v: number) => (v === 0 ? '0' : `0x${v.toString(16)}`);

/** 802.3 frames without SNAP (OVS's FLOW_DL_TYPE_NONE) to the STP multicast address are STP. */
const DL_TYPE_NONE = 0x05ff;
const STP_DST = 0x0180c2000000n;

/**
 * OVS's may_receive: OFPPC_NO_RECV drops what a port receives except STP, OFPPC_NO_RECV_STP its
 * STP. The destination address decides only when the two differ and the frame could be STP.
 */
function mayReceive(p: PortConfig | undefined, flow: Uint32Array, wc: Uint32Array): boolean {
  if (p === undefined || (!p.noRecv && !p.noRecvStp)) return true;
  let stp = false;
  if (flow[W.DL_TYPE] === DL_TYPE_NONE && p.noRecv !== p.noRecvStp) {
    orSlotMask(wc, 'dl_dst', 0xffffffffffffn);
    stp = readSlot(flow, 'dl_dst') === STP_DST;
  }
  return !(stp ? p.noRecvStp : p.noRecv);
}

function carriesVlan(p: PortConfig, vlan: number): boolean {
  if (p.tag !== undefined) return p.tag === vlan;
  return p.trunks === undefined || p.trunks.length === 0 || p.trunks.includes(vlan);
}

/**
 * Translates a packet's flow key through the bridge's tables from table 0: the datapath actions
 * and the megaflow mask (sound: every key equal to `key` under `mask` translates to the same
 * actions).
 */
export function translate(br: XlateBridge, key: Uint32Array, opts: XlateOptions = {}): XlateResult {
  const ctx = new Ctx(br, key, opts);
  ctx.inPortBlocked = !mayReceive(br.port(key[W.IN_PORT]), ctx.flow, ctx.wc);
  if (br.failOpen && ctx.fragLookup() !== FragLookup.DROP) {
    // The hidden rule matches everything at the top of table 0: no other flow is looked at.
    if (opts.trace) ctx.walk.push(` 0. priority ${FAIL_OPEN_PRIORITY}`);
    ctx.doActions([{ type: 'output', port: OFPP.NORMAL, maxLen: 0 }]);
  } else ctx.lookupTable(0, true);
  ctx.inPortBlocked = false;
  return finishTranslation(ctx, key);
}

/**
 * A packet-out's translation: `actions` run on the packet in the bridge's context, as OVS runs a
 * packet-out's actions: `resubmit` and `output:TABLE` look up the bridge's own tables.
 */
export function translateActions(
  br: XlateBridge,
  key: Uint32Array,
  actions: readonly Action[],
  opts: XlateOptions = {},
): XlateResult {
  const ctx = new Ctx(br, key, opts);
  ctx.doActions(actions as Action[]);
  return finishTranslation(ctx, key);
}

/** The action set (if the pipeline left one) and the result. */
function finishTranslation(ctx: Ctx, key: Uint32Array): XlateResult {
  ctx.runActionSet(true);
  // As OVS's xlate_wc_finish: a later fragment's ports are 0 in every datapath key, so whatever a
  // lookup examined there (flows may match ports without nw_frag) need not be in the megaflow.
  if (isIp(key) && (key[W.NW] >>> 24) & NW_FRAG_LATER) ctx.wc[W.TP] = 0;
  // The conj_id word is the tables' own: callers get packet-key-shaped arrays.
  return {
    actions: ctx.out,
    mask: ctx.wc.subarray(0, FLOW_WORDS),
    finalFlow: ctx.flow.subarray(0, FLOW_WORDS),
    walk: ctx.walk,
  };
}

/** Match.setBits for xregN/xxregN: the bits of each register they span, leaving the rest as is. */
function setRegisterSpanBits(match: Match, field: FieldDef, value: bigint, mask: bigint): void {
  const regs = registerSpan(field);
  for (let k = 0; k < regs; k++) {
    const at = BigInt(32 * (regs - 1 - k));
    const m = Number((mask >> at) & 0xffffffffn);
    if (m) match.setBitsNum(field.slotIndex + k, Number((value >> at) & 0xffffffffn), m);
  }
}
