import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectSameAsOvsOfctl, normalizeOfctl } from './support/ofctl-diff.js';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';
import { binPath, type RunningSwitchd, startSwitchd } from './support/switchd.js';

/**
 * Our `ofctl` and real `ovs-ofctl` run the same session against (a) real ovs-vswitchd and
 * (b) softswitch; every step's stdout, stderr (tool name aside) and exit status must agree.
 */

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, input?: string): Run {
  const r = spawnSync(cmd, args, { env, input, encoding: 'utf8', maxBuffer: 1 << 26, timeout: 30_000 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

/** A few hundred varied flows; some need NXM under OpenFlow 1.0 (tcp_flags), some a table. */
function generatedFlows(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const pri = 100 + (i % 7);
    const port = 1 + (i % 2);
    switch (i % 6) {
      case 0:
        out.push(`priority=${pri},ip,nw_src=10.${i >> 8}.${i & 255}.0/24,actions=output:${port}`);
        break;
      case 1:
        out.push(
          `priority=${pri},tcp,nw_dst=192.168.${i >> 8}.${i & 255},tp_dst=${i},actions=mod_nw_tos:8,output:${port}`,
        );
        break;
      case 2:
        out.push(`cookie=0x${i.toString(16)},priority=${pri},udp,tp_src=${i},idle_timeout=600,actions=drop`);
        break;
      case 3:
        out.push(
          `table=${i % 3},priority=${pri},in_port=${port},dl_vlan=${i % 4095},actions=strip_vlan,output:${3 - port}`,
        );
        break;
      case 4:
        out.push(`priority=${pri},tcp,tcp_flags=+syn-ack,tp_src=${i},actions=output:${port}`);
        break;
      default:
        out.push(
          `priority=${pri},dl_src=00:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')},actions=NORMAL`,
        );
    }
  }
  return out;
}

/** A broadcast IPv4 frame for packet-out. */
const PACKET = 'ffffffffffff000000000001080045000014000100004000f9d9c0a80001c0a80002';

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-ofctl', 'ovs-vsctl'] },
  'ofctl online commands',
  () => {
    let ovs: OvsSandbox;
    let sw: RunningSwitchd;
    let work: string;
    let flowFile: string;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'ofctl-online-'));
      flowFile = join(work, 'flows.txt');
      writeFileSync(flowFile, `# generated\n${generatedFlows(700).join('\n')}\n`);
      const ports = [
        { name: 'p1', ofport: 1 },
        { name: 'p2', ofport: 2 },
      ];
      ovs = startOvsSandbox();
      ovs.vsctl(...dummyBridgeArgs('br0', ports));
      sw = await startSwitchd();
      const vsctl = run('ovs-vsctl', [`--db=unix:${join(sw.rundir, 'db.sock')}`, ...dummyBridgeArgs('br0', ports)]);
      expect(vsctl.stderr).toBe('');
    }, 30_000);

    afterAll(async () => {
      ovs?.stop();
      await sw?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    /** One step of the session: argv after the switch-independent options; `{SW}` is the switch. */
    const session = (version: string): { args: string[]; input?: string }[] => [
      { args: ['-O', version, 'del-flows', '{SW}'] },
      { args: ['-O', version, 'add-flows', '{SW}', flowFile] },
      { args: ['-O', version, 'dump-flows', '{SW}'] },
      { args: ['-O', version, 'dump-flows', '{SW}', 'table=1'] },
      { args: ['-O', version, 'dump-flows', '{SW}', '--no-stats', 'udp'] },
      { args: ['-O', version, 'dump-aggregate', '{SW}'] },
      { args: ['-O', version, 'add-flow', '{SW}', 'check_overlap,priority=100,ip,actions=drop'] },
      { args: ['-O', version, 'mod-flows', '{SW}', 'udp,actions=output:2'] },
      { args: ['-O', version, 'mod-flows', '--strict', '{SW}', 'priority=101,ip,nw_src=10.0.42.0/24,actions=drop'] },
      { args: ['-O', version, 'del-flows', '--strict', '{SW}', 'priority=100,ip,nw_src=10.0.0.0/24'] },
      { args: ['-O', version, 'del-flows', '{SW}', 'tcp'] },
      {
        args: ['-O', version, 'add-flows', '{SW}', '-'],
        input: 'priority=5,actions=drop\n\n# c\ncookie=0x9,arp,actions=NORMAL\n',
      },
      { args: ['-O', version, 'dump-flows', '{SW}'] },
      { args: ['-O', version, 'dump-aggregate', '{SW}', 'ip'] },
      { args: ['-O', version, 'dump-desc', '{SW}'] },
      { args: ['-O', version, 'show', '{SW}'] },
      { args: ['-O', version, 'dump-tables', '{SW}'] },
      { args: ['-O', version, 'dump-ports', '{SW}'] },
      { args: ['-O', version, 'dump-ports', '{SW}', 'LOCAL'] },
      { args: ['-O', version, 'dump-ports-desc', '{SW}'] },
      { args: ['-O', version, 'probe', '{SW}'] },
      { args: ['-O', version, 'packet-out', '{SW}', 'LOCAL', 'output:1', PACKET] },
      { args: ['-O', version, 'packet-out', '{SW}', `in_port=LOCAL,packet=${PACKET},actions=output:2`] },
      { args: ['-O', version, 'dump-ports', '{SW}', '1'] },
    ];

    const targets = [
      {
        name: 'ovs-vswitchd',
        ours: () => [`unix:${join(ovs.dir, 'br0.mgmt')}`],
        theirs: () => `unix:${join(ovs.dir, 'br0.mgmt')}`,
      },
      {
        name: 'softswitch',
        ours: () => ['br0', '--rundir', sw.rundir],
        theirs: () => `unix:${join(sw.rundir, 'br0.mgmt')}`,
      },
    ];

    for (const target of targets) {
      it.concurrent(`runs the same sessions as ovs-ofctl on ${target.name} (OpenFlow10, OpenFlow13)`, async () => {
        for (const version of ['OpenFlow10', 'OpenFlow13']) {
          for (const step of session(version)) {
            // Every mutating step is idempotent, so ours sees the state real ovs-ofctl left and
            // both must print the same; the dumps that follow check the state both leave.
            await expectSameAsOvsOfctl(step, target.theirs(), target.ours());
          }
        }
      }, 180_000);
    }

    it('resolves a bridge name in the run directory and exits 2 when it cannot connect', () => {
      const ok = run(process.execPath, [
        binPath('ofctl'),
        '-O',
        'OpenFlow13',
        'dump-flows',
        'br0',
        '--rundir',
        sw.rundir,
      ]);
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/^OFPST_FLOW reply \(OF1\.3\) \(xid=0x2\):\n/);
      const missing = run(process.execPath, [binPath('ofctl'), 'dump-flows', 'nosuch', '--rundir', sw.rundir]);
      expect(missing).toMatchObject({ status: 2, stderr: 'ofctl: nosuch is not a bridge or a socket\n' });
      const refused = run(process.execPath, [binPath('ofctl'), 'dump-flows', `unix:${join(work, 'none.mgmt')}`]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/^ofctl: connecting to unix:.*none\.mgmt \(No such file or directory\)\n$/);
    });

    it('sorts a dump by priority as ovs-ofctl does, without headers or ages', () => {
      const sw0 = `unix:${join(ovs.dir, 'br0.mgmt')}`;
      for (const option of ['--sort', '--rsort']) {
        const real = run('ovs-ofctl', ['dump-flows', sw0, option]);
        const ours = run(process.execPath, [binPath('ofctl'), 'dump-flows', sw0, option]);
        expect(ours.status).toBe(0);
        const priorities = (out: string) =>
          out
            .split('\n')
            .filter(Boolean)
            .map((l) => Number(/priority=(\d+)/.exec(l)?.[1] ?? 32768));
        expect(priorities(ours.stdout)).toEqual(priorities(real.stdout));
        expect(ours.stdout).not.toMatch(/reply|idle_age/);
        expect(normalizeOfctl(ours).stdout).toBe(normalizeOfctl(real).stdout);
      }
    });

    it('fails version negotiation as ovs-ofctl does (exit 1, the versions named)', () => {
      ovs.vsctl('set', 'bridge', 'br0', 'protocols=OpenFlow13');
      try {
        const sw0 = `unix:${join(ovs.dir, 'br0.mgmt')}`;
        for (const versions of [[], ['-O', 'OpenFlow10,OpenFlow11']]) {
          const real = run('ovs-ofctl', [...versions, 'dump-flows', sw0]);
          const ours = run(process.execPath, [binPath('ofctl'), ...versions, 'dump-flows', sw0]);
          // ovs-ofctl's warning carries a log prefix (time|seq|module|level|).
          const realStderr = real.stderr.replace(/^.*\|vconn\|WARN\|/m, '');
          // Which errno OVS reports for the dropped connection is a race (EPROTO or EPIPE).
          const errno = (t: string) => t.replace(/\((Protocol error|Broken pipe)\)/, '(ERRNO)');
          expect(normalizeOfctl({ ...ours, stderr: errno(ours.stderr) })).toEqual(
            normalizeOfctl({ ...real, stderr: errno(realStderr) }),
          );
          expect(ours.status).toBe(1);
        }
      } finally {
        ovs.vsctl('clear', 'bridge', 'br0', 'protocols');
      }
    });
  },
);
