import { Idl, type IdlChange } from '@softswitch/configdb';
import { readBridgeConfigs } from './bridge-config.js';
import type { BridgeSet } from './bridge-set.js';
import { parseDpThreads } from './dp-threads.js';
import { applyOffloadConfig } from './offload.js';
import { StatusReporter } from './status.js';

/** Columns switchd writes itself: a change that touches only these needs no reconfiguration. */
const SELF_WRITTEN: Record<string, ReadonlySet<string>> = {
  Interface: new Set([
    'statistics',
    'admin_state',
    'link_state',
    'link_resets',
    'link_speed',
    'duplex',
    'mac_in_use',
    'mtu',
    'error',
    'ofport',
    'ifindex',
    'status',
  ]),
  Bridge: new Set(['datapath_id', 'datapath_version', 'status']),
  Port: new Set(['statistics', 'status']),
  Controller: new Set(['is_connected', 'status', 'role']),
  Open_vSwitch: new Set(['cur_cfg']),
};

/**
 * Whether a batch of DB changes is only switchd's own reporting (statistics every few seconds,
 * link state, cur_cfg): reconfiguring on those would revalidate every megaflow for nothing.
 */
export function onlySelfWritten(changes: readonly IdlChange[]): boolean {
  return changes.every((c) => {
    if (c.kind !== 'modify' || !c.old || !c.new) return false;
    const own = SELF_WRITTEN[c.table];
    if (!own) return false;
    for (const [column, value] of c.new.cols) {
      // The IDL keeps the same datum object for a column an update did not touch.
      if (c.old.cols.get(column) !== value && !own.has(column)) return false;
    }
    return true;
  });
}

/**
 * Follows the Open_vSwitch database through the IDL and acknowledges each configuration
 * generation: when `next_cfg` moves, the switch applies the new contents and then copies it to
 * `cur_cfg`, which is what `vsctl` (and real `ovs-vsctl`) wait for without `--no-wait`.
 * On every change it assigns OpenFlow port numbers, brings the bridges (when it has a
 * `BridgeSet`) in line with the DB, and reports their state back.
 */
export class ConfigFollower {
  private readonly idl: Idl;
  private appliedCfg = -1;
  private applying = false;
  private again = false;
  private readonly status = new StatusReporter();
  private statsTimer: NodeJS.Timeout | undefined;

  constructor(
    remotes: string[],
    private readonly log: (message: string) => void,
    private readonly bridges?: BridgeSet,
    private readonly statsIntervalMs = 5000,
  ) {
    this.idl = new Idl({ remotes, database: 'Open_vSwitch' });
  }

  get bridgeNames(): string[] {
    return this.idl
      .rows('Bridge')
      .map((r) => String(this.idl.get('Bridge', r, 'name')))
      .sort();
  }

  async start(): Promise<void> {
    this.idl.on('change', (changes: IdlChange[]) => {
      if (!onlySelfWritten(changes)) void this.reconfigure();
    });
    this.idl.on('connected', () => {
      this.status.reset();
      void this.reconfigure();
    });
    // A cluster member that is not (or no longer) the leader, as ovs-vswitchd logs it.
    this.idl.on('unsuitable', (remote: string, reason: string) =>
      this.log(`${remote}: ${reason}; trying another server`),
    );
    await this.idl.connect();
    await this.reconfigure();
    if (this.bridges) {
      this.statsTimer = setInterval(() => void this.reportStatistics(), this.statsIntervalMs);
      this.statsTimer.unref();
    }
  }

  /** Interface statistics go to the DB periodically, not per packet (as Open vSwitch). */
  private async reportStatistics(): Promise<void> {
    if (!this.bridges || this.applying) return;
    try {
      const ops = this.status.ops(this.bridges, true, this.bridgeUuids());
      if (ops.length) await this.idl.transact(ops);
    } catch (err) {
      this.log(`config DB: ${(err as Error).message}`);
    }
  }

  private bridgeUuids(): Map<string, string> {
    return new Map(this.idl.rows('Bridge').map((r) => [String(this.idl.get('Bridge', r, 'name')), r.uuid]));
  }

  private needsOfports(): boolean {
    return this.idl.rows('Interface').some((r) => this.idl.get('Interface', r, 'ofport') === undefined);
  }

  stop(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.idl.close();
  }

  /**
   * OpenFlow port numbers, as Open vSwitch assigns them: the bridge's own internal interface is
   * LOCAL (65534), `ofport_request` is honoured when free, other interfaces take the lowest free
   * number. A number once given stays with its interface. Returns the updates to write back
   * (ovs-vsctl checks `ofport` after each change it waits for) and every interface's number.
   */
  private assignOfports(): { ops: unknown[]; ofports: Map<string, number> } {
    const ops: unknown[] = [];
    const ofports = new Map<string, number>();
    const ifaceRows = new Map(this.idl.rows('Interface').map((r) => [r.uuid, r]));
    const portRows = new Map(this.idl.rows('Port').map((r) => [r.uuid, r]));
    const uuids = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
    for (const bridge of this.idl.rows('Bridge')) {
      const bridgeName = String(this.idl.get('Bridge', bridge, 'name'));
      const ifaces = uuids(this.idl.get('Bridge', bridge, 'ports'))
        .flatMap((p) => (portRows.has(p) ? uuids(this.idl.get('Port', portRows.get(p)!, 'interfaces')) : []))
        .map((i) => ifaceRows.get(i))
        .filter((r) => r !== undefined)
        // By name, so that ports added together number predictably (p1 before p2).
        .sort((a, b) =>
          String(this.idl.get('Interface', a, 'name')).localeCompare(String(this.idl.get('Interface', b, 'name'))),
        );
      const used = new Set<number>();
      const wanted = new Map<string, number>();
      for (const iface of ifaces) {
        const current = this.idl.get('Interface', iface, 'ofport');
        const request = this.idl.get('Interface', iface, 'ofport_request');
        const name = String(this.idl.get('Interface', iface, 'name'));
        let ofport: number | undefined;
        if (name === bridgeName && this.idl.get('Interface', iface, 'type') === 'internal') ofport = 65534;
        else if (typeof request === 'number' && request >= 1 && request < 0xff00 && !used.has(request))
          ofport = request;
        else if (typeof current === 'number' && current > 0 && !used.has(current)) ofport = current;
        if (ofport !== undefined) {
          used.add(ofport);
          wanted.set(iface.uuid, ofport);
        }
      }
      let next = 1;
      for (const iface of ifaces) {
        if (wanted.has(iface.uuid)) continue;
        while (used.has(next)) next++;
        used.add(next);
        wanted.set(iface.uuid, next);
      }
      for (const iface of ifaces) {
        const ofport = wanted.get(iface.uuid)!;
        ofports.set(iface.uuid, ofport);
        if (this.idl.get('Interface', iface, 'ofport') === ofport) continue;
        ops.push({ op: 'update', table: 'Interface', where: [['_uuid', '==', ['uuid', iface.uuid]]], row: { ofport } });
      }
    }
    return { ops, ofports };
  }

  /** `other_config:n-dp-threads` (see dp-threads.ts); a bad value keeps the current setting. */
  private async applyDpThreads(value: unknown): Promise<void> {
    if (!this.bridges) return;
    const n = parseDpThreads(typeof value === 'string' ? value : undefined);
    if (n === undefined) this.log(`other_config:n-dp-threads: "${String(value)}" is not a count from 0 to 64`);
    else await this.bridges.dpThreads.configure(n);
  }

  private async reconfigure(): Promise<void> {
    if (this.applying) {
      this.again = true;
      return;
    }
    this.applying = true;
    try {
      do {
        this.again = false;
        const root = this.idl.rows('Open_vSwitch')[0];
        if (!root) return;
        const next = Number(this.idl.get('Open_vSwitch', root, 'next_cfg') ?? 0);
        const cur = Number(this.idl.get('Open_vSwitch', root, 'cur_cfg') ?? 0);
        if (!this.bridges && next === this.appliedCfg && cur === next && !this.needsOfports()) continue;
        const { ops, ofports } = this.assignOfports();
        if (this.bridges) {
          const other = this.idl.get('Open_vSwitch', root, 'other_config');
          const maxIdle = Number(other instanceof Map ? other.get('max-idle') : undefined);
          this.bridges.maxIdleMs = Number.isInteger(maxIdle) && maxIdle >= 500 ? maxIdle : 10_000;
          // Datapath caches as OVS (libs/flowcache/README.md): the signature match cache off unless
          // smc-enable=true; EMC insertion for 1 in emc-insert-inv-prob megaflow hits (default
          // 100; 0: none, and lookups skip the EMC).
          const cache = this.bridges.datapath.cache;
          cache.smcEnabled = other instanceof Map && other.get('smc-enable') === 'true';
          const inv = Number(other instanceof Map ? (other.get('emc-insert-inv-prob') ?? 100) : 100);
          cache.emcInsertProbability = Number.isSafeInteger(inv) && inv >= 0 ? (inv === 0 ? 0 : 1 / inv) : 0.01;
          // Hardware offload (other_config:hw-offload, see offload.ts).
          await applyOffloadConfig(
            this.bridges,
            other instanceof Map ? (other as Map<string, string>) : undefined,
            this.log,
          );
          await this.bridges.reconcile(readBridgeConfigs(this.idl, ofports));
          await this.applyDpThreads(other instanceof Map ? other.get('n-dp-threads') : undefined);
          ops.push(...this.status.ops(this.bridges, false, this.bridgeUuids()));
        }
        this.appliedCfg = next;
        if (cur !== next) {
          ops.push({
            op: 'update',
            table: 'Open_vSwitch',
            where: [['_uuid', '==', ['uuid', root.uuid]]],
            row: { cur_cfg: next },
          });
        }
        if (ops.length) await this.idl.transact(ops);
      } while (this.again);
    } catch (err) {
      this.log(`config DB: ${(err as Error).message}`);
    } finally {
      this.applying = false;
    }
  }
}
