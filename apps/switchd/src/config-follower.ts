import { Idl } from '@softswitch/configdb';

/**
 * Follows the Open_vSwitch database through the IDL and acknowledges each configuration
 * generation: when `next_cfg` moves, the switch applies the new contents and then copies it to
 * `cur_cfg`, which is what `vsctl` (and real `ovs-vsctl`) wait for without `--no-wait`.
 * Today it assigns OpenFlow port numbers; bridges, ports and the OpenFlow pipeline are applied
 * here too once the datapath exists (the switchd issue).
 */
export class ConfigFollower {
  private readonly idl: Idl;
  private appliedCfg = -1;
  private applying = false;
  private again = false;

  constructor(
    remotes: string[],
    private readonly log: (message: string) => void,
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
    this.idl.on('change', () => void this.reconfigure());
    this.idl.on('connected', () => void this.reconfigure());
    await this.idl.connect();
    await this.reconfigure();
  }

  private needsOfports(): boolean {
    return this.idl.rows('Interface').some((r) => this.idl.get('Interface', r, 'ofport') === undefined);
  }

  stop(): void {
    this.idl.close();
  }

  /**
   * OpenFlow port numbers, as Open vSwitch assigns them: the bridge's own internal interface is
   * LOCAL (65534), `ofport_request` is honoured when free, other interfaces take the lowest free
   * number. A number once given stays with its interface. Returns the updates to write back
   * (ovs-vsctl checks `ofport` after each change it waits for).
   */
  private assignOfports(): unknown[] {
    const ops: unknown[] = [];
    const ifaceRows = new Map(this.idl.rows('Interface').map((r) => [r.uuid, r]));
    const portRows = new Map(this.idl.rows('Port').map((r) => [r.uuid, r]));
    const uuids = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
    for (const bridge of this.idl.rows('Bridge')) {
      const bridgeName = String(this.idl.get('Bridge', bridge, 'name'));
      const ifaces = uuids(this.idl.get('Bridge', bridge, 'ports'))
        .flatMap((p) => (portRows.has(p) ? uuids(this.idl.get('Port', portRows.get(p)!, 'interfaces')) : []))
        .map((i) => ifaceRows.get(i))
        .filter((r) => r !== undefined);
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
        if (this.idl.get('Interface', iface, 'ofport') === ofport) continue;
        ops.push({ op: 'update', table: 'Interface', where: [['_uuid', '==', ['uuid', iface.uuid]]], row: { ofport } });
      }
    }
    return ops;
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
        if (next === this.appliedCfg && cur === next && !this.needsOfports()) continue;
        const ops: unknown[] = this.assignOfports();
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
