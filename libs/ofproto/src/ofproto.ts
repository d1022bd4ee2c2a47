import {
  type Action,
  type FieldDef,
  type FlowMod,
  flowFileLines,
  formatMatch,
  type Match,
  type MeterMod,
  OFPP,
  parseFlow,
  parseMeterMod,
} from '@softswitch/openflow';
import { formatFlow, parseFlowString, VLAN_CFI, W } from '@softswitch/packet';
import { formatDatapathActions } from './dp-actions.js';
import { FlowModCommand, FlowModError, FlowTables, type RemovedFlow, RemovedReason } from './flow-table.js';
import { FragMode } from './frag-mode.js';
import { type Group, parseGroup } from './groups.js';
import { MacTable } from './mac-learning.js';
import { keyToMatch, pipelineHasField, UnsupportedMatchError } from './match-key.js';
import { actionsUseMeter, MeterIdPool, type MeterProvider, MeterTable } from './meters.js';
import {
  type PatchPeer,
  type PortConfig,
  translate,
  type XlateBridge,
  type XlateOptions,
  type XlateResult,
} from './xlate.js';

export interface OfprotoOptions {
  /** Bridge name (`bridge("br0")` in traces). */
  name: string;
  /** Every OpenFlow port, LOCAL included (ofport 0xfffe). */
  ports: readonly PortConfig[];
  /** Injected clock in milliseconds (default Date.now). */
  now?: () => number;
  /** FLOOD/ALL order by ofport (default: `ports` order). */
  floodOrder?: readonly number[];
  /** NORMAL flooding order by ofport (default: `ports` order). */
  normalOrder?: readonly number[];
  macTableSize?: number;
  macAgingSeconds?: number;
  /** The datapath's meters (default: ids only, nothing enforced). */
  meterProvider?: MeterProvider;
}

/** One bridge's OpenFlow pipeline: flow tables, MAC learning, translation, ofproto/trace. */
export class Ofproto implements XlateBridge {
  readonly name: string;
  readonly tables: FlowTables;
  readonly macs: MacTable;
  readonly floodOrder: PortConfig[];
  readonly normalOrder: PortConfig[];
  private readonly ports = new Map<number, PortConfig>();
  private readonly groups = new Map<number, Group>();
  private recircId = 0;
  /** See XlateBridge.failOpen: the bridge's owner turns it on and off. */
  failOpen = false;
  /** Linked patch ports: ofport here → the peer bridge and port (see `linkPatch`). */
  readonly patchPeers = new Map<number, PatchPeer>();
  readonly meters: MeterTable;
  private frag: FragMode = FragMode.NORMAL;

  constructor(readonly options: OfprotoOptions) {
    const now = options.now ?? Date.now;
    this.name = options.name;
    this.tables = new FlowTables(now);
    this.macs = new MacTable(now, options.macTableSize, options.macAgingSeconds);
    this.meters = new MeterTable(options.meterProvider ?? new MeterIdPool(), now);
    for (const p of options.ports) this.ports.set(p.ofport, p);
    const ordered = (order: readonly number[] | undefined) =>
      order === undefined
        ? [...options.ports]
        : order.map((n) => this.ports.get(n)).filter((p): p is PortConfig => p !== undefined);
    this.floodOrder = ordered(options.floodOrder);
    this.normalOrder = ordered(options.normalOrder);
  }

  /** How lookups treat IP fragments (OFPC_FRAG_* of set-config); a new bridge's is NORMAL, as OVS's. */
  get fragMode(): FragMode {
    return this.frag;
  }

  /**
   * Sets the fragment handling (`ovs-ofctl set-frags`); REASM is refused (RangeError), as OVS
   * has no reassembly. Returns whether the mode changed: the owner must then revalidate the
   * datapath's megaflows, as after a flow-mod.
   */
  setFragMode(mode: FragMode): boolean {
    if (mode !== FragMode.NORMAL && mode !== FragMode.DROP && mode !== FragMode.NX_MATCH)
      throw new RangeError(`fragment handling mode ${mode} is not supported`);
    const changed = mode !== this.frag;
    this.frag = mode;
    return changed;
  }

  port(ofport: number): PortConfig | undefined {
    return this.ports.get(ofport);
  }

  group(groupId: number): Group | undefined {
    return this.groups.get(groupId);
  }

  /** `ovs-ofctl add-group`: adds (or replaces) a group. */
  addGroup(group: Group): void {
    this.groups.set(group.groupId, group);
  }

  /** `ovs-ofctl add-groups BR FILE`: one group per line. */
  addGroups(text: string): void {
    for (const line of flowFileLines(text)) this.addGroup(parseGroup(line));
  }

  deleteGroup(groupId: number): void {
    this.groups.delete(groupId);
  }

  patchPeer(ofport: number): PatchPeer | undefined {
    return this.patchPeers.get(ofport);
  }

  nextRecircId(): number {
    return ++this.recircId;
  }

  meterDpId(meterId: number): number | undefined {
    return this.meters.get(meterId)?.dpId;
  }

  /** Applies a flow-mod that came in OpenFlow `version` (1 = 1.0/NXM); throws FlowModError. */
  flowMod(fm: FlowMod, version = 1): RemovedFlow[] {
    if (fm.command !== FlowModCommand.DELETE && fm.command !== FlowModCommand.DELETE_STRICT) {
      // As OVS (ofproto_check_ofpacts): a flow may only use meters that exist.
      for (const a of fm.actions) {
        if (a.type === 'meter' && this.meters.get(a.meterId) === undefined)
          throw new FlowModError('OFPMMFC_INVALID_METER', 12, 2, `meter ${a.meterId} does not exist`);
      }
      const field = unplacedActionField(fm.actions);
      if (field)
        throw new FlowModError('OFPBAC_BAD_SET_TYPE', 2, 13, `field ${field} is not supported by the pipeline`);
    }
    try {
      return this.tables.apply(fm, version);
    } catch (e) {
      // A match field the codec knows but the packet key has no place for (ct_nw_src, ...).
      if (e instanceof UnsupportedMatchError) throw new FlowModError('OFPBMC_BAD_FIELD', 4, 6, e.message);
      throw e;
    }
  }

  /**
   * Applies a meter-mod (throws FlowModError with the OFPMMFC_* code); deleting a meter deletes
   * the flows that use it, as OVS does (returned for flow-removed messages, reason DELETE).
   */
  meterMod(mm: MeterMod): RemovedFlow[] {
    const deleted = this.meters.apply(mm);
    if (deleted.length === 0) return [];
    const removed: RemovedFlow[] = [];
    for (const e of this.tables.entries()) {
      if (!deleted.some((id) => actionsUseMeter(e.actions, id))) continue;
      this.tables.remove(e);
      removed.push({ entry: e, reason: RemovedReason.DELETE });
    }
    return removed;
  }

  /** `ovs-ofctl -O OpenFlow13 add-meter BR METER` on this bridge. */
  addMeter(text: string): void {
    this.meterMod(parseMeterMod(text, 0).mm);
  }

  /** `ovs-ofctl add-flows BR FILE` on this bridge (one flow per line, `#` comments). */
  addFlows(text: string): void {
    for (const line of flowFileLines(text)) this.flowMod(parseFlow(line).fm);
  }

  /** `ovs-ofctl dump-flows BR` body lines (without the `NXST_FLOW reply` header). */
  dumpFlows(tableId = 0xff): string {
    return this.tables.dumpFlows(tableId).join('\n');
  }

  translate(key: Uint32Array, opts: XlateOptions = {}): XlateResult {
    return translate(this, key, opts);
  }

  /** `ovs-appctl ofproto/trace BR FLOW` output for a flow in OVS flow syntax (or a key). */
  trace(flow: string | Uint32Array): string {
    const key = typeof flow === 'string' ? parseFlowString(flow) : flow;
    const r = translate(this, key, { trace: true });
    const final = formatFlow(r.finalFlow);
    const original = formatFlow(key);
    return [
      `Flow: ${original}`,
      '',
      `bridge("${this.name}")`,
      '-'.repeat(this.name.length + 10),
      ...r.walk,
      '',
      `Final flow: ${final === original ? 'unchanged' : final}`,
      `Megaflow: ${formatMegaflow(key, r.mask)}`,
      `Datapath actions: ${formatDatapathActions(r.actions)}`,
      '',
    ].join('\n');
  }

  /** `ovs-appctl fdb/show BR`. */
  fdbShow(): string {
    return this.macs.show((p) => (p === OFPP.LOCAL ? 'LOCAL' : String(p)));
  }
}

/** A megaflow in OVS match syntax, as the `Megaflow:` line prints it (`recirc_id=0,eth,...`). */
export function formatMegaflow(key: Uint32Array, mask: Uint32Array): string {
  const m: Match = keyToMatch(key, mask);
  // An untagged packet's datapath key has no VLAN header at all (OVS's ODP key), so OVS shows
  // no VLAN match for it; our key keeps the (all-zero) VLAN word in the mask for soundness.
  if (!(key[W.VLAN0] & VLAN_CFI)) m.clear('vlan_tci');
  m.setSlot('recirc_id', 0n, 0xffffffffn);
  return formatMatch(m, 32768);
}

/**
 * Links two patch ports both ways (`options:peer` on each side, as OVS requires): output to one
 * continues in the other's bridge as if received there.
 */
export function linkPatch(a: Ofproto, aPort: number, b: Ofproto, bPort: number): void {
  a.patchPeers.set(aPort, { bridge: b, ofport: bPort });
  b.patchPeers.set(bPort, { bridge: a, ofport: aPort });
}

/**
 * The first field an action list reads or writes that the packet key has no place for (a flow
 * using it could never be translated), or undefined.
 */
function unplacedActionField(actions: readonly Action[]): string | undefined {
  const unplaced = (...fields: FieldDef[]) => fields.find((f) => !pipelineHasField(f))?.name;
  for (const a of actions) {
    let name: string | undefined;
    switch (a.type) {
      case 'set_field':
        name = unplaced(a.field);
        break;
      case 'reg_move':
        name = unplaced(a.src.field, a.dst.field);
        break;
      case 'output_reg':
        name = unplaced(a.src.field);
        break;
      case 'multipath':
      case 'check_pkt_larger':
        name = unplaced(a.dst.field);
        break;
      case 'bundle':
        if (a.dst) name = unplaced(a.dst.field);
        break;
      case 'learn':
        for (const sp of a.specs) {
          name ??= sp.kind === 'output' ? unplaced(sp.src.field) : unplaced(sp.dst.field);
          if (sp.kind === 'match' || sp.kind === 'load') name ??= unplaced(sp.src.field);
        }
        break;
      case 'clone':
      case 'write_actions':
        name = unplacedActionField(a.actions);
        break;
      case 'ct':
        if (a.actions) name = unplacedActionField(a.actions);
        break;
    }
    if (name) return name;
  }
  return undefined;
}
