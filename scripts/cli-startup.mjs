#!/usr/bin/env node
// Measures the tools' per-invocation cost: wall and CPU (user + system) of each command, as
// /usr/bin/time reports them, median over N runs, against a switchd started for the purpose.
// Usage: node scripts/cli-startup.mjs [--runs N] [--node-env test] [CHECKOUT...]
// Several checkouts (say a copy of the tree before a change) are measured in the same run,
// interleaved, so that the machine's load falls on all of them alike.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '20' }, 'node-env': { type: 'string' } },
});
const runs = Number(values.runs);
const roots = positionals.length ? positionals : [join(dirname(fileURLToPath(import.meta.url)), '..')];
const env = values['node-env'] ? { ...process.env, NODE_ENV: values['node-env'] } : process.env;
const bin = (tool, root = roots[0]) => join(root, 'bin', tool);
const rundir = mkdtempSync(join(tmpdir(), 'cli-startup-'));

async function waitFor(what, check) {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One timed run: [wall, cpu] in seconds, from /usr/bin/time's last stderr line. */
function timed(args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', process.execPath, ...args], { encoding: 'utf8', env });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [wall, user, sys] = last.split(' ').map(Number);
  if (!Number.isFinite(wall)) throw new Error(`no timing for ${args.join(' ')}: ${r.stderr}`);
  return { wall, cpu: user + sys, status: r.status };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const switchd = spawn(process.execPath, [bin('switchd'), '--rundir', rundir], {
  stdio: 'ignore',
  env: { ...process.env, SOFTSWITCH_DBDIR: rundir },
});
try {
  await waitFor('switchd', () => existsSync(join(rundir, 'switchd.ctl')));
  const db = `--db=unix:${join(rundir, 'db.sock')}`;
  const added = spawnSync(process.execPath, [bin('vsctl'), db, 'add-br', 'br0'], { encoding: 'utf8' });
  if (added.status !== 0) throw new Error(`add-br: ${added.stderr}`);
  await waitFor('br0.mgmt', () => existsSync(join(rundir, 'br0.mgmt')));
  const cases = (root) => [
    ['ofctl --version', [bin('ofctl', root), '--version']],
    ['ofctl dump-flows br0', [bin('ofctl', root), '--rundir', rundir, 'dump-flows', 'br0']],
    ['ofctl parse-flow', [bin('ofctl', root), 'parse-flow', 'ip,actions=drop']],
    ['vsctl --no-wait list-br', [bin('vsctl', root), db, '--no-wait', 'list-br']],
    ['dpctl show', [bin('dpctl', root), '--rundir', rundir, 'show']],
    ['appctl version', [bin('appctl', root), '--rundir', rundir, 'version']],
  ];
  console.log(`median of ${runs} runs${values['node-env'] ? ` (NODE_ENV=${values['node-env']})` : ''}`);
  console.log(`${'command'.padEnd(26)} ${roots.map((_, i) => `wall#${i}  cpu#${i}  exit`).join('   ')}`);
  for (const [i, [name]] of cases(roots[0]).entries()) {
    const argvs = roots.map((root) => cases(root)[i][1]);
    for (const args of argvs) timed(args); // warm the page cache
    const samples = argvs.map(() => []);
    for (let n = 0; n < runs; n++) {
      for (const [r, args] of argvs.entries()) samples[r].push(timed(args));
    }
    const cols = samples.map((s) => {
      const wall = median(s.map((x) => x.wall)).toFixed(3);
      const cpu = median(s.map((x) => x.cpu)).toFixed(3);
      return `${wall.padStart(6)} ${cpu.padStart(6)}  ${String(s[0].status).padStart(4)}`;
    });
    console.log(`${name.padEnd(26)} ${cols.join('   ')}`);
  }
} finally {
  switchd.kill('SIGTERM');
  await new Promise((r) => switchd.once('exit', r));
  rmSync(rundir, { recursive: true, force: true });
}
