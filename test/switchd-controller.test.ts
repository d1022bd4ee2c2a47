import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { composePacket } from '@softswitch/packet';
import { afterAll, expect, it } from 'vitest';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Our switchd or a real ovs-vswitchd, driven by the same real tools. */
interface Switch {
  dir: string;
  env?: NodeJS.ProcessEnv;
  vsctl(...args: string[]): string;
  appctl(...args: string[]): string;
}

const ours = (sw: RunningSwitchd): Switch => ({
  dir: sw.rundir,
  // ovs-ofctl monitor puts its own control socket in OVS_RUNDIR.
  env: { ...process.env, OVS_RUNDIR: sw.rundir },
  vsctl: (...args) => run('ovs-vsctl', [`--db=unix:${join(sw.rundir, 'db.sock')}`, ...args]),
  appctl: (...args) => run('ovs-appctl', ['-t', join(sw.rundir, 'switchd.ctl'), ...args]),
});
const real = (ovs: OvsSandbox): Switch => ({ dir: ovs.dir, env: ovs.env, vsctl: ovs.vsctl, appctl: ovs.appctl });

const mac = (n: number) => `50:54:00:00:00:${n.toString(16).padStart(2, '0')}`;
function frame(src: number, dst: number, proto = 'udp'): string {
  return Buffer.from(
    composePacket(
      `dl_src=${mac(src)},dl_dst=${mac(dst)},${proto},nw_src=10.0.0.${src},nw_dst=10.0.0.${dst},tp_src=1,tp_dst=2`,
    ),
  ).toString('hex');
}
/** Frames from this host only make sure the monitor is listening; they are left out of the comparison. */
const PROBE = 9;

interface Monitor {
  child: ChildProcess;
  /** Packet-ins so far, headers normalized, probes left out. */
  packetIns(): string[];
}

/** `ovs-ofctl monitor <bridge mgmt> 65534`, line-buffered so each message shows up at once. */
function monitor(sw: Switch, proto: string): Monitor {
  const child = spawn(
    'stdbuf', // Standard packet-ins here (NXT_PACKET_IN2: switchd-controller-status.test.ts).
    [
      '-oL',
      'ovs-ofctl',
      '-O',
      proto,
      '--packet-in-format=standard',
      'monitor',
      `unix:${join(sw.dir, 'br0.mgmt')}`,
      '65534',
    ],
    {
      env: sw.env ?? process.env,
    },
  );
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const all = () => {
    const msgs: string[] = [];
    const lines = out.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /^(?:OFPT_PACKET_IN|NXT_PACKET_IN2?)(?: \(OF1\.\d\))? \(xid=0x[0-9a-f]+\): (.*)$/.exec(lines[i]);
      if (m && i + 1 < lines.length) msgs.push(`${m[1]} | ${lines[i + 1]}`);
    }
    return msgs;
  };
  return {
    child,
    packetIns: () => all().filter((m) => !m.includes(mac(PROBE))),
    probes: () => all().length,
    output: () => out,
  } as Monitor & {
    probes(): number;
    output(): string;
  };
}

/** Sets up br0 (p1, p2), installs `flows`, injects `frames`, returns the packet-ins a monitor saw. */
async function packetIns(sw: Switch, proto: string, flows: string[], frames: [string, string][]): Promise<string[]> {
  sw.vsctl(
    ...dummyBridgeArgs('br0', [
      { name: 'p1', ofport: 1 },
      { name: 'p2', ofport: 2 },
    ]),
  );
  const ofctl = (...args: string[]) => run('ovs-ofctl', ['-O', proto, ...args], sw.env);
  const mgmt = `unix:${join(sw.dir, 'br0.mgmt')}`;
  await waitFor('br0 management socket', () => spawnSync('ovs-ofctl', ['show', mgmt], { env: sw.env }).status === 0);
  for (const f of flows) ofctl('add-flow', mgmt, f);
  ofctl('add-flow', mgmt, `priority=100,dl_src=${mac(PROBE)},actions=controller`);
  const mon = monitor(sw, proto) as Monitor & { probes(): number; output(): string };
  try {
    // The monitor sets miss_send_len some time after it starts: probe until one comes back.
    try {
      await waitFor('monitor to receive packet-ins', () => {
        if (mon.probes() > 0) return true;
        sw.appctl('netdev-dummy/receive', 'p1', frame(PROBE, 1));
        return false;
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}; monitor said: ${mon.output()}`);
    }
    for (const [port, hex] of frames) sw.appctl('netdev-dummy/receive', port, hex);
    await waitFor(`${frames.length} packet-ins`, () => mon.packetIns().length >= frames.length, 10_000);
    return mon.packetIns();
  } finally {
    mon.child.kill();
    sw.vsctl('del-br', 'br0');
  }
}

describeNeeding(
  { binaries: ['ovs-vsctl', 'ovs-appctl', 'ovs-ofctl', 'ovs-vswitchd', 'ovsdb-server', 'stdbuf'] },
  'switchd packet-in (controller action → OpenFlow connections)',
  () => {
    let sandbox: OvsSandbox | undefined;
    let switchd: RunningSwitchd | undefined;
    afterAll(async () => {
      await switchd?.stop();
      sandbox?.stop();
    });

    const flows = [
      'table=0,priority=10,in_port=1,actions=resubmit(,1)',
      'table=1,cookie=0x7,priority=5,actions=controller:20',
      'table=0,cookie=0xabc,priority=10,in_port=2,udp,actions=controller',
      'table=0,priority=0,actions=controller',
    ];
    const frames: [string, string][] = [
      ['p1', frame(1, 2)],
      ['p2', frame(2, 1)],
      // The table-miss flow: an explicit miss, "action" in OpenFlow 1.0, "no_match" in 1.3.
      ['p2', frame(2, 1, 'tcp')],
    ];

    for (const proto of ['OpenFlow10', 'OpenFlow13']) {
      it(`${proto}: reason, table_id, cookie, in_port, max_len and buffer_id as Open vSwitch sends them`, async () => {
        sandbox ??= startOvsSandbox();
        switchd ??= await startSwitchd();
        const expected = await packetIns(real(sandbox), proto, flows, frames);
        const got = await packetIns(ours(switchd), proto, flows, frames);
        expect(got).toEqual(expected);
        // No buffers: the whole packet goes up whatever the action's max_len (20 here), as in OVS 3.1.
        expect(got, got.join('\n')).toHaveLength(3);
        expect(got.find((m) => m.includes('| tcp,'))).toMatch(
          proto === 'OpenFlow10' ? /\(via action\)/ : /\(via no_match\)/,
        );
        expect(got.find((m) => m.includes('in_port=1'))).toMatch(
          /total_len=106 in_port=1 \(via action\) data_len=106 \(unbuffered\)/,
        );
      });
    }
  },
);
