import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectionClosedError, connectRemote, RpcError } from '@softswitch/jsonrpc';

/** The server answered with an error text (the command ran and failed, or was refused). */
export class UnixctlServerError extends Error {}

/** The socket could not be reached (no daemon, wrong path, timeout). */
export class UnixctlUnreachableError extends Error {}

/**
 * Where to find a daemon's control socket. A TARGET with a slash is a socket path; a name is
 * `<rundir>/<name>.ctl` (softswitch's layout) or, failing that, Open vSwitch's
 * `<rundir>/<name>.<pid>.ctl` found through `<name>.pid`.
 */
export function resolveControlSocket(target: string, rundir: string): string {
  if (target.includes('/')) return target;
  const ours = join(rundir, `${target}.ctl`);
  if (existsSync(ours)) return ours;
  const pidFile = join(rundir, `${target}.pid`);
  if (existsSync(pidFile)) {
    const pid = readFileSync(pidFile, 'utf8').trim();
    const theirs = join(rundir, `${target}.${pid}.ctl`);
    if (existsSync(theirs)) return theirs;
  }
  return ours;
}

/** Runs one command on a control socket and returns its reply text. */
export async function unixctlCall(socketPath: string, command: string, args: string[], timeoutMs = 0): Promise<string> {
  let conn: Awaited<ReturnType<typeof connectRemote>>;
  try {
    conn = await connectRemote(`unix:${socketPath}`);
  } catch (err) {
    throw new UnixctlUnreachableError(
      `cannot connect to "${socketPath}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  const timer = timeoutMs > 0 ? setTimeout(() => conn.close(), timeoutMs) : undefined;
  try {
    const result = await conn.request(command, args);
    return typeof result === 'string' ? result : JSON.stringify(result);
  } catch (err) {
    if (err instanceof RpcError) {
      throw new UnixctlServerError(typeof err.error === 'string' ? err.error : JSON.stringify(err.error));
    }
    if (err instanceof ConnectionClosedError) {
      throw new UnixctlUnreachableError(
        timer ? `${socketPath}: no reply within ${timeoutMs / 1000} s` : `${socketPath}: connection closed`,
      );
    }
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
    conn.close();
  }
}
