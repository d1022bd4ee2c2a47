import { spawn, spawnSync } from 'node:child_process';

export interface ShellResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; a spawn failure reads as status -1 with the error in stderr. */
export function sh(cmd: string, args: string[], timeout = 30_000): ShellResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

/** Runs a command that must succeed; its stdout. */
export function must(cmd: string, args: string[]): string {
  const r = sh(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** `ip netns exec NS CMD ARGS...`. */
export function inNamespace(ns: string, cmd: string, args: string[], timeout?: number): ShellResult {
  return sh('ip', ['netns', 'exec', ns, cmd, ...args], timeout);
}

export interface AsyncShellResult extends Omit<ShellResult, 'status'> {
  status: number | null;
  signal: NodeJS.Signals | null;
}

export interface AsyncShellOptions {
  /** Written to the command's stdin, which is then closed. */
  input?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
  /** Kill the command after this long: a hung tool fails its step, not the whole test by timeout. */
  killAfterMs?: number;
}

/** Runs a command without blocking the event loop (so two can run side by side), feeding it `input`. */
export function shAsync(
  cmd: string,
  args: string[],
  inputOrOptions: string | AsyncShellOptions = '',
): Promise<AsyncShellResult> {
  const options = typeof inputOrOptions === 'string' ? { input: inputOrOptions } : inputOrOptions;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer =
      options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.once('error', reject);
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    // A command that reads no stdin may exit before taking it all.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/**
 * shAsync for differential steps: killed after 20 s unless told otherwise, and a status of -1
 * with the signal noted in stderr when it did not exit by itself, as `sh` reports it.
 */
export async function runAsync(cmd: string, args: string[], options: AsyncShellOptions = {}): Promise<ShellResult> {
  const r = await shAsync(cmd, args, { killAfterMs: 20_000, ...options });
  return {
    status: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.signal === null ? r.stderr : `${r.stderr}(killed: ${r.signal})`,
  };
}
