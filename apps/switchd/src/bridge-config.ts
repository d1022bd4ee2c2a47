import type { Idl } from '@softswitch/configdb';

/** One Interface row as the switch needs it. */
export interface IfaceConfig {
  readonly uuid: string;
  readonly name: string;
  /** Interface.type with '' read as 'system'. */
  readonly type: string;
  readonly options: Record<string, string>;
  readonly ofport: number;
  readonly mtuRequest?: number;
}

/** One Port row: its VLAN configuration applies to each of its interfaces. */
export interface PortDbConfig {
  readonly name: string;
  readonly tag?: number;
  readonly trunks: readonly number[];
  readonly vlanMode?: string;
  readonly ifaces: readonly IfaceConfig[];
}

export interface BridgeConfig {
  readonly uuid: string;
  readonly name: string;
  readonly failMode?: string;
  readonly otherConfig: Record<string, string>;
  readonly ports: readonly PortDbConfig[];
  /** The bridge's Controller rows. */
  readonly controllers: readonly ControllerConfig[];
}

/** One Controller row: its target and the connection settings the switch honours. */
export interface ControllerConfig {
  readonly uuid: string;
  readonly target: string;
  /** inactivity_probe and max_backoff in ms, when set. */
  readonly inactivityProbe?: number;
  readonly maxBackoff?: number;
  readonly enableAsyncMessages?: boolean;
  readonly connectionMode?: string;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const strMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (v instanceof Map) for (const [k, x] of v) out[String(k)] = String(x);
  return out;
};
const optNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const optString = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const optBool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

/**
 * Reads the bridges, ports and interfaces out of the IDL's replica. `ofports` gives each
 * interface's OpenFlow port number (the follower assigns them before the DB says so).
 */
export function readBridgeConfigs(idl: Idl, ofports: ReadonlyMap<string, number>): BridgeConfig[] {
  const ifaceRows = new Map(idl.rows('Interface').map((r) => [r.uuid, r]));
  const portRows = new Map(idl.rows('Port').map((r) => [r.uuid, r]));
  const controllerRows = new Map(idl.rows('Controller').map((r) => [r.uuid, r]));
  const bridges: BridgeConfig[] = [];
  for (const br of idl.rows('Bridge')) {
    const ports: PortDbConfig[] = [];
    for (const portUuid of list(idl.get('Bridge', br, 'ports')).map(String)) {
      const port = portRows.get(portUuid);
      if (!port) continue;
      const ifaces: IfaceConfig[] = [];
      for (const ifaceUuid of list(idl.get('Port', port, 'interfaces')).map(String)) {
        const iface = ifaceRows.get(ifaceUuid);
        const ofport = ofports.get(ifaceUuid);
        if (!iface || ofport === undefined) continue;
        const type = String(idl.get('Interface', iface, 'type') ?? '');
        ifaces.push({
          uuid: ifaceUuid,
          name: String(idl.get('Interface', iface, 'name')),
          type: type === '' ? 'system' : type,
          options: strMap(idl.get('Interface', iface, 'options')),
          ofport,
          mtuRequest: optNumber(idl.get('Interface', iface, 'mtu_request')),
        });
      }
      ports.push({
        name: String(idl.get('Port', port, 'name')),
        tag: optNumber(idl.get('Port', port, 'tag')),
        trunks: list(idl.get('Port', port, 'trunks')).map(Number),
        vlanMode: optString(idl.get('Port', port, 'vlan_mode')),
        ifaces,
      });
    }
    bridges.push({
      uuid: br.uuid,
      name: String(idl.get('Bridge', br, 'name')),
      failMode: optString(idl.get('Bridge', br, 'fail_mode')),
      otherConfig: strMap(idl.get('Bridge', br, 'other_config')),
      ports,
      controllers: list(idl.get('Bridge', br, 'controller'))
        .map((u) => controllerRows.get(String(u)))
        .filter((r) => r !== undefined)
        .map(
          (r): ControllerConfig => ({
            uuid: r.uuid,
            target: String(idl.get('Controller', r, 'target')),
            inactivityProbe: optNumber(idl.get('Controller', r, 'inactivity_probe')),
            maxBackoff: optNumber(idl.get('Controller', r, 'max_backoff')),
            enableAsyncMessages: optBool(idl.get('Controller', r, 'enable_async_messages')),
            connectionMode: optString(idl.get('Controller', r, 'connection_mode')),
          }),
        ),
    });
  }
  return bridges;
}
