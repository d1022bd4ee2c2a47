import { spawnSync } from 'node:child_process';

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
