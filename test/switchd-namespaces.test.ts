// Real hosts through switchd: network namespaces whose only link to each other is a softswitch
// bridge, attached (a) by `system` ports on veth pairs (AF_PACKET) and (b) by `tap` ports that
// switchd creates and the test moves into the namespaces. The namespaces' own kernel stacks
// are the hosts: `ping` (ARP, ICMP), `ping -6` (neighbour discovery), iperf3 (TCP with the veths'
// checksum and segmentation offloads left on). Configured with the real ovs-vsctl/ovs-ofctl.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from './support/requirements.js';
import { inNamespace, must, sh } from './support/shell.js';
import { type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

const tag = `${process.pid % 100000}`;
/** Namespaces: a, b, c on veths (system ports); d, e behind taps. */
const ns = (host: string) => `ssns${tag}${host}`;
/** Root-namespace end of host X's veth (the system port), and its peer inside the namespace. */
const vethPort = (host: string) => `ssv${tag}${host}`;
const vethPeer = (host: string) => `ssv${tag}${host}n`;
const tapPort = (host: string) => `sst${tag}${host}`;
const VETH_HOSTS = ['a', 'b', 'c'] as const;
const TAP_HOSTS = ['d', 'e'] as const;
const ip4 = (host: string) => `10.77.0.${host.charCodeAt(0) - 96}`;
const ip6 = (host: string) => `fd00:77::${host.charCodeAt(0) - 96}`;

const inNs = (host: string, cmd: string, args: string[], timeout?: number) => inNamespace(ns(host), cmd, args, timeout);

/** Puts `dev` (already in host's namespace) up with host's IPv4 and IPv6 addresses. */
function configureHost(host: string, dev: string): void {
  must('ip', ['-n', ns(host), 'link', 'set', 'lo', 'up']);
  must('ip', ['-n', ns(host), 'addr', 'add', `${ip4(host)}/24`, 'dev', dev]);
  // nodad: usable at once; neighbour discovery still has to cross the switch.
  must('ip', ['-n', ns(host), '-6', 'addr', 'add', `${ip6(host)}/64`, 'dev', dev, 'nodad']);
  must('ip', ['-n', ns(host), 'link', 'set', dev, 'up']);
}

/** Three echo requests, all answered within 5 s (ping's exit status says so). */
function pings(from: string, to: string, v6 = false): boolean {
  const target = v6 ? ip6(to) : ip4(to);
  return (
    inNs(from, 'ping', [...(v6 ? ['-6'] : []), '-c', '3', '-i', '0.2', '-w', '5', '-n', '-q', target]).status === 0
  );
}

/**
 * Two echo requests, none answered (the hosts cannot reach each other). Then `from` forgets its
 * neighbour entry for `to`: the unanswered ARP left it INCOMPLETE, still probing (one probe a
 * second, the last before the flows change) and about to fail ~3 s after the start. That failure
 * reports "Destination Host Unreachable" for what the next ping queued on the entry meanwhile,
 * and `ping -w` gives up on the first error. Without the entry, the next ping resolves afresh.
 */
function isolated(from: string, to: string): boolean {
  const r = inNs(from, 'ping', ['-c', '2', '-i', '0.2', '-w', '2', '-n', '-q', ip4(to)]);
  must('ip', ['-n', ns(from), 'neigh', 'flush', 'to', ip4(to)]);
  return r.status !== 0 && / 0 received/.test(r.stdout);
}

/** iperf3 TCP from `client` to `server` for `seconds`; returns what the receiver got. */
async function iperfTcp(client: string, server: string, port: number): Promise<{ bytes: number; bps: number }> {
  const srv: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', ns(server), 'iperf3', '-s', '-1', '-B', ip4(server), '-p', `${port}`],
    {
      stdio: 'ignore',
    },
  );
  try {
    await waitFor('iperf3 server listening', () =>
      inNs(server, 'ss', ['-Hltn', `sport = :${port}`]).stdout.includes(`:${port}`),
    );
    const r = inNs(client, 'iperf3', ['-c', ip4(server), '-p', `${port}`, '-t', '2', '-J'], 30_000);
    if (r.status !== 0) throw new Error(`iperf3 client failed (${r.status}): ${r.stdout.slice(0, 400)} ${r.stderr}`);
    const json = JSON.parse(r.stdout) as { end: { sum_received: { bytes: number; bits_per_second: number } } };
    return { bytes: json.end.sum_received.bytes, bps: json.end.sum_received.bits_per_second };
  } finally {
    srv.kill();
  }
}

describeNeeding(
  { root: true, binaries: ['ip', 'ping', 'iperf3', 'ss', 'ovs-vsctl', 'ovs-ofctl'] },
  'switchd: namespaces through system and tap ports',
  () => {
    let sw: RunningSwitchd;
    const vsctl = (...args: string[]) =>
      must('ovs-vsctl', ['--timeout=20', `--db=unix:${join(sw.rundir, 'db.sock')}`, ...args]);
    const ofctl = (cmd: string, bridge: string, ...args: string[]) =>
      must('ovs-ofctl', [cmd, `unix:${join(sw.rundir, `${bridge}.mgmt`)}`, ...args]);
    const ifaceColumn = (iface: string, column: string) => vsctl('get', 'interface', iface, column).trim();

    beforeAll(async () => {
      cleanUp();
      for (const h of [...VETH_HOSTS, ...TAP_HOSTS]) must('ip', ['netns', 'add', ns(h)]);
      for (const h of VETH_HOSTS) {
        must('ip', ['link', 'add', vethPort(h), 'type', 'veth', 'peer', 'name', vethPeer(h)]);
        must('ip', ['link', 'set', vethPeer(h), 'netns', ns(h)]);
        configureHost(h, vethPeer(h));
      }
      sw = await startSwitchd();
      const args = ['add-br', 'brs'];
      VETH_HOSTS.forEach((h, i) => {
        args.push('--', 'add-port', 'brs', vethPort(h), '--', 'set', 'interface', vethPort(h), 'type=system');
        args.push(`ofport_request=${i + 1}`);
      });
      args.push('--', 'add-br', 'brt');
      TAP_HOSTS.forEach((h, i) => {
        args.push('--', 'add-port', 'brt', tapPort(h), '--', 'set', 'interface', tapPort(h), 'type=tap');
        args.push(`ofport_request=${i + 1}`);
      });
      vsctl(...args);
      // switchd created the taps in our namespace: hand each to its host.
      for (const h of TAP_HOSTS) {
        await waitFor(`tap ${tapPort(h)}`, () => existsSync(`/sys/class/net/${tapPort(h)}`));
        must('ip', ['link', 'set', tapPort(h), 'netns', ns(h)]);
        configureHost(h, tapPort(h));
      }
    });

    afterAll(async () => {
      await sw?.stop();
      cleanUp();
    });

    function cleanUp(): void {
      for (const h of [...VETH_HOSTS, ...TAP_HOSTS]) sh('ip', ['netns', 'del', ns(h)]);
      for (const h of VETH_HOSTS)
        if (existsSync(`/sys/class/net/${vethPort(h)}`)) sh('ip', ['link', 'del', vethPort(h)]);
    }

    it('system ports: IPv4 ping (ARP) and IPv6 ping (neighbour discovery) with NORMAL', () => {
      expect(pings('a', 'b')).toBe(true);
      expect(pings('b', 'c', true)).toBe(true);
      // Both stacks resolved each other across the switch.
      expect(inNs('a', 'ip', ['neigh', 'show', ip4('b')]).stdout).toMatch(/lladdr [0-9a-f:]{17}/);
      expect(inNs('b', 'ip', ['-6', 'neigh', 'show', ip6('c')]).stdout).toMatch(/lladdr [0-9a-f:]{17}/);
      // NORMAL learned the hosts' MACs on their ports.
      const fdb = must('ovs-appctl', ['-t', join(sw.rundir, 'switchd.ctl'), 'fdb/show', 'brs']);
      const macB = inNs('b', 'cat', [`/sys/class/net/${vethPeer('b')}/address`]).stdout.trim();
      expect(fdb).toMatch(new RegExp(`^\\s*2\\s+0\\s+${macB}`, 'm'));
    });

    it('system ports: TCP with iperf3 (veth checksum/TSO offloads on)', async () => {
      const r = await iperfTcp('a', 'b', 5201);
      expect(r.bytes).toBeGreaterThan(1_000_000);
      expect(r.bps).toBeGreaterThan(0);
    });

    it('system ports: explicit flows forward, and without flows nothing passes', async () => {
      ofctl('del-flows', 'brs');
      expect(isolated('a', 'b')).toBe(true);
      ofctl('add-flow', 'brs', 'in_port=1,actions=output:2');
      ofctl('add-flow', 'brs', 'in_port=2,actions=output:1');
      expect(pings('a', 'b')).toBe(true);
      expect(pings('a', 'b', true)).toBe(true);
      // c has no flow at all.
      expect(isolated('a', 'c')).toBe(true);
      const dump = ofctl('dump-flows', 'brs');
      const count = (inPort: number) =>
        Number(new RegExp(`n_packets=(\\d+),.*in_port=${inPort} `).exec(dump)?.[1] ?? 0);
      expect(count(1)).toBeGreaterThanOrEqual(6);
      expect(count(2)).toBeGreaterThanOrEqual(6);
      ofctl('del-flows', 'brs');
      ofctl('add-flow', 'brs', 'priority=0,actions=NORMAL');
      expect(pings('a', 'c')).toBe(true);
    });

    it('system ports: VLAN access ports isolate (tag 10 vs 20), same tag passes', () => {
      // Only NORMAL, whatever an earlier test left behind.
      ofctl('del-flows', 'brs');
      ofctl('add-flow', 'brs', 'priority=0,actions=NORMAL');
      vsctl('set', 'port', vethPort('a'), 'tag=10', '--', 'set', 'port', vethPort('b'), 'tag=10');
      vsctl('set', 'port', vethPort('c'), 'tag=20');
      // Neighbour entries from earlier tests would let frames go without ARP: start afresh.
      for (const h of VETH_HOSTS) inNs(h, 'ip', ['neigh', 'flush', 'all']);
      expect(pings('a', 'b')).toBe(true);
      expect(isolated('a', 'c')).toBe(true);
      expect(isolated('b', 'c')).toBe(true);
      vsctl('set', 'port', vethPort('b'), 'tag=20');
      for (const h of VETH_HOSTS) inNs(h, 'ip', ['neigh', 'flush', 'all']);
      expect(pings('b', 'c')).toBe(true);
      expect(isolated('a', 'b')).toBe(true);
      vsctl('clear', 'port', vethPort('a'), 'tag', '--', 'clear', 'port', vethPort('b'), 'tag');
      vsctl('clear', 'port', vethPort('c'), 'tag');
    });

    it('system ports: the Interface table shows link state, MTU, MAC and statistics', async () => {
      const port = vethPort('a');
      expect(ifaceColumn(port, 'link_state')).toBe('up');
      expect(ifaceColumn(port, 'admin_state')).toBe('up');
      expect(ifaceColumn(port, 'mac_in_use')).toBe(
        `"${readFileSync(`/sys/class/net/${port}/address`, 'utf8').trim()}"`,
      );
      expect(ifaceColumn(port, 'mtu')).toBe('1500');
      expect(ifaceColumn(port, 'error')).toBe('[]');
      // Statistics are written every few seconds: wait for the traffic above to show.
      await waitFor('statistics in the Interface table', () => {
        const rx = /rx_packets=(\d+)/.exec(ifaceColumn(port, 'statistics'));
        return rx !== null && Number(rx[1]) > 10;
      });
      const stats = ifaceColumn(port, 'statistics');
      for (const k of ['rx_bytes', 'rx_packets', 'tx_bytes', 'tx_packets', 'rx_dropped', 'tx_dropped'])
        expect(stats).toMatch(new RegExp(`${k}=\\d+`));
      expect(Number(/tx_bytes=(\d+)/.exec(stats)?.[1])).toBeGreaterThan(0);
      // mtu_request reaches the kernel device and comes back in `mtu`.
      vsctl('set', 'interface', port, 'mtu_request=1400');
      expect(readFileSync(`/sys/class/net/${port}/mtu`, 'utf8').trim()).toBe('1400');
      await waitFor('mtu 1400 in the Interface table', () => ifaceColumn(port, 'mtu') === '1400');
      vsctl('clear', 'interface', port, 'mtu_request');
      must('ip', ['link', 'set', port, 'mtu', '1500']);
      // The peer's link going down is a carrier loss on our end.
      must('ip', ['-n', ns('a'), 'link', 'set', vethPeer('a'), 'down']);
      await waitFor('link_state down', () => ifaceColumn(port, 'link_state') === 'down');
      must('ip', ['-n', ns('a'), 'link', 'set', vethPeer('a'), 'up']);
      await waitFor('link_state up', () => ifaceColumn(port, 'link_state') === 'up');
    });

    it('system ports with rx_offload=keep: TCP super-frames cross whole, and are cut when a flow rewrites them', async () => {
      const appctl = (...args: string[]) => must('ovs-appctl', ['-t', join(sw.rundir, 'switchd.ctl'), ...args]);
      const lookups = () => {
        const m = /lookups: hit:(\d+) missed:(\d+)/.exec(appctl('dpctl/show'));
        return m ? Number(m[1]) + Number(m[2]) : 0;
      };
      vsctl(...['a', 'b'].flatMap((h) => ['--', 'set', 'interface', vethPort(h), 'options:rx_offload=keep']).slice(1));
      ofctl('del-flows', 'brs');
      ofctl('add-flow', 'brs', 'priority=0,actions=NORMAL');
      expect(pings('a', 'b')).toBe(true);
      let before = lookups();
      const whole = await iperfTcp('a', 'b', 5203);
      expect(whole.bytes).toBeGreaterThan(1_000_000);
      // One lookup per super-frame: far fewer lookups than MTU-sized segments would need.
      expect(whole.bytes / (lookups() - before)).toBeGreaterThan(8000);
      // A header rewrite needs complete frames: each super-frame is cut, its segments rewritten.
      ofctl('add-flow', 'brs', 'priority=10,tcp,actions=mod_nw_tos:32,NORMAL');
      before = lookups();
      const cut = await iperfTcp('a', 'b', 5204);
      expect(cut.bytes).toBeGreaterThan(1_000_000);
      expect(ofctl('dump-flows', 'brs')).toMatch(/n_packets=[1-9]\d*, .*priority=10,tcp/);
      ofctl('del-flows', 'brs');
      ofctl('add-flow', 'brs', 'priority=0,actions=NORMAL');
      vsctl(...['a', 'b'].flatMap((h) => ['--', 'remove', 'interface', vethPort(h), 'options', 'rx_offload']).slice(1));
    });

    it('tap ports: ping, ping -6 and iperf3 TCP between namespaces holding switchd-made taps', async () => {
      expect(pings('d', 'e')).toBe(true);
      expect(pings('e', 'd', true)).toBe(true);
      const r = await iperfTcp('d', 'e', 5202);
      expect(r.bytes).toBeGreaterThan(1_000_000);
      expect(r.bps).toBeGreaterThan(0);
      expect(ifaceColumn(tapPort('d'), 'error')).toBe('[]');
      expect(ifaceColumn(tapPort('d'), 'link_state')).toBe('up');
    });

    it('tap ports: explicit flows and VLAN tags apply to them too', () => {
      ofctl('del-flows', 'brt');
      expect(isolated('d', 'e')).toBe(true);
      ofctl('add-flow', 'brt', 'in_port=1,actions=output:2');
      ofctl('add-flow', 'brt', 'in_port=2,actions=output:1');
      expect(pings('d', 'e')).toBe(true);
      ofctl('del-flows', 'brt');
      ofctl('add-flow', 'brt', 'priority=0,actions=NORMAL');
      vsctl('set', 'port', tapPort('d'), 'tag=10', '--', 'set', 'port', tapPort('e'), 'tag=20');
      for (const h of TAP_HOSTS) inNs(h, 'ip', ['neigh', 'flush', 'all']);
      expect(isolated('d', 'e')).toBe(true);
      vsctl('set', 'port', tapPort('e'), 'tag=10');
      expect(pings('d', 'e')).toBe(true);
    });
  },
);
