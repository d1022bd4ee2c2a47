import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW, FLOW_TEXT, FLOW_UDP, KEEP_IDLE_FLOWS, missOnP2ThenClear, PACKET_HEX, run } from './dpctl-support.js';
import { dummyBridgeArgs } from './support/ovs.js';
import { binPath, type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

/**
 * The dpctl app against switchd's control socket: each command is `dpctl/...` on the socket,
 * its reply printed verbatim or as JSON; exit statuses 0, 1 (refused, bad usage), 2 (no daemon).
 */
describe('dpctl against switchd', () => {
  let sw: RunningSwitchd;
  let env: NodeJS.ProcessEnv;
  const dpctl = (...args: string[]) => run(process.execPath, [binPath('dpctl'), ...args], env);
  const ok = (...args: string[]) => {
    const r = dpctl(...args);
    expect(r.stderr, args.join(' ')).toBe('');
    expect(r.status, args.join(' ')).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    sw = await startSwitchd();
    env = { ...process.env, SOFTSWITCH_RUNDIR: sw.rundir };
    const vsctl = run(
      process.execPath,
      [
        binPath('vsctl'),
        // Secure fail mode: no NORMAL action for ofproto to retranslate dpctl's flows into.
        ...dummyBridgeArgs(
          'br0',
          [
            { name: 'p1', ofport: 1 },
            { name: 'p2', ofport: 2 },
          ],
          {
            bridge: ['fail_mode=secure'],
          },
        ),
        ...KEEP_IDLE_FLOWS,
      ],
      env,
    );
    expect(vsctl.stderr).toBe('');
    await waitFor('p2 in the datapath', () => dpctl('show').stdout.includes('p2 (dummy)'));
    missOnP2ThenClear(env);
  });
  afterAll(async () => {
    await sw?.stop();
  });

  it('shows the datapath and its ports, as text and JSON', () => {
    expect(ok('dump-dps')).toBe('dummy@ovs-dummy\n');
    expect(ok('show')).toBe(
      'dummy@ovs-dummy:\n  lookups: hit:0 missed:1 lost:0\n  flows: 0\n' +
        '  port 0: ovs-dummy (dummy-internal)\n  port 1: p1 (dummy)\n  port 2: p2 (dummy)\n' +
        '  port 100: br0 (dummy-internal)\n',
    );
    const json = JSON.parse(ok('show', '--format', 'json'));
    expect(json).toEqual([
      {
        name: 'dummy@ovs-dummy',
        lookups: { hit: 0, missed: 1, lost: 0 },
        flows: 0,
        ports: [
          { port: 0, name: 'ovs-dummy', type: 'dummy-internal' },
          { port: 1, name: 'p1', type: 'dummy' },
          { port: 2, name: 'p2', type: 'dummy' },
          { port: 100, name: 'br0', type: 'dummy-internal' },
        ],
      },
    ]);
    const stats = JSON.parse(ok('show', '-s', '--format=json'));
    expect(stats[0].ports[1].statistics[0]).toMatch(/^RX packets:\d+ errors:0 /);
    expect(JSON.parse(ok('dump-dps', '--format', 'json'))).toEqual(['dummy@ovs-dummy']);
  });

  it('attaches and detaches devices', () => {
    expect(ok('add-if', 'dummy@ovs-dummy', 'p9,type=dummy,port_no=9')).toBe('');
    expect(ok('show')).toContain('  port 9: p9 (dummy)\n');
    const dup = dpctl('add-if', 'dummy@ovs-dummy', 'p9,type=dummy');
    expect(dup.status).toBe(1);
    expect(dup.stderr).toContain('p9');
    expect(ok('del-if', 'dummy@ovs-dummy', 'p9')).toBe('');
    expect(ok('show')).not.toContain('p9');
    expect(dpctl('del-if', 'dummy@ovs-dummy', 'p9')).toMatchObject({
      status: 1,
      stderr: 'dpctl: p9: no port named p9\n',
    });
  });

  it('adds, dumps, modifies and deletes flows', () => {
    expect(ok('add-flow', FLOW, '2')).toBe('');
    expect(ok('dump-flows')).toBe(
      'flow-dump from the main thread:\n' + `${FLOW_TEXT}, packets:0, bytes:0, used:never, actions:2\n`,
    );
    // Options before the command name, and the datapath name as first argument, both work.
    const more = ok('-m', 'dump-flows', 'dummy@ovs-dummy');
    expect(more).toMatch(/^flow-dump from the main thread:\nufid:[0-9a-f-]+, skb_priority\(0\/0\),/);
    expect(more).toContain('in_port(p1),');
    expect(more).toContain(', dp:ovs, actions:p2, dp-extra-info:cache(megaflow)\n');
    const ufid = /ufid:([0-9a-f-]+)/.exec(more)?.[1] as string;
    expect(ok('get-flow', `ufid:${ufid}`)).toBe(more.split('\n')[1] + '\n');
    expect(JSON.parse(ok('get-flow', `ufid:${ufid}`, '--format', 'json'))).toMatchObject({ ufid, actions: 'p2' });

    expect(ok('mod-flow', FLOW, 'drop')).toBe('');
    expect(ok('dump-flows', '--names')).toContain(`${FLOW_TEXT.replace('in_port(1)', 'in_port(p1)')}, packets:0`);
    expect(ok('dump-flows', 'filter=in_port(2)')).toBe('');
    expect(ok('dump-flows', 'filter=in_port(1),eth(src=00:00:00:00:00:09)')).toContain(`${FLOW_TEXT}, packets:0`);
    expect(JSON.parse(ok('dump-flows', '--format', 'json'))).toEqual([
      {
        match: FLOW_TEXT,
        packets: 0,
        bytes: 0,
        used: 'never',
        actions: 'drop',
      },
    ]);
    expect(ok('mod-flow', '--may-create', FLOW_UDP, '2')).toBe('');
    expect(ok('show')).toContain('  flows: 2\n');
    expect(ok('del-flow', FLOW)).toBe('');
    expect(ok('dump-flows')).not.toContain(FLOW_TEXT);
    expect(ok('del-flows')).toBe('');
    expect(ok('dump-flows')).toBe('');
  });

  it('shows drop counters', () => {
    expect(ok('show-drops', '--all')).toMatch(/^dummy@ovs-dummy: datapath drops:\n {2}\w+: \d+\n/);
    expect(JSON.parse(ok('show-drops', '--all', '--format', 'json'))['dummy@ovs-dummy']).toHaveProperty(
      'drop_action_of_pipeline',
    );
  });

  it('counts injected traffic on the flow it hits', async () => {
    missOnP2ThenClear(env);
    ok('add-flow', FLOW_UDP, 'set(udp(dst=5353)),2');
    const appctl = run(process.execPath, [binPath('appctl'), 'netdev-dummy/receive', 'p1', PACKET_HEX], env);
    expect(appctl.status).toBe(0);
    await waitFor('the flow to count the packet', () => dpctl('dump-flows').stdout.includes('packets:1,'));
    const [flow] = JSON.parse(ok('dump-flows', '--format', 'json'));
    expect(flow).toMatchObject({ packets: 1, bytes: PACKET_HEX.length / 2, actions: 'set(udp(dst=5353)),2' });
    expect(flow.used).toMatch(/^[0-9.]+s$/);
    expect(ok('show')).toMatch(/ {2}lookups: hit:1 missed:\d+ lost:0\n/);
    // --clear resets the statistics.
    ok('mod-flow', '--clear', FLOW_UDP, '2');
    expect(ok('dump-flows')).toContain('packets:0, bytes:0, used:never, actions:2\n');
    ok('del-flows');
  });

  it('exits 1 with the server message for refused commands and bad usage', () => {
    ok('add-flow', FLOW, '2');
    expect(dpctl('add-flow', FLOW, '2')).toMatchObject({
      status: 1,
      stdout: '',
      stderr: 'dpctl: updating flow table (File exists)\n',
    });
    const bad = dpctl('add-flow', 'in_port(1),bogus(1)', '2');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^dpctl: parsing flow key \(/);
    expect(dpctl('mod-flow', FLOW_UDP, '2')).toMatchObject({
      status: 1,
      stderr: 'dpctl: updating flow table (No such file or directory)\n',
    });
    expect(dpctl('add-flow', FLOW)).toMatchObject({ status: 1 });
    expect(dpctl('dump-flows', '--bogus').status).toBe(1);
    ok('del-flows');
  });

  it('exits 2 when the daemon cannot be reached', () => {
    const gone = dpctl('--rundir', join(sw.rundir, 'nowhere'), 'show');
    expect(gone.status).toBe(2);
    expect(gone.stderr).toMatch(/^dpctl: switchd: cannot connect to /);
    expect(dpctl('-t', join(sw.rundir, 'no.ctl'), 'dump-flows').status).toBe(2);
  });
});
