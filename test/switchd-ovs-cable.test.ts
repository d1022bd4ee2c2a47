import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readCaptureFile } from '@softswitch/pcap';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { binPath, type RunningSwitchd, startSwitchd } from './support/switchd.js';

/**
 * A softswitch bridge and a real Open vSwitch bridge wired together like a cable, by dummy ports
 * that carry frames over a Unix stream socket (OVS's netdev-dummy `pstream=`/`stream=` framing).
 * Both bridges run NORMAL: a frame from a host on one side must come out of the host port on the
 * other, both ways, with MAC learning on each side.
 */

const HOST_A = '50:54:00:00:00:0a';
const HOST_B = '50:54:00:00:00:0b';
const frame = (src: string, dst: string, ip: string) =>
  `in_port(2),eth(src=${src},dst=${dst}),eth_type(0x0800),ipv4(src=${ip},dst=10.0.0.99,proto=17,tos=0,ttl=64,frag=no),udp(src=1000,dst=2000)`;

async function frames(path: string): Promise<{ src: string; dst: string }[]> {
  if (!existsSync(path)) return [];
  const mac = (b: Uint8Array, at: number) =>
    Array.from(b.subarray(at, at + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
  return (await readCaptureFile(path).catch(() => [])).map((p) => ({ dst: mac(p.data, 0), src: mac(p.data, 6) }));
}

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-vsctl', 'ovs-appctl'] },
  'softswitch cabled to Open vSwitch',
  () => {
    let ovs: OvsSandbox;
    let sw: RunningSwitchd;
    const appctl = (...args: string[]) => {
      const r = spawnSync(process.execPath, [binPath('appctl'), '--rundir', sw.rundir, ...args], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`appctl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };

    beforeAll(async () => {
      ovs = startOvsSandbox();
      const cable = join(ovs.dir, 'cable.sock');
      ovs.vsctl(
        ...dummyBridgeArgs(
          'br0',
          [
            { name: 'c0', ofport: 1, iface: [`options:pstream=punix:${cable}`] },
            { name: 'h1', ofport: 2, txPcap: true },
          ],
          { pcapDir: ovs.dir },
        ),
      );
      sw = await startSwitchd();
      const db = `--db=unix:${join(sw.rundir, 'db.sock')}`;
      const r = spawnSync(
        'ovs-vsctl',
        [
          db,
          ...dummyBridgeArgs(
            'br1',
            [
              { name: 'c1', ofport: 1, iface: [`options:stream=unix:${cable}`] },
              { name: 'h2', ofport: 2, txPcap: true },
            ],
            { pcapDir: sw.rundir },
          ),
        ],
        { encoding: 'utf8' },
      );
      expect(r.stderr).toBe('');
    });
    afterAll(async () => {
      await sw?.stop();
      ovs?.stop();
    });

    /**
     * Injects `send` until `arrived` holds: the stream cable connects asynchronously after both
     * bridges are configured, and a frame sent before that is lost, as on a real cable.
     */
    async function sendUntil(what: string, send: () => void, arrived: () => Promise<boolean>): Promise<void> {
      const deadline = Date.now() + 15_000;
      for (;;) {
        send();
        const retryAt = Date.now() + 500;
        while (Date.now() < retryAt) {
          if (await arrived()) return;
          await new Promise((r) => setTimeout(r, 25));
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      }
    }

    it('carries frames from Open vSwitch to softswitch and back, learning on both sides', async () => {
      // Host A behind OVS talks to unknown B: OVS floods into the cable, softswitch floods to h2.
      await sendUntil(
        'the frame at softswitch h2',
        () => ovs.appctl('netdev-dummy/receive', 'h1', frame(HOST_A, HOST_B, '10.0.0.10')),
        async () => (await frames(join(sw.rundir, 'h2.pcap'))).some((f) => f.src === HOST_A && f.dst === HOST_B),
      );
      // B answers from softswitch: both sides have learned A, so it is unicast back to h1.
      await sendUntil(
        'the answer at OVS h1',
        () => appctl('netdev-dummy/receive', 'h2', frame(HOST_B, HOST_A, '10.0.0.11')),
        async () => (await frames(join(ovs.dir, 'h1.pcap'))).some((f) => f.src === HOST_B && f.dst === HOST_A),
      );
      expect(appctl('fdb/show', 'br1')).toMatch(/\s1\s+0\s+50:54:00:00:00:0a/);
      expect(ovs.appctl('fdb/show', 'br0')).toMatch(/\s1\s+0\s+50:54:00:00:00:0b/);
    });
  },
);
