import { compareAtoms, type Datum } from '@softswitch/configdb/values';
import { setColumnArgs } from './commands-db.js';
import type { Context, VBridge, VPort } from './context.js';
import { UserError } from './errors.js';
import type { VRow } from './model.js';
import { stringNeedsQuotes } from './value.js';

/** ovs-vsctl's check_conflicts: a new bridge, port or interface name must be free everywhere. */
function checkConflicts(ctx: Context, name: string, what: string): void {
  if (ctx.bridges().has(name)) throw new UserError(`${what} because a bridge named ${name} already exists`);
  const ports = ctx.ports();
  const port = ports.get(name);
  if (port) throw new UserError(`${what} because a port named ${name} already exists on bridge ${port.bridge.name}`);
  const iface = ctx.ifaces(ports).get(name);
  if (iface)
    throw new UserError(
      `${what} because an interface named ${name} already exists on bridge ${iface.port.bridge.name}`,
    );
}

const sorted = (xs: Iterable<string>) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function newIface(ctx: Context, name: string, type?: string): VRow {
  const cols: Record<string, Datum> = { name: { keys: [name] } };
  if (type) cols.type = { keys: [type] };
  return ctx.model.insert('Interface', cols);
}

function newPort(ctx: Context, name: string, ifaces: VRow[], extra: Record<string, Datum> = {}): VRow {
  return ctx.model.insert('Port', {
    name: { keys: [name] },
    interfaces: { keys: ifaces.map((i) => i.uuid).sort(compareAtoms) },
    ...extra,
  });
}

export function cmdInit(ctx: Context): void {
  if (ctx.model.rows('Open_vSwitch').length === 0) ctx.model.insert('Open_vSwitch');
}

export function cmdAddBr(ctx: Context, args: string[]): void {
  const [name, parentName, vlanText] = args;
  if (args.length === 2) throw new UserError("'add-br' command takes exactly 1 or 3 arguments");
  const mayExist = ctx.has('--may-exist');
  const existing = ctx.findBridge(name, false);
  if (existing) {
    if (!mayExist)
      throw new UserError(`cannot create a bridge named ${name} because a bridge named ${name} already exists`);
    if (!parentName && existing.parent) {
      throw new UserError(`"--may-exist add-br ${name}" but ${name} is a VLAN bridge for VLAN ${existing.vlan}`);
    }
    if (parentName && !existing.parent) {
      throw new UserError(`"--may-exist add-br ${name} ${parentName} ${vlanText}" but ${name} is not a VLAN bridge`);
    }
    if (parentName && existing.parent) {
      if (existing.parent.name !== parentName) {
        throw new UserError(
          `"--may-exist add-br ${name} ${parentName} ${vlanText}" but ${name} has the wrong parent ${existing.parent.name}`,
        );
      }
      if (existing.vlan !== Number(vlanText)) {
        throw new UserError(
          `"--may-exist add-br ${name} ${parentName} ${vlanText}" but ${name} is a VLAN bridge for the wrong VLAN ${existing.vlan}`,
        );
      }
    }
    return;
  }
  checkConflicts(ctx, name, `cannot create a bridge named ${name}`);
  if (!parentName) {
    const i = newIface(ctx, name, 'internal');
    const p = newPort(ctx, name, [i]);
    const br = ctx.model.insert('Bridge', { name: { keys: [name] }, ports: { keys: [p.uuid] } });
    ctx.addRef(ctx.ovs, 'bridges', br.uuid);
    return;
  }
  const parent = ctx.findBridge(parentName, false);
  if (!parent) throw new UserError(`parent bridge ${parentName} does not exist`);
  if (parent.parent) throw new UserError('cannot create bridge with fake bridge as parent');
  const vlan = Number(vlanText);
  if (!/^\d+$/.test(vlanText) || vlan > 4095) throw new UserError('add-br: vlan must be between 0 and 4095');
  const i = newIface(ctx, name, 'internal');
  const p = newPort(ctx, name, [i], { fake_bridge: { keys: [true] }, tag: { keys: [vlan] } });
  ctx.addRef(parent.row, 'ports', p.uuid);
}

export function cmdDelBr(ctx: Context, args: string[]): void {
  const br = ctx.findBridge(args[0], !ctx.has('--if-exists'));
  if (br) ctx.deleteBridge(br);
}

export function cmdListBr(ctx: Context): void {
  const real = ctx.has('--real');
  const fake = ctx.has('--fake');
  const names = [...ctx.bridges().values()]
    .filter((b) => (real ? !b.parent : fake ? !!b.parent : true))
    .map((b) => b.name);
  for (const n of sorted(names)) ctx.print(n);
}

export function cmdBrExists(ctx: Context, args: string[]): void {
  if (!ctx.findBridge(args[0], false)) ctx.exitStatus = 2;
}

export function cmdBrToVlan(ctx: Context, args: string[]): void {
  ctx.print(String((ctx.findBridge(args[0], true) as VBridge).vlan));
}

export function cmdBrToParent(ctx: Context, args: string[]): void {
  const br = ctx.findBridge(args[0], true) as VBridge;
  ctx.print((br.parent ?? br).name);
}

function externalIdTarget(br: VBridge): { row: VRow; prefix: string } {
  return br.parent ? { row: br.row, prefix: 'fake-bridge-' } : { row: br.row, prefix: '' };
}

export function cmdBrSetExternalId(ctx: Context, args: string[]): void {
  const br = ctx.findBridge(args[0], true) as VBridge;
  const t = externalIdTarget(br);
  ctx.setMapKey(t.row, 'external_ids', t.prefix + args[1], args[2]);
}

export function cmdBrGetExternalId(ctx: Context, args: string[]): void {
  const br = ctx.findBridge(args[0], true) as VBridge;
  const t = externalIdTarget(br);
  const d = t.row.cols.get('external_ids') as Datum;
  if (args.length > 1) {
    const i = d.keys.indexOf(t.prefix + args[1]);
    if (i >= 0) ctx.print(String((d.values as string[])[i]));
    return;
  }
  d.keys.forEach((k, i) => {
    const key = k as string;
    if (!key.startsWith(t.prefix)) return;
    ctx.print(`${key.slice(t.prefix.length)}=${(d.values as string[])[i]}`);
  });
}

export function cmdListPorts(ctx: Context, args: string[]): void {
  const br = ctx.findBridge(args[0], true) as VBridge;
  const names = [...ctx.ports().values()]
    .filter((p) => p.bridge.name === br.name && p.name !== br.name)
    .map((p) => p.name);
  for (const n of sorted(names)) ctx.print(n);
}

export function cmdListIfaces(ctx: Context, args: string[]): void {
  const br = ctx.findBridge(args[0], true) as VBridge;
  const names = [...ctx.ifaces().values()]
    .filter((i) => i.port.bridge.name === br.name && i.name !== br.name)
    .map((i) => i.name);
  for (const n of sorted(names)) ctx.print(n);
}

function addPort(
  ctx: Context,
  brName: string,
  portName: string,
  ifaceNames: string[],
  settings: string[],
  fakeIface: boolean,
): void {
  const mayExist = ctx.has('--may-exist');
  const ports = ctx.ports();
  const existing = ports.get(portName);
  if (existing) {
    if (!mayExist) {
      throw new UserError(
        `cannot create a port named ${portName} because a port named ${portName} already exists on bridge ${existing.bridge.name}`,
      );
    }
    if (existing.bridge.name !== brName) {
      throw new UserError(
        `"--may-exist add-${ifaceNames.length > 1 ? 'bond' : 'port'} ${brName} ${portName}" but ${portName} is actually attached to bridge ${existing.bridge.name}`,
      );
    }
    const have = sorted(
      ctx
        .uuids(existing.row, 'interfaces')
        .map((u) => ctx.str(ctx.model.get('Interface', u) as VRow, 'name') as string),
    );
    const want = sorted(ifaceNames);
    if (have.join(',') !== want.join(',')) {
      throw new UserError(
        `"--may-exist add-${ifaceNames.length > 1 ? 'bond' : 'port'} ${brName} ${portName}${ifaceNames.length > 1 ? ` ${ifaceNames.join(' ')}` : ''}" but ${portName} actually has interface(s) ${have.join(', ')}`,
      );
    }
    return;
  }
  const br = ctx.findBridge(brName, true) as VBridge;
  checkConflicts(ctx, portName, `cannot create a port named ${portName}`);
  for (const n of ifaceNames) checkConflicts(ctx, n, `cannot create an interface named ${n}`);
  const rows = ifaceNames.map((n) => newIface(ctx, n));
  const extra: Record<string, Datum> = {};
  if (br.parent) extra.tag = { keys: [br.vlan] };
  if (fakeIface) extra.bond_fake_iface = { keys: [true] };
  const port = newPort(ctx, portName, rows, extra);
  setColumnArgs(ctx, 'Port', port, settings);
  ctx.addRef((br.parent ?? br).row, 'ports', port.uuid);
}

export function cmdAddPort(ctx: Context, args: string[]): void {
  addPort(ctx, args[0], args[1], [args[1]], args.slice(2), false);
}

export function cmdAddBond(ctx: Context, args: string[]): void {
  const [br, port, ...rest] = args;
  const ifaces: string[] = [];
  const settings: string[] = [];
  for (const a of rest) (a.includes('=') ? settings : ifaces).push(a);
  const fake = ctx.has('--fake-iface');
  if (ifaces.length < 2 && !fake) {
    throw new UserError(
      `add-bond requires at least 2 interfaces, but only ${ifaces.length} ${ifaces.length === 1 ? 'was' : 'were'} specified`,
    );
  }
  addPort(ctx, br, port, ifaces, settings, fake);
}

export function cmdAddBondIface(ctx: Context, args: string[]): void {
  const port = ctx.ports().get(args[0]);
  if (!port) throw new UserError(`no port named ${args[0]}`);
  for (const n of args.slice(1)) {
    const i = newIface(ctx, n);
    ctx.addRef(port.row, 'interfaces', i.uuid);
  }
}

export function cmdDelPort(ctx: Context, args: string[]): void {
  const name = args.length === 2 ? args[1] : args[0];
  const ports = ctx.ports();
  let port: VPort | undefined = ports.get(name);
  if (!port && ctx.has('--with-iface')) port = ctx.ifaces(ports).get(name)?.port;
  if (args.length === 2) ctx.findBridge(args[0], true);
  if (!port) {
    if (ctx.has('--if-exists')) return;
    throw new UserError(`no port named ${name}`);
  }
  if (args.length === 2) {
    const br = ctx.findBridge(args[0], true) as VBridge;
    if (port.bridge.name !== br.name) {
      if (port.bridge.parent?.name === br.name) {
        throw new UserError(
          `bridge ${args[0]} does not have a port ${name} (although its child bridge ${port.bridge.name} does)`,
        );
      }
      if (br.parent && port.bridge.name === br.parent.name) {
        throw new UserError(
          `bridge ${args[0]} does not have a port ${name} (although its parent bridge ${br.parent.name} does)`,
        );
      }
      throw new UserError(`bridge ${args[0]} does not have a port ${name}`);
    }
  }
  ctx.deletePort(port);
}

export function cmdPortToBr(ctx: Context, args: string[]): void {
  const p = ctx.ports().get(args[0]);
  if (!p) throw new UserError(`no port named ${args[0]}`);
  ctx.print(p.bridge.name);
}

export function cmdIfaceToBr(ctx: Context, args: string[]): void {
  const i = ctx.ifaces().get(args[0]);
  if (!i) throw new UserError(`no interface named ${args[0]}`);
  ctx.print(i.port.bridge.name);
}

export function cmdGetController(ctx: Context, args: string[]): void {
  const br = ctx.findBridge(args[0], true) as VBridge;
  const real = br.parent ?? br;
  const targets = ctx
    .uuids(real.row, 'controller')
    .map((u) => ctx.str(ctx.model.get('Controller', u) as VRow, 'target') as string);
  for (const t of sorted(targets)) ctx.print(t);
}

function deleteRefs(ctx: Context, row: VRow, col: string, table: string): void {
  for (const u of ctx.uuids(row, col)) {
    const r = ctx.model.get(table, u);
    if (r) ctx.model.delete(r);
  }
  ctx.model.set(row, col, { keys: [] });
}

export function cmdDelController(ctx: Context, args: string[]): void {
  const br = ctx.findBridge(args[0], true) as VBridge;
  deleteRefs(ctx, (br.parent ?? br).row, 'controller', 'Controller');
}

export function cmdSetController(ctx: Context, args: string[]): void {
  const br = ctx.findBridge(args[0], true) as VBridge;
  const real = (br.parent ?? br).row;
  deleteRefs(ctx, real, 'controller', 'Controller');
  const rows = args.slice(1).map((t) => ctx.model.insert('Controller', { target: { keys: [t] } }));
  ctx.model.set(real, 'controller', { keys: rows.map((r) => r.uuid).sort(compareAtoms) });
}

export function cmdGetFailMode(ctx: Context, args: string[]): void {
  const br = ctx.findBridge(args[0], true) as VBridge;
  const mode = ctx.str((br.parent ?? br).row, 'fail_mode');
  if (mode) ctx.print(mode);
}

export function cmdSetFailMode(ctx: Context, args: string[]): void {
  const br = ctx.findBridge(args[0], true) as VBridge;
  if (args[1] !== 'standalone' && args[1] !== 'secure')
    throw new UserError('fail-mode must be "standalone" or "secure"');
  ctx.setString((br.parent ?? br).row, 'fail_mode', args[1]);
}

export function cmdDelFailMode(ctx: Context, args: string[]): void {
  const br = ctx.findBridge(args[0], true) as VBridge;
  ctx.setString((br.parent ?? br).row, 'fail_mode', undefined);
}

export function cmdGetManager(ctx: Context): void {
  const targets = ctx
    .uuids(ctx.ovs, 'manager_options')
    .map((u) => ctx.str(ctx.model.get('Manager', u) as VRow, 'target') as string);
  for (const t of sorted(targets)) ctx.print(t);
}

export function cmdDelManager(ctx: Context): void {
  deleteRefs(ctx, ctx.ovs, 'manager_options', 'Manager');
}

export function cmdSetManager(ctx: Context, args: string[]): void {
  deleteRefs(ctx, ctx.ovs, 'manager_options', 'Manager');
  const rows = args.map((t) => ctx.model.insert('Manager', { target: { keys: [t] } }));
  ctx.model.set(ctx.ovs, 'manager_options', { keys: rows.map((r) => r.uuid).sort(compareAtoms) });
}

export function cmdEmerReset(ctx: Context): void {
  const ovs = ctx.ovs;
  ctx.model.set(ovs, 'manager_options', { keys: [] });
  ctx.model.set(ovs, 'ssl', { keys: [] });
  for (const br of ctx.model.rows('Bridge')) {
    for (const col of ['controller', 'fail_mode', 'mirrors', 'netflow', 'sflow', 'ipfix', 'flood_vlans']) {
      ctx.model.set(br, col, { keys: [] });
    }
    const oc = br.cols.get('other_config') as Datum;
    const i = oc.keys.indexOf('hwaddr');
    ctx.model.set(
      br,
      'other_config',
      i >= 0 ? { keys: ['hwaddr'], values: [(oc.values as string[])[i]] } : { keys: [], values: [] },
    );
  }
  for (const p of ctx.model.rows('Port')) ctx.model.set(p, 'other_config', { keys: [], values: [] });
  for (const i of ctx.model.rows('Interface')) {
    ctx.model.set(i, 'ingress_policing_rate', { keys: [0] });
    ctx.model.set(i, 'ingress_policing_burst', { keys: [0] });
  }
  for (const t of ['Mirror', 'Controller', 'Manager', 'NetFlow', 'sFlow', 'IPFIX', 'SSL']) {
    for (const r of ctx.model.rows(t)) ctx.model.delete(r);
  }
}

function quoted(s: string): string {
  return stringNeedsQuotes(s) ? JSON.stringify(s) : s;
}

export function cmdShow(ctx: Context): void {
  const rows = ctx.model.rows('Open_vSwitch');
  for (const ovs of rows) {
    ctx.print(ovs.uuid);
    for (const mu of ctx.uuids(ovs, 'manager_options')) {
      const m = ctx.model.get('Manager', mu);
      if (!m) continue;
      ctx.print(`    Manager ${JSON.stringify(ctx.str(m, 'target'))}`);
      if (m.cols.get('is_connected')?.keys[0] === true) ctx.print('        is_connected: true');
    }
    for (const bu of ctx.uuids(ovs, 'bridges')) {
      const br = ctx.model.get('Bridge', bu);
      if (!br) continue;
      ctx.print(`    Bridge ${quoted(ctx.str(br, 'name') as string)}`);
      for (const cu of ctx.uuids(br, 'controller')) {
        const c = ctx.model.get('Controller', cu);
        if (!c) continue;
        ctx.print(`        Controller ${JSON.stringify(ctx.str(c, 'target'))}`);
        if (c.cols.get('is_connected')?.keys[0] === true) ctx.print('            is_connected: true');
      }
      const fm = ctx.str(br, 'fail_mode');
      if (fm) ctx.print(`        fail_mode: ${fm}`);
      const dpt = ctx.str(br, 'datapath_type');
      if (dpt) ctx.print(`        datapath_type: ${dpt}`);
      for (const pu of ctx.uuids(br, 'ports')) {
        const p = ctx.model.get('Port', pu);
        if (!p) continue;
        ctx.print(`        Port ${quoted(ctx.str(p, 'name') as string)}`);
        const tag = p.cols.get('tag')?.keys[0];
        if (tag !== undefined) ctx.print(`            tag: ${tag}`);
        const trunks = p.cols.get('trunks')?.keys ?? [];
        if (trunks.length) ctx.print(`            trunks: [${trunks.join(', ')}]`);
        if (p.cols.get('fake_bridge')?.keys[0] === true) ctx.print('            fake_bridge: true');
        for (const iu of ctx.uuids(p, 'interfaces')) {
          const i = ctx.model.get('Interface', iu);
          if (!i) continue;
          ctx.print(`            Interface ${quoted(ctx.str(i, 'name') as string)}`);
          const type = ctx.str(i, 'type');
          if (type) ctx.print(`                type: ${quoted(type)}`);
          const opts = i.cols.get('options') as Datum;
          if (opts.keys.length) {
            ctx.print(
              `                options: {${opts.keys.map((k, n) => `${quoted(k as string)}=${quoted((opts.values as string[])[n])}`).join(', ')}}`,
            );
          }
          const err = ctx.str(i, 'error');
          if (err) ctx.print(`                error: ${JSON.stringify(err)}`);
        }
      }
    }
    const ver = ctx.str(ovs, 'ovs_version');
    if (ver) ctx.print(`    ovs_version: ${JSON.stringify(ver)}`);
  }
}
