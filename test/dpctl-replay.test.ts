import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePcap, readCaptureFile } from '@softswitch/pcap';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DummyPortSpec, dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { binPath, type RunningSwitchd, repoRoot, startSwitchd, waitFor } from './support/switchd.js';

/**
 * `dpctl replay`: switchd feeds a capture through a bridge's datapath, captures what each port
 * sends, and dpctl compares that with expected captures — checked against the input itself and
 * against real Open vSwitch given the same bridge, flows and packets.
 */

const MIX = join(repoRoot, 'fixtures', 'pcap', 'mix-small.pcap');
const PORTS: DummyPortSpec[] = [
  { name: 'p1', ofport: 1 },
  { name: 'p2', ofport: 2 },
  { name: 'p3', ofport: 3 },
];

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A switchd with bridge br0 of dummy ports p1..p3 and the given flows (none: the fail mode's). */
async function switchdBridge(
  flows: string[],
  bridgeArgs: string[],
): Promise<{ sw: RunningSwitchd; dpctl: (...a: string[]) => ReturnType<typeof run> }> {
  const sw = await startSwitchd();
  const env = { ...process.env, SOFTSWITCH_RUNDIR: sw.rundir };
  const vsctl = run(
    'ovs-vsctl',
    [`--db=unix:${join(sw.rundir, 'db.sock')}`, ...dummyBridgeArgs('br0', PORTS, { bridge: bridgeArgs })],
    env,
  );
  expect(vsctl.stderr).toBe('');
  const dpctl = (...a: string[]) => run(process.execPath, [binPath('dpctl'), ...a], env);
  await waitFor('br0 ports in the datapath', () => dpctl('show').stdout.includes('p3 (dummy)'));
  const mgmt = `unix:${join(sw.rundir, 'br0.mgmt')}`;
  await waitFor('br0.mgmt', () => existsSync(join(sw.rundir, 'br0.mgmt')));
  for (const flow of flows) {
    const r = run('ovs-ofctl', ['add-flow', mgmt, flow]);
    expect(r.stderr, flow).toBe('');
  }
  return { sw, dpctl };
}

describeNeeding({ binaries: ['ovs-ofctl', 'ovs-vsctl'] }, 'dpctl replay through switchd', () => {
  let sw: RunningSwitchd;
  let dpctl: (...a: string[]) => ReturnType<typeof run>;
  const work = mkdtempSync(join(tmpdir(), 'replay-test-'));

  beforeAll(async () => {
    ({ sw, dpctl } = await switchdBridge(['in_port=1,actions=output:2'], ['fail_mode=secure']));
  });
  afterAll(async () => {
    await sw?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('replays every frame, counts it, and captures what each port sent', async () => {
    const out = join(work, 'out');
    const r = dpctl('replay', MIX, '--bridge', 'br0', '--in-port', '1', '--out', out, '--format', 'json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    const input = await readCaptureFile(MIX);
    expect(summary.packets).toBe(input.length);
    expect(summary.hit + summary.missed + summary.lost).toBe(input.length);
    expect(summary.missed).toBeGreaterThan(0);
    expect(summary.upcalls).toBeGreaterThan(0);
    expect(summary.outputs).toMatchObject({ p1: 0, p2: input.length, p3: 0 });
    const sent = await readCaptureFile(join(out, 'p2.pcap'));
    expect(sent.map((p) => Buffer.from(p.data).toString('hex'))).toEqual(
      input.map((p) => Buffer.from(p.data).toString('hex')),
    );
    expect(await readCaptureFile(join(out, 'p3.pcap'))).toEqual([]);
  });

  it('prints a table, loops, and names the in-port by name', () => {
    const r = dpctl('replay', MIX, '-b', 'br0', '-i', 'p1', '--loop', '2');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/packets\s*│\s*600\s*│/);
    expect(r.stdout).toContain('packets/s');
    expect(r.stdout).toContain('upcalls');
  });

  it('--expect passes on the right captures and shows the first difference on a doctored one', async () => {
    const expected = join(work, 'expected');
    mkdirSync(expected, { recursive: true });
    const input = await readCaptureFile(MIX);
    writeFileSync(join(expected, 'p2.pcap'), encodePcap(input));
    writeFileSync(join(expected, 'p3.pcap'), encodePcap([]));
    const good = dpctl('replay', MIX, '-b', 'br0', '-i', '1', '--expect', expected);
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    expect(good.stdout).toContain('outputs match the expected captures');

    const doctored = input.map((p) => ({ data: p.data.slice() }));
    doctored[5].data[0] ^= 0x02; // another destination MAC
    writeFileSync(join(expected, 'p2.pcap'), encodePcap(doctored));
    const bad = dpctl('replay', MIX, '-b', 'br0', '-i', '1', '--expect', expected);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('port p2: expected 300 packets, got 300; first difference at packet 5');
    expect(bad.stdout).toMatch(/expected: \S*dl_dst=/);
    expect(bad.stdout).toMatch(/actual: {3}\S*dl_dst=/);
    expect(bad.stderr).toContain('1 port(s) differ');
  });

  it('refuses an unknown bridge or port', () => {
    const r = dpctl('replay', MIX, '-b', 'nope', '-i', '1');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no such bridge');
    const p = dpctl('replay', MIX, '-b', 'br0', '-i', 'p9');
    expect(p.status).toBe(1);
    expect(p.stderr).toContain('no port "p9"');
  });
});

/**
 * Feeds the capture into real Open vSwitch's p1 as replay does: one datapath batch (32 packets)
 * per appctl call, and the flows revalidated between batches (replay revalidates after each
 * batch; Open vSwitch's revalidators run whenever they like: pause them during a batch, wait for a round after it).
 */
async function injectIntoOvs(ovs: OvsSandbox, frames: Uint8Array[]): Promise<void> {
  const processed = () => {
    const m = /hit:(\d+) missed:(\d+) lost:(\d+)/.exec(ovs.appctl('dpctl/show'));
    return m ? Number(m[1]) + Number(m[2]) + Number(m[3]) : 0;
  };
  const before = processed();
  for (let i = 0; i < frames.length; i += 32) {
    const chunk = frames.slice(i, i + 32);
    // Paused while the batch runs: a MAC learned in it must not revalidate flows mid-batch.
    ovs.appctl('revalidator/pause');
    ovs.appctl('netdev-dummy/receive', 'p1', ...chunk.map((f) => Buffer.from(f).toString('hex')));
    await waitFor('Open vSwitch to process a batch', () => processed() - before >= i + chunk.length, 20_000);
    ovs.appctl('revalidator/resume');
    ovs.appctl('revalidator/wait');
  }
}

const REWRITE_FLOWS = [
  'in_port=1,tcp,actions=mod_tp_dst:8080,mod_dl_src:02:00:00:00:00:aa,output:3',
  'in_port=1,ip,actions=mod_nw_src:192.168.9.9,mod_nw_tos:32,output:2',
  'in_port=1,arp,actions=mod_vlan_vid:7,output:2',
  'priority=1,in_port=1,actions=output:3',
];

for (const [name, flows, bridgeArgs] of [
  ['a NORMAL bridge', [], []],
  ['a rewrite flow table', REWRITE_FLOWS, ['fail_mode=secure']],
] as const) {
  describeNeeding(
    { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-ofctl', 'ovs-appctl'] },
    `dpctl replay against Open vSwitch: ${name}`,
    () => {
      let ovs: OvsSandbox;
      let sw: RunningSwitchd;
      let dpctl: (...a: string[]) => ReturnType<typeof run>;
      let ovsOut: string;

      beforeAll(async () => {
        ovs = startOvsSandbox();
        ovsOut = join(ovs.dir, 'captures');
        mkdirSync(ovsOut);
        ovs.vsctl(
          ...dummyBridgeArgs(
            'br0',
            PORTS.map((p) => ({ ...p, txPcap: true })),
            { bridge: [...bridgeArgs], pcapDir: ovsOut },
          ),
        );
        for (const flow of flows) ovs.ofctl('add-flow', 'br0', flow);
        const frames = (await readCaptureFile(MIX)).map((p) => p.data);
        await injectIntoOvs(ovs, frames);
        ({ sw, dpctl } = await switchdBridge([...flows], [...bridgeArgs]));
      }, 40_000);
      afterAll(async () => {
        ovs?.stop();
        await sw?.stop();
      });

      it('sends on every port what Open vSwitch sent', async () => {
        const sent = await readCaptureFile(join(ovsOut, 'p2.pcap'));
        expect(sent.length).toBeGreaterThan(0);
        const r = dpctl('replay', MIX, '-b', 'br0', '-i', 'p1', '--expect', ovsOut);
        expect(r.stdout).toContain('outputs match the expected captures');
        expect(r.status).toBe(0);
      });
    },
  );
}
