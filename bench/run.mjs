#!/usr/bin/env node
// `npm run bench [-- SUITE...]`: runs the built suites in bench/dist/suites and writes
// bench/results/<suite>.json for each.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const suitesDir = join(here, 'dist', 'suites');
const { writeResults, withRatios } = await import(pathToFileURL(join(here, 'dist', 'harness.js')).href);
const available = readdirSync(suitesDir)
  .filter((f) => f.endsWith('.js'))
  .map((f) => f.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length) {
  console.error(`bench: unknown suite ${unknown.join(', ')} (have: ${available.join(', ')})`);
  process.exit(1);
}
for (const name of wanted.length ? wanted : available) {
  const mod = await import(pathToFileURL(join(suitesDir, `${name}.js`)).href);
  console.log(`== ${name}`);
  const results = withRatios(await mod.suite.run());
  for (const r of results) {
    const ratio = r.ratio !== undefined ? `  (${r.ratio.toFixed(2)}x ${r.baseline})` : '';
    // A bootstrap interval of the ratio, where the suite gives one.
    const interval = r.params?.ratioInterval95;
    const spread = Array.isArray(interval) ? ` [95%: ${interval.map((x) => x.toFixed(2)).join('-')}]` : '';
    console.log(
      `${r.name.padEnd(48)} ${Number(r.value.toPrecision(4)).toLocaleString('en-US')} ${r.unit}${ratio}${spread}`,
    );
  }
  console.log(`-> ${writeResults(join(here, 'results'), name, results)}`);
}
