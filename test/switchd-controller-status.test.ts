import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { parseFlow } from '@softswitch/openflow';
import { composePacket } from '@softswitch/packet';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeFlowRemoved } from '../apps/switchd/src/openflow/flow-removed.js';
import { encodePacketIn2 } from '../apps/switchd/src/openflow/packet-in2.js';
import { allSettledOrThrow, mapLimited } from './support/concurrent.js';
import { fakeBridge, ofctlAsync, rawSession } from './support/openflow-fake-bridge.js';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { runAsync } from './support/shell.js';
import { binPath, type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Our switchd or a real ovs-vswitchd, driven by the same real tools. */
interface Switch {
  name: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  mgmt: string;
  vsctl(...args: string[]): string;
  appctl(...args: string[]): string;
  ofctl(...args: string[]): string;
}

function ours(sw: RunningSwitchd): Switch {
  const env = { ...process.env, OVS_RUNDIR: sw.rundir };
  return {
    name: 'softswitch',
    dir: sw.rundir,
    env,
    mgmt: join(sw.rundir, 'br0.mgmt'),
    vsctl: (...args) => run('ovs-vsctl', [`--db=unix:${join(sw.rundir, 'db.sock')}`, ...args]),
    appctl: (...args) => run('ovs-appctl', ['-t', join(sw.rundir, 'switchd.ctl'), ...args]),
    ofctl: (...args) => run('ovs-ofctl', args, env),
  };
}
function real(ovs: OvsSandbox): Switch {
  return {
    name: 'ovs-vswitchd',
    dir: ovs.dir,
    env: ovs.env,
    mgmt: join(ovs.dir, 'br0.mgmt'),
    vsctl: ovs.vsctl,
    appctl: ovs.appctl,
    ofctl: (...args) => run('ovs-ofctl', args, ovs.env),
  };
}

/** Like `run`, without blocking: for printing many messages side by side. */
async function runConcurrently(cmd: string, args: string[]): Promise<string> {
  const r = await runAsync(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** `ofp-print` of each message by ovs-ofctl (`want`) and by our ofctl (`got`), three messages at a time. */
function printedByBoth(hexes: string[]): Promise<{ want: string; got: string }[]> {
  return mapLimited(hexes, 3, async (hex) => {
    const [want, got] = await Promise.all([
      runConcurrently('ovs-ofctl', ['ofp-print', hex]),
      runConcurrently(process.execPath, [binPath('ofctl'), 'ofp-print', hex]),
    ]);
    return { want, got };
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const u32 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
const u64 = (n: bigint) => n.toString(16).padStart(16, '0');

/**
 * A tiny OpenFlow 1.3 controller: says hello, asks to be master, answers echo requests (so the
 * switch's inactivity probe keeps it connected).
 */
async function masterController(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    s.on('error', () => {});
    s.write(Buffer.from(`0400000800000001${'04180018'}00000002${u32(2)}00000000${u64(1n)}`, 'hex'));
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2)) {
        const len = buf.readUInt16BE(2);
        const m = buf.subarray(0, len);
        buf = buf.subarray(len);
        if (m[1] === 2) {
          const r = Buffer.from(m);
          r[1] = 3;
          s.write(r);
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

/** Waits until something accepts TCP connections on 127.0.0.1:`port`. */
async function waitListening(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface ControllerRow {
  target: string;
  is_connected: boolean;
  role: string;
  status: Record<string, string>;
}

/** `ovs-vsctl list controller` as rows, targets renamed by `names`, seconds counters as "N". */
function controllers(sw: Switch, names: Map<string, string>): ControllerRow[] {
  const out = JSON.parse(
    sw.vsctl('--format=json', '--columns=target,is_connected,role,status', 'list', 'controller'),
  ) as { data: unknown[][] };
  return out.data
    .map(([target, connected, role, status]) => {
      const st: Record<string, string> = {};
      for (const [k, v] of (status as [string, [string, string][]])[1]) st[k] = k.startsWith('sec_since') ? 'N' : v;
      return {
        target: names.get(target as string) ?? (target as string),
        is_connected: connected as boolean,
        role: typeof role === 'string' ? role : '[]',
        status: st,
      };
    })
    .sort((a, b) => a.target.localeCompare(b.target));
}

const mac = (n: number) => `50:54:00:00:00:${n.toString(16).padStart(2, '0')}`;
const frame = (src: number, dst: number, proto = 'udp') =>
  Buffer.from(
    composePacket(
      `dl_src=${mac(src)},dl_dst=${mac(dst)},${proto},nw_src=10.0.0.${src},nw_dst=10.0.0.${dst},tp_src=1,tp_dst=2`,
    ),
  ).toString('hex');

describeNeeding(
  {
    binaries: ['ovs-vsctl', 'ovs-appctl', 'ovs-ofctl', 'ovs-vswitchd', 'ovsdb-server', 'ovs-testcontroller', 'stdbuf'],
  },
  'switchd controllers: Controller status, flow-removed in every format, async config (vs ovs-vswitchd)',
  () => {
    let sandbox: OvsSandbox;
    let switchd: RunningSwitchd;
    let both: Switch[];
    const children: ChildProcess[] = [];
    const servers: Server[] = [];

    beforeAll(async () => {
      sandbox = startOvsSandbox();
      switchd = await startSwitchd();
      both = [ours(switchd), real(sandbox)];
    }, 60_000);
    afterAll(async () => {
      for (const c of children) if (c.exitCode === null) c.kill();
      for (const s of servers) s.close();
      await switchd?.stop();
      sandbox?.stop();
    });

    /** `ovs-ofctl <options> monitor <br0> 65534`, line-buffered; its stdout and stderr as one text. */
    function monitor(sw: Switch, options: string[]): { child: ChildProcess; out: () => string } {
      const child = spawn('stdbuf', ['-oL', 'ovs-ofctl', ...options, 'monitor', `unix:${sw.mgmt}`, '65534'], {
        env: sw.env,
      });
      children.push(child);
      let out = '';
      const collect = (d: Buffer) => {
        out += d;
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      return { child, out: () => out };
    }

    function addBridge(sw: Switch, extra: string[] = []) {
      sw.vsctl(
        ...dummyBridgeArgs(
          'br0',
          [
            { name: 'p1', ofport: 1 },
            { name: 'p2', ofport: 2 },
          ],
          { bridge: ['fail_mode=secure', ...extra] },
        ),
      );
    }

    it('Controller is_connected, role and status (state, last_error, sec_since_*) as OVS writes them', async () => {
      const rows: ControllerRow[][][] = [];
      for (const sw of both) {
        const tcPort = await freePort();
        const tc = spawn('ovs-testcontroller', [`ptcp:${tcPort}:127.0.0.1`], { stdio: 'ignore', env: sw.env });
        children.push(tc);
        const master = await masterController();
        servers.push(master.server);
        const names = new Map([
          [`tcp:127.0.0.1:${tcPort}`, 'testcontroller'],
          [`tcp:127.0.0.1:${master.port}`, 'master'],
          ['tcp:127.0.0.1:1', 'unreachable'],
        ]);
        addBridge(sw);
        try {
          await waitListening(tcPort);
          sw.vsctl('set-controller', 'br0', ...names.keys());
          const settled = (want: (r: ControllerRow[]) => boolean) => {
            let last: ControllerRow[] = [];
            return waitFor(
              `${sw.name}: controller status`,
              () => {
                last = controllers(sw, names);
                return want(last);
              },
              25_000,
            ).then(
              () => last,
              (e: Error) => {
                throw new Error(`${e.message}: ${JSON.stringify(last)}`);
              },
            );
          };
          const find = (r: ControllerRow[], t: string) => r.find((x) => x.target === t);
          const connected = await settled(
            (r) =>
              find(r, 'testcontroller')?.is_connected === true &&
              find(r, 'master')?.role === 'master' &&
              find(r, 'unreachable')?.status.last_error !== undefined,
          );
          // The testcontroller goes away: disconnected, then refused on the next try.
          tc.kill();
          const disconnected = await settled(
            (r) =>
              find(r, 'testcontroller')?.is_connected === false &&
              find(r, 'testcontroller')?.status.last_error === 'Connection refused' &&
              find(r, 'testcontroller')?.status.sec_since_disconnect !== undefined,
          );
          rows.push([connected, disconnected]);
        } finally {
          tc.kill();
          master.server.close();
          sw.vsctl('del-br', 'br0');
        }
      }
      const [got, expected] = rows;
      expect(got).toEqual(expected);
      expect(expected[0].find((r) => r.target === 'testcontroller')).toMatchObject({
        is_connected: true,
        role: 'other',
        status: { state: 'ACTIVE', sec_since_connect: 'N' },
      });
      expect(expected[0].find((r) => r.target === 'unreachable')).toMatchObject({
        is_connected: false,
        role: '[]',
        status: { state: 'BACKOFF', last_error: 'Connection refused' },
      });
    }, 120_000);

    it('inactivity probe: a controller that never answers the echo request is dropped (Connection timed out), then reconnected', async () => {
      const results = await allSettledOrThrow(
        both.map(async (sw) => {
          let echoes = 0;
          // Says hello, then nothing: echo requests go unanswered.
          const silent = createServer((s) => {
            s.on('error', () => {});
            s.write(Buffer.from('0400000800000001', 'hex'));
            s.on('data', (d) => {
              for (let p = 0; p + 8 <= d.length; p += d.readUInt16BE(p + 2) || d.length) if (d[p + 1] === 2) echoes++;
            });
          });
          servers.push(silent);
          await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
          const target = `tcp:127.0.0.1:${(silent.address() as { port: number }).port}`;
          const names = new Map([[target, 'silent']]);
          addBridge(sw);
          try {
            sw.vsctl('set-controller', 'br0', target);
            let row: ControllerRow | undefined;
            await waitFor(
              `${sw.name}: probe timeout and reconnection`,
              () => {
                row = controllers(sw, names)[0];
                return row?.is_connected === true && row.status.last_error === 'Connection timed out';
              },
              40_000,
            ).catch((e: Error) => {
              throw new Error(`${e.message}: ${JSON.stringify(row)}`);
            });
            return { row, echoed: echoes > 0 };
          } finally {
            sw.vsctl('del-br', 'br0');
            silent.close();
          }
        }),
      );
      const [got, expected] = results;
      expect(got).toEqual(expected);
      expect(expected).toMatchObject({
        echoed: true,
        row: { is_connected: true, status: { last_error: 'Connection timed out', sec_since_disconnect: 'N' } },
      });
    }, 60_000);

    it('flow-removed (idle, hard, delete, group_delete, meter_delete) in OpenFlow 1.0, NXM, 1.3, 1.4 and 1.5, as ovs-ofctl monitor shows them', async () => {
      const formats = [
        ['OpenFlow10', false],
        ['OpenFlow10', true], // NXT_SET_FLOW_FORMAT nxm on the monitor's connection: NXT_FLOW_REMOVED
        ['OpenFlow13', false],
        ['OpenFlow14', false],
        ['OpenFlow15', false],
      ] as const;
      const outputs = await allSettledOrThrow(
        both.map(async (sw) => {
          addBridge(sw);
          const monitors: ReturnType<typeof monitor>[] = [];
          try {
            await waitFor(`${sw.name}: br0`, () => existsSync(sw.mgmt));
            for (const [proto, nxm] of formats) {
              const mon = monitor(sw, ['-O', proto]);
              monitors.push(mon);
              const ctl = join(sw.dir, `ovs-ofctl.${mon.child.pid}.ctl`);
              await waitFor(`${sw.name}: monitor control socket`, () => existsSync(ctl));
              // The barrier comes back once the monitor's set-up (miss_send_len) was processed.
              run('ovs-appctl', ['-t', ctl, 'ofctl/barrier'], sw.env);
              if (nxm) run('ovs-appctl', ['-t', ctl, 'ofctl/send', '01040014000000aa000023200000000c00000002'], sw.env);
            }
            const of13 = (...args: string[]) => sw.ofctl('-O', 'OpenFlow13', ...args);
            const br = `unix:${sw.mgmt}`;
            of13('add-meter', br, 'meter=1,kbps,band=type=drop,rate=100');
            of13('add-group', br, 'group_id=5,type=all,bucket=output:1');
            of13(
              'add-flow',
              br,
              'cookie=0x5,table=3,priority=7,idle_timeout=1,send_flow_rem,ip,nw_src=1.2.3.4,actions=drop',
            );
            of13('add-flow', br, 'cookie=0x6,priority=8,hard_timeout=2,send_flow_rem,tcp,actions=drop');
            of13('add-flow', br, 'cookie=0x7,priority=9,send_flow_rem,udp,actions=drop');
            of13('add-flow', br, 'cookie=0xa,priority=1,icmp,actions=drop'); // no send_flow_rem: no message
            of13('del-flows', br, 'udp');
            of13('del-flows', br, 'icmp');
            of13('add-flow', br, 'cookie=0x8,table=2,priority=3,send_flow_rem,udp,actions=meter:1,output:1');
            of13('add-flow', br, 'cookie=0x9,priority=4,send_flow_rem,arp,actions=group:5');
            of13('del-meter', br, 'meter=1');
            of13('del-groups', br, 'group_id=5');
            // 1.0/NXM: idle, hard, delete; 1.3 adds group_delete; 1.4+ meter_delete too.
            const want = [3, 3, 4, 5, 5];
            const removed = (i: number) =>
              monitors[i]
                .out()
                .split('\n')
                .filter((l) => /FLOW_REMOVED/.test(l))
                .map((l) => l.replace(/duration[\d.]+s/, 'durationN'))
                .sort();
            try {
              await waitFor(
                `${sw.name}: flow-removed messages`,
                () => monitors.every((_, i) => removed(i).length >= want[i]),
                15_000,
              );
            } catch (e) {
              throw new Error(`${(e as Error).message}: ${monitors.map((m) => m.out()).join('\n---\n')}`);
            }
            // Nothing more arrives after a round trip on each monitor.
            for (const m of monitors)
              run('ovs-appctl', ['-t', join(sw.dir, `ovs-ofctl.${m.child.pid}.ctl`), 'ofctl/barrier'], sw.env);
            return monitors.map((_, i) => removed(i));
          } finally {
            for (const m of monitors) m.child.kill();
            sw.vsctl('del-br', 'br0');
          }
        }),
      );
      const [got, expected] = outputs;
      expect(got).toEqual(expected);
      expect(expected[1][0]).toMatch(/^NXT_FLOW_REMOVED/);
      expect(expected[4].join('\n')).toMatch(/reason=meter_delete/);
    }, 90_000);

    for (const version of [4, 5]) {
      it(`OpenFlow1.${version - 1}: get_async replies, and set_async masks per role (flow-removed, port-status, packet-in)`, async () => {
        const v = version.toString(16).padStart(2, '0');
        const setConfig = `${v}09000c000000050000ffff`;
        const getAsync = `${v}1a000800000006`;
        const role = (xid: number, r: number, gen: bigint) => `${v}180018${u32(xid)}${u32(r)}00000000${u64(gen)}`;
        /** primary/secondary masks for packet-in, port-status, flow-removed. */
        const setAsync = (pin: [number, number], ps: [number, number], fr: [number, number]) =>
          version === 4
            ? `${v}1c002000000007${[pin, ps, fr].map(([p, s]) => u32(p) + u32(s)).join('')}`
            : `${v}1c0038${u32(7)}` +
              [
                [0, pin[1]],
                [1, pin[0]],
                [2, ps[1]],
                [3, ps[0]],
                [4, fr[1]],
                [5, fr[0]],
              ]
                .map(([t, m]) => `${t.toString(16).padStart(4, '0')}0008${u32(m)}`)
                .join('');
        const print = (hexes: string[]) =>
          Promise.all(
            hexes.map(async (h) =>
              (await ofctlAsync(process.env, ['ofp-print', h])).stdout
                .trimEnd()
                .replace(/duration[\d.]+s/, 'durationN')
                .replace(/ addr:[\s\S]*/, ''),
            ),
          );
        const results = await allSettledOrThrow(
          both.map(async (sw) => {
            addBridge(sw);
            const sessions: ReturnType<typeof rawSession>[] = [];
            try {
              await waitFor(`${sw.name}: br0`, () => existsSync(sw.mgmt));
              const primary = rawSession(sw.mgmt, version);
              const secondary = rawSession(sw.mgmt, version);
              sessions.push(primary, secondary);
              const log: string[][] = [];
              log.push(await print(await primary.exchange([setConfig, getAsync])));
              log.push(await print(await secondary.exchange([setConfig, role(8, 3, 10n), getAsync])));
              // primary: packet-in action only, port-status add only, flow-removed delete only.
              log.push(await print(await primary.exchange([setAsync([0x2, 0], [0x1, 0x7], [0x4, 0x1]), getAsync])));
              // secondary: packet-in (off), port-status add+delete, flow-removed idle+delete.
              log.push(await print(await secondary.exchange([setAsync([0x3, 0], [0x7, 0x3], [0x7, 0x5]), getAsync])));
              const br = `unix:${sw.mgmt}`;
              sw.ofctl('add-flow', br, 'cookie=0x3,priority=5,send_flow_rem,udp,actions=drop');
              sw.ofctl('add-flow', br, 'cookie=0x4,priority=6,idle_timeout=1,send_flow_rem,tcp,actions=drop');
              sw.ofctl('add-flow', br, 'priority=100,in_port=1,actions=controller');
              sw.ofctl('del-flows', br, 'udp');
              sw.vsctl('add-port', 'br0', 'q1', '--', 'set', 'interface', 'q1', 'type=dummy', 'ofport_request=7');
              sw.vsctl('del-port', 'br0', 'q1');
              const got: [string[], string[]] = [[], []];
              const isPin = (h: string) => h.slice(2, 4) === '0a';
              const deadline = Date.now() + 15_000;
              // Until the primary saw a packet-in and the secondary the tcp flow idling out.
              for (;;) {
                if (!got[0].some(isPin)) sw.appctl('netdev-dummy/receive', 'p1', frame(1, 2));
                got[0].push(...(await primary.exchange([])));
                got[1].push(...(await secondary.exchange([])));
                const idle = (await print(got[1])).some((l) => /reason=idle/.test(l));
                if ((got[0].some(isPin) && idle) || Date.now() > deadline) break;
                await new Promise((r) => setTimeout(r, 100));
              }
              const packetIns = got[0].filter((h) => h.slice(2, 4) === '0a');
              const rest0 = got[0].filter((h) => h.slice(2, 4) !== '0a');
              log.push([...(await print(rest0)).sort(), `packet-ins: ${packetIns.length > 0}`]);
              log.push((await print(got[1])).sort());
              return log;
            } finally {
              for (const s of sessions) s.close();
              sw.vsctl('del-br', 'br0');
            }
          }),
        );
        const [got, expected] = results;
        expect(got).toEqual(expected);
        expect(expected[4].join('\n')).toMatch(/reason=delete/);
        expect(expected[5].join('\n')).toMatch(/reason=idle/);
      }, 60_000);
    }

    for (const proto of ['OpenFlow10', 'OpenFlow13']) {
      it(`${proto}: NXT_PACKET_IN2 (ovs-ofctl monitor --packet-in-format=nxt_packet_in2) as ovs-vswitchd sends it`, async () => {
        const PROBE = 9;
        const flows = [
          'table=0,priority=10,in_port=1,actions=resubmit(,1)',
          'table=1,cookie=0x7,priority=5,actions=controller:20',
          'table=0,cookie=0xabc,priority=10,in_port=2,udp,actions=controller',
          'table=0,priority=0,actions=controller',
          `priority=100,dl_src=${mac(PROBE)},actions=controller`,
        ];
        const results = await allSettledOrThrow(
          both.map(async (sw) => {
            addBridge(sw);
            let child: ChildProcess | undefined;
            try {
              await waitFor(`${sw.name}: br0`, () => existsSync(sw.mgmt));
              for (const f of flows) sw.ofctl('-O', proto, 'add-flow', `unix:${sw.mgmt}`, f);
              const m = monitor(sw, ['-O', proto, '--packet-in-format=nxt_packet_in2']);
              child = m.child;
              const pins = () => {
                const lines = m.out().split('\n');
                const msgs: string[] = [];
                for (let i = 0; i + 1 < lines.length; i++)
                  if (/^(OFPT|NXT)_PACKET_IN/.test(lines[i])) msgs.push(`${lines[i]} | ${lines[i + 1]}`);
                return msgs;
              };
              await waitFor(`${sw.name}: monitor to receive packet-ins`, () => {
                if (pins().length > 0) return true;
                sw.appctl('netdev-dummy/receive', 'p1', frame(PROBE, 1));
                return false;
              }).catch((e: Error) => {
                throw new Error(`${e.message}: ${m.out()}`);
              });
              const real = () => pins().filter((m) => !m.includes(mac(PROBE)));
              sw.appctl('netdev-dummy/receive', 'p1', frame(1, 2));
              sw.appctl('netdev-dummy/receive', 'p2', frame(2, 1));
              // The table-miss flow: an explicit miss, "action" in OpenFlow 1.0, "no_match" in 1.3.
              sw.appctl('netdev-dummy/receive', 'p2', frame(2, 1, 'tcp'));
              await waitFor(`${sw.name}: 3 packet-ins`, () => real().length >= 3);
              return real().sort();
            } finally {
              child?.kill();
              sw.vsctl('del-br', 'br0');
            }
          }),
        );
        const [got, expected] = results;
        expect(got).toEqual(expected);
        expect(expected[0]).toMatch(/^NXT_PACKET_IN2/);
        expect(expected.find((m) => m.includes('| tcp,'))).toMatch(
          proto === 'OpenFlow10' ? /\(via action\)/ : /\(via no_match\)/,
        );
      }, 60_000);
    }

    it('NXT_PACKET_IN2: ofctl ofp-print prints it as ovs-ofctl does', async () => {
      const pkt = Buffer.from(frame(1, 2), 'hex');
      const hexes = (
        [
          [1, 1, 7n, 1],
          [4, 0, 0xffffffffffffffffn, 0],
          [6, 3, 0xabcn, 1],
        ] as const
      ).map(([version, tableId, cookie, reason]) =>
        Buffer.from(encodePacketIn2(version, { packet: pkt, inPort: 3, tableId, cookie }, reason)).toString('hex'),
      );
      for (const { want, got } of await printedByBoth(hexes)) {
        expect(want).toMatch(/^NXT_PACKET_IN2/);
        expect(got).toBe(want);
      }
    });

    it('flow-removed in every form (1.0, NXM, 1.3, 1.4, 1.5): ofctl ofp-print prints it as ovs-ofctl does', async () => {
      const bridge = fakeBridge();
      const flow =
        'table=4,cookie=0x3,priority=9,send_flow_rem,idle_timeout=7,hard_timeout=5,udp,nw_src=1.2.3.4,actions=drop';
      bridge.ofproto.flowMod(parseFlow(flow).fm, 4);
      const [removed] = bridge.ofproto.flowMod(parseFlow('table=4,priority=9,udp,nw_src=1.2.3.4', 4).fm, 4);
      const hexes: string[] = [];
      for (const [version, nxm] of [
        [1, false],
        [1, true],
        [4, false],
        [5, false],
        [6, false],
      ] as const) {
        for (const reason of [1, 4]) {
          const msg = encodeFlowRemoved({ ...removed, reason }, version, nxm, removed.entry.created + 1500);
          hexes.push(Buffer.from(msg).toString('hex'));
        }
      }
      for (const { want, got } of await printedByBoth(hexes)) {
        expect(want).toMatch(/FLOW_REMOVED/);
        expect(got).toBe(want);
      }
    });
  },
);
