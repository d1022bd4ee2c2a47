import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  FLOW,
  FLOW_UDP,
  KEEP_IDLE_FLOWS,
  normalise,
  PACKET_HEX,
  type Run,
  run,
  syncToStatsWrite,
} from './dpctl-support.js';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { binPath, type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

/**
 * dpctl against real Open vSwitch (`-t` at ovs-vswitchd's control socket) prints what
 * `ovs-appctl dpctl/...` prints, and the same commands against softswitch and Open vSwitch give
 * the same transcript (times aside).
 */
describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-vsctl', 'ovs-appctl'] },
  'dpctl against real Open vSwitch',
  () => {
    let ovs: OvsSandbox;
    let sw: RunningSwitchd;
    let ctl: string;
    let env: NodeJS.ProcessEnv;
    const dpctl = (...args: string[]) => run(process.execPath, [binPath('dpctl'), ...args], env);

    beforeAll(async () => {
      ovs = startOvsSandbox();
      const ports = [
        { name: 'p1', ofport: 1 },
        { name: 'p2', ofport: 2 },
      ];
      ovs.vsctl(...dummyBridgeArgs('br0', ports, { bridge: ['fail_mode=secure'] }));
      // Keep ofproto from deleting the flows dpctl installs behind its back.
      ovs.appctl('revalidator/pause');
      const pid = readFileSync(join(ovs.dir, 'ovs-vswitchd.pid'), 'utf8').trim();
      ctl = join(ovs.dir, `ovs-vswitchd.${pid}.ctl`);
      sw = await startSwitchd();
      env = { ...process.env, SOFTSWITCH_RUNDIR: sw.rundir };
      const vsctl = run(
        process.execPath,
        [binPath('vsctl'), ...dummyBridgeArgs('br0', ports, { bridge: ['fail_mode=secure'] }), ...KEEP_IDLE_FLOWS],
        env,
      );
      expect(vsctl.stderr).toBe('');
      await waitFor('p2 in the datapath', () => dpctl('show').stdout.includes('p2 (dummy)'));
      // The same first packet on p2 on both sides keeps their lookup counters alike.
      ovs.appctl('-t', ctl, 'netdev-dummy/receive', 'p2', PACKET_HEX);
      ovs.appctl('-t', ctl, 'dpctl/del-flows');
      await syncToStatsWrite(env, 1);
    });
    afterAll(async () => {
      await sw?.stop();
      ovs?.stop();
    });

    const ok = (r: Run) => expect(r).toMatchObject({ status: 0, stderr: '' });

    it('prints what ovs-appctl dpctl/... prints, through -t', () => {
      ovs.appctl('-t', ctl, 'dpctl/add-flow', FLOW, '2');
      for (const args of [['dump-flows'], ['show'], ['dump-dps'], ['dump-flows', '--names']]) {
        const theirs = run('ovs-appctl', ['-t', ctl, `dpctl/${args[0]}`, ...args.slice(1)]);
        const ours = dpctl('-t', ctl, ...args);
        expect(ours.stdout, args.join(' ')).toBe(theirs.stdout);
        expect(ours.status, args.join(' ')).toBe(0);
      }
      // A refused command: Open vSwitch's message, exit status 1.
      const refused = dpctl('-t', ctl, 'add-flow', FLOW, '2');
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('updating flow table (File exists)');
      expect(dpctl('-t', ctl, 'del-flows').status).toBe(0);
    });

    it('the same command sequence gives the same output against softswitch and Open vSwitch', async () => {
      // Flows that do not overlap: Open vSwitch refuses a flow whose key an existing flow matches.
      const sequence: string[][] = [
        ['add-flow', FLOW, '2'],
        ['add-flow', FLOW_UDP, 'set(udp(dst=5353)),2'],
        ['add-flow', FLOW_UDP, '2'],
        ['dump-flows'],
        ['mod-flow', FLOW, 'drop'],
        ['mod-flow', 'in_port(2),eth(src=00:00:00:00:00:09),eth_type(0x0800),ipv4(frag=no)', 'drop'],
        ['dump-flows', '--names'],
        ['show'],
        ['dump-dps'],
        ['del-flow', FLOW],
        ['del-flow', FLOW],
        ['dump-flows'],
        ['del-flows'],
      ];
      const transcript = async (target: string[], inject: () => Promise<void>) => {
        let out = '';
        for (const args of sequence) {
          const r = dpctl(...target, ...args);
          // Open vSwitch's error texts carry its program name.
          out += `$ ${args.join(' ')} -> ${r.status}\n${r.stdout}${r.stderr.replace('ovs-vswitchd: ', '')}`;
        }
        await inject();
        await waitFor('the injected packet to be counted', () =>
          dpctl(...target, 'dump-flows').stdout.includes('packets:1,'),
        );
        out += normalise(dpctl(...target, 'dump-flows').stdout);
        // (--clear is not compared: Open vSwitch's dummy datapath answers "Operation not supported".)
        out += dpctl(...target, 'mod-flow', FLOW_UDP, '2').stdout;
        out += dpctl(...target, 'dump-flows').stdout;
        out += dpctl(...target, 'del-flows').stdout + dpctl(...target, 'dump-flows').stdout;
        return normalise(out);
      };
      const theirs = await transcript(['-t', ctl], async () => {
        ovs.appctl('-t', ctl, 'dpctl/add-flow', FLOW_UDP, 'set(udp(dst=5353)),2');
        ovs.appctl('-t', ctl, 'netdev-dummy/receive', 'p1', PACKET_HEX);
      });
      const ours = await transcript([], async () => {
        await syncToStatsWrite(env, 2);
        ok(dpctl('add-flow', FLOW_UDP, 'set(udp(dst=5353)),2'));
        ok(run(process.execPath, [binPath('appctl'), 'netdev-dummy/receive', 'p1', PACKET_HEX], env));
      });
      expect(theirs).toContain('updating flow table (File exists)');
      expect(theirs).toContain('packets:1, bytes:106, used:X, actions:set(udp(dst=5353)),2');
      expect(ours).toBe(theirs);
    });
  },
);
