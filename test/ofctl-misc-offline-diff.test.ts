import * as of from '@softswitch/openflow';
import { expect, it } from 'vitest';
import { checkVlanOutput } from '../apps/ofctl/src/offline/check-vlan.js';
import { normalizeRun, runTool } from './support/ofctl-chains.js';
import { describeNeeding } from './support/requirements.js';

/**
 * Small offline commands against ovs-ofctl 3.1: parse-key-value (OVS's ofputil_parse_key_value,
 * which group and action syntax build on), list-commands (OVS's table, for the commands ofctl
 * has) and check-vlan (a vlan_tci match through flow syntax, NXM, OXM and the OpenFlow 1.0/1.1
 * matches; generated cases in-process, a few through bin/ofctl).
 */

/** check-vlan cases: the masks that matter (VID, CFI, PCP parts) and seeded random ones. */
function vlanCases(): [string, string][] {
  const masks = [0, 0xffff, 0x1fff, 0x0fff, 0xefff, 0xe000, 0x1000, 0xf000, 0x0001, 0x2000];
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed & 0xffff;
  };
  const out: [string, string][] = [];
  for (const mask of masks)
    for (let i = 0; i < 8; i++) out.push([`0x${(rand() & mask).toString(16)}`, `0x${mask.toString(16)}`]);
  for (let i = 0; i < 60; i++) {
    const mask = rand();
    out.push([(rand() & mask).toString(16), mask.toString(16)]);
  }
  return out;
}

/** One invocation, many arguments: parentheses, "(x)->y" values, quotes, empties, odd delimiters. */
const KEY_VALUE_ARGS = [
  'a=1,b(2),c:3 d',
  'x=(1,2),y',
  'actions=output(port=1,max_len=2),b',
  'set_field(5)->reg0,z',
  'f(x)->y(z),w',
  '',
  ',,, ',
  'a=',
  'a(',
  'a(b(c)',
  'a=b(c,d)e,f',
  '"a b"=c',
  'k="v 1",w',
  'a=1 \tb=2',
  'key:value(1,(2)),x',
  '(a)',
  '=5',
  ':',
  'a:b:c=d',
  'a)b=c),d',
];

describeNeeding(
  { binaries: ['ovs-ofctl'] },
  'ofctl parse-key-value, check-vlan and list-commands against ovs-ofctl',
  () => {
    it('splits key-value pairs as ovs-ofctl does', async () => {
      const args = ['parse-key-value', ...KEY_VALUE_ARGS];
      const [theirs, ours] = await Promise.all([runTool('ovs-ofctl', args), runTool('ofctl', args)]);
      expect(normalizeRun(ours)).toEqual(normalizeRun(theirs));
      expect(theirs.stdout).toContain('set_field=5)->reg0, z\n');
    }, 30_000);

    it('converts vlan_tci matches as ovs-ofctl check-vlan does', async () => {
      const cases = vlanCases();
      const theirs = await Promise.all(cases.map(([tci, mask]) => runTool('ovs-ofctl', ['check-vlan', tci, mask])));
      cases.forEach(([tci, mask], i) => {
        expect({ tci, mask, out: checkVlanOutput(of, tci, mask) }).toEqual({ tci, mask, out: theirs[i].stdout });
      });
      expect(theirs[8].stdout).toMatch(/^(vlan_tci|dl_vlan)=/); // mask 0xffff
      // The command itself: output, status; and a missing argument.
      for (const args of [
        ['check-vlan', '0xe005', '0xefff'],
        ['check-vlan', '5'],
      ]) {
        const [t, o] = await Promise.all([runTool('ovs-ofctl', args), runTool('ofctl', args)]);
        expect({ args, status: o.status, stdout: o.stdout }).toEqual({ args, status: t.status, stdout: t.stdout });
      }
    }, 30_000);

    it("lists ovs-ofctl's commands, usage and order for those ofctl has", async () => {
      const [theirs, ours] = await Promise.all([
        runTool('ovs-ofctl', ['list-commands']),
        runTool('ofctl', ['list-commands']),
      ]);
      const lines = ours.stdout.split('\n');
      // Every line ours prints is ovs-ofctl's, in ovs-ofctl's order.
      const theirLines = theirs.stdout.split('\n');
      expect(lines.filter((l) => !theirLines.includes(l))).toEqual([]);
      expect(theirLines.filter((l) => lines.includes(l))).toEqual(lines);
      // And it is most of them (what is left is listed in apps/ofctl/README.md).
      expect(lines.length).toBeGreaterThan(theirLines.length - 20);
      expect(ours.stdout).toMatch(/^The available commands are:\n {2}show {20}switch\n/);
      expect(ours.status).toBe(0);
    }, 30_000);
  },
);
