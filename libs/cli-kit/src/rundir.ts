import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The run directory, in the order INTERFACES.md gives: flag, $SOFTSWITCH_RUNDIR, /var/run/softswitch
 * for root, $XDG_RUNTIME_DIR/softswitch, ~/.softswitch/run.
 */
export function resolveRunDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return flag;
  if (env.SOFTSWITCH_RUNDIR) return env.SOFTSWITCH_RUNDIR;
  if (process.getuid?.() === 0) return '/var/run/softswitch';
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'softswitch');
  return join(homedir(), '.softswitch', 'run');
}

/** The database file: flag, $SOFTSWITCH_DBDIR/conf.db, /var/lib/softswitch/conf.db for root, ~/.softswitch/conf.db. */
export function resolveDbFile(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return flag;
  if (env.SOFTSWITCH_DBDIR) return join(env.SOFTSWITCH_DBDIR, 'conf.db');
  if (process.getuid?.() === 0) return '/var/lib/softswitch/conf.db';
  return join(homedir(), '.softswitch', 'conf.db');
}

/** Creates the run directory private to its owner; sockets inside it inherit that protection. */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}
