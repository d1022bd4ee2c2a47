import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { FragMode, RemovedFlow } from '@softswitch/ofproto';
import { ActiveController, type ControllerInfo, type ControllerRow, maxBackoffMs, probeIntervalMs } from './active.js';
import type { OpenFlowBridge, PortInfo } from './bridge-api.js';
import { Connection, type ConnectionHost, type PacketIn, type PortStatusReason } from './connection.js';
import { GroupTable } from './groups.js';
import { ROLE_NAMES, RoleCoordinator } from './roles.js';
import { SnoopSet } from './snoop.js';
import { OPENFLOW_TABLES, TableConfig } from './table-config.js';
import { TlvMap } from './tlv-map.js';

export type { ControllerInfo, ControllerRow } from './active.js';

/** What a controller connection takes from its Controller row. */
function connectionSettings(row: ControllerRow): { inactivityProbeMs: number; enableAsyncMessages: boolean } {
  return { inactivityProbeMs: probeIntervalMs(row), enableAsyncMessages: row.enableAsyncMessages !== false };
}

export type { OpenFlowBridge, PortInfo } from './bridge-api.js';
export { Connection, type PacketIn, type PortStatusReason } from './connection.js';

export interface OpenFlowListenerOptions {
  /** Unix socket path, `<rundir>/<bridge>.mgmt`. */
  path: string;
  bridge: OpenFlowBridge;
  log?: (m: string) => void;
  ptcp?: { port: number; host?: string };
  /** Where `.snoop` listens (passive monitors of the controller connection); default: `path` with `.mgmt` → `.snoop`. */
  snoopPath?: string | false;
}

export interface OpenFlowListener {
  close(): Promise<void>;
  connections(): number;
  /** Flows the bridge removed itself (idle/hard timeouts from `ofproto.tables.expire()`): flow-removed to clients. */
  flowsRemoved(removed: RemovedFlow[]): void;
  /** A packet for the controllers (controller action or table miss): OFPT_PACKET_IN to clients that want it. */
  packetIn(pin: PacketIn): void;
  /** Whether a table miss should become a packet-in (some connection has miss_send_len > 0). */
  wantsMisses(): boolean;
  /** The bridge's Controller targets: active ones (`tcp:`, `unix:`) are connected to and kept up. */
  /** The bridge's Controller rows: active ones connect out, with their probe, backoff and async settings. */
  setControllers(controllers: readonly ControllerRow[]): void;
  /** Active controller targets currently connected. */
  connectedControllers(): string[];
  /** Each active controller's connection state and role (`Controller` status in the DB). */
  controllerInfo(): (ControllerInfo & { role?: 'other' | 'master' | 'slave' })[];
  /** A port was added, deleted or changed: OFPT_PORT_STATUS to every client. */
  portStatus(reason: PortStatusReason, port: PortInfo, before?: PortInfo): void;
}

function listen(server: Server, ...args: [string] | [number, string]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (args.length === 1) server.listen(args[0], done);
    else server.listen(args[0], args[1], done);
  });
}

/** Serves OpenFlow for one bridge on a Unix socket (mode 0600) and, optionally, TCP. */
export async function startOpenFlowListener(options: OpenFlowListenerOptions): Promise<OpenFlowListener> {
  const log = options.log ?? (() => {});
  const live = new Set<Connection>();
  const host: ConnectionHost = {
    bridge: options.bridge,
    startedMs: Date.now(),
    groups: new GroupTable(options.bridge.ofproto),
    log,
    flowsRemoved(removed: RemovedFlow[]) {
      for (const c of live) c.notifyRemoved(removed);
    },
    roles: new RoleCoordinator(),
    connections: () => live,
    // The mode lives in the bridge's pipeline, which enforces it (and outlives this listener).
    get fragHandling() {
      return options.bridge.ofproto.fragMode;
    },
    set fragHandling(mode: number) {
      options.bridge.ofproto.setFragMode(mode as FragMode);
    },
    tableConfig: new TableConfig(OPENFLOW_TABLES),
    tlvMap: new TlvMap(),
  };
  const snoops = new SnoopSet(log);
  /** The live connection of each active controller target. */
  const controllerConns = new Map<string, Connection>();
  /** Each active controller's Controller row (its settings). */
  const rows = new Map<string, ControllerRow>();
  const accept = (socket: Socket, kind: 'service' | 'controller' = 'service', target?: string) => {
    const conn = new Connection(socket, host, kind, target === undefined ? undefined : snoops.tap(target));
    const row = target === undefined ? undefined : rows.get(target);
    if (row) conn.configureController(connectionSettings(row));
    live.add(conn);
    if (target !== undefined) controllerConns.set(target, conn);
    socket.on('error', (e) => log(`OpenFlow connection error: ${e.message}`));
    socket.on('close', () => {
      live.delete(conn);
      if (target !== undefined && controllerConns.get(target) === conn) controllerConns.delete(target);
      // Misses may no longer have anyone to go to.
      if (conn.wantsMisses()) options.bridge.flowsChanged();
    });
    if (conn.wantsMisses()) options.bridge.flowsChanged();
  };
  const active = new Map<string, ActiveController>();
  const servers: Server[] = [];
  rmSync(options.path, { force: true });
  const unix = createServer((s) => accept(s));
  await listen(unix, options.path);
  chmodSync(options.path, 0o600);
  servers.push(unix);
  const snoopPath =
    options.snoopPath ?? (options.path.endsWith('.mgmt') ? `${options.path.slice(0, -5)}.snoop` : false);
  if (snoopPath) {
    rmSync(snoopPath, { force: true });
    // OVS attaches a snooper to the (best) controller connection; with none configured it hangs up.
    const snoop = createServer((s) => snoops.add(s, [...active.keys()][0]));
    await listen(snoop, snoopPath);
    chmodSync(snoopPath, 0o600);
    servers.push(snoop);
  }
  if (options.ptcp) {
    const tcp = createServer((s) => accept(s));
    await listen(tcp, options.ptcp.port, options.ptcp.host ?? '0.0.0.0');
    servers.push(tcp);
  }
  return {
    connections: () => live.size,
    flowsRemoved: (removed) => host.flowsRemoved(removed),
    packetIn(pin) {
      for (const c of live) c.notifyPacketIn(pin);
    },
    wantsMisses() {
      for (const c of live) if (c.wantsMisses()) return true;
      return false;
    },
    setControllers(controllers) {
      const targets = controllers.map((c) => c.target);
      for (const [t, a] of active) {
        if (targets.includes(t)) continue;
        a.stop();
        active.delete(t);
        snoops.drop(t);
        rows.delete(t);
      }
      for (const row of controllers) {
        const t = row.target;
        if (!/^(tcp|unix):/.test(t)) continue;
        rows.set(t, row);
        const existing = active.get(t);
        if (existing) {
          existing.setMaxBackoff(maxBackoffMs(row));
          controllerConns.get(t)?.configureController(connectionSettings(row));
          continue;
        }
        active.set(t, new ActiveController(t, (s) => accept(s, 'controller', t), log, maxBackoffMs(row)));
      }
    },
    connectedControllers: () => [...active.values()].filter((a) => a.connected).map((a) => a.target),
    controllerInfo: () =>
      [...active.values()].map((a) => {
        const info = a.info();
        const conn = controllerConns.get(a.target);
        // As OVS: a role only while connected (other, master, slave as the DB schema spells them).
        const role = info.isConnected && conn ? ROLE_NAMES[conn.role] : undefined;
        return {
          ...info,
          state: info.isConnected && conn?.idle ? 'IDLE' : info.state,
          role: role === 'nochange' ? undefined : role,
        };
      }),
    portStatus(reason, port, before) {
      for (const c of live) c.notifyPortStatus(reason, port, before);
    },
    async close() {
      for (const a of active.values()) a.stop();
      active.clear();
      for (const c of live) c.close();
      live.clear();
      snoops.closeAll();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      rmSync(options.path, { force: true });
      if (snoopPath) rmSync(snoopPath, { force: true });
    },
  };
}
