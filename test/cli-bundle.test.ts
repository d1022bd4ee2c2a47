import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { currentBundle } from '../libs/cli-kit/src/launch.js';
import { binPath, repoRoot } from './support/switchd.js';

/**
 * The tools' single-file builds (scripts/bundle-clis.mjs), as `npm run build` leaves them: current,
 * and holding every command oclif's manifest lists (the list is generated, so a new command file
 * must show up here without anyone naming it).
 */

const APPS = ['ofctl', 'dpctl', 'appctl', 'vsctl'];

/** Imports an app's bundle in a fresh node and loads every command it registers. */
const PROBE = `
const [bundle, manifestFile] = process.argv.slice(1);
const { BUNDLE } = await import(bundle);
const manifest = JSON.parse((await import('node:fs')).readFileSync(manifestFile, 'utf8'));
const isCommand = (v) => typeof v === 'function' && typeof v.run === 'function';
const out = { single: !BUNDLE.commands, ids: [], aliases: BUNDLE.aliases ?? {}, bad: [] };
if (BUNDLE.commands) {
  for (const [id, load] of Object.entries(BUNDLE.loaders)) {
    out.ids.push(id);
    const m = await load();
    if (!isCommand(m.default) && !Object.values(m).some(isCommand)) out.bad.push(id);
  }
} else {
  const m = await import(BUNDLE.file);
  if (!Object.values(m).some(isCommand)) out.bad.push('(single)');
}
out.manifest = Object.fromEntries(Object.entries(manifest.commands).map(([id, c]) => [id, c.aliases ?? []]));
console.log(JSON.stringify(out));
`;

describe('CLI bundles', () => {
  for (const app of APPS) {
    it(`${app}: the bundle is current and carries every command of the manifest`, async () => {
      const dist = join(repoRoot, 'apps', app, 'dist');
      const bundle = await currentBundle(dist);
      expect(bundle, `apps/${app}: no current bundle; run \`npm run build\``).toBe(join(dist, 'main.bundle.js'));
      const r = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', PROBE, '--', bundle!, join(repoRoot, 'apps', app, 'oclif.manifest.json')],
        { encoding: 'utf8' },
      );
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout);
      expect(out.bad).toEqual([]);
      if (out.single) return;
      expect(out.ids.sort()).toEqual(Object.keys(out.manifest).sort());
      for (const [id, aliases] of Object.entries(out.manifest as Record<string, string[]>)) {
        for (const alias of aliases) expect(out.aliases[alias]).toBe(id);
      }
    });
  }

  it('runs a command through an alias and reports an unknown one as before', () => {
    const env = { ...process.env, NODE_ENV: 'test' };
    const alias = spawnSync(process.execPath, [binPath('ofctl'), 'parse-nxm', '--help'], { encoding: 'utf8', env });
    expect(alias.status).toBe(0);
    expect(alias.stdout).toMatch(/^decode NXM matches/);
    const unknown = spawnSync(process.execPath, [binPath('ofctl'), 'no-such-command'], { encoding: 'utf8', env });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('command no-such-command not found');
  });

  it('vsctl runs without loading oclif, with or without --db (it parses its own command line)', () => {
    // A missing run directory: vsctl resolves <rundir>/db.sock, fails to connect and exits 2.
    for (const args of [
      ['--rundir', '/nonexistent/softswitch', 'list-br'],
      ['--db=unix:/nonexistent/db.sock', 'list-br'],
    ]) {
      const r = spawnSync(process.execPath, [binPath('vsctl'), ...args], {
        encoding: 'utf8',
        env: { ...process.env, NODE_DEBUG: 'esm' },
      });
      expect(r.status).toBe(2);
      const loaded = [...r.stderr.matchAll(/Storing (file:\/\/\S+) /g)].map((m) => fileURLToPath(m[1]));
      expect(loaded).toContain(join(repoRoot, 'apps', 'vsctl', 'dist', 'main.bundle.js'));
      const withOclif = loaded.filter((f) => /@oclif[/+]core/.test(readFileSync(f, 'utf8')));
      expect(withOclif).toEqual([]);
    }
  });

  it('prints the version from package.json', () => {
    const pjson = JSON.parse(readFileSync(join(repoRoot, 'apps', 'ofctl', 'package.json'), 'utf8'));
    const r = spawnSync(process.execPath, [binPath('ofctl'), '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${pjson.name}/${pjson.version}`);
  });
});
