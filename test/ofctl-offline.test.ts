import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeNeeding } from './support/requirements.js';

/** `bin/ofctl` offline commands against `ovs-ofctl`, through the real CLI (needs a build). */
const ofctl = join(import.meta.dirname, '..', 'bin', 'ofctl');
const dir = mkdtempSync(join(tmpdir(), 'ofctl-offline-'));
const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describeNeeding({ binaries: ['ovs-ofctl'] }, 'ofctl offline commands vs ovs-ofctl', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parse-flow with leading -O prints the same', () => {
    for (const args of [
      ['parse-flow', 'tcp,nw_src=10.0.0.0/8,tp_dst=80,actions=output:1'],
      ['-O', 'OpenFlow13', 'parse-flow', 'table=1,ip,nw_dst=1.2.3.4,actions=mod_nw_src:1.1.1.1,goto_table:3'],
      ['-O', 'OpenFlow15', 'parse-flow', 'in_port=1,reg0=5,actions=resubmit(,2)'],
    ]) {
      expect(run(ofctl, args).stdout).toBe(run('ovs-ofctl', args).stdout);
    }
  });

  it('parse-flows reads a file; errors exit 1 with one line naming file and line', () => {
    const file = join(dir, 'flows');
    writeFileSync(file, 'priority=1,actions=drop\n# comment\nip,actions=normal\ntable=2,actions=controller\n');
    expect(run(ofctl, ['parse-flows', file]).stdout).toBe(run('ovs-ofctl', ['parse-flows', file]).stdout);
    writeFileSync(file, 'ip,actions=drop\nfoo=1,actions=drop\n');
    const r = run(ofctl, ['parse-flows', file]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`ofctl: ${file}:2: unknown keyword foo`);
  });

  it('--format json gives the decoded data', () => {
    const flow = JSON.parse(run(ofctl, ['parse-flow', '--format', 'json', 'tcp,tp_dst=80,actions=output:1']).stdout);
    expect(flow.usableProtocols).toBe('any');
    expect(flow.flowMod.match).toEqual({ dl_type: '0x800/0xffff', nw_proto: '0x6/0xff', tp_dst: '0x50/0xffff' });
    expect(flow.flowMod.actions).toEqual([{ type: 'output', port: 1, maxLen: 0 }]);
    const msg = JSON.parse(run(ofctl, ['ofp-print', '--format', 'json', '0100000800000001']).stdout);
    expect(msg).toEqual({ type: 'hello', version: 1, xid: 1, bitmap: 0 });
  });

  it('ofp-print and ofp-parse print the same as ovs-ofctl', () => {
    for (const hex of [
      '0100000800000001',
      '0400001000000005000100080000001a',
      '0102000800000002',
      '0414000800000006',
    ]) {
      expect(run(ofctl, ['ofp-print', hex]).stdout).toBe(run('ovs-ofctl', ['ofp-print', hex]).stdout);
    }
    const file = join(dir, 'msgs');
    writeFileSync(file, Buffer.from('01000008000000010112000800000002', 'hex'));
    expect(run(ofctl, ['ofp-parse', file]).stdout).toBe(run('ovs-ofctl', ['ofp-parse', file]).stdout);
  });
});
