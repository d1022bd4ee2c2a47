import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { composePacket } from '@softswitch/packet';
import { afterAll, expect, it } from 'vitest';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const FRAME_SRC = 'dl_src=50:54:00:00:00:01';
const frame = Buffer.from(
  composePacket(`${FRAME_SRC},dl_dst=50:54:00:00:00:02,udp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1,tp_dst=2`),
).toString('hex');

const firstIn = (msgs: string[]) => msgs.findIndex((m) => m.startsWith('OFPT_PACKET_IN'));

/** A long-running tool whose output (stdout + stderr) the test reads as it comes. */
function watch(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  const p = spawn('stdbuf', ['-oL', cmd, ...args], { env });
  const w = { process: p, out: '', exited: false };
  p.stdout.on('data', (d) => {
    w.out += d;
  });
  p.stderr.on('data', (d) => {
    w.out += d;
  });
  p.on('exit', () => {
    w.exited = true;
  });
  return w;
}

/**
 * What a snoop printed: one entry per message, xids and the controller's echo keepalives
 * (timing-dependent) left out. Only complete lines count (the last may still be on its way).
 */
function snooped(out: string): string[] {
  const msgs: string[] = [];
  for (const line of out.slice(0, out.lastIndexOf('\n') + 1).split('\n')) {
    if (/^(OFPT|OFPST|NXT|ONFT)/.test(line)) msgs.push(line);
    else if (msgs.length && line !== '') msgs[msgs.length - 1] += `\n${line}`;
  }
  return msgs.filter((m) => !/^OFPT_ECHO/.test(m)).map((m) => m.replace(/\(xid=0x[0-9a-f]+\)/g, '(xid=X)'));
}

const PORTS = [
  { name: 'p1', ofport: 1 },
  { name: 'p2', ofport: 2 },
];

describeNeeding(
  { binaries: ['ovs-vsctl', 'ovs-appctl', 'ovs-ofctl', 'ovs-testcontroller', 'ovs-vswitchd', 'stdbuf'] },
  '.snoop: ovs-ofctl snoop sees the controller conversation as on ovs-vswitchd',
  () => {
    const children: ChildProcess[] = [];
    let switchd: RunningSwitchd | undefined;
    let ovs: OvsSandbox | undefined;
    afterAll(async () => {
      for (const c of children) c.kill();
      await switchd?.stop();
      ovs?.stop();
    });

    it('without a controller the snoop connection is refused, as OVS refuses it', async () => {
      switchd = await startSwitchd();
      ovs = startOvsSandbox();
      const sd = switchd.rundir;
      run('ovs-vsctl', [
        `--db=unix:${join(sd, 'db.sock')}`,
        ...dummyBridgeArgs('br0', PORTS, { bridge: ['fail_mode=secure'] }),
      ]);
      ovs.vsctl(...dummyBridgeArgs('br0', PORTS, { bridge: ['fail_mode=secure'] }));
      await waitFor('br0.snoop', () => existsSync(join(sd, 'br0.snoop')));
      const ours = spawnSync('ovs-ofctl', ['snoop', `unix:${join(sd, 'br0.snoop')}`], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      const theirs = spawnSync('ovs-ofctl', ['snoop', `unix:${join(ovs.dir, 'br0.snoop')}`], {
        encoding: 'utf8',
        timeout: 10_000,
        env: ovs.env,
      });
      expect(ours.status).toBe(1);
      expect(ours.status).toBe(theirs.status);
      // Hung up before or after ovs-ofctl's hello goes out (a race on both switches).
      const hungUp = /^ovs-ofctl: .*\((Connection reset by peer|Broken pipe)\)\n$/;
      expect(theirs.stderr).toMatch(hungUp);
      expect(ours.stderr).toMatch(hungUp);
    });

    it('OpenFlow13: the packet-in to ovs-testcontroller and its packet-out, as against OVS', async () => {
      if (!switchd || !ovs) throw new Error('needs the first test');
      const sides = [
        {
          dir: switchd.rundir,
          env: { ...process.env, OVS_RUNDIR: switchd.rundir },
          appctl: ['-t', join(switchd.rundir, 'switchd.ctl')],
          db: join(switchd.rundir, 'db.sock'),
        },
        { dir: ovs.dir, env: ovs.env, appctl: [] as string[], db: ovs.dbSocket },
      ];
      const results: string[][] = [];
      const raw: string[] = [];
      for (const side of sides) {
        const sock = join(side.dir, 'controller.sock');
        const controller = watch('ovs-testcontroller', ['-v', '-O', 'OpenFlow13', '--no-chdir', `punix:${sock}`], {
          ...side.env,
          OVS_RUNDIR: side.dir,
          OVS_LOGDIR: side.dir,
        });
        children.push(controller.process);
        await waitFor('controller socket', () => existsSync(sock));
        run('ovs-vsctl', [`--db=unix:${side.db}`, 'set-controller', 'br0', `unix:${sock}`]);
        await waitFor('controller connection', () => /OFPT_FEATURES_REPLY/.test(controller.out), 15_000);
        const snoop = watch(
          'ovs-ofctl',
          ['-O', 'OpenFlow13', 'snoop', `unix:${join(side.dir, 'br0.snoop')}`],
          side.env,
        );
        children.push(snoop.process);
        // Nothing says when the snooper is attached, and a frame sent before may show only its
        // packet-out (the packet-in went by unseen). So frames go one at a time, the next only
        // once the controller has answered the last (no two exchanges interleave), until the
        // snoop shows a packet-in and, after it, a packet-out with the frame in it.
        const answered = () => controller.out.match(/sent \([^)]*\): OFPT_PACKET_OUT/g)?.length ?? 0;
        const exchanged = () => {
          const msgs = snooped(snoop.out);
          const i = firstIn(msgs);
          return i >= 0 && msgs.slice(i + 1).some((m) => m.startsWith('OFPT_PACKET_OUT') && m.includes(FRAME_SRC));
        };
        const deadline = Date.now() + 10_000;
        while (!exchanged() && !snoop.exited && Date.now() < deadline) {
          const before = answered();
          run('ovs-appctl', [...side.appctl, 'netdev-dummy/receive', 'p1', frame], side.env);
          await waitFor("the controller's packet-out", () => answered() > before, 10_000);
          // Its copy reaches the snoop shortly after, if the snooper was attached in time.
          await waitFor('the snooped exchange', () => exchanged() || snoop.exited, 1_000).catch(() => undefined);
        }
        snoop.process.kill();
        controller.process.kill();
        results.push(snooped(snoop.out));
        raw.push(snoop.out);
      }
      const [ours, theirs] = results;
      const exchange = (msgs: string[]) => msgs.slice(firstIn(msgs), firstIn(msgs) + 2);
      expect(firstIn(ours), raw.join('\n=====\n')).toBeGreaterThanOrEqual(0);
      expect(exchange(ours)[0]).toMatch(/^OFPT_PACKET_IN \(OF1\.3\) \(xid=X\): cookie=0x0 total_len=106 in_port=1/);
      expect(exchange(ours)[1]).toMatch(/^OFPT_PACKET_OUT \(OF1\.3\)/);
      expect(exchange(ours)).toEqual(exchange(theirs));
    });
  },
);
