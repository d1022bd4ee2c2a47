import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from './dpctl-support.js';
import { describeNeeding } from './support/requirements.js';
import { binPath, type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

/**
 * OpenFlow 1.5 carries flow and aggregate counters as OXS fields: our ofctl reads them and prints
 * the same dump-flows (plain, sorted, --no-stats) and dump-aggregate as ovs-ofctl on one switch.
 */
describeNeeding({ binaries: ['ovs-ofctl'] }, 'ofctl: OpenFlow 1.5 statistics as ovs-ofctl prints them', () => {
  let sw: RunningSwitchd;
  let target: string;
  const ours = (...args: string[]) => run(process.execPath, [binPath('ofctl'), '-O', 'OpenFlow15', ...args]);
  const theirs = (...args: string[]) => run('ovs-ofctl', ['-O', 'OpenFlow15', ...args]);
  // Durations and idle ages tick between the two dumps.
  const steady = (s: string) => s.replace(/duration=[\d.]+s/g, 'duration=D').replace(/idle_age=\d+/g, 'idle_age=A');

  beforeAll(async () => {
    sw = await startSwitchd();
    const vsctl = run(process.execPath, [binPath('vsctl'), `--db=unix:${join(sw.rundir, 'db.sock')}`, 'add-br', 'br0']);
    expect(vsctl.stderr).toBe('');
    target = `unix:${join(sw.rundir, 'br0.mgmt')}`;
    await waitFor('br0.mgmt', () => theirs('show', target).status === 0);
    for (const flow of [
      'table=1,priority=5,ip,actions=drop',
      'table=2,cookie=0x9,priority=7,idle_timeout=50,hard_timeout=90,tcp,tp_dst=80,actions=output:1,resubmit(,3)',
      'send_flow_rem,priority=9,udp,nw_src=10.0.0.0/8,actions=mod_nw_tos:8,NORMAL',
    ])
      expect(theirs('add-flow', target, flow).stderr).toBe('');
  });

  afterAll(async () => {
    await sw?.stop();
  });

  it('dump-flows, sorted or not, with and without statistics', () => {
    for (const extra of [[], ['--sort'], ['--rsort=priority'], ['--no-stats'], ['tcp']]) {
      const a = ours('dump-flows', target, ...extra);
      const b = theirs('dump-flows', target, ...extra);
      expect(b.status, extra.join(' ')).toBe(0);
      expect(a.stderr, extra.join(' ')).toBe('');
      expect(steady(a.stdout), extra.join(' ')).toBe(steady(b.stdout));
      // Flows, not just the reply's header: the tcp flow alone, or all three added above.
      const flows = a.stdout.split('\n').filter((l) => l.startsWith(' '));
      expect(flows.length, extra.join(' ')).toBeGreaterThanOrEqual(extra.includes('tcp') ? 1 : 3);
    }
  });

  it('dump-aggregate', () => {
    for (const extra of [[], ['udp']]) {
      const a = ours('dump-aggregate', target, ...extra);
      expect(a.stderr).toBe('');
      expect(a.stdout).toMatch(/flow_count=[1-9]/);
      expect(a.stdout).toBe(theirs('dump-aggregate', target, ...extra).stdout);
    }
  });
});
