import * as br from './commands-bridge.js';
import * as db from './commands-db.js';
import type { Context } from './context.js';

export interface CommandSpec {
  min: number;
  max: number;
  options: string[];
  run(ctx: Context, args: string[]): void;
  /** Read-only commands never need a transaction. */
  readOnly?: boolean;
}

const INF = Number.POSITIVE_INFINITY;

/** The ovs-vsctl commands vsctl implements, with argument counts and options as ovs-vsctl has them. */
export const COMMANDS: Record<string, CommandSpec> = {
  init: { min: 0, max: 0, options: [], run: br.cmdInit },
  show: { min: 0, max: 0, options: [], run: br.cmdShow, readOnly: true },
  'emer-reset': { min: 0, max: 0, options: [], run: br.cmdEmerReset },
  'add-br': { min: 1, max: 3, options: ['--may-exist'], run: br.cmdAddBr },
  'del-br': { min: 1, max: 1, options: ['--if-exists'], run: br.cmdDelBr },
  'list-br': { min: 0, max: 0, options: ['--real', '--fake'], run: br.cmdListBr, readOnly: true },
  'br-exists': { min: 1, max: 1, options: [], run: br.cmdBrExists, readOnly: true },
  'br-to-vlan': { min: 1, max: 1, options: [], run: br.cmdBrToVlan, readOnly: true },
  'br-to-parent': { min: 1, max: 1, options: [], run: br.cmdBrToParent, readOnly: true },
  'br-set-external-id': { min: 2, max: 3, options: [], run: br.cmdBrSetExternalId },
  'br-get-external-id': { min: 1, max: 2, options: [], run: br.cmdBrGetExternalId, readOnly: true },
  'list-ports': { min: 1, max: 1, options: [], run: br.cmdListPorts, readOnly: true },
  'add-port': { min: 2, max: INF, options: ['--may-exist'], run: br.cmdAddPort },
  'add-bond': { min: 4, max: INF, options: ['--may-exist', '--fake-iface'], run: br.cmdAddBond },
  'add-bond-iface': { min: 2, max: INF, options: [], run: br.cmdAddBondIface },
  'del-port': { min: 1, max: 2, options: ['--if-exists', '--with-iface'], run: br.cmdDelPort },
  'port-to-br': { min: 1, max: 1, options: [], run: br.cmdPortToBr, readOnly: true },
  'list-ifaces': { min: 1, max: 1, options: [], run: br.cmdListIfaces, readOnly: true },
  'iface-to-br': { min: 1, max: 1, options: [], run: br.cmdIfaceToBr, readOnly: true },
  'get-controller': { min: 1, max: 1, options: [], run: br.cmdGetController, readOnly: true },
  'del-controller': { min: 1, max: 1, options: [], run: br.cmdDelController },
  'set-controller': { min: 1, max: INF, options: [], run: br.cmdSetController },
  'get-fail-mode': { min: 1, max: 1, options: [], run: br.cmdGetFailMode, readOnly: true },
  'del-fail-mode': { min: 1, max: 1, options: [], run: br.cmdDelFailMode },
  'set-fail-mode': { min: 2, max: 2, options: [], run: br.cmdSetFailMode },
  'get-manager': { min: 0, max: 0, options: [], run: br.cmdGetManager, readOnly: true },
  'del-manager': { min: 0, max: 0, options: [], run: br.cmdDelManager },
  'set-manager': { min: 1, max: INF, options: [], run: br.cmdSetManager },
  list: { min: 1, max: INF, options: ['--if-exists', '--columns'], run: db.cmdList, readOnly: true },
  find: { min: 1, max: INF, options: ['--columns'], run: db.cmdFind, readOnly: true },
  get: { min: 2, max: INF, options: ['--if-exists', '--id'], run: db.cmdGet, readOnly: true },
  set: { min: 3, max: INF, options: ['--if-exists'], run: db.cmdSet },
  add: { min: 4, max: INF, options: ['--if-exists'], run: db.cmdAdd },
  remove: { min: 4, max: INF, options: ['--if-exists'], run: db.cmdRemove },
  clear: { min: 3, max: INF, options: ['--if-exists'], run: db.cmdClear },
  create: { min: 2, max: INF, options: ['--id'], run: db.cmdCreate },
  destroy: { min: 1, max: INF, options: ['--if-exists', '--all'], run: db.cmdDestroy },
  'wait-until': { min: 2, max: INF, options: [], run: () => {}, readOnly: true },
};
