import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as of from '@softswitch/openflow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseGroupOutput } from '../apps/ofctl/src/offline/parse-group.js';
import { normalizeRun, runTool, useTwoSwitches } from './support/ofctl-chains.js';
import { describeNeeding } from './support/requirements.js';

/**
 * OpenFlow 1.5 bucket commands (insert-buckets, remove-buckets) end to end, and parse-group:
 * our ofctl and real ovs-ofctl each drive real ovs-vswitchd and softswitch through the same
 * steps, and every run must print what ovs-ofctl on ovs-vswitchd prints (errors included), so
 * both the client (encoding, version rules, parse errors) and the switch (bucket placement,
 * OFPGMFC errors) are checked. ofp-print of hand-made bucket group mods goes through ofp-parse.
 */

/** The steps of one run ('SW' is the switch); each starts from the state the previous left. */
const STEPS: string[][] = [
  ['add-group', 'SW', 'group_id=1,type=select,bucket=output:1,bucket=output:2'],
  ['insert-buckets', 'SW', 'group_id=1,command_bucket_id=last,bucket=bucket_id:5,output:1'],
  // A typeless bucket may carry a weight; several buckets go in at once, in order.
  [
    'insert-buckets',
    'SW',
    'group_id=1,command_bucket_id=first,bucket=bucket_id:7,weight:3,output:2,bucket=bucket_id:8,output:1',
  ],
  ['insert-buckets', 'SW', 'group_id=1,command_bucket_id=1,bucket=bucket_id:9,output:2'],
  // OpenFlow 1.1-1.4 cannot carry bucket commands: two different refusals, as ovs-ofctl.
  ['-O', 'OpenFlow13', 'insert-buckets', 'SW', 'group_id=1,command_bucket_id=first,bucket=output:2'],
  ['-O', 'OpenFlow13', 'remove-buckets', 'SW', 'group_id=1,command_bucket_id=5'],
  // The switch's refusals: an unknown bucket, an id taken (0 is picked when none is given).
  ['remove-buckets', 'SW', 'group_id=1,command_bucket_id=77'],
  ['insert-buckets', 'SW', 'group_id=1,command_bucket_id=first,bucket=output:1'],
  // Parse errors.
  ['insert-buckets', 'SW', 'group_id=1,command_bucket_id=all,bucket=output:1'],
  ['remove-buckets', 'SW', 'group_id=1,command_bucket_id=first'],
  ['-O', 'OpenFlow15', 'remove-buckets', 'SW', 'group_id=1,command_bucket_id=9'],
  ['-O', 'OpenFlow15', 'dump-groups', 'SW'],
  ['remove-buckets', 'SW', 'group_id=1'],
  ['insert-buckets', 'SW', 'group_id=1,command_bucket_id=last,bucket=bucket_id:3,output:2'],
  ['-O', 'OpenFlow13', 'dump-groups', 'SW'],
];

/** parse-group inputs: every version's encoding, the parser's errors. */
const PARSE_GROUP: string[][] = [
  ['parse-group', 'group_id=1,type=select,bucket=output:1,bucket=bucket_id:5,weight:3,output:2'],
  ['-O', 'OpenFlow13', 'parse-group', 'group_id=1,type=select,bucket=output:1,bucket=bucket_id:5,weight:3,output:2'],
  ['-O', 'OpenFlow15', 'parse-group', 'group_id=2,type=ff,bucket=watch_port:2,output:1,bucket=watch_group:7,output:2'],
  ['-O', 'OpenFlow11', 'parse-group', 'group_id=1,type=select,bucket=output:1,set_field:1->metadata'],
  ['-O', 'OpenFlow13', 'parse-group', 'group_id=5,type=indirect,bucket=mod_vlan_vid:3,output:1'],
  ['-O', 'OpenFlow13,OpenFlow15', 'parse-group', 'group_id=1,type=all,bucket=output:1,bucket=bucket_id:0,output:2'],
  ['parse-group', 'group_id=1,type=ff,bucket=output:1'],
  ['parse-group', 'group_id=5,type=indirect,bucket=output:1,bucket=output:2'],
  ['parse-group', 'group_id=1,type=all,command_bucket_id=1,bucket=output:1'],
  ['parse-group', 'group_id=1'],
];

const out15 = (port: number) => `00000010${port.toString(16).padStart(8, '0')}ffff000000000000`;
/** Bucket group mods as ovs-ofctl sends them (1.0's NXT_GROUP_MOD, 1.5) and as a 1.3 peer might. */
const GOOD_MESSAGES = [
  '0104004800000006000023200000001f000300000000000100280000fffffffd00180008000000070000000800020000000000080003000000100008000000080000000800010000',
  '0104002000000006000023200000001f000500000000000300000000fffffffd',
  '060f00180000000700050000000000010000000000000009',
  '060f001800000008000500000000000100000000fffffffe',
  '060f001800000009000500000000000100000000ffffffff',
  `060f00500000000a000301000000000100380000000000020020001000000004${out15(2)}00000008000500000018001000000005${out15(1)}`,
  '040f00100000000b0003000000000001',
  '040f00100000000c0005000000000001',
];
/** Ones OVS refuses: a bad command bucket id for the command, an unknown command, a remove with buckets. */
const BAD_MESSAGES = [
  '060f00180000000d000300000000000100000000ffffffff',
  '060f00180000000e000400000000000100000000fffffffd',
  `060f00300000000f000500000000000100180000fffffffd0018001000000004${out15(2)}`,
  '060f001800000010000300000000000100000000ffffff01',
  '060f001800000011000400000000000100000000ffffffff',
];

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-ofctl', 'ovs-vsctl'] },
  'ofctl insert-buckets, remove-buckets and parse-group against ovs-ofctl and ovs-vswitchd',
  () => {
    const switches = useTwoSwitches();
    let dir: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'ofctl-buckets-'));
    });

    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('runs bucket commands as ovs-ofctl on ovs-vswitchd does, either tool on either switch', async () => {
      const { reference, others } = await switches().runAll(STEPS);
      for (const [name, results] of Object.entries(others))
        expect({ name, results }).toEqual({ name, results: reference });
      // Real results, not the same failure four times.
      const dump = reference.find((r) => r.step === '-O OpenFlow15 dump-groups SW')?.stdout;
      expect(dump).toContain(
        'group_id=1,type=select,bucket=bucket_id:8,weight:0,actions=output:1,bucket=bucket_id:0,actions=output:1,' +
          'bucket=bucket_id:1,actions=output:2,bucket=bucket_id:5,weight:0,actions=output:1',
      );
      expect(reference.map((r) => r.stderr).join('')).toContain('OFPT_ERROR (xid=0x6): OFPGMFC_UNKNOWN_BUCKET');
      expect(reference.map((r) => r.stderr).join('')).toContain('OFPGMFC_BUCKET_EXISTS');
      expect(reference.at(-1)?.stdout).toContain(' group_id=1,type=select,bucket=weight:0,actions=output:2');
    }, 30_000);

    it('parse-group prints what ovs-ofctl prints', async () => {
      // Every case in-process (the module behind the command), two through bin/ofctl as well.
      const theirs = await Promise.all(PARSE_GROUP.map((args) => runTool('ovs-ofctl', args)));
      PARSE_GROUP.forEach((args, i) => {
        const at = args.indexOf('parse-group');
        const protocols = at === 2 ? args[1] : undefined;
        let out: { status: number; stdout: string; stderr: string };
        try {
          out = { status: 0, stdout: parseGroupOutput(of, args[at + 1], { protocols }), stderr: '' };
        } catch (e) {
          out = { status: 1, stdout: '', stderr: `TOOL: ${(e as Error).message}\n` };
        }
        expect({ args, ...out }).toEqual({ args, ...normalizeRun(theirs[i]) });
      });
      expect(theirs[0].stdout).toContain('bucket=bucket_id:5,weight:3,actions=output:2');
      for (const i of [1, 6]) {
        const ours = await runTool('ofctl', PARSE_GROUP[i]);
        expect({ args: PARSE_GROUP[i], ...normalizeRun(ours) }).toEqual({
          args: PARSE_GROUP[i],
          ...normalizeRun(theirs[i]),
        });
      }
    }, 30_000);

    it('ofp-print of bucket group mods matches ovs-ofctl', async () => {
      const write = (name: string, hexes: string[]) => {
        const file = join(dir, name);
        writeFileSync(file, Buffer.concat(hexes.map((h) => Buffer.from(h, 'hex'))));
        return file;
      };
      const good = write('good.bin', GOOD_MESSAGES);
      const bad = write('bad.bin', BAD_MESSAGES);
      const [theirs, ours, theirsBad, oursBad] = await Promise.all([
        runTool('ovs-ofctl', ['ofp-parse', good]),
        runTool('ofctl', ['ofp-parse', good]),
        runTool('ovs-ofctl', ['ofp-parse', bad]),
        runTool('ofctl', ['ofp-parse', bad]),
      ]);
      expect(normalizeRun(ours)).toEqual(normalizeRun(theirs));
      expect(theirs.stdout).toContain('INSERT_BUCKET command_bucket_id:2,group_id=1,bucket=bucket_id:4,weight:5');
      // The same errors, after the message's name.
      expect(oursBad.stdout).toEqual(theirsBad.stdout);
      expect(oursBad.stdout.match(/OFPGMFC_BAD_BUCKET/g)?.length).toBe(4);
    }, 30_000);
  },
);
