import { spawnSync } from 'node:child_process';
import { parseFlowsOutput, parseVersions, protocolsForVersionBitmap } from '@softswitch/openflow';
import { expect } from 'vitest';
import { mapLimited } from './concurrent.js';
import { runAsync, type ShellResult } from './shell.js';
import { binPath } from './switchd.js';

/** One ofctl command line; `{SW}` stands for the switch, named as each tool names it. */
export interface OfctlStep {
  args: string[];
  input?: string;
}

/** Durations and ages differ run to run; flow order in a dump is a hash order; the tools' names differ. */
export function normalizeOfctl(r: ShellResult): ShellResult {
  const norm = (s: string) => {
    const lines = s
      .replace(/duration=[\d.]+s/g, 'duration=X')
      .replace(/idle_age=\d+, /g, '')
      .replace(/hard_age=\d+, /g, '')
      .replace(/^(ovs-)?ofctl: /gm, 'TOOL: ')
      .split('\n');
    const isFlow = (l: string) => l.startsWith(' cookie=') || l.startsWith(' priority=');
    return [...lines.filter((l) => !isFlow(l)), ...lines.filter(isFlow).sort()].join('\n');
  };
  return { status: r.status, stdout: norm(r.stdout), stderr: norm(r.stderr) };
}

export interface SameAsOvsOfctlOptions {
  normalize?: (r: ShellResult) => ShellResult;
  /** Runs before each tool's turn, so that a step that is not idempotent starts from the same state for both. */
  before?: () => Promise<void>;
}

/**
 * Runs one step with real ovs-ofctl (the switch as `theirs`), then with ours (as `ours`), and
 * expects the same stdout, stderr and exit status once normalised.
 */
export async function expectSameAsOvsOfctl(
  step: OfctlStep,
  theirs: string,
  ours: string[],
  { normalize = normalizeOfctl, before }: SameAsOvsOfctlOptions = {},
): Promise<void> {
  await before?.();
  const real = await runAsync(
    'ovs-ofctl',
    step.args.map((a) => (a === '{SW}' ? theirs : a)),
    { input: step.input },
  );
  await before?.();
  const got = await runAsync(
    process.execPath,
    [binPath('ofctl'), ...step.args.flatMap((a) => (a === '{SW}' ? ours : [a]))],
    { input: step.input },
  );
  const name = step.args.join(' ');
  expect({ step: name, ...normalize(got) }).toEqual({ step: name, ...normalize(real) });
}

/**
 * One flow through `ovs-ofctl -O VERSION parse-flow` and through our parser/encoder/printer: each
 * side's output, or `error: MESSAGE` (ovs-ofctl's fatal line without its program name).
 */
export function parseFlowBothWays(version: string, flow: string): ParsedBothWays {
  const r = spawnSync('ovs-ofctl', ['-O', version, 'parse-flow', flow], { encoding: 'utf8' });
  return compareParse(version, flow, { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' });
}

export interface ParsedBothWays {
  ours: string;
  theirs: string;
  ovsOk: boolean;
}

/**
 * parseFlowBothWays for many (version, flow) cases, four ovs-ofctl processes at a time (each is
 * mostly start-up); the results in the order of `cases`.
 */
export function parseFlowsBothWays(cases: readonly { version: string; flow: string }[]): Promise<ParsedBothWays[]> {
  return mapLimited(cases, 4, async ({ version, flow }) =>
    compareParse(version, flow, await runAsync('ovs-ofctl', ['-O', version, 'parse-flow', flow])),
  );
}

/** Every (version, flow) pair, versions outermost: the order the tests' loops had. */
export function versionFlowCases(versions: readonly string[], flows: readonly string[]) {
  return versions.flatMap((version) => flows.map((flow) => ({ version, flow })));
}

function compareParse(version: string, flow: string, r: ShellResult): ParsedBothWays {
  let ours: string;
  try {
    ours = parseFlowsOutput([flow], protocolsForVersionBitmap(parseVersions(version)));
  } catch (e) {
    ours = `error: ${(e as Error).message}`;
  }
  const fatal = (r.stderr ?? '').split('\n').find((l) => l.startsWith('ovs-ofctl: ')) ?? '';
  const theirs = r.status === 0 ? r.stdout : `error: ${fatal.replace('ovs-ofctl: ', '')}`;
  return { ours: ours.trim(), theirs: theirs.trim(), ovsOk: r.status === 0 };
}
