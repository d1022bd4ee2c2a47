import { createNetdev, type Netdev, type NetdevStats } from '@softswitch/netdev';
import {
  FlowModCommand,
  formatDatapathActions,
  type MeterProvider,
  Ofproto,
  type PortConfig,
  type RemovedFlow,
  translateActions,
} from '@softswitch/ofproto';
import { type Action, parseFlow } from '@softswitch/openflow';
import { createFlowKey, extractFlow } from '@softswitch/packet';
import type { ControllerConfig, IfaceConfig } from './bridge-config.js';
import { parseControllerArgs } from './controller-args.js';
import { probeIntervalMs } from './openflow/active.js';
import type { PacketIn } from './openflow/connection.js';
import { macToBigint } from './openflow/ports-out.js';

/** OpenFlow port config (OFPPC_*) and state (OFPPS_*) bits, as OVS keeps them (1.0 numbering). */
const OFPPC = { PORT_DOWN: 1, NO_RECV: 4, NO_RECV_STP: 8, NO_FLOOD: 16, NO_FWD: 32 } as const;
/** Config bits translation applies: a change revalidates the datapath's flows. */
const OFPPC_FORWARDING = OFPPC.NO_RECV | OFPPC.NO_RECV_STP | OFPPC.NO_FLOOD | OFPPC.NO_FWD;

/** What ofproto's translation needs of a port's OFPPC_* config bits. */
function forwardingConfig(config: number): Pick<PortConfig, 'noFlood' | 'noRecv' | 'noRecvStp' | 'noFwd'> {
  return {
    noFlood: (config & OFPPC.NO_FLOOD) !== 0,
    noRecv: (config & OFPPC.NO_RECV) !== 0,
    noRecvStp: (config & OFPPC.NO_RECV_STP) !== 0,
    noFwd: (config & OFPPC.NO_FWD) !== 0,
  };
}
const OFPPS = { LINK_DOWN: 1, LIVE: 4 } as const;

/**
 * A port's config and state bits: PORT_DOWN from the device's admin state, LINK_DOWN when it
 * has no carrier, LIVE (1.1+) when neither holds.
 */
function portBits(dev: Netdev, config: number): { config: number; state: number } {
  const full = config | (dev.adminState === 'down' ? OFPPC.PORT_DOWN : 0);
  const linkDown = dev.adminState === 'down' || dev.linkState === 'down';
  return { config: full, state: linkDown ? OFPPS.LINK_DOWN : full & OFPPC.PORT_DOWN ? 0 : OFPPS.LIVE };
}

/** OpenFlow's LOCAL port number. */
export const OFPP_LOCAL = 0xfffe;

/** One interface of a bridge: its device (when it opened) and where it sits. */
export interface BridgeIface {
  config: IfaceConfig;
  /** The Port row's VLAN settings, as ofproto takes them. */
  vlan: { tag?: number; trunks?: readonly number[] };
  /** The opened device, or undefined when it failed (`error` says why). */
  netdev: Netdev | undefined;
  dpPort: number | undefined;
  error: string | undefined;
}

export interface PortStats {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  rxDropped: number;
  txDropped: number;
  rxErrors: number;
  txErrors: number;
}

/** What the bridge uses of its OpenFlow listener. */
export interface BridgeListener {
  close(): Promise<void>;
  packetIn?(pin: PacketIn): void;
  wantsMisses?(): boolean;
  setControllers?(controllers: readonly ControllerConfig[]): void;
  connectedControllers?(): string[];
  controllerInfo?(): ControllerStatus[];
  flowsRemoved?(removed: RemovedFlow[]): void;
  /** `before`: for a modify, the description clients last saw (each skips an unchanged encoding). */
  portStatus?(
    reason: 'add' | 'delete' | 'modify',
    port: ReturnType<Bridge['ports']>[number],
    before?: ReturnType<Bridge['ports']>[number],
  ): void;
}

/** One active controller's connection state (what `Controller.status` reports). */
export interface ControllerStatus {
  target: string;
  isConnected: boolean;
  role?: 'other' | 'master' | 'slave';
  state: string;
  lastError?: string;
  lastConnectMs?: number;
  lastDisconnectMs?: number;
}

/** What the bridge needs from the set that owns the one datapath. */
export interface BridgeHost {
  attach(bridge: Bridge, netdev: Netdev, name: string, ofport: number): number;
  detach(dpPort: number): void;
  flowsChanged(): void;
  /** Runs a revalidation `flowsChanged` scheduled, now. */
  revalidateIfPending?(): void;
  packetOut(packet: Uint8Array, dpInPort: number, actionsText: string): void;
  /** The datapath's meters (ids and token buckets), shared by the bridges on it. */
  readonly meterProvider?: MeterProvider;
}

/**
 * One bridge: its OpenFlow pipeline (an `Ofproto`) and its interfaces, each a netdev attached to
 * the shared datapath. Ports come and go one at a time; the others are left alone.
 */
export class Bridge {
  readonly ofproto: Ofproto;
  readonly ifaces = new Map<string, BridgeIface>();
  failMode: string | undefined;
  hwaddr: string | undefined;
  datapathIdOverride: string | undefined;
  listener: BridgeListener | undefined;
  /** Controller rows from the DB; applied to the listener once it runs. */
  controllers: readonly ControllerConfig[] = [];
  /** When a controller was last connected (or the first one configured), for fail-open. */
  private lastConnectedMs = Date.now();

  constructor(
    readonly name: string,
    private readonly host: BridgeHost,
    failMode: string | undefined,
  ) {
    this.failMode = failMode;
    this.ofproto = new Ofproto({ name, ports: [], meterProvider: host.meterProvider });
    this.flushed();
  }

  /**
   * A changed fail mode flushes every flow when no controller is configured (as Open vSwitch)
   * and, as after any flush, a bridge that may act as a plain switch gets its
   * `priority=0,actions=NORMAL` flow back. A secure bridge never fails open.
   */
  setFailMode(failMode: string | undefined): void {
    if ((failMode === 'secure') === (this.failMode === 'secure')) {
      this.failMode = failMode;
      return;
    }
    this.failMode = failMode;
    if (failMode === 'secure') this.setFailOpen(false);
    if (this.controllers.length === 0) this.flush();
    this.flowsChanged();
  }

  /** Open vSwitch flushes every flow when a bridge gets its first controller or loses its last. */
  setControllers(controllers: readonly ControllerConfig[]): void {
    const had = this.controllers.length > 0;
    this.controllers = controllers;
    this.listener?.setControllers?.(controllers);
    if (had === controllers.length > 0) return;
    this.lastConnectedMs = Date.now();
    this.setFailOpen(false);
    this.flush();
    this.flowsChanged();
  }

  /**
   * Fail-open, as Open vSwitch's fail_open.c: a standalone bridge whose controllers have all
   * been disconnected for three inactivity-probe intervals (15 s with the default 5 s probe)
   * flushes its flows and acts as a learning switch through a hidden rule above every flow,
   * until a controller connects again. Called periodically (`now` in ms).
   */
  failOpenRun(now = Date.now()): void {
    if (this.controllers.length === 0 || this.failMode === 'secure') return;
    if (this.connectedControllers().length > 0) {
      this.lastConnectedMs = now;
      if (this.ofproto.failOpen) {
        this.setFailOpen(false);
        this.flowsChanged();
      }
      return;
    }
    if (this.ofproto.failOpen || now - this.lastConnectedMs < this.failOpenAfterMs()) return;
    this.setFailOpen(true);
    this.flush();
    this.flowsChanged();
  }

  /** fail_open's trigger: three of the longest inactivity-probe interval (15 s by default). */
  private failOpenAfterMs(): number {
    let longest = 0;
    for (const c of this.controllers) longest = Math.max(longest, probeIntervalMs(c));
    return 3 * longest;
  }

  private setFailOpen(on: boolean): void {
    this.ofproto.failOpen = on;
  }

  private flush(): void {
    this.ofproto.flowMod(parseFlow('', FlowModCommand.DELETE).fm);
    this.flushed();
  }

  /** Active controller targets connected now (`Controller.is_connected`). */
  connectedControllers(): string[] {
    return this.listener?.connectedControllers?.() ?? [];
  }

  /** Connection state of each active controller, for `Controller.status`. */
  controllerInfo(): ControllerStatus[] {
    return this.listener?.controllerInfo?.() ?? [];
  }

  /** Whether a table miss goes to the controllers (OVS's miss rule) rather than being dropped. */
  missesToController(): boolean {
    return this.listener?.wantsMisses?.() ?? false;
  }

  private flushed(): void {
    if (this.failMode !== 'secure' && this.controllers.length === 0) this.ofproto.addFlows('priority=0,actions=NORMAL');
  }

  /** Opens and attaches a new interface; a device that fails to open is kept with its error. */
  async addIface(config: IfaceConfig, vlan: BridgeIface['vlan']): Promise<void> {
    const entry: BridgeIface = { config, vlan, netdev: undefined, dpPort: undefined, error: undefined };
    this.ifaces.set(config.name, entry);
    if (config.type === 'patch') {
      // No device and no datapath port: output to it continues in the peer's bridge (linked by
      // the bridge set once both ends exist). OVS's netdev-vport refuses these peers.
      const peer = config.options.peer;
      if (!peer) entry.error = `${config.name}: patch type requires valid 'peer' argument`;
      else if (peer === config.name) entry.error = `${config.name}: patch interface cannot have itself as peer`;
      return;
    }
    let netdev: Netdev;
    try {
      netdev = createNetdev(config.type, config.name, config.options);
    } catch (err) {
      entry.error = (err as Error).message;
      return;
    }
    const error = await netdev.open();
    if (error !== undefined) {
      entry.error = error;
      await netdev.close().catch(() => undefined);
      return;
    }
    if (config.mtuRequest !== undefined) netdev.setMtu(config.mtuRequest);
    if (this.ifaces.get(config.name) !== entry) {
      // Removed while opening.
      await netdev.close();
      return;
    }
    entry.netdev = netdev;
    entry.dpPort = this.host.attach(this, netdev, config.name, config.ofport);
    // A carrier change (a dummy stream peer coming or going) is a port-status MODIFY.
    netdev.onEvent((e) => {
      if (e.kind === 'link') this.announcePorts();
    });
  }

  async removeIface(name: string): Promise<void> {
    const entry = this.ifaces.get(name);
    if (!entry) return;
    this.ifaces.delete(name);
    if (entry.dpPort !== undefined) this.host.detach(entry.dpPort);
    this.ofproto.macs.flush(entry.config.ofport);
    // A port added later under this number starts with a clean config, as in OVS.
    this.portConfig.delete(entry.config.ofport);
    entry.netdev?.onEvent(undefined);
    await entry.netdev?.close();
  }

  /** Applies changed options in place (a stream reconnects, a capture reopens). */
  async updateIface(config: IfaceConfig, vlan: BridgeIface['vlan']): Promise<void> {
    const entry = this.ifaces.get(config.name);
    if (!entry) return;
    const before = JSON.stringify(entry.config.options);
    entry.config = config;
    entry.vlan = vlan;
    if (entry.netdev && JSON.stringify(config.options) !== before) {
      entry.error = await entry.netdev.setConfig(config.options);
    }
    if (entry.netdev && config.mtuRequest !== undefined && entry.netdev.mtu !== config.mtuRequest)
      entry.netdev.setMtu(config.mtuRequest);
  }

  /** Hands ofproto the current port list (only attached interfaces forward). */
  syncPorts(): void {
    const ports: PortConfig[] = [];
    for (const e of [...this.ifaces.values()].sort((a, b) => a.config.ofport - b.config.ofport)) {
      const config = forwardingConfig(this.portConfig.get(e.config.ofport) ?? 0);
      if (e.config.type === 'patch' && e.error === undefined)
        ports.push({ ofport: e.config.ofport, name: e.config.name, dpPort: -1, patch: true, ...config, ...e.vlan });
      if (e.dpPort === undefined) continue;
      ports.push({ ofport: e.config.ofport, name: e.config.name, dpPort: e.dpPort, ...config, ...e.vlan });
    }
    setOfprotoPorts(this.ofproto, ports);
    this.announcePorts();
  }

  /** Ports the OpenFlow clients were told about (by OpenFlow port number). */
  private announced = new Map<number, ReturnType<Bridge['ports']>[number]>();

  /**
   * OFPT_PORT_STATUS for what changed since the last call (as OVS's port-status): add/delete for
   * ports that appeared or went, modify for a port whose config or state bits changed.
   */
  private announcePorts(): void {
    const now = new Map(this.ports().map((p) => [p.ofport, p]));
    for (const [ofport, p] of this.announced)
      if (now.get(ofport)?.name !== p.name) this.listener?.portStatus?.('delete', p);
    for (const [ofport, p] of now) {
      const before = this.announced.get(ofport);
      if (before?.name !== p.name) this.listener?.portStatus?.('add', p);
      else if (before.config !== p.config || before.state !== p.state) this.listener?.portStatus?.('modify', p, before);
    }
    this.announced = now;
  }

  /** OpenFlow config bits set by port mods (OFPPC_*; PORT_DOWN is the device's admin state). */
  private readonly portConfig = new Map<number, number>();

  /**
   * OFPT_PORT_MOD, as ofproto's port_mod: PORT_DOWN turns the device down or up, the other bits
   * are kept (NO_FLOOD leaves the port out of FLOOD). OVS reports a PORT_DOWN change twice: the
   * config first (liveness follows it), then the device's link state.
   */
  modPort(portNo: number, hwAddr: bigint, config: number, mask: number): 'bad_port' | 'bad_hw_addr' | undefined {
    const entry = this.ifaceByOfport(portNo);
    const dev = entry?.netdev;
    if (!entry || !dev) return 'bad_port';
    if (macToBigint(dev.mac) !== hwAddr) return 'bad_hw_addr';
    const before = this.announced.get(portNo) ?? this.ports().find((p) => p.ofport === portNo);
    if (!before) return 'bad_port';
    const next = (before.config & ~mask) | (config & mask);
    if (next === before.config) return undefined;
    this.portConfig.set(portNo, next & ~OFPPC.PORT_DOWN);
    if ((next ^ before.config) & OFPPC.PORT_DOWN) {
      const linkDown = before.state & OFPPS.LINK_DOWN;
      const live = !(next & OFPPC.PORT_DOWN) && !linkDown ? OFPPS.LIVE : 0;
      const configured = { ...before, config: next, state: linkDown | live };
      this.listener?.portStatus?.('modify', configured, before);
      this.announced.set(portNo, configured);
      dev.setAdminState(next & OFPPC.PORT_DOWN ? 'down' : 'up');
    }
    if ((next ^ before.config) & OFPPC_FORWARDING) {
      this.syncPorts(); // what translation does with the port changed; announces too
      this.flowsChanged();
    } else this.announcePorts();
    return undefined;
  }

  ifaceByOfport(ofport: number): BridgeIface | undefined {
    for (const e of this.ifaces.values()) if (e.config.ofport === ofport) return e;
    return undefined;
  }

  /** The bridge's MAC: `other_config:hwaddr`, else the lowest port MAC, else the LOCAL port's. */
  mac(): Uint8Array {
    if (this.hwaddr && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(this.hwaddr))
      return Uint8Array.from(this.hwaddr.split(':').map((x) => Number.parseInt(x, 16)));
    let best: Uint8Array | undefined;
    let local: Uint8Array | undefined;
    for (const e of this.ifaces.values()) {
      const mac = e.netdev?.mac;
      if (!mac) continue;
      if (e.config.type === 'internal') {
        if (e.config.ofport === OFPP_LOCAL) local = mac;
        continue;
      }
      if (mac[0] & 1 || mac.every((b) => b === 0)) continue;
      if (!best || Buffer.compare(mac, best) < 0) best = mac;
    }
    return best ?? local ?? new Uint8Array(6);
  }

  /** Open vSwitch's datapath ID: `other_config:datapath-id`, else the bridge MAC in 64 bits. */
  datapathId(): bigint {
    if (this.datapathIdOverride && /^[0-9a-f]{16}$/i.test(this.datapathIdOverride))
      return BigInt(`0x${this.datapathIdOverride}`);
    let id = 0n;
    for (const b of this.mac()) id = (id << 8n) | BigInt(b);
    return id;
  }

  ports(): {
    ofport: number;
    name: string;
    mac: Uint8Array;
    up: boolean;
    config: number;
    state: number;
    mtu: number;
    stats: PortStats;
  }[] {
    return [...this.ifaces.values()]
      .filter((e) => e.netdev !== undefined)
      .map((e) => {
        const dev = e.netdev as Netdev;
        return {
          ofport: e.config.ofport,
          name: e.config.name,
          mac: dev.mac,
          up: dev.adminState === 'up' && dev.linkState === 'up',
          ...portBits(dev, this.portConfig.get(e.config.ofport) ?? 0),
          mtu: dev.mtu,
          stats: portStats(dev.stats),
        };
      });
  }

  /** Flows changed through OpenFlow: revalidate the datapath. */
  flowsChanged(): void {
    this.host.flowsChanged();
  }

  /** The revalidation `flowsChanged` scheduled, now (before an OpenFlow barrier reply leaves). */
  revalidateIfPending(): void {
    this.host.revalidateIfPending?.();
  }

  /**
   * packet-out: `actions` run on the packet in this bridge's context, as OVS runs them: a
   * `resubmit` or `output:TABLE` looks up the bridge's own tables, and NORMAL learns the source
   * MAC (`learn` actions run too).
   */
  packetOut(packet: Uint8Array, inPort: number, actions: unknown[]): void {
    const dpActions = this.translatePacketOut(packet, inPort, actions, true);
    this.host.packetOut(packet, this.ifaceByOfport(inPort)?.dpPort ?? 0, dpActions);
  }

  /**
   * A packet-out in a bundle: translated now, against the tables as the bundle left them so far;
   * sent, with its side effects (which OVS postpones to the commit too), only when it commits.
   */
  preparePacketOut(packet: Uint8Array, inPort: number, actions: unknown[]): () => void {
    const dpActions = this.translatePacketOut(packet, inPort, actions, false);
    return () => {
      this.translatePacketOut(packet, inPort, actions, true);
      this.host.packetOut(packet, this.ifaceByOfport(inPort)?.dpPort ?? 0, dpActions);
    };
  }

  /** The datapath actions of a packet-out; with `sideEffects`, MAC learning and `learn` as well. */
  private translatePacketOut(packet: Uint8Array, inPort: number, actions: unknown[], sideEffects: boolean): string {
    const of = this.ofproto;
    const changes = () => of.macs.learned + of.macs.moved + of.tables.learnChanges;
    const before = changes();
    const key = createFlowKey();
    extractFlow(packet, inPort, key);
    const r = translateActions(of, key, actions as Action[], { selectInline: true, mayLearn: sideEffects });
    // What the datapath cached may depend on the MAC table or the learned flows.
    if (changes() !== before) this.flowsChanged();
    return formatDatapathActions(r.actions);
  }

  /**
   * A `userspace(...controller(...))` datapath action fired for a packet received on `inPort`
   * (an OpenFlow port): an OpenFlow packet-in to the bridge's connections, as OVS's
   * ofproto-dpif-upcall does for a controller action.
   */
  controllerPacket(packet: Uint8Array, inPort: number, args: string): void {
    const c = parseControllerArgs(args);
    if (c === undefined) return;
    this.listener?.packetIn?.({
      packet,
      inPort,
      reason: c.reason,
      tableId: this.controllerTable(packet, inPort, c.cookie),
      cookie: c.cookie,
      maxLen: c.maxLen,
    });
  }

  /**
   * The table whose rule sent the packet up. The datapath action does not carry it (OVS keeps
   * it in the frozen state behind recirc_id); the first table whose matching rule has the
   * cookie and a controller action is the answer for every pipeline that does not rewrite the
   * packet before sending it up; otherwise table 0.
   */
  private controllerTable(packet: Uint8Array, inPort: number, cookie: bigint): number {
    const key = createFlowKey();
    extractFlow(packet, inPort, key);
    const tables = this.ofproto.tables.tables;
    for (let t = 0; t < tables.length; t++) {
      const rule = tables[t].lookup(key)?.data;
      if (rule !== undefined && rule.cookie === cookie && rule.actions.some(isControllerAction)) return t;
    }
    return 0;
  }

  async close(): Promise<void> {
    await this.listener?.close().catch(() => undefined);
    for (const name of [...this.ifaces.keys()]) await this.removeIface(name);
  }
}

function isControllerAction(a: Action): boolean {
  return a.type === 'controller' || (a.type === 'output' && a.port === 0xfffd);
}

export function portStats(s: NetdevStats): PortStats {
  return {
    rxPackets: s.rx_packets,
    txPackets: s.tx_packets,
    rxBytes: s.rx_bytes,
    txBytes: s.tx_bytes,
    rxDropped: s.rx_dropped,
    txDropped: s.tx_dropped,
    rxErrors: s.rx_errors,
    txErrors: s.tx_errors,
  };
}

/**
 * Replaces an Ofproto's port list in place, keeping its flow tables and MAC table.
 * libs/ofproto fixes the ports at construction; until it offers `setPorts`, this reaches into
 * the private map and the two order arrays it reads at translation time.
 */
function setOfprotoPorts(ofproto: Ofproto, ports: PortConfig[]): void {
  const internals = ofproto as unknown as { ports: Map<number, PortConfig> };
  internals.ports.clear();
  for (const p of ports) internals.ports.set(p.ofport, p);
  ofproto.floodOrder.splice(0, ofproto.floodOrder.length, ...ports);
  ofproto.normalOrder.splice(0, ofproto.normalOrder.length, ...ports);
}
