import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runVsctl } from '../apps/vsctl/src/run.js';
import { type OurServer, startOurServer } from './configdb-support.js';
import { normalizeOutput, normalizeUuids, VSCTL_SESSION } from './configdb-vsctl-session.js';
import { type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';

interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

function realVsctl(sandbox: OvsSandbox, args: string[]): Outcome {
  const r = spawnSync('ovs-vsctl', [`--db=unix:${sandbox.dbSocket}`, '--no-wait', '--timeout=10', ...args], {
    env: sandbox.env,
    encoding: 'utf8',
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function realVsctlAsync(sandbox: OvsSandbox, args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      'ovs-vsctl',
      [`--db=unix:${sandbox.dbSocket}`, '--no-wait', '--timeout=10', ...args],
      { env: sandbox.env, encoding: 'utf8' },
      (err, stdout, stderr) =>
        resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Both tools name themselves in messages, and ovs-vsctl adds log-style lines. */
function cleanStderr(s: string): string {
  return normalizeUuids(s.replace(/^\S+\|\d+\|\w+\|\w+\|.*\n/gm, '').replace(/^(ovs-)?vsctl: /gm, ''));
}

/**
 * Runs `add-port` for several ports at once (interleaved in one process, so every run reads the
 * same snapshot): without verification all but one update of the bridge's ports would be lost.
 */
async function concurrentAddPorts(db: string, bridge: string, n: number): Promise<string> {
  expect((await runVsctl([db, '--no-wait', 'add-br', bridge])).status).toBe(0);
  const names = Array.from({ length: n }, (_, i) => `${bridge}p${i}`);
  const runs = await Promise.all(names.map((p) => runVsctl([db, '--no-wait', 'add-port', bridge, p])));
  expect(runs.map((r) => r.status)).toEqual(names.map(() => 0));
  return (await runVsctl([db, 'list-ports', bridge])).stdout;
}

describeNeeding({ binaries: ['ovs-vsctl', 'ovsdb-server'] }, 'our vsctl against real ovsdb-server', () => {
  let oracle: OvsSandbox;
  let target: OvsSandbox;
  beforeAll(() => {
    oracle = startOvsSandbox({ vswitchd: false });
    target = startOvsSandbox({ vswitchd: false });
  });
  afterAll(() => {
    oracle?.stop();
    target?.stop();
  });

  it(`the ${VSCTL_SESSION.length}-command session prints, fails and exits exactly like ovs-vsctl`, async () => {
    const mismatches: string[] = [];
    for (const args of VSCTL_SESSION) {
      const a = realVsctl(oracle, args);
      const b = await runVsctl([`--db=unix:${target.dbSocket}`, '--no-wait', '--timeout=10', ...args]);
      const same =
        a.status === b.status &&
        normalizeOutput(args, a.stdout) === normalizeOutput(args, b.stdout) &&
        cleanStderr(a.stderr) === cleanStderr(b.stderr);
      if (!same) {
        mismatches.push(
          `vsctl ${args.join(' ')}\n ovs-vsctl (${a.status}): ${a.stdout}${a.stderr}\n vsctl (${b.status}): ${b.stdout}${b.stderr}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
    // Both databases end up with the same bridges, ports and interfaces.
    const dump = (s: OvsSandbox) =>
      normalizeOutput(['list'], realVsctl(s, ['--columns=name,type,options', 'list', 'interface']).stdout);
    expect(dump(target)).toBe(dump(oracle));
  });

  it('waits for cur_cfg to reach next_cfg without --no-wait, and wait-until waits for a change', async () => {
    const db = `--db=unix:${target.dbSocket}`;
    const pending = runVsctl([db, '--timeout=10', 'add-br', 'waitbr']);
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    // Play switchd: once the change is in, copy next_cfg to cur_cfg (async, so vsctl keeps running).
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await realVsctlAsync(target, ['br-exists', 'waitbr'])).status !== 0) {}
    const next = (await realVsctlAsync(target, ['get', 'open_vswitch', '.', 'next_cfg'])).stdout.trim();
    expect(settled).toBe(false);
    expect((await realVsctlAsync(target, ['set', 'open_vswitch', '.', `cur_cfg=${next}`])).status).toBe(0);
    expect((await pending).status).toBe(0);

    const waiting = runVsctl([db, '--timeout=10', 'wait-until', 'bridge', 'waitbr', 'fail_mode=secure']);
    expect((await realVsctlAsync(target, ['set-fail-mode', 'waitbr', 'secure'])).status).toBe(0);
    expect(await waiting).toMatchObject({ status: 0 });
    const timedOut = await runVsctl([db, '--timeout=1', 'wait-until', 'bridge', 'waitbr', 'fail_mode=standalone']);
    expect(timedOut.status).not.toBe(0);
  });

  it('verifies what it read like ovs-vsctl, so concurrent runs lose no update (real server)', async () => {
    const ports = await concurrentAddPorts(`--db=unix:${target.dbSocket}`, 'racebr', 8);
    expect(ports.split('\n').filter(Boolean)).toHaveLength(8);
  });
});

describeNeeding({ binaries: ['ovs-vsctl'] }, 'our vsctl against our server', () => {
  let ours: OurServer;
  beforeAll(async () => {
    ours = await startOurServer();
  });
  afterAll(async () => {
    await ours?.stop();
  });

  it('runs the whole session with --db and the same results as real ovs-vsctl on our server', async () => {
    const env = { ...process.env, OVS_RUNDIR: ours.dir };
    const db = `--db=unix:${ours.socket}`;
    expect((await runVsctl([db, '--no-wait', 'init'])).status).toBe(0);
    const statuses: number[] = [];
    for (const args of VSCTL_SESSION.slice(0, 40)) statuses.push((await runVsctl([db, '--no-wait', ...args])).status);
    expect(statuses.filter((s) => s === 0).length).toBeGreaterThan(30);
    const r = spawnSync('ovs-vsctl', [db, '--no-wait', 'list-br'], { env, encoding: 'utf8' });
    expect(r.stdout).toBe((await runVsctl([db, 'list-br'])).stdout);
  });

  it('verifies what it read like ovs-vsctl, so concurrent runs lose no update (our server)', async () => {
    const ports = await concurrentAddPorts(`--db=unix:${ours.socket}`, 'racebr', 8);
    expect(ports).toBe(`${Array.from({ length: 8 }, (_, i) => `racebrp${i}`).join('\n')}\n`);
  });

  it('finds the database at <rundir>/db.sock without --db', async () => {
    const r = await runVsctl(['--no-wait', 'add-br', 'viarundir', '--', 'br-exists', 'viarundir'], {
      ...process.env,
      SOFTSWITCH_RUNDIR: ours.dir,
    });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect((await runVsctl(['--rundir', ours.dir, 'list-br'])).stdout).toContain('viarundir\n');
  });

  it('with --retry keeps trying to connect until the server is up, or until --timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vsctl-retry-'));
    try {
      const pending = runVsctl([`--db=unix:${join(dir, 'db.sock')}`, '--retry', '--timeout=30', '--no-wait', 'init']);
      const late = await startOurServer({ dir });
      try {
        expect(await pending).toMatchObject({ status: 0, stderr: '' });
      } finally {
        await late.stop();
      }
      const gaveUp = await runVsctl([`--db=unix:${join(dir, 'none.sock')}`, '--retry', '--timeout=0.3', 'list-br']);
      expect(gaveUp.status).toBe(2);
      expect(gaveUp.stderr).toMatch(/timeout expired/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 when the database cannot be reached, 1 on a usage error', async () => {
    expect((await runVsctl([`--db=unix:${ours.dir}/nope.sock`, 'list-br'])).status).toBe(2);
    expect((await runVsctl([`--db=unix:${ours.socket}`, 'frobnicate'])).status).toBe(1);
    expect((await runVsctl(['--help'])).stdout).toMatch(/usage: vsctl/);
  });
});
