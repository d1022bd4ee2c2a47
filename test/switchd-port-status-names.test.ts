import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxBackoffMs, probeIntervalMs } from '../apps/switchd/src/openflow/active.js';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { binPath, type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

/**
 * Real ovs-vswitchd (dummy datapath) and softswitch with the same bridge, driven by the same
 * tools: `--names` output (ours and ovs-ofctl's), OFPT_PORT_STATUS MODIFY after mod-port as
 * `ovs-ofctl monitor` shows it, and Controller.enable_async_messages.
 */

interface Switch {
  name: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  vsctl(...args: string[]): string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000, env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const mgmt = (sw: Switch) => `unix:${join(sw.dir, 'br0.mgmt')}`;
const ovsOfctl = (sw: Switch, ...args: string[]) => run('ovs-ofctl', args, sw.env);
const ourOfctl = (...args: string[]) => run(process.execPath, [binPath('ofctl'), ...args]);
/** Durations and ages change between runs; MACs are random per switch. */
const normalize = (s: string) =>
  s
    .replace(/duration=[0-9.]+s/g, 'duration=?')
    .replace(/(idle|hard)_age=\d+/g, '$1_age=?')
    .replace(/addr:[0-9a-f:]+/g, 'addr:?');

const PORTS = [
  { name: 'p1', ofport: 1 },
  { name: 'p2', ofport: 2 },
  { name: 'p.x', ofport: 3 },
  { name: '1a', ofport: 4 },
  { name: 'p9', ofport: 9 },
];
const FLOWS = [
  'in_port=p1,actions=output:p2,output:LOCAL,enqueue:p2:3',
  'in_port=3,actions=output:4,resubmit(1,2),set_field:3->in_port,bundle(eth_src,0,hrw,ofport,members:1,2)',
];

/** ovs-ofctl monitor with async messages on (miss_send_len), line-buffered. */
function monitor(sw: Switch, proto: string): { child: ChildProcess; out: () => string } {
  const child = spawn('stdbuf', ['-oL', 'ovs-ofctl', '-O', proto, 'monitor', mgmt(sw), '65534'], { env: sw.env });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  return { child, out: () => out };
}

/** The OFPT_PORT_STATUS messages in a monitor's output (each with its port lines), p9's left out. */
function portStatuses(out: string): string[] {
  const msgs = normalize(out)
    .split(/\n(?=\S)/)
    .filter((m) => m.startsWith('OFPT_PORT_STATUS'));
  return msgs.filter((m) => !m.includes('(p9)')).map((m) => m.trim());
}

/** A controller listening on a Unix socket: speaks OpenFlow 1.3 and counts port-status messages. */
class FakeController {
  readonly server: Server;
  socket: Socket | undefined;
  portStatus = 0;
  private buf = Buffer.alloc(0);
  private echoed = new Set<number>();
  constructor(readonly path: string) {
    this.server = createServer((s) => {
      this.socket = s;
      s.write(Buffer.from([4, 0, 0, 8, 0, 0, 0, 1])); // hello, OpenFlow 1.3
      s.on('data', (d: Buffer) => this.onData(d));
      s.on('error', () => {});
    });
    this.server.listen(path);
  }
  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    while (this.buf.length >= 8 && this.buf.length >= this.buf.readUInt16BE(2)) {
      const len = this.buf.readUInt16BE(2);
      const m = this.buf.subarray(0, len);
      this.buf = this.buf.subarray(len);
      if (m[1] === 12) this.portStatus++;
      if (m[1] === 3) this.echoed.add(m.readUInt32BE(4));
      if (m[1] === 2) this.socket?.write(Buffer.concat([Buffer.from([m[0], 3]), m.subarray(2)]));
    }
  }
  /** A round trip: whatever the switch sent before it has arrived once this resolves. */
  async roundTrip(xid: number): Promise<void> {
    this.socket?.write(Buffer.from([4, 2, 0, 8, (xid >> 24) & 255, (xid >> 16) & 255, (xid >> 8) & 255, xid & 255]));
    await waitFor(`echo reply ${xid}`, () => this.echoed.has(xid));
  }
  /** OFPT_SET_ASYNC: port-status for every reason in both roles, nothing else. */
  enablePortStatus(): void {
    const m = Buffer.alloc(32);
    m.writeUInt8(4, 0);
    m.writeUInt8(28, 1);
    m.writeUInt16BE(32, 2);
    m.writeUInt32BE(7, 16);
    m.writeUInt32BE(7, 20);
    this.socket?.write(m);
  }
  close(): void {
    this.socket?.destroy();
    this.server.close();
  }
}

describeNeeding(
  { binaries: ['ovs-vsctl', 'ovs-ofctl', 'ovs-vswitchd', 'ovsdb-server', 'stdbuf'] },
  'ofctl --names, port-status MODIFY and enable_async_messages against ovs-vswitchd',
  () => {
    let sandbox: OvsSandbox | undefined;
    let switchd: RunningSwitchd | undefined;
    const switches: Switch[] = [];
    beforeAll(async () => {
      [sandbox, switchd] = [startOvsSandbox(), await startSwitchd()];
      const ss = switchd;
      switches.push(
        { name: 'ovs-vswitchd', dir: sandbox.dir, env: sandbox.env, vsctl: sandbox.vsctl },
        {
          name: 'softswitch',
          dir: ss.rundir,
          env: { ...process.env, OVS_RUNDIR: ss.rundir },
          vsctl: (...args) => run('ovs-vsctl', [`--db=unix:${join(ss.rundir, 'db.sock')}`, ...args]),
        },
      );
      for (const sw of switches) {
        sw.vsctl(...dummyBridgeArgs('br0', PORTS));
        await waitFor(`${sw.name} br0`, () => spawnSync('ovs-ofctl', ['show', mgmt(sw)], { env: sw.env }).status === 0);
        // OpenFlow 1.3 adds: OpenFlow 1.0 ones would carry reset_counts on real OVS.
        for (const f of FLOWS) ovsOfctl(sw, '-O', 'OpenFlow13', 'add-flow', mgmt(sw), f);
        ovsOfctl(
          sw,
          '-O',
          'OpenFlow13',
          'add-group',
          mgmt(sw),
          'group_id=1,type=ff,bucket=watch_port:1,actions=output:2',
        );
      }
    }, 30_000);
    afterAll(async () => {
      await switchd?.stop();
      sandbox?.stop();
    });

    it('ofctl --names prints port names (quoted where needed) as ovs-ofctl does, on both switches', () => {
      const [ovs, ss] = switches;
      const cases: [string, string[]][] = [
        ['OpenFlow10', ['--names', 'dump-flows']],
        ['OpenFlow13', ['dump-flows', '--names', 'BR', 'in_port=p1']],
        ['OpenFlow10', ['--names', 'dump-ports']],
      ];
      for (const [proto, cmd] of cases) {
        const args = (sw: Switch) => ['-O', proto, ...cmd.map((a) => (a === 'BR' ? mgmt(sw) : a))];
        const withSwitch = (sw: Switch) => (cmd.includes('BR') ? args(sw) : [...args(sw), mgmt(sw)]);
        // dump-ports: the port labels, in no particular order (real OVS's dummy counters differ).
        const canon = (s: string) =>
          cmd.includes('dump-ports')
            ? [...s.matchAll(/^ {2}port +(\S+):/gm)]
                .map((m) => m[1])
                .sort()
                .join(' ')
            : normalize(s);
        const reference = canon(ovsOfctl(ovs, ...withSwitch(ovs)));
        expect(reference, `${proto} ${cmd.join(' ')}`).toMatch(/p1 |"p\.x"/);
        expect(canon(ovsOfctl(ss, ...withSwitch(ss))), `ovs-ofctl ${proto} ${cmd.join(' ')} on softswitch`).toBe(
          reference,
        );
        expect(canon(ourOfctl(...withSwitch(ss))), `ofctl ${proto} ${cmd.join(' ')}`).toBe(reference);
        if (cmd.join(' ') === '--names dump-flows')
          expect(reference).toContain(
            'in_port="p.x" actions=output:"1a",resubmit(p1,2),load:0x3->NXM_OF_IN_PORT[],bundle(eth_src,0,hrw,ofport,members:p1,p2)',
          );
      }
      const groups = normalize(ovsOfctl(ovs, '-O', 'OpenFlow13', '--names', 'dump-groups', mgmt(ovs)));
      expect(groups).toContain('watch_port:p1,actions=output:p2');
      expect(normalize(ourOfctl('-O', 'OpenFlow13', '--names', 'dump-groups', mgmt(ss)))).toBe(groups);
      // Without a terminal, numbers; names in flow text are accepted (not under --no-names).
      expect(ourOfctl('dump-flows', mgmt(ss), 'in_port=p1')).toContain('in_port=1 actions=output:2,LOCAL');
      const refused = spawnSync(process.execPath, [
        binPath('ofctl'),
        '--no-names',
        'dump-flows',
        mgmt(ss),
        'in_port=p1',
      ]);
      expect(refused.status).not.toBe(0);
    });

    it('queue-stats and queue-get-config: ofctl prints as ovs-ofctl, softswitch answers as ovs-vswitchd (no QoS)', () => {
      const [ovs, ss] = switches;
      const cases: string[][] = [
        ['OpenFlow10', 'queue-stats'],
        ['OpenFlow13', 'queue-stats', 'BR', '1', '5'],
        ['OpenFlow13', 'queue-get-config'],
        ['OpenFlow10', 'queue-get-config', 'BR', '1'],
        ['OpenFlow15', 'queue-get-config', 'BR', 'ANY', '5'],
      ];
      for (const [proto, ...cmd] of cases) {
        const argv = (sw: Switch) => {
          const a = ['-O', proto, ...cmd.map((x) => (x === 'BR' ? mgmt(sw) : x))];
          return cmd.includes('BR') ? a : [...a, mgmt(sw)];
        };
        const what = `${proto} ${cmd.join(' ')}`;
        const reference = ovsOfctl(ovs, ...argv(ovs));
        expect(reference, what).toMatch(/queue|OFPQOFC/);
        const onOurs = ovsOfctl(ss, ...argv(ss));
        // The same lines; the port order is each switch's own.
        expect(onOurs.split('\n').sort(), `ovs-ofctl ${what} on softswitch`).toEqual(reference.split('\n').sort());
        expect(ourOfctl(...argv(ss)), `ofctl ${what}`).toBe(onOurs);
      }
    });

    it('mod-port sends OFPT_PORT_STATUS MODIFY to every client as ovs-vswitchd does (1.0, 1.3, 1.5)', async () => {
      const protos = ['OpenFlow10', 'OpenFlow13', 'OpenFlow15'];
      const sequence = ['down', 'up', 'no-flood', 'flood', 'no-packet-in', 'packet-in'];
      // Each mod-port's messages: down/up twice (config, then link state), NO_FLOOD only in 1.0.
      const expected: Record<string, number> = { OpenFlow10: 8, OpenFlow13: 6, OpenFlow15: 6 };
      const seen: Record<string, string[]>[] = [];
      for (const sw of switches) {
        const monitors = protos.map((p) => monitor(sw, p));
        try {
          // A monitor takes async messages once its miss_send_len is set: toggle p9 until all see one.
          let flip = false;
          await waitFor(`${sw.name} monitors`, () => {
            if (monitors.every((m) => m.out().includes('(p9)'))) return true;
            flip = !flip;
            ovsOfctl(sw, 'mod-port', mgmt(sw), 'p9', flip ? 'no-receive' : 'receive');
            return false;
          });
          ovsOfctl(sw, 'mod-port', mgmt(sw), 'p9', 'receive');
          for (const action of sequence) ovsOfctl(sw, 'mod-port', mgmt(sw), 'p1', action);
          await waitFor(`${sw.name} port-status messages`, () =>
            protos.every((p, i) => portStatuses(monitors[i].out()).length >= expected[p]),
          );
          seen.push(Object.fromEntries(protos.map((p, i) => [p, portStatuses(monitors[i].out())])));
        } finally {
          for (const m of monitors) m.child.kill();
        }
      }
      for (const p of protos) {
        expect(seen[0][p].length, p).toBe(expected[p]);
        expect(seen[1][p], `${p} port-status on softswitch`).toEqual(seen[0][p]);
      }
      expect(seen[1].OpenFlow13[0]).toContain('MOD: 1(p1)');
      expect(seen[1].OpenFlow13[0]).toMatch(/config: +PORT_DOWN\n +state: +0/);
      // The port is usable again and reports itself as ovs-vswitchd does.
      const show = (sw: Switch) => normalize(ovsOfctl(sw, '-O', 'OpenFlow13', 'dump-ports-desc', mgmt(sw)));
      expect(show(switches[1]).split('\n').sort()).toEqual(show(switches[0]).split('\n').sort());
    });

    it('Controller enable_async_messages=false: no port-status until the controller asks with set-async', async () => {
      for (const [i, sw] of switches.entries()) {
        // ovs-vswitchd only connects to Unix sockets in its run directory.
        const on = new FakeController(join(sw.dir, `on-${i}.sock`));
        const off = new FakeController(join(sw.dir, `off-${i}.sock`));
        try {
          sw.vsctl(
            '--',
            '--id=@on',
            'create',
            'Controller',
            `target="unix:${on.path}"`,
            '--',
            '--id=@off',
            'create',
            'Controller',
            `target="unix:${off.path}"`,
            'enable_async_messages=false',
            'connection_mode=in-band',
            'inactivity_probe=0',
            'max_backoff=1000',
            '--',
            'set',
            'bridge',
            'br0',
            'controller=[@on,@off]',
          );
          await waitFor(`${sw.name} controllers connect`, () => on.socket !== undefined && off.socket !== undefined);
          await Promise.all([on.roundTrip(1), off.roundTrip(1)]);
          ovsOfctl(sw, 'mod-port', mgmt(sw), 'p2', 'no-receive');
          await Promise.all([on.roundTrip(2), off.roundTrip(2)]);
          expect(on.portStatus, sw.name).toBe(1);
          expect(off.portStatus, sw.name).toBe(0);
          off.enablePortStatus();
          ovsOfctl(sw, 'mod-port', mgmt(sw), 'p2', 'receive');
          await Promise.all([on.roundTrip(3), off.roundTrip(3)]);
          expect([on.portStatus, off.portStatus], sw.name).toEqual([2, 1]);
          await waitFor(`${sw.name} Controller.is_connected`, () =>
            sw.vsctl('--columns=is_connected', 'list', 'Controller').includes('true'),
          );
        } finally {
          sw.vsctl('clear', 'bridge', 'br0', 'controller');
          on.close();
          off.close();
        }
      }
    });
  },
);

describe('Controller inactivity_probe and max_backoff as ovs-vswitchd applies them', () => {
  it('whole seconds; probes at least 5 s apart, 0 (or under a second) disables them; backoff at least 1 s', () => {
    const row = (inactivityProbe?: number, maxBackoff?: number) => ({ target: 'unix:x', inactivityProbe, maxBackoff });
    expect([undefined, 0, 999, 3000, 12_345].map((ms) => probeIntervalMs(row(ms)))).toEqual([5000, 0, 0, 5000, 12_000]);
    expect([undefined, 1000, 2500, 500].map((ms) => maxBackoffMs(row(undefined, ms)))).toEqual([
      8000, 1000, 2000, 1000,
    ]);
  });
});
