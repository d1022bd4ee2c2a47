#!/usr/bin/env node
// Makes a fresh clone usable with nothing but Node and npm: fetches pnpm through npx when it
// is not installed, installs the workspace when the lockfile changed, and builds on request.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = pkg.packageManager.split('@')[1];
const wantBuild = process.argv.includes('--build');

function run(cmd, args, what) {
  // node_modules/.bin first: turbo looks for the pnpm that the workspace itself pins.
  const PATH = `${join(root, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`;
  const env = { ...process.env, PATH, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`softswitch setup: ${what} failed (${cmd} ${args.join(' ')}: exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim().startsWith('10.')) return ['pnpm', []];
  return ['npx', ['--yes', `pnpm@${pnpmVersion}`]];
}

function mtime(p) {
  return existsSync(p) ? statSync(p).mtimeMs : 0;
}

const marker = join(root, 'node_modules', '.modules.yaml');
const lock = join(root, 'pnpm-lock.yaml');
// Any workspace manifest newer than the last install means dependencies may have changed.
const manifests = [join(root, 'package.json'), join(root, 'pnpm-workspace.yaml')];
for (const group of ['apps', 'libs']) {
  for (const name of existsSync(join(root, group)) ? readdirSync(join(root, group)) : []) {
    manifests.push(join(root, group, name, 'package.json'));
  }
}
for (const dir of ['test', 'bench', 'fixtures']) manifests.push(join(root, dir, 'package.json'));
const needsInstall = !existsSync(marker) || manifests.concat(lock).some((p) => mtime(p) > mtime(marker));
if (needsInstall) {
  const [cmd, pre] = pnpmCommand();
  const frozen = process.env.CI && existsSync(lock) ? ['--frozen-lockfile'] : [];
  run(cmd, [...pre, 'install', ...frozen], 'install');
}
if (wantBuild) {
  run(join(root, 'node_modules', '.bin', 'turbo'), ['run', 'build', '--output-logs=errors-only'], 'build');
}
