import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { offlineInvocation } from '../apps/ofctl/src/fast-offline.js';
import { describeNeeding } from './support/requirements.js';

/** ofctl's parse-flow(s) without oclif (apps/ofctl/src/fast-offline.ts): when it applies, and what it prints. */

describe('offline fast path: which invocations take it', () => {
  it('takes plain parse-flow(s) with -O/-F/--format text/--rundir, before or after the command', () => {
    expect(offlineInvocation(['-O', 'OpenFlow13', 'parse-flows', 'f'])).toEqual({
      command: 'parse-flows',
      arg: 'f',
      protocols: 'OpenFlow13',
      'flow-format': undefined,
    });
    expect(offlineInvocation(['parse-flow', '--protocols=OpenFlow15', '-F', 'nxm', 'ip,actions=drop'])).toEqual({
      command: 'parse-flow',
      arg: 'ip,actions=drop',
      protocols: 'OpenFlow15',
      'flow-format': 'nxm',
    });
    expect(offlineInvocation(['parse-flows', '--format', 'text', '--rundir', '/tmp/x', '-'])?.arg).toBe('-');
  });

  it('leaves everything else to oclif: other commands, json, help, unknown or repeated options, wrong arity', () => {
    for (const argv of [
      ['dump-flows', 'br0'],
      ['parse-flow', '--format', 'json', 'ip,actions=drop'],
      ['parse-flow', '--help'],
      ['parse-flows', '--version'],
      ['-O', 'OpenFlow10', '-O', 'OpenFlow13', 'parse-flows', 'f'],
      ['parse-flow'],
      ['parse-flow', 'a', 'b'],
      ['parse-flows', 'f', '-O'],
      ['parse-flows', '--protocols=', 'f'],
      ['parse-flows', '-O', '-F', 'f'],
      ['parse-flows', '--', 'f'],
    ]) {
      expect(offlineInvocation(argv), argv.join(' ')).toBeUndefined();
    }
  });
});

const ofctl = join(import.meta.dirname, '..', 'bin', 'ofctl');
const dir = mkdtempSync(join(tmpdir(), 'ofctl-fast-'));
const run = (cmd: string, args: string[], input?: string) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describeNeeding({ binaries: ['ovs-ofctl'] }, 'offline fast path vs ovs-ofctl', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints what ovs-ofctl prints before failing when the flows leave no common protocol', () => {
    const file = join(dir, 'mixed');
    writeFileSync(file, 'ip,actions=drop\nactions=push_vlan:0x8100\n');
    const ours = run(ofctl, ['parse-flows', file]);
    const theirs = run('ovs-ofctl', ['parse-flows', file]);
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.stdout).toContain('usable protocols: OXM,OpenFlow11');
    expect(ours.status).toBe(1);
    expect(ours.stderr).toBe('ofctl: no usable protocol\n');
  });

  it('reads stdin for "-", skipping comments and blank lines, with -F before the command', () => {
    const text = '# rules\n\npriority=5,tcp,tp_dst=80,actions=output:2 # web\nactions=normal\n';
    const ours = run(ofctl, ['-F', 'nxm', 'parse-flows', '-'], text);
    expect(ours.status).toBe(0);
    expect(ours.stdout).toBe(run('ovs-ofctl', ['-F', 'nxm', 'parse-flows', '-'], text).stdout);
    expect(ours.stdout).toContain('NXT_FLOW_MOD (xid=0x2): ADD actions=NORMAL');
  });

  it('a reader that stops early (| head) ends the run quietly, as with oclif', () => {
    const file = join(dir, 'many');
    writeFileSync(
      file,
      Array.from({ length: 3000 }, (_, i) => `priority=${i},tcp,tp_dst=${i},actions=output:2\n`).join(''),
    );
    const r = run('bash', ['-c', `"${ofctl}" parse-flows "${file}" | head -1; echo "status=\${PIPESTATUS[0]}" >&2`]);
    expect(r.stdout).toBe('usable protocols: any\n');
    expect(r.stderr).toBe('status=0\n');
  });

  it('an unknown version is one line on stderr and status 1, nothing on stdout', () => {
    const r = run(ofctl, ['-O', 'bogus', 'parse-flow', 'ip,actions=drop']);
    expect(r).toEqual({ status: 1, stdout: '', stderr: 'ofctl: bogus: unknown OpenFlow version\n' });
  });
});
