import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensurePrivateDir, resolveDbFile, resolveRunDir } from '../src/rundir.js';

describe('run directory', () => {
  it('prefers the flag, then $SOFTSWITCH_RUNDIR', () => {
    expect(resolveRunDir('/x', { SOFTSWITCH_RUNDIR: '/y' })).toBe('/x');
    expect(resolveRunDir(undefined, { SOFTSWITCH_RUNDIR: '/y' })).toBe('/y');
  });
  it('falls back by user', () => {
    const dir = resolveRunDir(undefined, { XDG_RUNTIME_DIR: '/run/user/1000' });
    if (process.getuid?.() === 0) expect(dir).toBe('/var/run/softswitch');
    else expect(dir).toBe('/run/user/1000/softswitch');
  });
  it('puts the database under $SOFTSWITCH_DBDIR', () => {
    expect(resolveDbFile(undefined, { SOFTSWITCH_DBDIR: '/d' })).toBe('/d/conf.db');
    expect(resolveDbFile('/f.db', { SOFTSWITCH_DBDIR: '/d' })).toBe('/f.db');
  });
  it('creates the directory with mode 0700', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ss-')), 'run');
    ensurePrivateDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});
