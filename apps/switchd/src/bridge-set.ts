import { Datapath, type DpAction, parseActions, type UpcallResult } from '@softswitch/datapath';
import { createNetdev, type Netdev } from '@softswitch/netdev';
import { formatDatapathActions, MeterIdPool, type MeterProvider, XlateCache } from '@softswitch/ofproto';
import { createFlowKey, W } from '@softswitch/packet';
import { Bridge, type BridgeHost } from './bridge.js';
import type { BridgeConfig, PortDbConfig } from './bridge-config.js';
import { chooseDpPort } from './dp-port.js';
import { DpThreads } from './dp-threads.js';
import { stopOffload } from './offload.js';
import { closeReplayPools } from './replay-threads.js';

const DEFAULT_MAX_IDLE_MS = 10_000;
/** A table miss sent to the controllers (reason 7, OVS's implicit miss: "no_match" on the wire). */
const IMPLICIT_MISS =
  'userspace(pid=0,controller(reason=7,dont_send=0,continuation=0,recirc_id=0,rule_cookie=0,controller_id=0,max_len=65535))';

/** Counters `upcall/show` and `coverage/show` print. */
export interface UpcallCounters {
  upcalls: number;
  failed: number;
  revalidations: number;
  macChanges: number;
}

/**
 * Every bridge of the switch over ONE datapath (as Open vSwitch's userspace datapath): the
 * datapath's port numbers map back to (bridge, OpenFlow port); a miss goes up to that bridge's
 * ofproto, and any change that could alter a translation revalidates the installed megaflows.
 */
export class BridgeSet implements BridgeHost {
  readonly datapath: Datapath;
  readonly bridges = new Map<string, Bridge>();
  readonly counters: UpcallCounters = { upcalls: 0, failed: 0, revalidations: 0, macChanges: 0 };
  /** Datapath port → owning bridge and its OpenFlow port number there. */
  private readonly owners = new Map<number, { bridge: Bridge; ofport: number }>();
  private readonly dpNames = new Map<number, string>();
  private readonly scratch = createFlowKey();
  private readonly parsed = new Map<string, DpAction[]>();
  private revalidatePending = false;
  /** Per megaflow: the rules its translation hit and the counts already credited to them. */
  private readonly pushed = new WeakMap<
    object,
    { packets: number; bytes: number; generation: number; cache: XlateCache }
  >();
  /** Bumped by every revalidation: rule lists built before it are rebuilt on the next push. */
  private cacheGeneration = 0;
  /** The datapath's hit counter at the last push (nothing to push while it stays the same). */
  private pushedHits = -1;
  private pushing = false;
  private dpLocal: Netdev | undefined;
  private readonly meterIds = new MeterIdPool();
  /** Meter-mods of every bridge configure the one datapath's meters (OVS: the backer's id pool). */
  readonly meterProvider: MeterProvider = {
    alloc: () => this.meterIds.alloc(),
    set: (id, flags, bands) => this.datapath.meters.set(id, flags, bands, this.datapath.now()),
    free: (id) => {
      this.meterIds.free(id);
      this.datapath.meters.delete(id);
    },
    stats: (id) => this.datapath.meters.stats(id),
  };
  /** Called when a bridge is created or removed (OpenFlow listener hookup). */
  onBridgeAdded: (bridge: Bridge) => void = () => undefined;
  onBridgeRemoved: (bridge: Bridge) => void = () => undefined;
  /** Datapath threads for live ports (`other_config:n-dp-threads`). */
  readonly dpThreads: DpThreads;

  constructor(private readonly log: (message: string) => void) {
    this.datapath = new Datapath({
      upcall: (key, packet, inPort) => this.upcall(key, packet, inPort),
      userspace: (packet, inPort, args) => this.userspace(packet, inPort, args),
    });
    this.dpThreads = new DpThreads(this.datapath, log);
  }

  /** The datapath's own port 0, as Open vSwitch's dummy datapath shows (`ovs-dummy`). */
  async start(): Promise<void> {
    const dev = createNetdev('internal', 'ovs-dummy', {});
    if ((await dev.open()) === undefined) {
      this.dpLocal = dev;
      this.datapath.addPort(dev, 0, 'dummy-internal');
      this.dpNames.set(0, 'ovs-dummy');
    }
  }

  // ---- BridgeHost ----

  attach(bridge: Bridge, netdev: Netdev, name: string, ofport: number): number {
    const no = chooseDpPort(name, (n) => this.dpNames.has(n));
    this.datapath.addPort(netdev, no);
    this.owners.set(no, { bridge, ofport });
    this.dpNames.set(no, name);
    return no;
  }

  detach(dpPort: number): void {
    this.datapath.removePort(dpPort);
    this.owners.delete(dpPort);
    this.dpNames.delete(dpPort);
  }

  flowsChanged(): void {
    this.scheduleRevalidate();
  }

  packetOut(packet: Uint8Array, dpInPort: number, actionsText: string): void {
    this.datapath.execute(packet, dpInPort, this.actions(actionsText));
  }

  // ---- Upcalls and revalidation ----

  private actions(text: string): DpAction[] {
    let a = this.parsed.get(text);
    if (a === undefined) {
      a = parseActions(text);
      if (this.parsed.size > 10_000) this.parsed.clear();
      this.parsed.set(text, a);
    }
    return a;
  }

  /** The key as the bridge sees it: in_port is the OpenFlow port, not the datapath's. */
  private bridgeKey(key: Uint32Array, dpPort: number): Bridge | undefined {
    const owner = this.owners.get(dpPort);
    if (!owner) return undefined;
    this.scratch.set(key);
    this.scratch[W.IN_PORT] = owner.ofport;
    return owner.bridge;
  }

  private upcall(key: Uint32Array, packet: Uint8Array, inPort: number): UpcallResult | undefined {
    this.counters.upcalls++;
    const bridge = this.bridgeKey(key, inPort);
    if (!bridge) {
      this.counters.failed++;
      return undefined;
    }
    const before = this.macChanges();
    try {
      const r = bridge.ofproto.translate(this.scratch, {
        mayLearn: true,
        selectInline: true,
        packetLength: packet.length,
        now: Date.now(),
      });
      if (this.macChanges() !== before) {
        this.counters.macChanges++;
        this.scheduleRevalidate();
      }
      return { actions: this.withMiss(bridge, formatDatapathActions(r.actions)), mask: r.mask };
    } catch (err) {
      this.counters.failed++;
      this.log(`${bridge.name}: translation failed: ${(err as Error).message}`);
      return undefined;
    }
  }

  /**
   * OVS's miss rule: a packet no table-0 flow matches goes to the controllers (an implicit miss)
   * while some connection wants misses; otherwise it is dropped. Checked on the bridge's key in
   * `scratch`, which the translation just used (its mask already covers table 0's lookup).
   */
  private withMiss(bridge: Bridge, actions: string): string {
    if (actions !== 'drop' && actions !== '') return actions;
    const table0 = bridge.ofproto.tables.tables[0];
    if (table0 === undefined || table0.lookup(this.scratch) !== null || !bridge.missesToController()) return actions;
    return IMPLICIT_MISS;
  }

  /** A `userspace(...)` action: the packet goes to the controllers of the bridge it came in on. */
  private userspace(packet: Uint8Array, dpInPort: number, args: string): void {
    const owner = this.owners.get(dpInPort);
    if (!owner) return;
    try {
      owner.bridge.controllerPacket(packet, owner.ofport, args);
    } catch (err) {
      this.log(`${owner.bridge.name}: packet-in failed: ${(err as Error).message}`);
    }
  }

  /**
   * Revalidates after the current batch: a microtask runs once the synchronous datapath work
   * that caused it returns, before any further packet is read.
   */
  scheduleRevalidate(): void {
    if (this.revalidatePending) return;
    this.revalidatePending = true;
    queueMicrotask(() => this.revalidateIfPending());
  }

  /**
   * Open vSwitch's revalidators push each megaflow's new packets to the rules its translation
   * went through (its xlate cache) and through MAC learning, so `dump-flows` counts cached
   * packets and a host seen only by cached flows (no upcall) is still learned, e.g. back after
   * a move. Done here for flows whose packet count grew since the last push; the rule list is
   * built on the first push after install or after a revalidation (which pushes first).
   */
  pushStats(): void {
    const hits = this.datapath.stats.hit;
    if (this.pushing || hits === this.pushedHits) return;
    this.pushing = true;
    let changed = false;
    try {
      this.pushedHits = hits;
      // Megaflow times are on the datapath's clock; ofproto's rules use wall-clock ms.
      const toWall = Date.now() - this.datapath.now();
      for (const flow of this.datapath.flows()) {
        const seen = this.pushed.get(flow);
        if (flow.packets === (seen?.packets ?? 0)) continue;
        const bridge = this.bridgeKey(flow.key, flow.key[W.IN_PORT]);
        if (!bridge) continue;
        const before = this.macChanges();
        let cache = seen?.generation === this.cacheGeneration ? seen.cache : undefined;
        try {
          if (cache === undefined) {
            cache = new XlateCache();
            bridge.ofproto.translate(this.scratch, { mayLearn: true, selectInline: true, cache });
          } else bridge.ofproto.translate(this.scratch, { mayLearn: true, selectInline: true });
        } catch {
          continue;
        }
        cache.credit(flow.packets - (seen?.packets ?? 0), flow.bytes - (seen?.bytes ?? 0), flow.used + toWall);
        this.pushed.set(flow, { packets: flow.packets, bytes: flow.bytes, generation: this.cacheGeneration, cache });
        if (this.macChanges() !== before) changed = true;
      }
    } finally {
      this.pushing = false;
    }
    if (changed) {
      this.counters.macChanges++;
      this.revalidateNow();
    }
  }

  /** Runs a scheduled revalidation now (between injected packets, which arrive synchronously). */
  revalidateIfPending(): void {
    if (!this.revalidatePending) return;
    this.revalidatePending = false;
    this.revalidateNow();
  }

  revalidateNow(): void {
    // Stats gathered under the old translations go to the old rules first (as OVS's revalidator).
    this.pushStats();
    this.cacheGeneration++;
    this.counters.revalidations++;
    this.datapath.revalidate((key) => {
      const bridge = this.bridgeKey(key, key[W.IN_PORT]);
      if (!bridge) return null;
      try {
        const r = bridge.ofproto.translate(this.scratch, { selectInline: true });
        return { actions: this.actions(this.withMiss(bridge, formatDatapathActions(r.actions))), mask: r.mask };
      } catch {
        return null;
      }
    });
    // The threads' caches follow at once, not at their next periodic look.
    this.dpThreads.sync();
  }

  // ---- Reconfiguration ----

  /** Brings the bridges in line with the DB, touching only what changed. */
  async reconcile(configs: readonly BridgeConfig[]): Promise<void> {
    const wanted = new Map(configs.map((c) => [c.name, c]));
    for (const [name, bridge] of this.bridges) {
      if (wanted.has(name)) continue;
      this.bridges.delete(name);
      this.onBridgeRemoved(bridge);
      await bridge.close();
    }
    for (const config of configs) {
      let bridge = this.bridges.get(config.name);
      if (!bridge) {
        bridge = new Bridge(config.name, this, config.failMode);
        bridge.ofproto.tables.syncStats = () => this.pushStats();
        this.bridges.set(config.name, bridge);
        this.onBridgeAdded(bridge);
      }
      bridge.setFailMode(config.failMode);
      bridge.setControllers(config.controllers);
      bridge.hwaddr = config.otherConfig.hwaddr;
      bridge.datapathIdOverride = config.otherConfig['datapath-id'];
      const ifaces = new Map<string, { port: PortDbConfig; index: number }>();
      for (const port of config.ports)
        port.ifaces.forEach((iface, index) => {
          ifaces.set(iface.name, { port, index });
        });
      for (const [name, entry] of [...bridge.ifaces]) {
        const w = ifaces.get(name);
        const next = w?.port.ifaces[w.index];
        if (!next || next.type !== entry.config.type || next.ofport !== entry.config.ofport)
          await bridge.removeIface(name);
      }
      for (const { port, index } of ifaces.values()) {
        const iface = port.ifaces[index];
        const vlan = vlanConfig(port);
        if (bridge.ifaces.has(iface.name)) await bridge.updateIface(iface, vlan);
        else {
          // A name can sit in only one bridge; wait for the other to let go of it.
          if ([...this.bridges.values()].some((b) => b !== bridge && b.ifaces.has(iface.name))) continue;
          await bridge.addIface(iface, vlan);
          if (bridge.ifaces.get(iface.name)?.error) this.log(`${iface.name}: ${bridge.ifaces.get(iface.name)?.error}`);
        }
      }
      bridge.syncPorts();
    }
    this.linkPatchPorts();
    this.dpThreads.portsChanged();
    this.revalidateNow();
  }

  /**
   * Links patch ports whose `options:peer` name each other (OVS needs both ends to agree); a
   * patch port without its counterpart leads nowhere.
   */
  private linkPatchPorts(): void {
    const patches = new Map<string, { bridge: Bridge; ofport: number; peer: string }>();
    for (const bridge of this.bridges.values()) {
      bridge.ofproto.patchPeers.clear();
      for (const e of bridge.ifaces.values()) {
        const peer = e.config.options.peer;
        if (e.config.type === 'patch' && e.error === undefined && peer !== undefined)
          patches.set(e.config.name, { bridge, ofport: e.config.ofport, peer });
      }
    }
    for (const [name, end] of patches) {
      const other = patches.get(end.peer);
      if (other === undefined || other.peer !== name) continue;
      end.bridge.ofproto.patchPeers.set(end.ofport, { bridge: other.bridge.ofproto, ofport: other.ofport });
    }
  }

  /** MAC learning changes over every bridge (a translation may cross patch ports). */
  private macChanges(): number {
    let n = 0;
    // `learn` actions that changed a table count too: they revalidate like a flow-mod.
    for (const b of this.bridges.values())
      n += b.ofproto.macs.learned + b.ofproto.macs.moved + b.ofproto.tables.learnChanges;
    return n;
  }

  /** Megaflow idle time, ms (`Open_vSwitch other_config:max-idle`, OVS's default 10 s). */
  maxIdleMs = DEFAULT_MAX_IDLE_MS;

  /** Periodic housekeeping: idle megaflows, MAC aging, flow timeouts. */
  tick(): void {
    this.pushStats();
    // The flow cache's idle time is fixed at 10 s; shifting its clock gives it max-idle's.
    this.datapath.expire(this.datapath.now() + DEFAULT_MAX_IDLE_MS - this.maxIdleMs);
    let changed = false;
    for (const b of this.bridges.values()) {
      b.failOpenRun();
      if (b.ofproto.macs.expire() > 0) changed = true;
      const expired = b.ofproto.tables.expire();
      if (expired.length > 0) {
        changed = true;
        // Idle and hard timeouts: flow-removed to the controllers that asked for them.
        b.listener?.flowsRemoved?.(expired);
      }
    }
    if (changed) this.scheduleRevalidate();
  }

  dpPortName(no: number): string | undefined {
    return this.dpNames.get(no);
  }

  async close(): Promise<void> {
    await stopOffload(this); // hardware entries out first (tc filters removed)
    await this.dpThreads.close();
    await closeReplayPools(this.datapath);
    for (const bridge of this.bridges.values()) {
      this.onBridgeRemoved(bridge);
      await bridge.close();
    }
    this.bridges.clear();
    await this.dpLocal?.close();
  }
}

/** Port.tag/trunks/vlan_mode as ofproto's access/trunk model takes them. */
function vlanConfig(port: PortDbConfig): { tag?: number; trunks?: readonly number[] } {
  const mode = port.vlanMode ?? (port.tag !== undefined ? 'access' : 'trunk');
  if (mode === 'access' && port.tag !== undefined) return { tag: port.tag };
  return port.trunks.length > 0 ? { trunks: port.trunks } : {};
}
