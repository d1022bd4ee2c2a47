#!/usr/bin/env node
// Runs every test project through vitest and closes with one plain line, "tests: N passed,
// N failed, N skipped", that CI logs can be read by. Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const report = join(mkdtempSync(join(tmpdir(), 'softswitch-test-')), 'report.json');
const vitest = join(root, 'node_modules', '.bin', 'vitest');
const r = spawnSync(
  vitest,
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
if (existsSync(report)) {
  const res = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (res.numPendingTests ?? 0) + (res.numTodoTests ?? 0);
  console.log(`tests: ${res.numPassedTests} passed, ${res.numFailedTests} failed, ${skipped} skipped`);
  if (res.numTotalTests === 0) {
    console.error('tests: no test ran');
    process.exit(1);
  }
}
process.exit(r.status ?? 1);
