import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { composePacket } from '@softswitch/packet';
import { readCaptureFile } from '@softswitch/pcap';
import { afterAll, expect, it } from 'vitest';
import { dummyBridgeArgs } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const mac = (n: number) => `50:54:00:00:00:${n.toString(16).padStart(2, '0')}`;
const frame = (src: number, dst: number) =>
  Buffer.from(
    composePacket(
      `dl_src=${mac(src)},dl_dst=${mac(dst)},udp,nw_src=10.0.0.${src},nw_dst=10.0.0.${dst},tp_src=1,tp_dst=2`,
    ),
  ).toString('hex');

async function captured(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  return (await readCaptureFile(path)).map((p) => Buffer.from(p.data).toString('hex'));
}

/** Polls a capture until it holds `n` frames (pcap writes land asynchronously). */
async function framesOut(path: string, n: number): Promise<string[]> {
  let got: string[] = [];
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    got = await captured(path);
    if (got.length >= n) return got;
    await new Promise((r) => setTimeout(r, 20));
  }
  return got;
}

describeNeeding(
  { binaries: ['ovs-vsctl', 'ovs-appctl', 'ovs-ofctl', 'ovs-testcontroller'] },
  'switchd with a real ovs-testcontroller (active controller, fail_mode=secure)',
  () => {
    let switchd: RunningSwitchd | undefined;
    let controller: ChildProcess | undefined;
    afterAll(async () => {
      controller?.kill();
      await switchd?.stop();
    });

    it('the learning controller gets the misses, learns both hosts and forwards between them', async () => {
      switchd = await startSwitchd();
      const dir = switchd.rundir;
      const sock = join(dir, 'controller.sock');
      let log = '';
      controller = spawn('ovs-testcontroller', ['-v', '-O', 'OpenFlow10', '--no-chdir', `punix:${sock}`], {
        env: { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir },
      });
      controller.stderr?.on('data', (d) => {
        log += d;
      });
      controller.stdout?.on('data', (d) => {
        log += d;
      });
      controller.on('exit', (code, sig) => {
        log += `\nEXIT ${code} ${sig}\n`;
      });
      await waitFor('ovs-testcontroller socket', () => existsSync(sock));
      const vsctl = (...args: string[]) => run('ovs-vsctl', [`--db=unix:${join(dir, 'db.sock')}`, ...args]);
      const appctl = (...args: string[]) => run('ovs-appctl', ['-t', join(dir, 'switchd.ctl'), ...args]);
      vsctl(
        ...dummyBridgeArgs(
          'br0',
          [
            { name: 'p1', ofport: 1, txPcap: true },
            { name: 'p2', ofport: 2, txPcap: true },
          ],
          { bridge: ['fail_mode=secure'], pcapDir: dir },
        ),
        '--',
        'set-controller',
        'br0',
        `unix:${sock}`,
      );
      // Connected once the controller has configured the switch (it asks for the features first).
      await waitFor('controller connection', () => /OFPT_FEATURES_REPLY|features_reply/i.test(log), 15_000).catch(
        (err) => {
          throw new Error(`${(err as Error).message}; controller log: ${log}`);
        },
      );
      // switchd reports the connection back (with its periodic status, as Open vSwitch does).
      await waitFor(
        'Controller is_connected',
        () => vsctl('get', 'controller', 'br0', 'is_connected').trim() === 'true',
        12_000,
      );
      // Secure: no NORMAL flow; only the controller decides.
      expect(run('ovs-ofctl', ['dump-flows', `unix:${join(dir, 'br0.mgmt')}`])).not.toContain('NORMAL');

      const a2b = frame(1, 2);
      const b2a = frame(2, 1);
      const pcap = (p: string) => join(dir, `${p}.pcap`);
      appctl('netdev-dummy/receive', 'p1', a2b); // unknown B: the controller floods
      expect(await framesOut(pcap('p2'), 1), `${log}\n${switchd.output()}\n${appctl('dpctl/dump-flows')}`).toEqual([
        a2b,
      ]);
      appctl('netdev-dummy/receive', 'p2', b2a); // A learned on port 1: straight there
      expect(await framesOut(pcap('p1'), 1)).toEqual([b2a]);
      appctl('netdev-dummy/receive', 'p1', a2b); // B learned on port 2
      expect(await framesOut(pcap('p2'), 2)).toEqual([a2b, a2b]);
      expect(await captured(pcap('p1'))).toEqual([b2a]); // nothing flooded back to A
    });
  },
);
