import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';

/** Set in the environment of the background copy that `--detach` starts. */
export const DETACHED_ENV = 'SOFTSWITCH_DETACHED';

/**
 * `--detach`: runs the same command again in the background (own session, output to the log
 * file or nowhere) and returns once that copy reports it is serving, so a script can use the
 * sockets as soon as `switchd --detach` returns, as with Open vSwitch's daemons.
 */
export async function detach(argv: string[], logFile: string | undefined): Promise<number> {
  const out = logFile ? openSync(logFile, 'a') : 'ignore';
  const child = spawn(
    process.execPath,
    [...process.execArgv, process.argv[1], ...argv.filter((a) => a !== '--detach')],
    {
      detached: true,
      stdio: ['ignore', out, out, 'ipc'],
      env: { ...process.env, [DETACHED_ENV]: '1' },
    },
  );
  const outcome = await new Promise<string>((resolve) => {
    child.once('message', (m) => resolve(String(m)));
    child.once('exit', (code) => resolve(`exited with status ${code}`));
  });
  if (outcome !== 'ready')
    throw new Error(`switchd: the background daemon ${outcome}${logFile ? ` (see ${logFile})` : ''}`);
  child.disconnect();
  child.unref();
  return child.pid ?? 0;
}

/** In the background copy: tell the parent the daemon is up, then cut the tie. */
export function reportReady(): void {
  if (process.env[DETACHED_ENV] && process.send) {
    process.send('ready');
    process.disconnect?.();
  }
}
