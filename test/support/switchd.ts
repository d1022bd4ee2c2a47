import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Path of a built launcher in bin/ (npm test builds before it runs the tests). */
export function binPath(tool: string): string {
  return join(repoRoot, 'bin', tool);
}

/**
 * Polls `check` until it holds or `timeoutMs` passes; for waiting on daemons without sleeping
 * blindly. A longer `intervalMs` suits a check that runs a tool and waits out a protocol timer
 * of seconds: polling it every 20 ms would only load the machine.
 */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface RunningSwitchd {
  rundir: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts bin/switchd in a fresh private run directory and waits for its control socket. */
export async function startSwitchd(extraArgs: string[] = []): Promise<RunningSwitchd> {
  const rundir = mkdtempSync(join(tmpdir(), 'switchd-'));
  const child = spawn(process.execPath, [binPath('switchd'), '--rundir', rundir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SOFTSWITCH_DBDIR: rundir },
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor('switchd control socket', () => {
    if (child.exitCode !== null) throw new Error(`switchd exited early (${child.exitCode}): ${out}`);
    return existsSync(join(rundir, 'switchd.ctl'));
  });
  return {
    rundir,
    process: child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(rundir, { recursive: true, force: true });
    },
  };
}
