import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  CLASSBENCH_LAYOUT,
  type ClassBenchRule,
  type ClassBenchShape,
  Classifier,
  type ClassifierOptions,
  expandRule,
  generateRuleSet,
  generateTrace,
  type Match,
  parseRuleSet,
  parseTrace,
} from '@softswitch/classifier';
import { type BenchResult, measureRate, type Suite } from '../harness.js';
import { buildOvsClassifierDriver, runOvsClassifier } from '../ovs-classifier.js';

// bench/dist/suites -> repo root -> ../shared/classbench
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const classbenchDir = join(repoRoot, '..', 'shared', 'classbench');
const W = CLASSBENCH_LAYOUT.words;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface RuleSet {
  name: string;
  source: 'classbench' | 'generated';
  rules: ClassBenchRule[];
  trace: Uint32Array;
  traceSource: string;
  /** A second trace, timed on the same table beside `trace` (`label` names its figure). */
  second?: { trace: Uint32Array; source: string; label: string };
}

/**
 * A set's rules and the trace its main figures use: its own ClassBench trace where there is one,
 * else one generated from its rules. A trace is only fair to the table it was made from: the
 * ClassBench 10k traces end in 3.9-8.9k of their table's rules, but against a 100k table (there
 * is no 100k trace) in 61-254 broad ones, 56-85% of the packets in ten of them, so each lookup
 * repeats a few paths whose records, hash rows and branches stay hot, and acl1_100k came out
 * 3.5x faster than acl1_10k on the same packets (libs/classifier/README.md, session 7). So the 100k sets run a trace generated
 * from their own rules, with the 10k trace kept beside it as a second figure; the sets with a
 * ClassBench trace also run a generated one, so both sizes are measured with the same generator.
 */
function loadSet(shape: ClassBenchShape, size: '1k' | '10k' | '100k'): RuleSet {
  const name = `${shape}1_${size}`;
  const file = join(classbenchDir, name);
  const n = { '1k': 1000, '10k': 10_000, '100k': 100_000 }[size];
  const rules = existsSync(file) ? parseRuleSet(readFileSync(file, 'utf8')) : generateRuleSet(shape, n);
  const source = existsSync(file) ? 'classbench' : 'generated';
  const generated = { trace: generateTrace(rules, GENERATED_TRACE_PACKETS), source: GENERATED };
  const traceFile = join(classbenchDir, `${name}_trace`);
  if (existsSync(traceFile)) {
    const own = parseTrace(readFileSync(traceFile, 'utf8'));
    return {
      name,
      source,
      rules,
      trace: own,
      traceSource: `${name}_trace`,
      second: { ...generated, label: 'generated trace' },
    };
  }
  const tenK = join(classbenchDir, `${shape}1_10k_trace`);
  const second =
    size === '100k' && existsSync(tenK)
      ? { trace: parseTrace(readFileSync(tenK, 'utf8')), source: `${shape}1_10k_trace`, label: '10k trace' }
      : undefined;
  return { name, source, rules, trace: generated.trace, traceSource: GENERATED, second };
}

const GENERATED = 'generated from the rules';
/** The name suffix of Open vSwitch's C classifier's figures (bench/ovs-classifier). */
const OVS_C = 'OVS C classifier';
/** About the length of the ClassBench 10k traces (92-97k packets). */
const GENERATED_TRACE_PACKETS = 100_000;

/**
 * The placement before prefix-only relaxation (16/8/4-bit units, buckets filled to 16 while new
 * subtables can be made): run beside the default, back to back, as the in-run baseline.
 */
const PREVIOUS_PLACEMENT: Partial<ClassifierOptions> = { relaxToPrefixes: false, softCollisionLimit: 16 };

function build(
  matches: { match: Match; priority: number }[],
  features: boolean,
  merge = features,
  extra: Partial<ClassifierOptions> = {},
): { cls: Classifier<number>; insertRate: number } {
  const cls = new Classifier<number>({ ...CLASSBENCH_LAYOUT, staging: features, tries: features, merge, ...extra });
  const t0 = performance.now();
  for (let i = 0; i < matches.length; i++) cls.insert(matches[i].match, matches[i].priority, i);
  const dt = (performance.now() - t0) / 1000;
  return { cls, insertRate: matches.length / dt };
}

/**
 * Best of `repeats` timed runs of the lookup loop: the machine is shared, and the best short run
 * is the one least disturbed by other jobs.
 */
function lookupRate(cls: Classifier<number>, trace: Uint32Array, repeats = 3, minMs = 150): number {
  const lookups = traceLookups(cls, trace);
  const rate = measureRate(lookups.run, 1, minMs, repeats);
  if (lookups.sink() === -1) console.log(lookups.sink());
  return rate;
}

/**
 * `run(iterations)` looks up that many keys of `trace`, round and round (one key and wildcard
 * buffer, reused); `sink()` sums the priorities found, so the lookups cannot be optimised away.
 */
function traceLookups(cls: Classifier<number>, trace: Uint32Array): { run(iterations: number): void; sink(): number } {
  const n = trace.length / W;
  const key = new Uint32Array(W);
  const wc = new Uint32Array(W);
  let pos = 0;
  let sink = 0;
  return {
    run(iterations) {
      for (let it = 0; it < iterations; it++) {
        const base = pos * W;
        for (let w = 0; w < W; w++) {
          key[w] = trace[base + w];
          wc[w] = 0;
        }
        sink += cls.lookup(key, wc)?.priority ?? 0;
        if (++pos === n) pos = 0;
      }
    },
    sink: () => sink,
  };
}

function linearRate(matches: { match: Match; priority: number }[], trace: Uint32Array): number {
  const n = trace.length / W;
  const sorted = [...matches].sort((a, b) => b.priority - a.priority);
  const values = new Uint32Array(sorted.length * W);
  const masks = new Uint32Array(sorted.length * W);
  sorted.forEach((m, i) => {
    values.set(m.match.value, i * W);
    masks.set(m.match.mask, i * W);
  });
  let pos = 0;
  let sink = 0;
  const rate = measureRate(
    (iterations) => {
      for (let it = 0; it < iterations; it++) {
        const k = pos * W;
        for (let r = 0; r < sorted.length; r++) {
          const b = r * W;
          let ok = true;
          for (let w = 0; w < W; w++) {
            if (((trace[k + w] ^ values[b + w]) & masks[b + w]) !== 0) {
              ok = false;
              break;
            }
          }
          if (ok) {
            sink += r;
            break;
          }
        }
        if (++pos === n) pos = 0;
      }
    },
    1,
    150,
    3,
  );
  if (sink === -1) console.log(sink);
  return rate;
}

/** Lookups per CPU second (`process.cpuUsage`: time this process ran, not the machine's load) over `ms` ms. */
function cpuLookupRate(cls: Classifier<number>, trace: Uint32Array, ms: number): number {
  const lookups = traceLookups(cls, trace);
  let count = 0;
  const t0 = cpuSeconds();
  for (;;) {
    lookups.run(1000);
    count += 1000;
    const dt = cpuSeconds() - t0;
    if (dt * 1000 >= ms) {
      if (lookups.sink() === -1) console.log(lookups.sink());
      return count / dt;
    }
  }
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

type ClassifierModule = { Classifier: typeof Classifier };

/**
 * Same-run comparison with another build of the classifier (`CLASSIFIER_BASELINE=DIR`, DIR a copy
 * of libs/classifier/dist taken before a change): both builds get the same rules, and their
 * inserts and lookups are timed in CPU time, in alternation, three rounds (lookups: best of three
 * 150 ms windows per round), so the machine's load falls on both alike. Each result's params give
 * the three rounds (the spread).
 */
async function compareWithBaseline(
  dir: string,
  set: RuleSet,
  matches: { match: Match; priority: number }[],
  params: Record<string, unknown>,
  out: BenchResult[],
): Promise<void> {
  const base = (await import(pathToFileURL(join(resolve(dir), 'index.js')).href)) as ClassifierModule;
  const sides: [string, ClassifierModule][] = [
    ['', { Classifier }],
    [' baseline build', base],
  ];
  const inserts: number[][] = [[], []];
  const built: Classifier<number>[] = [];
  for (let round = 0; round < 3; round++) {
    sides.forEach(([, mod], side) => {
      const cls = new mod.Classifier<number>({ ...CLASSBENCH_LAYOUT });
      const t0 = cpuSeconds();
      for (let i = 0; i < matches.length; i++) cls.insert(matches[i].match, matches[i].priority, i);
      inserts[side].push(matches.length / (cpuSeconds() - t0));
      built[side] = cls;
    });
    gc();
  }
  // The set's second trace too (at 100k, the 10k trace the figures used before), if it has one.
  const traces: [string, Uint32Array][] = [['', set.trace]];
  if (set.second) traces.push([` ${set.second.label}`, set.second.trace]);
  const lookups = traces.map(() => [[], []] as number[][]);
  traces.forEach(([, trace], t) => {
    for (let round = 0; round < 3; round++) {
      const best = [0, 0];
      for (let w = 0; w < 3; w++)
        for (let side = 0; side < 2; side++) best[side] = Math.max(best[side], cpuLookupRate(built[side], trace, 150));
      for (let side = 0; side < 2; side++) lookups[t][side].push(best[side]);
    }
  });
  sides.forEach(([suffix], side) => {
    const baseline = side === 0 ? sides[1][0] : undefined;
    const stats = probeStats(built[side], set.trace);
    for (const [what, unit, value] of [
      ['subtables visited/lookup', 'subtables', stats.visited],
      ['subtables stepped/lookup', 'subtables', stats.stepped],
      ['subtables hashed/lookup', 'subtables', stats.hashed],
      ['merged rules checked/lookup', 'rules', stats.checked],
      ['megaflow mask bits', 'bits', stats.maskBits],
    ] as const)
      out.push({ name: `${set.name} ${what}${suffix}`, value, unit, higherIsBetter: false, params });
    const timed: [string, string, number[]][] = traces.map(([label], t) => [
      `lookup+wc CPU${label}`,
      'lookups/s',
      lookups[t][side],
    ]);
    timed.push(['insert CPU', 'rules/s', inserts[side]]);
    for (const [what, unit, rounds] of timed) {
      out.push({
        name: `${set.name} ${what}${suffix}`,
        value: [...rounds].sort((a, b) => a - b)[1],
        unit,
        higherIsBetter: true,
        params: { ...params, rounds: rounds.map((r) => Math.round(r)), build: side === 0 ? 'this' : dir },
        ...(baseline !== undefined ? { baseline: `${set.name} ${what}${baseline}` } : {}),
      });
    }
  });
}

/** Average subtables visited / hashed, and average wildcarded bits, over one pass of the trace. */
function probeStats(
  cls: Classifier<number>,
  trace: Uint32Array,
): { visited: number; stepped: number; hashed: number; checked: number; maskBits: number } {
  const n = Math.min(trace.length / W, 20_000);
  const key = new Uint32Array(W);
  const wc = new Uint32Array(W);
  cls.resetStats();
  let bits = 0;
  for (let i = 0; i < n; i++) {
    key.set(trace.subarray(i * W, i * W + W));
    wc.fill(0);
    cls.lookup(key, wc);
    for (let w = 0; w < W; w++) {
      let x = wc[w];
      while (x !== 0) {
        x &= x - 1;
        bits++;
      }
    }
  }
  return {
    visited: cls.stats.subtablesVisited / n,
    // (A baseline build may predate the counter: then every visit was a step.)
    stepped: (cls.stats.subtablesVisited - (cls.stats.subtablesPassedOver ?? 0)) / n,
    hashed: cls.stats.subtablesHashed / n,
    checked: cls.stats.rulesChecked / n,
    maskBits: bits / n,
  };
}

/**
 * Distinct ClassBench rules (one priority each) that win over the whole trace: how far the trace
 * spreads over the table (a trace that ends in a few rules keeps their records, hash rows and
 * branches hot, and flatters the lookup rate).
 */
function rulesHit(cls: Classifier<number>, trace: Uint32Array): { rules: number; prioritySum: number } {
  const key = new Uint32Array(W);
  const hit = new Set<number>();
  let prioritySum = 0;
  for (let i = 0; i < trace.length / W; i++) {
    key.set(trace.subarray(i * W, i * W + W));
    const rule = cls.lookup(key);
    if (rule !== null) {
      hit.add(rule.priority);
      prioritySum += rule.priority;
    }
  }
  return { rules: hit.size, prioritySum };
}

/**
 * Open vSwitch's C classifier on the same rules and trace (bench/ovs-classifier), the baseline of
 * the lookup figures; it must find rules of the same priorities on every packet as ours (the sum
 * over the trace is compared), or the two were not given the same problem.
 */
function ovsFigures(
  driver: string,
  set: RuleSet,
  matches: { match: Match; priority: number }[],
  trace: Uint32Array,
  ours: { prioritySum: number },
  label: string,
): ReturnType<typeof runOvsClassifier> {
  const ovs = runOvsClassifier(driver, matches, trace);
  if (ovs.prioritySum !== ours.prioritySum)
    throw new Error(
      `${set.name}${label}: OVS's classifier found other rules than ours (priority sums ${ovs.prioritySum} vs ${ours.prioritySum})`,
    );
  return ovs;
}

async function runSet(
  shape: ClassBenchShape,
  size: '1k' | '10k' | '100k',
  out: BenchResult[],
  ovsDriver: string | undefined,
): Promise<void> {
  const set = loadSet(shape, size);
  const matches: { match: Match; priority: number }[] = [];
  set.rules.forEach((r, i) => {
    for (const match of expandRule(r)) matches.push({ match, priority: set.rules.length - i });
  });
  const params = { rules: set.rules.length, entries: matches.length, source: set.source, trace: set.traceSource };
  const baselineDir = process.env.CLASSIFIER_BASELINE;
  if (baselineDir) {
    // Comparison mode: only this build against the baseline build.
    await compareWithBaseline(baselineDir, set, matches, params, out);
    console.log(`  ${set.name}: ${out.length} results so far`);
    return;
  }
  // Build twice and keep the faster insert rate: the first pass warms the JIT, and on a shared
  // machine one of two passes is usually undisturbed.
  const warm = build(matches, true).insertRate;
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const full = build(matches, true);
  full.insertRate = Math.max(full.insertRate, warm);
  gc();
  const heapBytes = process.memoryUsage().heapUsed - heap0;
  const stats = probeStats(full.cls, set.trace);
  const p = { ...params, subtables: full.cls.subtableCount };
  out.push({
    name: `${set.name} insert`,
    value: full.insertRate,
    unit: 'rules/s',
    higherIsBetter: true,
    params: p,
    baseline: `${set.name} insert OVS-style TSS`,
  });
  out.push({
    name: `${set.name} memory per rule`,
    value: heapBytes / matches.length,
    unit: 'bytes',
    higherIsBetter: false,
    params: { ...p, estimate: full.cls.memoryBytes() / matches.length },
  });
  // The previous placement, timed in alternation with the default (the machine is shared: the
  // best of each side's runs, taken over the same stretch of time).
  const prev = build(matches, true, true, PREVIOUS_PLACEMENT);
  const prevStats = probeStats(prev.cls, set.trace);
  let rate = 0;
  let prevRate = 0;
  let secondRate = 0;
  for (let round = 0; round < 2; round++) {
    rate = Math.max(rate, lookupRate(full.cls, set.trace, 4, 100));
    prevRate = Math.max(prevRate, lookupRate(prev.cls, set.trace, 4, 100));
    if (set.second) secondRate = Math.max(secondRate, lookupRate(full.cls, set.second.trace, 4, 100));
  }
  const hit = rulesHit(full.cls, set.trace);
  const ovs = ovsDriver && ovsFigures(ovsDriver, set, matches, set.trace, hit, '');
  out.push({
    name: `${set.name} lookup+wc`,
    value: rate,
    unit: 'lookups/s',
    higherIsBetter: true,
    params: p,
    baseline: ovs ? `${set.name} lookup+wc ${OVS_C}` : `${set.name} lookup+wc OVS-style TSS`,
  });
  out.push({
    name: `${set.name} trace rules hit`,
    value: hit.rules,
    unit: 'rules',
    higherIsBetter: true,
    params: { ...p, packets: set.trace.length / W },
  });
  if (ovs) {
    const op = { ...params, subtables: ovs.subtables, build: 'Debian openvswitch-source 3.1, lib/classifier.c' };
    for (const [what, unit, value, higherIsBetter] of [
      ['lookup+wc', 'lookups/s', ovs.lookupRate, true],
      ['insert', 'rules/s', ovs.insertRate, true],
      ['megaflow mask bits', 'bits', ovs.maskBits, false],
      ['subtables', 'subtables', ovs.subtables, false],
    ] as const)
      out.push({ name: `${set.name} ${what} ${OVS_C}`, value, unit, higherIsBetter, params: op });
    out.push({
      name: `${set.name} subtables`,
      value: full.cls.subtableCount,
      unit: 'subtables',
      higherIsBetter: false,
      params: p,
      baseline: `${set.name} subtables ${OVS_C}`,
    });
  }
  if (set.second) {
    const sp = { ...p, trace: set.second.source, packets: set.second.trace.length / W };
    const secondHit = rulesHit(full.cls, set.second.trace);
    const label = ` ${set.second.label}`;
    const ovsSecond = ovsDriver && ovsFigures(ovsDriver, set, matches, set.second.trace, secondHit, label);
    if (ovsSecond)
      out.push({
        name: `${set.name} lookup+wc ${OVS_C}${label}`,
        value: ovsSecond.lookupRate,
        unit: 'lookups/s',
        higherIsBetter: true,
        params: { ...sp, subtables: ovsSecond.subtables },
      });
    out.push({
      name: `${set.name} lookup+wc${label}`,
      value: secondRate,
      unit: 'lookups/s',
      higherIsBetter: true,
      params: sp,
      baseline: ovsSecond ? `${set.name} lookup+wc ${OVS_C}${label}` : `${set.name} lookup+wc`,
    });
    out.push({
      name: `${set.name} trace rules hit${label}`,
      value: secondHit.rules,
      unit: 'rules',
      higherIsBetter: true,
      params: sp,
    });
  }
  const pp = { ...params, subtables: prev.cls.subtableCount };
  out.push({
    name: `${set.name} lookup+wc previous placement`,
    value: prevRate,
    unit: 'lookups/s',
    higherIsBetter: true,
    params: pp,
  });
  out.push({
    name: `${set.name} subtables visited/lookup previous placement`,
    value: prevStats.visited,
    unit: 'subtables',
    higherIsBetter: false,
    params: pp,
  });
  out.push({
    name: `${set.name} subtables hashed/lookup previous placement`,
    value: prevStats.hashed,
    unit: 'subtables',
    higherIsBetter: false,
    params: pp,
  });
  out.push({
    name: `${set.name} megaflow mask bits previous placement`,
    value: prevStats.maskBits,
    unit: 'bits',
    higherIsBetter: false,
    params: pp,
  });
  prev.cls = undefined as never;
  out.push({
    name: `${set.name} subtables visited/lookup`,
    value: stats.visited,
    unit: 'subtables',
    higherIsBetter: false,
    params: p,
    baseline: `${set.name} subtables visited/lookup OVS-style TSS`,
  });
  out.push({
    name: `${set.name} subtables hashed/lookup`,
    value: stats.hashed,
    unit: 'subtables',
    higherIsBetter: false,
    params: p,
    baseline: `${set.name} subtables hashed/lookup previous placement`,
  });
  out.push({
    name: `${set.name} merged rules checked/lookup`,
    value: stats.checked,
    unit: 'rules',
    higherIsBetter: false,
    params: p,
  });
  out.push({
    name: `${set.name} megaflow mask bits`,
    value: stats.maskBits,
    unit: 'bits',
    higherIsBetter: false,
    params: p,
    baseline: ovs ? `${set.name} megaflow mask bits ${OVS_C}` : `${set.name} megaflow mask bits OVS-style TSS`,
  });
  // Removal: every rule, in a shuffled order, until the classifier is empty.
  const all = full.cls.rules();
  for (let i = all.length - 1, x = 12345; i > 0; i--) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const j = x % (i + 1);
    [all[i], all[j]] = [all[j], all[i]];
  }
  const r0 = performance.now();
  for (const r of all) full.cls.remove(r);
  const removeRate = all.length / ((performance.now() - r0) / 1000);
  out.push({ name: `${set.name} remove`, value: removeRate, unit: 'rules/s', higherIsBetter: true, params: p });
  full.cls = undefined as never;
  for (const [label, features] of [
    ['OVS-style TSS', true],
    ['naive TSS', false],
  ] as const) {
    const warmBase = build(matches, features, false).insertRate;
    const base = build(matches, features, false);
    base.insertRate = Math.max(base.insertRate, warmBase);
    const bstats = probeStats(base.cls, set.trace);
    const bp = { ...params, subtables: base.cls.subtableCount };
    out.push({
      name: `${set.name} lookup+wc ${label}`,
      value: lookupRate(base.cls, set.trace),
      unit: 'lookups/s',
      higherIsBetter: true,
      params: bp,
    });
    out.push({
      name: `${set.name} subtables visited/lookup ${label}`,
      value: bstats.visited,
      unit: 'subtables',
      higherIsBetter: false,
      params: bp,
    });
    out.push({
      name: `${set.name} megaflow mask bits ${label}`,
      value: bstats.maskBits,
      unit: 'bits',
      higherIsBetter: false,
      params: bp,
    });
    if (label === 'OVS-style TSS')
      out.push({
        name: `${set.name} insert ${label}`,
        value: base.insertRate,
        unit: 'rules/s',
        higherIsBetter: true,
        params: bp,
      });
  }
  if (size === '1k') {
    out.push({
      name: `${set.name} lookup+wc linear scan`,
      value: linearRate(matches, set.trace),
      unit: 'lookups/s',
      higherIsBetter: true,
      params,
    });
  }
  console.log(`  ${set.name}: ${out.length} results so far`);
}

export const suite: Suite = {
  name: 'classifier',
  async run() {
    const out: BenchResult[] = [];
    const only = process.env.CLASSIFIER_BENCH_SETS?.split(',');
    // Open vSwitch's C classifier, the lookup figures' baseline (built once from Debian's source).
    const driver = process.env.CLASSIFIER_BASELINE ? undefined : buildOvsClassifierDriver();
    if (driver instanceof Error)
      console.error(
        `  classifier: NO OVS C baseline in this run (lookup ratios fall back to OVS-style TSS): ${driver.message}`,
      );
    const ovsDriver = typeof driver === 'string' ? driver : undefined;
    for (const size of ['1k', '10k', '100k'] as const) {
      for (const shape of ['acl', 'fw', 'ipc'] as const) {
        if (only && !only.includes(`${shape}1_${size}`)) continue;
        await runSet(shape, size, out, ovsDriver);
      }
    }
    return out;
  },
};
