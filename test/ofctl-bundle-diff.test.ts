import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mapLimited } from './support/concurrent.js';
import { expectSameAsOvsOfctl } from './support/ofctl-diff.js';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { runAsync } from './support/shell.js';
import { binPath, type RunningSwitchd, startSwitchd } from './support/switchd.js';

/**
 * `ofctl --bundle` against `ovs-ofctl --bundle`: the same session (add-flow(s), mod-flows,
 * del-flows, replace-flows, each as one atomic bundle; a commit that fails, an add that fails)
 * on real ovs-vswitchd and on softswitch, under every OpenFlow version choice (none, 1.0+1.1
 * which --bundle widens to 1.4, 1.3 with the ONF extension, 1.4, 1.5). Stdout, stderr (tool
 * name aside) and exit status must agree at every step.
 */

function generatedFlows(n: number, salt: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const pri = 100 + (i % 5);
    switch (i % 4) {
      case 0:
        out.push(`priority=${pri},ip,nw_src=10.${salt}.${i & 255}.0/24,actions=output:${1 + (i % 2)}`);
        break;
      case 1:
        out.push(`cookie=0x${(i + salt).toString(16)},priority=${pri},udp,tp_src=${i},actions=drop`);
        break;
      case 2:
        out.push(`table=${i % 3},priority=${pri},tcp,tp_dst=${i + salt},actions=output:2`);
        break;
      default:
        out.push(`priority=${pri},in_port=1,dl_vlan=${(i + salt) % 4095},actions=strip_vlan,output:2`);
    }
  }
  return out;
}

const versions = [
  [],
  ['-O', 'OpenFlow10,OpenFlow11'],
  ['-O', 'OpenFlow13'],
  ['-O', 'OpenFlow14'],
  ['-O', 'OpenFlow15'],
];

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-ofctl', 'ovs-vsctl'] },
  'ofctl --bundle against ovs-ofctl',
  () => {
    let ovs: OvsSandbox;
    let sw: RunningSwitchd;
    let work: string;
    const files: Record<string, string> = {};

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'ofctl-bundle-'));
      const write = (name: string, lines: string[]) => {
        files[name] = join(work, `${name}.txt`);
        writeFileSync(files[name], `# ${name}\n${lines.join('\n')}\n`);
      };
      write('first', generatedFlows(120, 1));
      write('second', [...generatedFlows(60, 1), ...generatedFlows(60, 2)]);
      // check_overlap fails at commit: the switch names the flow, then fails the commit.
      write('overlap', [
        'priority=9,actions=drop',
        'check_overlap,priority=7,ip,nw_dst=2.0.0.0/8,actions=drop',
        'priority=8,actions=drop',
      ]);
      // Table 254 is read-only: the add itself fails and the bundle is discarded.
      write('readonly', ['priority=9,actions=drop', 'table=254,actions=drop', 'priority=8,actions=drop']);
      // One bridge per OpenFlow version choice (br0, br1...), each with ports 1 and 2.
      const bridges = versions.flatMap((_, i) => [
        ...(i > 0 ? ['--'] : []),
        ...dummyBridgeArgs(`br${i}`, [
          { name: `br${i}p1`, ofport: 1 },
          { name: `br${i}p2`, ofport: 2 },
        ]),
      ]);
      ovs = startOvsSandbox();
      ovs.vsctl(...bridges);
      sw = await startSwitchd();
      const vsctl = spawnSync('ovs-vsctl', [`--db=unix:${join(sw.rundir, 'db.sock')}`, ...bridges], {
        encoding: 'utf8',
      });
      expect(vsctl.stderr).toBe('');
    }, 30_000);

    afterAll(async () => {
      ovs?.stop();
      await sw?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    /**
     * Every mutating step is idempotent or atomic-and-failing, so ours sees what ovs-ofctl left.
     * The dumps (steps without --bundle) keep to OpenFlow 1.0, 1.3 and 1.4: under OpenFlow 1.1
     * ovs-ofctl's own name lookups print decode errors, and our OpenFlow 1.5 flow stats
     * decoding is a separate gap (replace-flows reads the switch's flows, so it follows the
     * dumps); neither is this file's subject.
     */
    const session = (O: string[]): { args: string[]; input?: string }[] => {
      const D = O.includes('OpenFlow10,OpenFlow11')
        ? ['-O', 'OpenFlow10']
        : O.includes('OpenFlow15')
          ? ['-O', 'OpenFlow14']
          : O;
      return steps(O, D);
    };
    const steps = (O: string[], D: string[]): { args: string[]; input?: string }[] => [
      { args: [...O, '--bundle', 'del-flows', '{SW}'] },
      { args: [...O, '--bundle', 'add-flows', '{SW}', files.first] },
      { args: [...D, 'dump-flows', '{SW}'] },
      { args: [...O, '--bundle', 'add-flow', '{SW}', 'priority=7,ip,nw_src=1.0.0.0/8,actions=drop'] },
      { args: [...O, '--bundle', 'add-flows', '{SW}', files.overlap] },
      { args: [...O, '--bundle', 'add-flows', '{SW}', files.readonly] },
      { args: [...O, '--bundle', 'add-flow', '{SW}', 'table=254,actions=drop'] },
      { args: [...D, 'dump-aggregate', '{SW}'] },
      { args: [...O, '--bundle', 'mod-flows', '{SW}', 'udp,actions=output:1'] },
      { args: [...O, '--bundle', 'mod-flows', '--strict', '{SW}', 'priority=100,ip,nw_src=10.1.0.0/24,actions=drop'] },
      { args: [...O, '--bundle', 'del-flows', '{SW}', 'tcp'] },
      { args: [...O, '--bundle', 'del-flows', '--strict', '{SW}', 'priority=104,ip,nw_src=10.1.4.0/24'] },
      { args: [...D, 'dump-flows', '{SW}'] },
      { args: [...D, '--bundle', 'replace-flows', '{SW}', files.second] },
      { args: [...D, 'dump-flows', '{SW}'] },
      { args: [...D, '--bundle', 'replace-flows', '{SW}', files.readonly] },
      {
        args: [...O, '--bundle', 'add-flows', '{SW}', '-'],
        input: 'priority=5,actions=drop\ncookie=0x9,arp,actions=NORMAL\n',
      },
      { args: [...D, 'dump-flows', '{SW}'] },
      { args: [...O, '--bundle', 'del-flows', '{SW}'] },
      { args: [...D, 'dump-aggregate', '{SW}'] },
    ];

    const targets = [
      {
        name: 'ovs-vswitchd',
        ours: (br: string) => [`unix:${join(ovs.dir, `${br}.mgmt`)}`],
        theirs: (br: string) => `unix:${join(ovs.dir, `${br}.mgmt`)}`,
      },
      {
        name: 'softswitch',
        ours: (br: string) => [br, '--rundir', sw.rundir],
        theirs: (br: string) => `unix:${join(sw.rundir, `${br}.mgmt`)}`,
      },
    ];

    for (const target of targets) {
      it.concurrent(`runs the same --bundle sessions as ovs-ofctl on ${target.name}`, async () => {
        // Each version's session has a bridge of its own, so sessions are independent: two at a
        // time per switch (four in all) keep both cores busy while a step waits on a switch.
        await mapLimited(versions, 2, async (O, i) => {
          for (const step of session(O)) {
            await expectSameAsOvsOfctl(step, target.theirs(`br${i}`), target.ours(`br${i}`));
          }
        });
      }, 240_000);
    }

    it('fails on a bundle error as ovs-ofctl does: the errors, then "talking to" (exit 1)', async () => {
      const sw0 = `unix:${join(ovs.dir, 'br0.mgmt')}`;
      for (const O of [
        ['-O', 'OpenFlow13'],
        ['-O', 'OpenFlow14'],
      ]) {
        await runAsync('ovs-ofctl', [...O, 'add-flow', sw0, 'priority=7,ip,nw_src=1.0.0.0/8,actions=drop']);
        const ours = await runAsync(process.execPath, [
          binPath('ofctl'),
          ...O,
          '--bundle',
          'add-flows',
          sw0,
          files.overlap,
        ]);
        expect(ours.status).toBe(1);
        const onf = O[1] === 'OpenFlow13';
        expect(ours.stderr).toMatch(/^Error OFPFMFC_OVERLAP for: OFPT_FLOW_MOD .*check_overlap actions=drop\n/);
        expect(ours.stderr).toContain(
          `Error OFPBFC_MSG_FAILED for: ${onf ? 'ONFT' : 'OFPT'}_BUNDLE_CONTROL (OF1.${onf ? 3 : 4}) (xid=0xb):\n bundle_id=0 type=COMMIT_REQUEST flags=atomic ordered\n`,
        );
        expect(ours.stderr).toMatch(/ofctl: talking to unix:.*br0\.mgmt \(Protocol error\)\n$/);
      }
    });
  },
);
