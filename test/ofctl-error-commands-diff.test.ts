import * as of from '@softswitch/openflow';
import { errorNames } from '@softswitch/openflow';
import { expect, it } from 'vitest';
import { encodeErrorReplyOutput, printErrorOutput } from '../apps/ofctl/src/offline/error-commands.js';
import { mapLimited } from './support/concurrent.js';
import { describeNeeding } from './support/requirements.js';
import { type AsyncShellResult, shAsync } from './support/shell.js';
import { binPath } from './support/switchd.js';

/**
 * print-error and encode-error-reply against ovs-ofctl 3.1: OVS's whole error table (every name,
 * every version's vendor/type/code, Nicira and ONF extension errors, the fallback to
 * NXBRC_UNENCODABLE_ERROR) through the commands' module in-process, and a few cases through
 * bin/ofctl for the same stdout, stderr and exit status.
 */

const ovs = (args: string[]) => shAsync('ovs-ofctl', args, { killAfterMs: 10_000 });
const ours = (args: string[]) => shAsync(process.execPath, [binPath('ofctl'), ...args], { killAfterMs: 10_000 });

/** Timestamps differ; the tools' names differ. */
function normalize(r: AsyncShellResult) {
  const clean = (s: string) =>
    s.replace(/^\d{4}-\d\d-\d\dT[\d:]+Z\|/gm, 'TIME|').replace(/^(ovs-)?ofctl: /gm, 'TOOL: ');
  return { status: r.status, stdout: clean(r.stdout), stderr: clean(r.stderr) };
}

/** A request in `version` with some body, so the echoed data shows too. */
const request = (version: number, xid: number) =>
  `${version.toString(16).padStart(2, '0')}0e0010${xid.toString(16).padStart(8, '0')}0102030405060708`;

describeNeeding({ binaries: ['ovs-ofctl'] }, 'ofctl print-error and encode-error-reply against ovs-ofctl', () => {
  it('knows every error OVS knows, with the same numbers in every version', async () => {
    const names = errorNames();
    expect(names.length).toBeGreaterThan(190);
    const theirs = await mapLimited(names, 8, (n) => ovs(['print-error', n]));
    names.forEach((name, i) => {
      expect({ name, out: printErrorOutput(of, name) }).toEqual({ name, out: theirs[i].stdout });
    });
    // Real tables, not empty ones: a Nicira error, an ONF one in OpenFlow 1.3.
    expect(printErrorOutput(of, 'NXBRC_UNENCODABLE_ERROR')).toContain('OpenFlow 1.2: vendor 0x2320, type 10, code 0');
    expect(printErrorOutput(of, 'OFPACFC_EPERM')).toContain('OpenFlow 1.3: vendor 0x4f4e4600, type 2372, code 0');
  }, 30_000);

  it('encodes error replies as ovs-ofctl does, in every version (and an unknown one)', async () => {
    const names = errorNames();
    // Each name in one version (rotating through 1.0-1.5 and an unknown 0x07), to keep it quick.
    const cases = names.map((name, i) => ({ name, hex: request((i % 7) + 1, i) }));
    const theirs = await mapLimited(cases, 8, (c) => ovs(['encode-error-reply', c.name, c.hex]));
    cases.forEach((c, i) => {
      const mine = encodeErrorReplyOutput(of, c.name, c.hex);
      const logs = [...theirs[i].stderr.matchAll(/\|ERR\|(.*)$/gm)].map((m) => m[1]);
      expect({ ...c, stdout: mine.stdout, logs: mine.logs }).toEqual({ ...c, stdout: theirs[i].stdout, logs });
    });
  }, 30_000);

  it('prints, fails and exits as ovs-ofctl does', async () => {
    const steps = [
      ['print-error', 'OFPGMFC_BUCKET_EXISTS'],
      ['print-error', 'OFPBRC_NOPE'],
      ['encode-error-reply', 'OFPBMC_BAD_FIELD', '0104000800000001'],
      ['encode-error-reply', 'OFPBAC_BAD_SET_MASK', '01 04 00 08 00 00 00 01'],
      ['encode-error-reply', 'OFPBRC_BAD_TYPE', '0104000900000001'],
      ['encode-error-reply', 'OFPBRC_BAD_TYPE', '01040008000000010'],
      ['encode-error-reply', 'OFPBRC_BAD_TYPE', '0104'],
      ['encode-error-reply', 'NOPE', '0104000800000001'],
    ];
    const results = await Promise.all(
      steps.map(async (args) => ({ args, theirs: await ovs(args), ours: await ours(args) })),
    );
    for (const { args, theirs, ours } of results)
      expect({ args, ...normalize(ours) }).toEqual({ args, ...normalize(theirs) });
    expect(results[3].theirs.stderr).toContain('|ofp_errors|ERR|cannot encode OFPBAC_BAD_SET_MASK for OpenFlow 1.0');
    // Real output too, not only the same failures.
    expect(results[0].theirs.stdout).toContain('OpenFlow 1.5: vendor 0, type 6, code 16\n');
    expect(results[2].theirs.stdout).toContain('00000000  01 01 00 1c 00 00 00 01-b0 c2 00 00 00 00 23 20\n');
  }, 30_000);
});
