import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLASSBENCH_LAYOUT, type Match } from '@softswitch/classifier';

/**
 * Open vSwitch's own C classifier as the classifier benchmark's same-run baseline: the rules and
 * trace softswitch's classifier gets are written to a file, and bench/ovs-classifier's driver
 * (lib/classifier.c of Debian's Open vSwitch 3.1, set up as ovs-vswitchd sets up a table) times
 * its inserts and its lookups with wildcard tracking on them.
 */
export interface OvsClassifierFigures {
  entries: number;
  packets: number;
  subtables: number;
  insertRate: number;
  lookupRate: number;
  hits: number;
  /** Sum of the winning rules' priorities over one pass of the trace (the same rules as ours?). */
  prioritySum: number;
  maskBits: number;
}

const W = CLASSBENCH_LAYOUT.words;
const driverDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'ovs-classifier');

/** Builds the driver once (cached); its path, or an Error saying why it cannot be had. */
export function buildOvsClassifierDriver(): string | Error {
  const r = spawnSync('bash', [join(driverDir, 'build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) return new Error(`bench/ovs-classifier/build.sh failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** The driver's input: "OCB1", counts, (priority, value, mask) per entry, then the trace's keys. */
function encodeInput(matches: readonly { match: Match; priority: number }[], trace: Uint32Array): Uint32Array {
  const packets = trace.length / W;
  const words = new Uint32Array(3 + matches.length * (1 + 2 * W) + trace.length);
  words[0] = 0x3142434f; // "OCB1" little-endian
  words[1] = matches.length;
  words[2] = packets;
  let o = 3;
  for (const { match, priority } of matches) {
    words[o++] = priority;
    words.set(match.value, o);
    words.set(match.mask, o + W);
    o += 2 * W;
  }
  words.set(trace, o);
  return words;
}

/** Runs the driver on these rules and trace: lookups timed in `windows` windows of `minMs`, best kept. */
export function runOvsClassifier(
  driver: string,
  matches: readonly { match: Match; priority: number }[],
  trace: Uint32Array,
  minMs = 150,
  windows = 5,
): OvsClassifierFigures {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ovs-cls-'));
  try {
    const input = join(dir, 'input.ocb');
    writeFileSync(input, encodeInput(matches, trace));
    const r = spawnSync(driver, [input, String(minMs), String(windows)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ovs-cls-bench failed (${r.status}): ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as OvsClassifierFigures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
