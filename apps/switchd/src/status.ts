import { formatMac } from '@softswitch/netdev';
import type { ControllerStatus } from './bridge.js';
import type { BridgeSet } from './bridge-set.js';

type Row = Record<string, unknown>;

const map = (entries: [string, string | number][]): unknown => ['map', entries];

const EMPTY_SET = ['set', []];

/**
 * A Controller row's status as OVS's refresh_controller_status writes it: `is_connected`, `role`
 * (only while connected) and `status` with `last_error`, `state`, `sec_since_connect` and
 * `sec_since_disconnect` (the last two once there was such an event). A passive or not yet
 * applied target reports nothing.
 */
function controllerRow(info: ControllerStatus | undefined, now: number): Row {
  if (!info) return { is_connected: false, role: EMPTY_SET, status: map([]) };
  const status: [string, string][] = [];
  if (info.lastError) status.push(['last_error', info.lastError]);
  status.push(['state', info.state]);
  const secs = (ms: number) => String(Math.max(0, Math.floor((now - ms) / 1000)));
  if (info.lastConnectMs !== undefined) status.push(['sec_since_connect', secs(info.lastConnectMs)]);
  if (info.lastDisconnectMs !== undefined) status.push(['sec_since_disconnect', secs(info.lastDisconnectMs)]);
  return { is_connected: info.isConnected, role: info.role ?? EMPTY_SET, status: map(status) };
}

/**
 * What the switch reports back into the DB, as Open vSwitch does: per Interface `admin_state`,
 * `link_state`, `mac_in_use`, `mtu`, `error` and (when asked) `statistics`; per Bridge
 * `datapath_id`; per Controller `is_connected`, `role` and `status`. Only values that changed since the last write are sent.
 */
export class StatusReporter {
  private readonly written = new Map<string, string>();

  /** Update operations for everything that changed; `withStats` adds the counters. */
  ops(set: BridgeSet, withStats: boolean, bridgeUuids: ReadonlyMap<string, string>): unknown[] {
    const ops: unknown[] = [];
    for (const bridge of set.bridges.values()) {
      const uuid = bridgeUuids.get(bridge.name);
      if (uuid) this.diff(ops, 'Bridge', uuid, { datapath_id: bridge.datapathId().toString(16).padStart(16, '0') });
      const infos = new Map(bridge.controllerInfo().map((i) => [i.target, i]));
      const now = Date.now();
      for (const c of bridge.controllers) {
        const info = infos.get(c.target);
        this.diff(ops, 'Controller', c.uuid, controllerRow(info, now));
      }
      for (const e of bridge.ifaces.values()) {
        const dev = e.netdev;
        const row: Row = { error: e.error === undefined ? ['set', []] : e.error };
        if (dev) {
          // Real ovs-vswitchd reports a dummy's link up whatever its stream does.
          const dummyLike = e.config.type === 'dummy' || e.config.type === 'internal';
          row.admin_state = dev.adminState;
          row.link_state = dummyLike ? 'up' : dev.linkState;
          row.mac_in_use = formatMac(dev.mac);
          row.mtu = dev.mtu;
          if (withStats) {
            const s = dev.stats;
            row.statistics = map([
              ['rx_bytes', s.rx_bytes],
              ['rx_dropped', s.rx_dropped],
              ['rx_errors', s.rx_errors],
              ['rx_packets', s.rx_packets],
              ['tx_bytes', s.tx_bytes],
              ['tx_dropped', s.tx_dropped],
              ['tx_errors', s.tx_errors],
              ['tx_packets', s.tx_packets],
            ]);
          }
        }
        this.diff(ops, 'Interface', e.config.uuid, row);
      }
    }
    return ops;
  }

  /** Forget what was written (after a reconnect the DB may hold anything). */
  reset(): void {
    this.written.clear();
  }

  private diff(ops: unknown[], table: string, uuid: string, row: Row): void {
    const changed: Row = {};
    for (const [col, value] of Object.entries(row)) {
      const k = `${uuid}/${col}`;
      const text = JSON.stringify(value);
      if (this.written.get(k) === text) continue;
      this.written.set(k, text);
      changed[col] = value;
    }
    if (Object.keys(changed).length > 0)
      ops.push({ op: 'update', table, where: [['_uuid', '==', ['uuid', uuid]]], row: changed });
  }
}
