import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFlowKey, ETH_TYPE, extractFlow, IP_PROTO, W } from '@softswitch/packet';
import { type CapturedPacket, readCaptureFile } from '@softswitch/pcap';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DummyPortSpec, dummyBridgeArgs } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { binPath, type RunningSwitchd, repoRoot, startSwitchd, waitFor } from './support/switchd.js';

/**
 * `dpctl capture`: what a port receives and sends, as its own `options:pcap` file (netdev-dummy's
 * record of both directions, what tcpdump would see on a kernel port) records it — with -w, as
 * decoded lines, filtered, counted, beside a second capture, and bounded when nobody reads.
 */

const MIX = join(repoRoot, 'fixtures', 'pcap', 'mix-small.pcap');

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A dpctl run in the background: its output so far, and its end. */
interface Background {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<Result>;
}

describeNeeding({ binaries: ['ovs-ofctl', 'ovs-vsctl', 'tcpdump'] }, 'dpctl capture through switchd', () => {
  let sw: RunningSwitchd;
  let env: NodeJS.ProcessEnv;
  let input: CapturedPacket[];
  const work = mkdtempSync(join(tmpdir(), 'capture-test-'));
  const p2Pcap = join(work, 'p2-both.pcap');

  const run = (cmd: string, args: string[]): Result => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', env });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const dpctl = (...a: string[]) => run(process.execPath, [binPath('dpctl'), ...a]);
  const appctl = (...a: string[]) => run(process.execPath, [binPath('appctl'), ...a]);
  const background = (...a: string[]): Background => {
    const child = spawn(process.execPath, [binPath('dpctl'), ...a], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.stderr?.on('data', (d) => {
      err += d;
    });
    const done = new Promise<Result>((resolve) =>
      child.once('exit', (status) => resolve({ status, stdout: out, stderr: err })),
    );
    return { child, stdout: () => out, stderr: () => err, done };
  };
  /** Starts a capture and waits until switchd has it (the client says so on stderr). */
  const startCapture = async (...a: string[]): Promise<Background> => {
    const bg = background('capture', ...a);
    await waitFor('capture listening', () => {
      if (bg.child.exitCode !== null) throw new Error(`dpctl capture exited: ${bg.stderr()}`);
      return bg.stderr().includes('listening on');
    });
    return bg;
  };
  const hex = (d: Uint8Array) => Buffer.from(d).toString('hex');
  /** Frames p2 receives: the first few of the mix, injected as netdev-dummy does. */
  const injectIntoP2 = (frames: CapturedPacket[]) => {
    const r = appctl('netdev-dummy/receive', 'p2', ...frames.map((f) => hex(f.data)));
    expect(r.stderr).toBe('');
  };

  beforeAll(async () => {
    input = await readCaptureFile(MIX);
    sw = await startSwitchd();
    env = { ...process.env, SOFTSWITCH_RUNDIR: sw.rundir };
    const ports: DummyPortSpec[] = [
      { name: 'p1', ofport: 1 },
      { name: 'p2', ofport: 2, iface: [`options:pcap=${p2Pcap}`] },
      { name: 'p3', ofport: 3 },
    ];
    const vsctl = run('ovs-vsctl', [
      `--db=unix:${join(sw.rundir, 'db.sock')}`,
      ...dummyBridgeArgs('br0', ports, { bridge: ['fail_mode=secure'] }),
    ]);
    expect(vsctl.stderr).toBe('');
    await waitFor('br0 ports', () => dpctl('show').stdout.includes('p3 (dummy)'));
    await waitFor('br0.mgmt', () => existsSync(join(sw.rundir, 'br0.mgmt')));
    for (const flow of ['in_port=1,actions=output:2', 'in_port=2,actions=output:3']) {
      expect(run('ovs-ofctl', ['add-flow', `unix:${join(sw.rundir, 'br0.mgmt')}`, flow]).stderr).toBe('');
    }
  });
  afterAll(async () => {
    await sw?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('-w writes what the port received and sent, as the port’s own pcap option records it', async () => {
    const file = join(work, 'p2.pcap');
    const received = input.slice(0, 5);
    const total = input.length + received.length;
    const before = Date.now();
    const capture = await startCapture('p2', '-w', file, '--count', String(total));
    expect(dpctl('replay', MIX, '-b', 'br0', '-i', 'p1').status).toBe(0); // all 300 leave by p2
    injectIntoP2(received); // 5 arrive on p2 (and leave by p3)
    const r = await capture.done;
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`${total} packets captured`);
    expect(r.stdout).toBe('');

    const mine = await readCaptureFile(file);
    // netdev-dummy flushes its pcap option after every batch: complete once the capture is.
    const theirs = await readCaptureFile(p2Pcap);
    expect(mine.length).toBe(total);
    expect(mine.map((p) => hex(p.data))).toEqual(theirs.slice(-total).map((p) => hex(p.data)));
    expect(mine.slice(0, input.length).map((p) => hex(p.data))).toEqual(input.map((p) => hex(p.data)));
    // Real time, in order (nanosecond pcap).
    const ms = mine.map((p) => Number(p.timestampNs / 1_000_000n));
    expect(ms[0]).toBeGreaterThanOrEqual(before - 5);
    expect(ms[ms.length - 1]).toBeLessThanOrEqual(Date.now() + 5);
    for (let i = 1; i < ms.length; i++) expect(ms[i]).toBeGreaterThanOrEqual(ms[i - 1]);
    // tcpdump reads the file: every packet, and the first as the frame it is.
    const dump = run('tcpdump', ['-nn', '-e', '-r', file]);
    expect(dump.status).toBe(0);
    expect(dump.stdout.match(/^\d\d:\d\d:\d\d\.\d{6} /gm)).toHaveLength(total); // one line per packet, some wrap
    expect(dump.stderr).toContain('link-type EN10MB (Ethernet)');
  });

  it('prints one decoded line per packet; --filter keeps only matching ones, beside an unfiltered second client', async () => {
    const isUdp4 = (p: CapturedPacket) => {
      const key = createFlowKey();
      extractFlow(p.data, 0, key);
      return (key[W.DL_TYPE] & 0xffff) === ETH_TYPE.IP && ((key[W.NW] >>> 0) & 0xff) === IP_PROTO.UDP;
    };
    const udp = input.filter(isUdp4).length;
    expect(udp).toBeGreaterThan(0);
    expect(udp).toBeLessThan(input.length);
    const filtered = await startCapture('p2', '--filter', 'udp', '--count', String(udp));
    const everything = await startCapture('p2', '--count', String(input.length));
    expect(dpctl('replay', MIX, '-b', 'br0', '-i', 'p1').status).toBe(0);
    const [f, e] = await Promise.all([filtered.done, everything.done]);

    expect(f.status).toBe(0);
    const lines = f.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(udp);
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{6} p2 tx udp,.*nw_src=.* len=\d+$/);

    expect(e.status).toBe(0);
    const all = e.stdout.trimEnd().split('\n');
    expect(all).toHaveLength(input.length);
    expect(all.filter((l) => / p2 tx udp,/.test(l))).toHaveLength(udp);
    expect(e.stderr).toContain(`${input.length} packets captured`);
  });

  it('stops on Ctrl-C and says how many it captured', async () => {
    const capture = await startCapture('p2', '--format', 'json');
    injectIntoP2(input.slice(0, 3));
    await waitFor('three JSON lines', () => capture.stdout().trimEnd().split('\n').filter(Boolean).length === 3);
    capture.child.kill('SIGINT');
    const r = await capture.done;
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('3 packets captured');
    const records = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((x) => x.direction)).toEqual(['rx', 'rx', 'rx']);
    expect(records.map((x) => x.packet)).toEqual(input.slice(0, 3).map((p) => hex(p.data)));
    expect(records[0]).toMatchObject({ port: 'p2', length: input[0].data.length });
  });

  it('bounds what waits for a client that does not read: drops and counts, the switch carries on', async () => {
    const started = appctl('dpctl/capture', 'p2');
    expect(started.status).toBe(0);
    const { id, socket } = JSON.parse(started.stdout) as { id: number; socket: string };
    // ~4.5 MB of frames with nobody reading: more than the 4 MiB switchd keeps for a capture.
    const loops = 100;
    const r = dpctl('replay', MIX, '-b', 'br0', '-i', 'p1', '--loop', String(loops), '--format', 'json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).packets).toBe(loops * input.length);
    const stats = JSON.parse(appctl('dpctl/capture-stats', String(id)).stdout);
    expect(stats.packets + stats.dropped).toBe(loops * input.length);
    expect(stats.dropped).toBeGreaterThan(0);
    expect(stats.state).toBe('running');
    // A late reader still gets what was kept, in order, starting with the first packet.
    const first = await new Promise<Buffer>((resolve, reject) => {
      const s = connect(socket);
      s.once('data', (d: Buffer) => {
        s.destroy();
        resolve(d);
      });
      s.once('error', reject);
    });
    expect(first.readUInt32LE(0)).toBe(1); // sent
    expect(hex(first.subarray(20, 20 + first.readUInt32LE(12)))).toBe(hex(input[0].data));
    await waitFor('capture ends with its reader', () =>
      appctl('dpctl/capture-stats', String(id)).stdout.includes('"done"'),
    );
    expect(existsSync(socket)).toBe(false);
    expect(dpctl('show').status).toBe(0);
  });

  it('takes an OpenFlow port number with --bridge', async () => {
    const capture = await startCapture('2', '--bridge', 'br0', '--count', '1', '--format', 'json');
    injectIntoP2(input.slice(7, 8));
    const r = await capture.done;
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ port: 'p2', direction: 'rx', packet: hex(input[7].data) });
  });

  it('refuses an unknown port or a bad filter with a precise message', () => {
    const port = dpctl('capture', 'p9');
    expect(port.status).toBe(1);
    expect(port.stderr).toContain('no port "p9"');
    const filter = dpctl('capture', 'p2', '--filter', 'tcp,tp_dst=http');
    expect(filter.status).toBe(1);
    expect(filter.stderr).toContain('--filter "tcp,tp_dst=http"');
  });
});
