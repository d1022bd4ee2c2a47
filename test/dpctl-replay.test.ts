import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePcap, readCaptureFile } from '@softswitch/pcap';
import { unixctlCall } from '@softswitch/unixctl';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CaptureStreamReader } from '../apps/dpctl/src/live/capture-stream.js';
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

describeNeeding(
  { binaries: ['ovs-ofctl', 'ovs-vsctl', 'script'] },
  'dpctl replay pacing, progress and concurrency',
  () => {
    let sw: RunningSwitchd;
    let dpctl: (...a: string[]) => ReturnType<typeof run>;
    let input: Awaited<ReturnType<typeof readCaptureFile>>;
    // Straight on the control socket (as appctl does, without a process start per call): the
    // calls must answer while the replay is still running.
    const call = (command: string, ...args: string[]) =>
      unixctlCall(join(sw.rundir, 'switchd.ctl'), command, args, 10_000);
    const status = async (job: number) => JSON.parse(await call('dpctl/replay-status', String(job)));
    // switchd numbers the jobs in order: the next is one past the newest it has.
    let newestJob = 0;
    const jobExists = (job: number) =>
      status(job).then(
        () => true,
        () => false,
      );
    const nextJob = async () => {
      while (await jobExists(newestJob + 1)) newestJob++;
      return newestJob + 1;
    };
    const detach = async (...a: string[]) => {
      const started = JSON.parse(await call('dpctl/replay', 'br0', 'p1', MIX, ...a, '--detach')) as {
        job: number;
        total: number;
      };
      newestJob = Math.max(newestJob, started.job);
      return started;
    };
    const finish = async (job: number) => {
      let last = await status(job);
      while (last.state === 'running') {
        await new Promise((r) => setTimeout(r, 20));
        last = await status(job);
      }
      return last;
    };

    beforeAll(async () => {
      ({ sw, dpctl } = await switchdBridge(['in_port=1,actions=output:2'], ['fail_mode=secure']));
      input = await readCaptureFile(MIX);
    });
    afterAll(async () => {
      await sw?.stop();
    });

    it('--rate paces the packets: none leaves early, and the run lasts (N-1)/rate', async () => {
      // What p1 receives, timestamped by switchd as each batch enters the datapath (before any
      // processing, so an upcall's time does not shift the clock the schedule is checked on).
      const cap = JSON.parse(await call('dpctl/capture', 'p1', '--count', String(input.length)));
      const records = readCaptureSocket(cap.socket);
      const rate = 1000;
      const r = dpctl('replay', MIX, '-b', 'br0', '-i', 'p1', '--rate', String(rate), '--format', 'json');
      expect(r.stderr).toBe('');
      const summary = JSON.parse(r.stdout);
      expect(summary.packets).toBe(input.length);
      const minMs = ((input.length - 1) * 1000) / rate;
      expect(summary.elapsedMs).toBeGreaterThanOrEqual(minMs - 1);
      // Pacing can run late on a loaded machine, never ahead of the rate.
      expect(summary.packetsPerSecond).toBeLessThanOrEqual(rate * 1.02);
      expect(summary.packetsPerSecond).toBeGreaterThan(rate * 0.5);

      const times = (await records).map((t) => Number(t) / 1e6); // ms
      expect(times).toHaveLength(input.length);
      // Packet i is due i/rate after the start, which is just before the first packet enters;
      // timer jitter only delays packets. The slack covers the process being descheduled between
      // the start and the first packet on this loaded machine.
      const slackMs = 5;
      for (let i = 1; i < times.length; i++) {
        expect(times[i] - times[0], `packet ${i}`).toBeGreaterThanOrEqual((i * 1000) / rate - slackMs);
      }
      expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(minMs - slackMs);
    });

    it('keeps answering other commands while a replay runs, and reports its progress', async () => {
      const { job, total } = await detach('--loop', '6', '--rate', '1500');
      expect(total).toBe(6 * input.length);
      // These answer while the replay is mid-way: the replay yields to the event loop.
      expect(await call('ofproto/list')).toBe('br0\n');
      expect(await call('dpctl/show')).toContain('port 2: p2 (dummy)');
      const mid = await status(job);
      expect(mid.state).toBe('running');
      expect(mid.packets).toBeLessThan(total);
      expect(mid.packets).toBeGreaterThan(0);
      const last = await finish(job);
      expect(last).toMatchObject({ state: 'done', packets: total, total });
      expect(last.summary).toMatchObject({ packets: total, bridge: 'br0', inPort: 'p1' });
      expect(last.summary.emcHits + last.summary.megaflowHits).toBe(last.summary.hit);
      expect(last.elapsedMs).toBeGreaterThanOrEqual(((total - 1) * 1000) / 1500 - 1);
    });

    it('cancels a running replay and still gives its counts', async () => {
      const { job, total } = await detach('--loop', '20', '--rate', '500');
      expect(await call('dpctl/replay-cancel', String(job))).toBe('');
      const last = await finish(job);
      expect(last.state).toBe('cancelled');
      expect(last.packets).toBeLessThan(total);
      expect(last.summary.packets).toBe(last.packets);
      await expect(call('dpctl/replay-status', '999')).rejects.toThrow('no replay job 999');
    });

    it('Ctrl-C cancels the replay in switchd and still prints the counts', async () => {
      const job = await nextJob();
      const child = spawn(
        process.execPath,
        [
          binPath('dpctl'),
          'replay',
          MIX,
          '-b',
          'br0',
          '-i',
          'p1',
          '--loop',
          '50',
          '--rate',
          '1000',
          '--format',
          'json',
        ],
        { env: { ...process.env, SOFTSWITCH_RUNDIR: sw.rundir }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout?.on('data', (d) => {
        out += d;
      });
      child.stderr?.on('data', (d) => {
        err += d;
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      // dpctl catches Ctrl-C from before it asks for the job: once switchd has the job (and
      // packets going, for counts to check), the interrupt is dpctl's to handle.
      await until('switchd to run the replay', async () => {
        if (child.exitCode !== null) throw new Error(`dpctl exited early (${child.exitCode}): ${err}`);
        const s = await status(job).catch(() => undefined);
        return s?.state === 'running' && s.packets > 0;
      });
      child.kill('SIGINT');
      expect(await exited).toBe(1);
      const summary = JSON.parse(out);
      expect(summary.packets).toBeGreaterThan(0);
      expect(summary.packets).toBeLessThan(50 * input.length);
      expect(err).toContain(`replay: interrupted after ${summary.packets} packets`);
      expect(await status(job)).toMatchObject({ state: 'cancelled', packets: summary.packets });
    });

    // On a terminal: a pseudo-terminal (util-linux script) of known width, as a user's shell would
    // give, and a user's environment: under CI=true ink draws only the last frame, no redraws in place.
    const userEnv = () => ({
      ...Object.fromEntries(
        Object.entries(process.env).filter(([name]) => name !== 'CI' && name !== 'CONTINUOUS_INTEGRATION'),
      ),
      SOFTSWITCH_RUNDIR: sw.rundir,
    });

    it('draws an ink progress bar on a terminal, then the summary', () => {
      const cmd = `stty cols 120 rows 30; exec '${process.execPath}' '${binPath('dpctl')}' replay '${MIX}' -b br0 -i p1 --loop 2 --rate 600`;
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: userEnv() });
      expect(r.status).toBe(0);
      const screen = r.stdout.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
      // Redrawn in place while it runs (1 s, polled every 0.1 s): packets done/total, percent,
      // rate and elapsed time; ending full.
      expect(screen).toMatch(/replay br0:p1 █+░+ \d+\/600 packets +\d+% [\d.]+[kMG]? pkt\/s [\d.]+ s/);
      expect(screen).toMatch(/replay br0:p1 █{30} 600\/600 packets 100% [\d.]+[kMG]? pkt\/s [\d.]+ s/);
      expect(screen).toMatch(/packets\s*│\s*600\s*│/);
    });

    it('Ctrl-C on the terminal, with the bar drawn, cancels the replay too', async () => {
      const job = await nextJob();
      // exec: dpctl alone in the terminal's foreground, as a job-control shell would run it. A
      // non-interactive /bin/sh (dash) in between would itself die of the SIGINT (exit 130).
      const cmd = `stty cols 120 rows 30; exec '${process.execPath}' '${binPath('dpctl')}' replay '${MIX}' -b br0 -i p1 --loop 50 --rate 1000`;
      // script copies its stdin to the terminal, whose line discipline turns ^C into SIGINT.
      const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: userEnv(), stdio: ['pipe', 'pipe', 'ignore'] });
      let screen = '';
      child.stdout?.on('data', (d) => {
        screen += d;
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      await until('switchd to run the replay', async () => {
        if (child.exitCode !== null) throw new Error(`script exited early (${child.exitCode}): ${screen}`);
        const s = await status(job).catch(() => undefined);
        return s?.state === 'running' && s.packets > 0;
      });
      child.stdin?.write('\u0003');
      const code = await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000, 'still running'))]);
      if (code === 'still running') child.kill();
      expect(code).toBe(1);
      const last = await status(job);
      expect(last.state).toBe('cancelled');
      const text = screen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
      expect(text).toMatch(/replay br0:p1 █*░+ \d+\/15000 packets/);
      expect(text).toMatch(new RegExp(`packets\\s*│\\s*${last.packets}\\s*│`));
      expect(text).toContain(`replay: interrupted after ${last.packets} packets`);
    });

    it('prints no progress bar when stdout is not a terminal, and the cache hit rates in the summary', () => {
      const r = dpctl('replay', MIX, '-b', 'br0', '-i', 'p1', '--rate', '5000');
      expect(r.status).toBe(0);
      expect(r.stdout.startsWith('┌')).toBe(true);
      expect(r.stdout).not.toContain('█');
      expect(r.stdout).toMatch(/EMC hit rate\s*│\s*[\d.]+%/);
      expect(r.stdout).toMatch(/megaflow hit rate\s*│\s*[\d.]+%/);
      expect(dpctl('replay', MIX, '-b', 'br0', '-i', 'p1', '--rate', 'fast').stderr).toContain(
        '--rate: "fast" is not a number of packets per second > 0',
      );
    });
  },
);

/** Polls an asynchronous `check` until it holds or `timeoutMs` passes. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Reads a capture socket to its end; the timestamp (ns) of each record. */
function readCaptureSocket(path: string): Promise<bigint[]> {
  return new Promise((resolve, reject) => {
    const reader = new CaptureStreamReader();
    const times: bigint[] = [];
    const s = connect(path);
    s.on('data', (d: Buffer) => {
      for (const r of reader.push(d)) times.push(r.timestampNs);
    });
    s.on('error', reject);
    s.on('close', () => resolve(times));
  });
}
