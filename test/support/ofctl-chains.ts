import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './ovs.js';
import { type AsyncShellResult, shAsync } from './shell.js';
import { binPath, type RunningSwitchd, startSwitchd } from './switchd.js';

/**
 * Differential runs of a sequence of ofctl steps: ovs-ofctl and our ofctl each drive real
 * ovs-vswitchd and softswitch, one bridge per (tool, switch) pair, so every run starts from the
 * same state and each must print what ovs-ofctl on ovs-vswitchd prints.
 */

export type Tool = 'ovs-ofctl' | 'ofctl';

export function runTool(tool: Tool, args: string[]): Promise<AsyncShellResult> {
  return tool === 'ovs-ofctl'
    ? shAsync('ovs-ofctl', args, { killAfterMs: 10_000 })
    : shAsync(process.execPath, [binPath('ofctl'), ...args], { killAfterMs: 10_000 });
}

/** The switch's name (`target`) replaced by SW, the tools' names by TOOL. */
export function normalizeRun(r: AsyncShellResult, target = '') {
  const clean = (s: string) => (target ? s.replaceAll(target, 'SW') : s).replace(/^(ovs-)?ofctl: /gm, 'TOOL: ');
  return { status: r.status, stdout: clean(r.stdout), stderr: clean(r.stderr) };
}

export type StepResult = { step: string } & ReturnType<typeof normalizeRun>;

/** Runs `steps` ('SW' is the switch) one after another with `tool` on `target`. */
export async function runChain(tool: Tool, target: string, steps: string[][]): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for (const step of steps) {
    const r = await runTool(
      tool,
      step.map((a) => (a === 'SW' ? target : a)),
    );
    out.push({ step: step.join(' '), ...normalizeRun(r, target) });
  }
  return out;
}

/** Both switches with bridges br0 (for ovs-ofctl's runs) and br1 (for ours), two dummy ports each. */
export interface TwoSwitches {
  ovs: OvsSandbox;
  sw: RunningSwitchd;
  stop(): Promise<void>;
  /** The four runs of `steps`: reference (ovs-ofctl on ovs-vswitchd) first. */
  runAll(steps: string[][]): Promise<{ reference: StepResult[]; others: Record<string, StepResult[]> }>;
}

export async function startTwoSwitches(): Promise<TwoSwitches> {
  const bridges = [
    ...dummyBridgeArgs('br0', [
      { name: 'p1', ofport: 1 },
      { name: 'p2', ofport: 2 },
    ]),
    '--',
    ...dummyBridgeArgs('br1', [
      { name: 'p3', ofport: 1 },
      { name: 'p4', ofport: 2 },
    ]),
  ];
  const ovs = startOvsSandbox();
  ovs.vsctl(...bridges);
  const sw = await startSwitchd();
  const vsctl = await shAsync('ovs-vsctl', [`--db=unix:${join(sw.rundir, 'db.sock')}`, ...bridges]);
  if (vsctl.status !== 0) throw new Error(`ovs-vsctl on softswitch failed: ${vsctl.stderr}`);
  const at = (dir: string, br: string) => `unix:${join(dir, `${br}.mgmt`)}`;
  return {
    ovs,
    sw,
    async stop() {
      ovs.stop();
      await sw.stop();
    },
    async runAll(steps) {
      const [reference, theirsOnSoftswitch, oursOnOvs, oursOnSoftswitch] = await Promise.all([
        runChain('ovs-ofctl', at(ovs.dir, 'br0'), steps),
        runChain('ovs-ofctl', at(sw.rundir, 'br0'), steps),
        runChain('ofctl', at(ovs.dir, 'br1'), steps),
        runChain('ofctl', at(sw.rundir, 'br1'), steps),
      ]);
      return { reference, others: { theirsOnSoftswitch, oursOnOvs, oursOnSoftswitch } };
    },
  };
}

/** Starts both switches before a describe block's tests and stops them after; call inside the block. */
export function useTwoSwitches(): () => TwoSwitches {
  let switches: TwoSwitches | undefined;
  beforeAll(async () => {
    switches = await startTwoSwitches();
  }, 30_000);
  afterAll(async () => {
    await switches?.stop();
  });
  return () => {
    if (!switches) throw new Error('the switches did not start');
    return switches;
  };
}
