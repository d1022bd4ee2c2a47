import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveRunDir, UnreachableError, UserError } from '@softswitch/cli-kit';

/** Where to connect: a Unix socket path or a TCP host and port. */
export type SwitchTarget = (
  | { kind: 'unix'; path: string; name: string }
  | { kind: 'tcp'; host: string; port: number; name: string }
) & { /** SWITCH as the user wrote it. */ spec?: string };

/**
 * Resolves ovs-ofctl's SWITCH argument: `unix:PATH`, `tcp:HOST[:PORT]` (6653 by default), or a
 * bridge name meaning `<rundir>/<bridge>.mgmt`.
 */
export function resolveSwitch(spec: string, rundirFlag?: string, suffix = 'mgmt'): SwitchTarget {
  return { ...resolve(spec, rundirFlag, suffix), spec };
}

function resolve(spec: string, rundirFlag: string | undefined, suffix: string): SwitchTarget {
  if (spec.startsWith('unix:')) return { kind: 'unix', path: spec.slice(5), name: spec };
  if (spec.startsWith('tcp:')) {
    const rest = spec.slice(4);
    // [v6addr]:port, host:port or host alone.
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest) ?? /^([^:]+)(?::(\d+))?$/.exec(rest);
    if (!m) throw new UserError(`${spec}: bad tcp target`);
    const port = m[2] === undefined ? 6653 : Number(m[2]);
    if (!(port > 0 && port < 65536)) throw new UserError(`${spec}: bad port number`);
    return { kind: 'tcp', host: m[1], port, name: spec };
  }
  if (spec.includes('/')) {
    if (!existsSync(spec)) throw new UnreachableError(`${spec} is not a bridge or a socket`);
    return { kind: 'unix', path: spec, name: `unix:${spec}` };
  }
  const path = join(resolveRunDir(rundirFlag), `${spec}.${suffix}`);
  if (!existsSync(path)) throw new UnreachableError(`${spec} is not a bridge or a socket`);
  return { kind: 'unix', path, name: `unix:${path}` };
}
