import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult, Suite } from '../harness.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TOOLS = ['switchd', 'ofctl', 'vsctl', 'dpctl', 'appctl'];
const RUNS = 15;

/** Median wall time of `RUNS` runs of a command, in milliseconds. */
function coldStartMs(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: repo, stdio: 'ignore' });
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`bench cli: node ${args.join(' ')} exited ${r.status}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Cold start of each CLI: scripts call these tools hundreds of times, so the time from exec to
 * exit matters. The baseline is a bare `node -e 0` in the same run.
 */
export const suite: Suite = {
  name: 'cli',
  async run(): Promise<BenchResult[]> {
    const results: BenchResult[] = [
      { name: 'node -e 0', value: coldStartMs(['-e', '0']), unit: 'ms', higherIsBetter: false },
    ];
    for (const tool of TOOLS) {
      results.push({
        name: `${tool} --version`,
        value: coldStartMs([join('bin', tool), '--version']),
        unit: 'ms',
        higherIsBetter: false,
        baseline: 'node -e 0',
        params: { runs: RUNS, statistic: 'median' },
      });
    }
    // A real command that does work, where one exists in this build.
    const flowCommand = join(repo, 'apps', 'ofctl', 'dist', 'commands', 'parse-flow.js');
    if (existsSync(flowCommand)) {
      results.push({
        name: 'ofctl parse-flow',
        value: coldStartMs([join('bin', 'ofctl'), 'parse-flow', 'tcp,nw_src=10.0.0.1,tp_dst=80,actions=output:2']),
        unit: 'ms',
        higherIsBetter: false,
        baseline: 'node -e 0',
        params: { runs: RUNS, statistic: 'median' },
      });
    }
    return results;
  },
};
