import { type ColumnType, compareAtoms, type Datum, type TableSchema } from '@softswitch/configdb/values';
import { UserError } from './errors.js';
import type { Model, VRow } from './model.js';
import type { OutputOptions } from './output.js';

/** A `--id=@name` row reference. */
export interface VsctlSymbol {
  uuid: string;
  created: boolean;
  referenced?: boolean;
}

/** A bridge as vsctl sees it: a Bridge row, or a fake bridge (a Port row with fake_bridge=true). */
export interface VBridge {
  name: string;
  row: VRow;
  parent?: VBridge;
  vlan: number;
}

export interface VPort {
  name: string;
  row: VRow;
  bridge: VBridge;
}

export interface VIface {
  name: string;
  row: VRow;
  port: VPort;
}

/** Everything one vsctl command sees: the working copy, its options, the shared --id symbols. */
export class Context {
  output = '';
  /** The output is a table (list, find): --oneline leaves tables as they are, as ovs-vsctl does. */
  isTable = false;
  /** Set by commands such as br-exists that exit with a status of their own. */
  exitStatus?: number;

  constructor(
    readonly model: Model,
    readonly options: Map<string, string | true>,
    readonly symbols: Map<string, VsctlSymbol>,
    readonly out: OutputOptions,
    readonly columns: string[] | undefined,
  ) {}

  has(opt: string): boolean {
    return this.options.has(opt);
  }

  print(line: string): void {
    this.output += `${line}\n`;
  }

  str(row: VRow, col: string): string | undefined {
    const d = row.cols.get(col);
    return d?.keys.length ? String(d.keys[0]) : undefined;
  }

  uuids(row: VRow, col: string): string[] {
    return (row.cols.get(col)?.keys ?? []) as string[];
  }

  get ovs(): VRow {
    const rows = this.model.rows('Open_vSwitch');
    if (rows.length === 0) throw new UserError('database not initialized');
    return rows[0];
  }

  /** Recomputes bridges/ports/interfaces from the working copy (it changes between commands). */
  bridges(): Map<string, VBridge> {
    const out = new Map<string, VBridge>();
    for (const bu of this.uuids(this.ovs, 'bridges')) {
      const row = this.model.get('Bridge', bu);
      if (!row) continue;
      const br: VBridge = { name: this.str(row, 'name') as string, row, vlan: 0 };
      out.set(br.name, br);
    }
    for (const br of [...out.values()]) {
      for (const pu of this.uuids(br.row, 'ports')) {
        const port = this.model.get('Port', pu);
        if (!port) continue;
        const tag = port.cols.get('tag')?.keys[0] as number | undefined;
        if (port.cols.get('fake_bridge')?.keys[0] === true && tag !== undefined && tag >= 0 && tag <= 4095) {
          const name = this.str(port, 'name') as string;
          if (!out.has(name)) out.set(name, { name, row: port, parent: br, vlan: tag });
        }
      }
    }
    return out;
  }

  ports(bridges = this.bridges()): Map<string, VPort> {
    const out = new Map<string, VPort>();
    for (const br of bridges.values()) {
      if (br.parent) continue;
      for (const pu of this.uuids(br.row, 'ports')) {
        const row = this.model.get('Port', pu);
        if (!row) continue;
        const name = this.str(row, 'name') as string;
        let owner = br;
        const fake = bridges.get(name);
        if (fake?.parent === br && fake.row === row) owner = fake;
        else {
          const tag = row.cols.get('tag')?.keys[0];
          for (const b of bridges.values()) if (b.parent === br && b.vlan === tag) owner = b;
        }
        out.set(name, { name, row, bridge: owner });
      }
    }
    return out;
  }

  ifaces(ports = this.ports()): Map<string, VIface> {
    const out = new Map<string, VIface>();
    for (const p of ports.values()) {
      for (const iu of this.uuids(p.row, 'interfaces')) {
        const row = this.model.get('Interface', iu);
        if (!row) continue;
        const name = this.str(row, 'name') as string;
        out.set(name, { name, row, port: p });
      }
    }
    return out;
  }

  findBridge(name: string, mustExist: boolean): VBridge | undefined {
    const br = this.bridges().get(name);
    if (!br && mustExist) throw new UserError(`no bridge named ${name}`);
    return br;
  }

  findRealBridge(name: string): VBridge {
    const br = this.findBridge(name, true) as VBridge;
    if (br.parent) throw new UserError(`${name} is a fake bridge`);
    return br;
  }

  // --- generic row helpers ---

  addRef(row: VRow, col: string, uuid: string): void {
    const d = row.cols.get(col) as Datum;
    if (d.keys.includes(uuid)) return;
    const keys = [...d.keys, uuid].sort(compareAtoms);
    this.model.set(row, col, { keys });
  }

  removeRef(row: VRow, col: string, uuid: string): void {
    const d = row.cols.get(col) as Datum;
    this.model.set(row, col, { keys: d.keys.filter((k) => k !== uuid) });
  }

  setString(row: VRow, col: string, value: string | undefined): void {
    this.model.set(row, col, { keys: value === undefined ? [] : [value] });
  }

  setMapKey(row: VRow, col: string, key: string, value: string | undefined): void {
    const d = row.cols.get(col) as Datum;
    const keys: unknown[] = [];
    const values: unknown[] = [];
    let done = false;
    for (let i = 0; i < d.keys.length; i++) {
      const c = compareAtoms(d.keys[i], key);
      if (c === 0) {
        done = true;
        if (value !== undefined) {
          keys.push(key);
          values.push(value);
        }
        continue;
      }
      if (c > 0 && !done && value !== undefined) {
        keys.push(key);
        values.push(value);
        done = true;
      }
      keys.push(d.keys[i]);
      values.push((d.values as unknown[])[i]);
    }
    if (!done && value !== undefined) {
      keys.push(key);
      values.push(value);
    }
    this.model.set(row, col, { keys, values } as Datum);
  }

  tableSchema(name: string): TableSchema {
    return this.model.tableSchema(name);
  }

  columnType(table: string, col: string): ColumnType {
    return this.model.columnType(table, col);
  }

  /** Deletes a port and its interfaces and unlinks it from its bridge. */
  deletePort(port: VPort): void {
    const parent = port.bridge.parent ?? port.bridge;
    this.removeRef(parent.row, 'ports', port.row.uuid);
    for (const iu of this.uuids(port.row, 'interfaces')) {
      const iface = this.model.get('Interface', iu);
      if (iface) this.model.delete(iface);
    }
    this.model.delete(port.row);
  }

  deleteBridge(br: VBridge): void {
    const ports = this.ports();
    if (br.parent) {
      for (const p of ports.values()) if (p.bridge.name === br.name) this.deletePort(p);
      return;
    }
    for (const p of ports.values()) {
      const owner = p.bridge.parent ?? p.bridge;
      if (owner.name === br.name) this.deletePort(p);
    }
    for (const col of ['controller', 'mirrors'] as const) {
      for (const u of this.uuids(br.row, col)) {
        const r = this.model.find(u);
        if (r) this.model.delete(r);
      }
    }
    for (const col of ['netflow', 'sflow', 'ipfix'] as const) {
      for (const u of this.uuids(br.row, col)) {
        const r = this.model.find(u);
        if (r) this.model.delete(r);
      }
    }
    this.removeRef(this.ovs, 'bridges', br.row.uuid);
    this.model.delete(br.row);
  }
}
