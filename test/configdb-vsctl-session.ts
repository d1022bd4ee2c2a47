/**
 * A scripted ovs-vsctl session (bridges, fake bridges, ports, bonds, controllers, fail modes,
 * managers, generic database commands with maps and sets, error cases). Each entry is the
 * argument list after `--db=... --no-wait`. Used to compare servers and clients.
 */
export const VSCTL_SESSION: string[][] = [
  ['add-br', 'br0'],
  ['add-br', 'br0'],
  ['--may-exist', 'add-br', 'br0'],
  ['add-br', 'br1'],
  ['list-br'],
  ['br-exists', 'br0'],
  ['br-exists', 'nobr'],
  ['add-br', 'fake0', 'br0', '10'],
  ['br-to-vlan', 'fake0'],
  ['br-to-parent', 'fake0'],
  ['br-to-vlan', 'br0'],
  ['br-to-parent', 'br0'],
  ['list-br'],
  ['add-port', 'br0', 'p1'],
  ['add-port', 'br0', 'p2', '--', 'set', 'interface', 'p2', 'type=internal'],
  ['add-port', 'br1', 'p1'],
  ['--may-exist', 'add-port', 'br0', 'p1'],
  ['list-ports', 'br0'],
  ['list-ports', 'fake0'],
  ['port-to-br', 'p1'],
  ['iface-to-br', 'p2'],
  ['add-bond', 'br0', 'bond0', 'e1', 'e2'],
  ['list-ports', 'br0'],
  ['list-ifaces', 'br0'],
  ['iface-to-br', 'e2'],
  ['port-to-br', 'nope'],
  ['br-set-external-id', 'br0', 'k1', 'v1'],
  ['br-set-external-id', 'br0', 'k2', 'v2'],
  ['br-get-external-id', 'br0', 'k1'],
  ['br-get-external-id', 'br0'],
  ['br-set-external-id', 'br0', 'k2'],
  ['br-get-external-id', 'br0'],
  ['set-controller', 'br0', 'tcp:1.2.3.4:6653', 'tcp:5.6.7.8:6653'],
  ['get-controller', 'br0'],
  ['del-controller', 'br0'],
  ['get-controller', 'br0'],
  ['set-fail-mode', 'br0', 'secure'],
  ['get-fail-mode', 'br0'],
  ['set-fail-mode', 'br0', 'bogus'],
  ['del-fail-mode', 'br0'],
  ['get-fail-mode', 'br0'],
  ['set-manager', 'ptcp:6640', 'ptcp:6641'],
  ['get-manager'],
  ['set', 'bridge', 'br0', 'other-config:a=1', 'other-config:b=2'],
  ['get', 'bridge', 'br0', 'other-config'],
  ['get', 'bridge', 'br0', 'other-config:a'],
  ['remove', 'bridge', 'br0', 'other-config', 'a'],
  ['get', 'bridge', 'br0', 'other-config'],
  ['add', 'bridge', 'br0', 'flood_vlans', '10', '20', '30'],
  ['get', 'bridge', 'br0', 'flood_vlans'],
  ['remove', 'bridge', 'br0', 'flood_vlans', '20'],
  ['get', 'bridge', 'br0', 'flood_vlans'],
  ['clear', 'bridge', 'br0', 'flood_vlans'],
  ['get', 'bridge', 'br0', 'flood_vlans'],
  ['set', 'interface', 'p1', 'type=internal', 'options:x=y', 'mtu_request=1400'],
  ['get', 'interface', 'p1', 'type', 'options', 'mtu_request'],
  ['--columns=name,type,options', 'find', 'interface', 'type=internal'],
  ['--columns=name,type', 'list', 'interface', 'p1'],
  ['--format=json', '--columns=name,options', 'list', 'interface', 'p1'],
  ['--format=csv', '--columns=name,type', 'list', 'interface', 'p1'],
  ['--format=table', '--columns=name,type', 'list', 'interface', 'p1'],
  ['--bare', '--columns=name', 'find', 'port', 'name=p2'],
  ['set', 'port', 'p1', 'tag=4096'],
  ['set', 'port', 'p1', 'tag=100', 'trunks=1,2,3'],
  ['get', 'port', 'p1', 'tag', 'trunks'],
  ['set', 'port', 'p1', 'vlan_mode=bogus'],
  ['set', 'bridge', 'nobr', 'stp_enable=true'],
  ['get', 'bridge', 'br0', 'nosuchcolumn'],
  ['list', 'nosuchtable'],
  ['--id=@q', 'create', 'qos', 'type=linux-htb', 'other-config:max-rate=1000000', '--', 'set', 'port', 'p1', 'qos=@q'],
  ['get', 'qos', 'linux-htb', 'type'],
  ['--columns=type,other_config', 'list', 'qos'],
  ['clear', 'port', 'p1', 'qos'],
  ['wait-until', 'bridge', 'br0', 'fail_mode=[]'],
  ['del-port', 'br0', 'p1'],
  ['--if-exists', 'del-port', 'br0', 'nope'],
  ['del-port', 'br0', 'nope'],
  ['list-ports', 'br0'],
  ['del-br', 'fake0'],
  ['del-br', 'br1'],
  ['--if-exists', 'del-br', 'br1'],
  ['del-br', 'br1'],
  ['list-br'],
  ['show'],
  ['emer-reset'],
  ['get-manager'],
  ['show'],
  ['--columns=name,ports', 'list', 'bridge', 'br0'],
  ['add-br', 'br2', '--', 'add-br', 'vlan5', 'br2', '5', '--', 'add-br', 'vlan6', 'br2', '6'],
  ['add-br', 'vlanx', 'vlan5', '7'],
  ['add-br', 'vlany', 'nobr', '7'],
  ['add-br', 'vlanz', 'br2', '5000'],
  ['--may-exist', 'add-br', 'vlan5', 'br2', '5'],
  ['--may-exist', 'add-br', 'vlan5', 'br2', '6'],
  ['--may-exist', 'add-br', 'vlan5'],
  ['list-br', '--real'],
  ['--real', 'list-br'],
  ['--fake', 'list-br'],
  ['add-port', 'vlan5', 'v5p1'],
  ['list-ports', 'vlan5'],
  ['list-ports', 'br2'],
  ['get', 'port', 'v5p1', 'tag'],
  ['port-to-br', 'v5p1'],
  ['br-set-external-id', 'vlan5', 'color', 'red'],
  ['br-get-external-id', 'vlan5'],
  ['get', 'port', 'vlan5', 'external_ids'],
  ['del-port', 'br2', 'v5p1'],
  ['del-port', 'vlan6', 'v5p1'],
  ['del-port', 'vlan5', 'v5p1'],
  ['--fake-iface', 'add-bond', 'br2', 'fb', 'i1'],
  ['get', 'port', 'fb', 'bond_fake_iface'],
  ['add-bond', 'br2', 'b1', 'i1'],
  ['add-bond', 'br2', 'b2', 'i2', 'i3', 'lacp=active', 'bond_mode=balance-tcp'],
  ['--columns=name,lacp,bond_mode', 'list', 'port', 'b2'],
  ['--may-exist', 'add-bond', 'br2', 'b2', 'i2', 'i3'],
  ['--may-exist', 'add-bond', 'br2', 'b2', 'i2', 'i4'],
  ['add-port', 'br2', 'i2'],
  ['del-br', 'br2'],
  ['list-br'],
  ['--if-exists', 'get', 'bridge', 'nobr', 'name'],
  ['get', 'bridge', 'br0', 'other_config:nokey'],
  ['--if-exists', 'get', 'bridge', 'br0', 'other_config:nokey'],
  ['set', 'bridge', 'br0', 'name=renamed'],
  ['set', 'bridge', 'br0', 'other_config={x="1 2", y=z}', 'stp_enable=true'],
  ['--format=table', '--columns=name,other_config,stp_enable', 'list', 'bridge'],
  ['--format=csv', '--data=bare', '--columns=other_config', 'list', 'bridge'],
  ['--format=json', '--data=json', '--columns=stp_enable', 'list', 'bridge'],
  ['--no-headings', '--columns=name', 'list', 'bridge'],
  ['--columns=name', 'find', 'bridge', 'other_config:y=z'],
  ['--columns=name', 'find', 'bridge', 'other_config:y=q'],
  ['--columns=name', 'find', 'bridge', 'other_config{>=}y=z'],
  ['--columns=name', 'find', 'bridge', 'stp_enable=true'],
  ['--id=@c', 'create', 'controller', 'target="tcp:9.9.9.9:6653"', '--', 'set', 'bridge', 'br0', 'controller=@c'],
  ['get-controller', 'br0'],
  ['--columns=target', 'list', 'controller'],
  ['set', 'bridge', 'br0', 'controller=@nope'],
  ['destroy', 'bridge', 'nobr'],
  ['--if-exists', 'destroy', 'bridge', 'nobr'],
  ['--all', 'destroy', 'qos'],
  ['--columns=type', 'list', 'qos'],
  ['del-manager'],
  ['get-manager'],
  ['set-manager', 'tcp:1.1.1.1:6640'],
  ['--columns=target', 'list', 'manager'],
  ['add', 'bridge', 'br0', 'other_config', 'x=2', 'w=0'],
  ['get', 'bridge', 'br0', 'other_config'],
  ['remove', 'bridge', 'br0', 'other_config', 'x', 'y=nomatch'],
  ['get', 'bridge', 'br0', 'other_config'],
  ['add', 'bridge', 'br0', 'flood_vlans', '5000'],
  ['clear', 'port', 'br0', 'interfaces'],
  ['clear', 'bridge', 'br0', 'nosuch'],
  ['list', 'bridge', 'br0', 'nobr'],
  ['--if-exists', '--columns=name', 'list', 'bridge', 'br0', 'nobr'],
  ['br-exists', 'br0', '--', 'br-exists', 'nobr'],
  ['set', 'open_vswitch', '.', 'external_ids:system-id=abc'],
  ['get', 'open_vswitch', '.', 'external_ids'],
  ['init'],
  ['show'],
  ['set', 'bridge', 'br0', 'external_ids:note="a\\\\b"'],
  [
    '--oneline',
    'list-br',
    '--',
    'br-exists',
    'br0',
    '--',
    'get',
    'bridge',
    'br0',
    'external_ids',
    '--',
    'br-get-external-id',
    'br0',
    '--',
    '--columns=name,external_ids',
    'list',
    'bridge',
  ],
];

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** UUIDs differ between servers: replace them by the order in which they first appear. */
export function normalizeUuids(text: string): string {
  const seen = new Map<string, number>();
  return text.replace(UUID_RE, (u) => {
    if (!seen.has(u)) seen.set(u, seen.size);
    return `<uuid${seen.get(u)}>`;
  });
}

/** Rows of `list`/`find` come in hash order: compare them as a sorted set of blocks. */
export function sortBlocks(text: string): string {
  return text
    .split(/\n\n/)
    .map((b) => b.replace(/\n$/, ''))
    .sort()
    .join('\n\n');
}

/** `show` lists ports and managers in UUID order: sort siblings at every indentation level. */
export function canonicalTree(text: string): string {
  interface Node {
    line: string;
    children: Node[];
  }
  const root: Node = { line: '', children: [] };
  const stack: { indent: number; node: Node }[] = [{ indent: -1, node: root }];
  for (const line of text.split('\n').filter((l) => l.length)) {
    const indent = line.length - line.trimStart().length;
    while (stack[stack.length - 1].indent >= indent) stack.pop();
    const node: Node = { line, children: [] };
    stack[stack.length - 1].node.children.push(node);
    stack.push({ indent, node });
  }
  const render = (n: Node): string => {
    const kids = n.children.map(render).sort();
    return [n.line, ...kids].filter((x) => x !== '').join('\n');
  };
  return render(root);
}

/** Normalizes one command's output for comparison across servers. */
export function normalizeOutput(args: string[], text: string): string {
  const t = normalizeUuids(text);
  if (args.includes('show')) return canonicalTree(normalizeUuids(canonicalTree(text)));
  if (args.includes('find') || args.includes('list')) return sortBlocks(t);
  return t;
}
