import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the built standalone config DB server lives (built by `npm run build`). */
export const CONFIGDB_CLI = join(import.meta.dirname, '..', 'libs', 'configdb', 'dist', 'cli.js');

/** Builds jsonrpc and configdb if their dist is missing, so the child-process server can run. */
export function ensureConfigDbBuilt(): void {
  if (existsSync(CONFIGDB_CLI)) return;
  for (const lib of ['jsonrpc', 'configdb']) {
    const dir = join(import.meta.dirname, '..', 'libs', lib);
    const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building ${lib} failed: ${r.stdout}${r.stderr}`);
  }
}

export interface OurServer {
  dir: string;
  dbFile: string;
  socket: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  stop(): Promise<void>;
}

/** Starts our OVSDB server as a child process and waits for it to listen. */
export async function startOurServer(
  opts: { dir?: string; schema?: string; extraArgs?: string[] } = {},
): Promise<OurServer> {
  ensureConfigDbBuilt();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'configdb-'));
  const dbFile = join(dir, 'conf.db');
  const socket = join(dir, 'db.sock');
  const args = [CONFIGDB_CLI, '--db-file', dbFile, '--remote', `punix:${socket}`, ...(opts.extraArgs ?? [])];
  if (opts.schema) args.push('--schema', opts.schema);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`configdb server exited (${code}): ${stderr}`)));
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    if (!opts.dir) rmSync(dir, { recursive: true, force: true });
  };
  return { dir, dbFile, socket, child, exited, stop };
}
