import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectSameAsOvsOfctl } from './support/ofctl-diff.js';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { runAsync, type ShellResult } from './support/shell.js';
import { type RunningSwitchd, startSwitchd } from './support/switchd.js';

/**
 * Our `ofctl` and real `ovs-ofctl` run the same steps — groups, meters, replace-flows,
 * diff-flows, mod-port, ping — against real ovs-vswitchd and against softswitch; every step's
 * stdout, stderr (tool name aside) and exit status must agree. A step with `setup` first runs
 * the setup with ovs-ofctl before each tool's turn, so a non-idempotent step (add-group) starts
 * from the same state for both.
 */

/** Durations, ages and ping times differ run to run; flow and diff lines come in hash order. */
function normalize(r: ShellResult): ShellResult {
  const norm = (s: string) => {
    const lines = s
      .replace(/duration[=:]?[\d.]+s/g, 'duration=X')
      .replace(/idle_age=\d+, /g, '')
      .replace(/hard_age=\d+, /g, '')
      .replace(/time=[\d.]+ ms/g, 'time=X')
      .replace(/^(ovs-)?ofctl: /gm, 'TOOL: ')
      .split('\n');
    const unordered = (l: string) => /^ (cookie|priority)=/.test(l) || /^[-+]/.test(l);
    return [...lines.filter((l) => !unordered(l)), ...lines.filter(unordered).sort()].join('\n');
  };
  return { status: r.status, stdout: norm(r.stdout), stderr: norm(r.stderr) };
}

interface Step {
  args: string[];
  input?: string;
  setup?: string[][];
  /** Leaves the switch as it was (a dump, or an error before or from the switch): runs in parallel with its neighbours. */
  ro?: boolean;
}

const GROUPS: Step[] = [
  { args: ['del-groups', '{SW}'] },
  {
    args: ['add-group', '{SW}', 'group_id=1,type=select,bucket=output:1,bucket=weight:5,actions=output:2'],
    setup: [['del-groups', '{SW}', 'group_id=1']],
  },
  {
    args: [
      'add-group',
      '{SW}',
      'group_id=2,type=ff,bucket=watch_port:1,output:1,bucket=watch_port:2,watch_group:1,output:2',
    ],
    setup: [['del-groups', '{SW}', 'group_id=2']],
  },
  {
    args: ['add-groups', '{SW}', '-'],
    input:
      '# groups\ngroup_id=3,type=all,bucket=output:1,mod_vlan_vid:5,output:2\n\nadd group_id=4 type=indirect bucket=actions=mod_nw_tos:8,output:2\n',
    setup: [
      ['del-groups', '{SW}', 'group_id=3'],
      ['del-groups', '{SW}', 'group_id=4'],
    ],
  },
  { args: ['add-group', '{SW}', 'group_id=1,type=all,bucket=output:1'], ro: true },
  { args: ['dump-groups', '{SW}'], ro: true },
  { args: ['dump-group-stats', '{SW}'], ro: true },
  { args: ['dump-group-stats', '{SW}', 'group_id=1'], ro: true },
  { args: ['dump-group-features', '{SW}'], ro: true },
  { args: ['mod-group', '{SW}', 'group_id=2,type=all,bucket=output:2'] },
  { args: ['mod-group', '{SW}', 'group_id=99,type=all,bucket=output:2'], ro: true },
  { args: ['del-groups', '{SW}', 'group_id=4'] },
  { args: ['dump-groups', '{SW}'], ro: true },
  { args: ['add-group', '{SW}', 'group_id=5'], ro: true },
  { args: ['add-group', '{SW}', 'type=all,bucket=output:1'], ro: true },
  { args: ['add-group', '{SW}', 'group_id=5,type=indirect,bucket=output:1,bucket=output:2'], ro: true },
  { args: ['add-group', '{SW}', 'group_id=5,type=all,bucket=weight:2,output:1'], ro: true },
  { args: ['add-group', '{SW}', 'group_id=5,type=bogus'], ro: true },
  { args: ['add-group', '{SW}', 'group_id=5,type=all,foo=1'], ro: true },
  { args: ['add-group', '{SW}', 'group_id=5,type=all,bucket=weight:1'], ro: true },
];

const METERS: Step[] = [
  { args: ['del-meters', '{SW}'] },
  {
    args: ['add-meter', '{SW}', 'meter=1,kbps,burst,stats,bands=type=drop,rate=100,burst_size=10'],
    setup: [['del-meter', '{SW}', 'meter=1']],
  },
  { args: ['add-meter', '{SW}', 'meter=2 pktps bands=type=drop rate=200'], setup: [['del-meter', '{SW}', 'meter=2']] },
  { args: ['dump-meters', '{SW}'], ro: true },
  { args: ['dump-meter', '{SW}', 'meter=1'], ro: true },
  { args: ['dump-meters', '{SW}', 'meter=5'], ro: true },
  { args: ['meter-stats', '{SW}'], ro: true },
  { args: ['meter-stats', '{SW}', 'meter=2'], ro: true },
  { args: ['meter-features', '{SW}'], ro: true },
  { args: ['mod-meter', '{SW}', 'meter=2,pktps,bands=type=drop,rate=300'] },
  { args: ['mod-meter', '{SW}', 'meter=9,kbps,bands=type=drop,rate=5'], ro: true },
  { args: ['add-meter', '{SW}', 'meter=3,pktps,bands=type=dscp_remark,rate=100,prec_level=2'], ro: true },
  { args: ['del-meter', '{SW}', 'meter=1'] },
  { args: ['dump-meters', '{SW}'], ro: true },
  { args: ['add-meter', '{SW}', 'meter=1'], ro: true },
  { args: ['add-meter', '{SW}', 'meter=1,bands=type=drop,rate=1'], ro: true },
  { args: ['add-meter', '{SW}', 'meter=0,kbps,bands=type=drop,rate=1'], ro: true },
  { args: ['add-meter', '{SW}', 'meter=4,kbps,bands=type=drop,rate=1,burst_size=3'], ro: true },
];

/** Steps for OpenFlow 1.0 and 1.3: flow table replacement and comparison, ports, echo. */
function flowSteps(version: string, files: { table: string; plain: string }): Step[] {
  const O = ['-O', version];
  return [
    { args: [...O, 'del-flows', '{SW}'] },
    { args: [...O, 'add-flows', '{SW}', '-'], input: 'priority=5,ip,actions=output:1\npriority=3,arp,actions=drop\n' },
    { args: [...O, 'diff-flows', '{SW}', files.plain], ro: true },
    { args: [...O, 'diff-flows', files.plain, '{SW}'], ro: true },
    { args: [...O, 'mod-port', '{SW}', 'p9', 'up'], ro: true },
    { args: [...O, 'mod-port', '{SW}', 'p1', 'bogus'], ro: true },
    { args: [...O, 'ping', '{SW}', '16'], ro: true },
    // Meters need OpenFlow 1.3: under 1.0 both tools refuse before connecting.
    ...(version === 'OpenFlow10'
      ? [{ args: [...O, 'add-meter', '{SW}', 'meter=1,kbps,bands=type=drop,rate=1'], ro: true }]
      : []),
    { args: [...O, 'replace-flows', '{SW}', files.plain] },
    { args: [...O, 'dump-flows', '{SW}'], ro: true },
    { args: [...O, 'diff-flows', '{SW}', files.plain], ro: true },
    { args: [...O, 'replace-flows', '{SW}', files.table] },
    { args: [...O, 'mod-port', '{SW}', 'p1', 'down'] },
    { args: [...O, 'mod-port', '{SW}', '2', 'no-flood'] },
    { args: [...O, 'dump-flows', '{SW}'], ro: true },
    { args: [...O, 'diff-flows', files.table, '{SW}'], ro: true },
    { args: [...O, 'dump-ports-desc', '{SW}'], ro: true },
    { args: [...O, 'mod-port', '{SW}', 'p1', 'up'] },
    { args: [...O, 'mod-port', '{SW}', '2', 'flood'] },
  ];
}

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-ofctl', 'ovs-vsctl'] },
  'ofctl groups, meters, replace/diff-flows, mod-port, ping',
  () => {
    let ovs: OvsSandbox;
    let sw: RunningSwitchd;
    let work: string;
    const files = { table: '', plain: '' };

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'ofctl-groups-'));
      files.plain = join(work, 'plain.txt');
      files.table = join(work, 'table.txt');
      writeFileSync(
        files.plain,
        'priority=5,ip,actions=output:2\npriority=7,arp,actions=NORMAL\n# comment\ncookie=0x5,idle_timeout=50,tcp,tp_dst=80,actions=drop\n',
      );
      writeFileSync(files.table, 'priority=5,ip,actions=output:2\ntable=1,cookie=0x9,udp,actions=drop\n');
      const ports = [
        { name: 'p1', ofport: 1 },
        { name: 'p2', ofport: 2 },
      ];
      ovs = startOvsSandbox();
      ovs.vsctl(...dummyBridgeArgs('br0', ports));
      sw = await startSwitchd();
      const vsctl = await runAsync('ovs-vsctl', [
        `--db=unix:${join(sw.rundir, 'db.sock')}`,
        ...dummyBridgeArgs('br0', ports),
      ]);
      expect(vsctl.stderr).toBe('');
    }, 30_000);

    afterAll(async () => {
      ovs?.stop();
      await sw?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    async function runStep(step: Step, theirsSwitch: string, oursSwitch: string[]): Promise<void> {
      const theirsArgs = (args: string[]) => args.map((a) => (a === '{SW}' ? theirsSwitch : a));
      const setup = async () => {
        for (const s of step.setup ?? []) await runAsync('ovs-ofctl', ['-O', 'OpenFlow13', ...theirsArgs(s)]);
      };
      await expectSameAsOvsOfctl(step, theirsSwitch, oursSwitch, { normalize, before: setup });
    }

    /** Mutating steps one after another; a run of read-only steps all at once. */
    async function runSteps(steps: Step[], theirsSwitch: string, oursSwitch: string[]): Promise<void> {
      for (let i = 0; i < steps.length; ) {
        let j = i + 1;
        if (steps[i].ro) while (j < steps.length && steps[j].ro) j++;
        await Promise.all(steps.slice(i, j).map((step) => runStep(step, theirsSwitch, oursSwitch)));
        i = j;
      }
    }

    const O13 = (steps: Step[]) => steps.map((s) => ({ ...s, args: ['-O', 'OpenFlow13', ...s.args] }));

    it.concurrent('manages groups and meters as ovs-ofctl does on ovs-vswitchd (OpenFlow13)', async () => {
      const mgmt = `unix:${join(ovs.dir, 'br0.mgmt')}`;
      await runSteps(O13([...GROUPS, ...METERS]), mgmt, [mgmt]);
    }, 180_000);

    it.concurrent('manages groups as ovs-ofctl does on softswitch (OpenFlow13)', async () => {
      const mgmt = `unix:${join(sw.rundir, 'br0.mgmt')}`;
      await runSteps(O13(GROUPS), mgmt, ['br0', '--rundir', sw.rundir]);
    }, 180_000);

    for (const target of ['ovs-vswitchd', 'softswitch']) {
      it.concurrent(`replaces and diffs flows, modifies ports and pings as ovs-ofctl does on ${target}`, async () => {
        const mgmt = `unix:${join(target === 'softswitch' ? sw.rundir : ovs.dir, 'br0.mgmt')}`;
        for (const version of ['OpenFlow10', 'OpenFlow13']) await runSteps(flowSteps(version, files), mgmt, [mgmt]);
      }, 180_000);
    }
  },
);
