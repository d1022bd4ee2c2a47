import { expect, it } from 'vitest';
import { normalizeRun, runTool } from './support/ofctl-chains.js';
import { describeNeeding } from './support/requirements.js';

/**
 * Too few and too many arguments, for every ovs-ofctl command: ovs-ofctl's command table gives
 * each a minimum and maximum count and one message for each ("'CMD' command requires at least N
 * arguments", "... takes at most N arguments", status 1); scripts match those words. Only the
 * runs where ovs-ofctl answers with such a message are compared (commands that take any number
 * of arguments go on and do something else).
 */

const ARG_COUNT_MESSAGE = /^TOOL: '[a-z0-9-]+' command (requires at least|takes at most) \d+ arguments\n$/;

const SEPARATELY_CHECKED = [
  'monitor',
  'parse-nx-match',
  'parse-nxm',
  'parse-ofp10-match',
  'parse-ofp11-match',
  'parse-packet',
  'meter-features',
  'dump-group-features',
];

/** Runs `jobs` at most `width` at a time (each is a process start; the machine has 2 cores). */
async function inBatches<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < jobs.length; i += width)
    out.push(...(await Promise.all(jobs.slice(i, i + width).map((j) => j()))));
  return out;
}

describeNeeding({ binaries: ['ovs-ofctl'] }, 'ofctl argument counts against ovs-ofctl', () => {
  it('says what ovs-ofctl says when a command gets too few or too many arguments', async () => {
    const list = await runTool('ovs-ofctl', ['list-commands']);
    const commands = list.stdout
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/)[0])
      .filter(Boolean);
    expect(commands.length).toBeGreaterThan(70);
    // Too few for every command; too many for every third one and for those whose limit is
    // checked apart from oclif's argument list (no arguments, any number, alias names).
    const extra = Array.from({ length: 9 }, (_, i) => `x${i}`);
    const tooMany = commands.filter((c, k) => k % 3 === 0 || SEPARATELY_CHECKED.includes(c));
    const cases = [...commands.map((c) => [c]), ...tooMany.map((c) => [c, ...extra])];
    const theirs = await inBatches(
      cases.map((args) => async () => normalizeRun(await runTool('ovs-ofctl', args))),
      4,
    );
    const checked = cases.filter((_, k) => ARG_COUNT_MESSAGE.test(theirs[k].stderr));
    // Nearly every command has a minimum; most have a maximum below nine.
    expect(checked.length).toBeGreaterThan(80);
    const ours = await inBatches(
      checked.map((args) => async () => ({ step: args.join(' '), ...normalizeRun(await runTool('ofctl', args)) })),
      4,
    );
    const expected = cases
      .map((args, k) => ({ step: args.join(' '), ...theirs[k] }))
      .filter((r) => ARG_COUNT_MESSAGE.test(r.stderr));
    expect(ours).toEqual(expected);
  });
});
