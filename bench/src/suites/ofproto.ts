import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ClassBenchRule,
  expandRule,
  generateRuleSet,
  generateTrace,
  parseRuleSet,
  parseTrace,
} from '@softswitch/classifier';
import { FlowTables, matchToKey, newTableClassifier, Ofproto } from '@softswitch/ofproto';
import { type FlowMod, Match, newFlowMod, OFPP } from '@softswitch/openflow';
import { createFlowKey, ETH_TYPE, W } from '@softswitch/packet';
import { type BenchResult, measureRate, type Suite } from '../harness.js';

// bench/dist/suites -> repo root -> ../shared/classbench
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const classbenchDir = join(repoRoot, '..', 'shared', 'classbench');

/** ClassBench acl1_100k (or a generated stand-in) and a trace of 6-word ClassBench keys. */
function loadAcl(): { rules: ClassBenchRule[]; trace: Uint32Array; source: string } {
  const file = join(classbenchDir, 'acl1_100k');
  const traceFile = join(classbenchDir, 'acl1_10k_trace');
  const rules = existsSync(file) ? parseRuleSet(readFileSync(file, 'utf8')) : generateRuleSet('acl', 100_000);
  const trace = existsSync(traceFile) ? parseTrace(readFileSync(traceFile, 'utf8')) : generateTrace(rules, 50_000);
  return { rules, trace, source: existsSync(file) ? 'classbench acl1_100k' : 'generated acl 100k' };
}

const prefix = (len: number) => (len === 0 ? 0n : BigInt((0xffffffff << (32 - len)) >>> 0));

/** One ClassBench rule (port ranges expanded) as OpenFlow ADD flow-mods with an output action. */
function flowMods(rules: readonly ClassBenchRule[]): FlowMod[] {
  const out: FlowMod[] = [];
  rules.forEach((r, i) => {
    for (const piece of expandRule(r)) {
      const fm = newFlowMod();
      fm.tableId = 0;
      fm.priority = rules.length - i;
      const m = new Match();
      m.setSlot('dl_type', BigInt(ETH_TYPE.IP), 0xffffn);
      if (r.protoMask) m.setSlot('nw_proto', BigInt(r.proto), BigInt(r.protoMask));
      m.setSlot('nw_src', BigInt(r.src), prefix(r.srcLen));
      m.setSlot('nw_dst', BigInt(r.dst), prefix(r.dstLen));
      if (r.protoMask && piece.mask[4]) m.setSlot('tp_src', BigInt(piece.value[4]), BigInt(piece.mask[4]));
      if (r.protoMask && piece.mask[5]) m.setSlot('tp_dst', BigInt(piece.value[5]), BigInt(piece.mask[5]));
      fm.match = m;
      fm.actions = [{ type: 'output', port: 1 + (i % 4), maxLen: 0 }];
      out.push(fm);
    }
  });
  return out;
}

/** ClassBench trace keys as 64-word packet flow keys (IPv4 on port 1). */
function flowKeys(trace: Uint32Array): Uint32Array[] {
  const keys: Uint32Array[] = [];
  for (let i = 0; i + 6 <= trace.length; i += 6) {
    const k = createFlowKey();
    k[W.IN_PORT] = 1;
    k[W.DL_TYPE] = ETH_TYPE.IP;
    k[W.NW_SRC] = trace[i];
    k[W.NW_DST] = trace[i + 1];
    k[W.NW] = (64 << 8) | (trace[i + 2] & 0xff);
    k[W.TP] = ((trace[i + 4] << 16) | (trace[i + 5] & 0xffff)) >>> 0;
    keys.push(k);
  }
  return keys;
}

export const suite: Suite = {
  name: 'ofproto',
  async run(): Promise<BenchResult[]> {
    const { rules, trace, source } = loadAcl();
    const mods = flowMods(rules);
    const keys = flowKeys(trace);
    const params = { rules: source, flows: mods.length, traceKeys: keys.length };
    const ports = [1, 2, 3, 4].map((n) => ({ ofport: n, name: `p${n}`, dpPort: n }));
    ports.push({ ofport: OFPP.LOCAL, name: 'br0', dpPort: 100 });

    // Flow-mods: every ADD into table 0 (classifier insert + flow entry + replace check).
    let t0 = performance.now();
    const tables = new FlowTables();
    for (const fm of mods) tables.apply(fm);
    const flowModRate = mods.length / ((performance.now() - t0) / 1000);
    // Baseline: the classifier alone inserting the same matches (same configuration).
    const matches = mods.map((fm) => matchToKey(fm.match));
    const bare = newTableClassifier();
    t0 = performance.now();
    for (let i = 0; i < matches.length; i++) bare.insert(matches[i], mods[i].priority, null as never);
    const insertRate = matches.length / ((performance.now() - t0) / 1000);

    // Upcalls: full translation (lookup with wildcards, actions, commit) of trace keys.
    const br = new Ofproto({ name: 'br0', ports });
    for (const fm of mods) br.flowMod(fm);
    let n = 0;
    const xlateRate = measureRate((iters) => {
      for (let i = 0; i < iters; i++) {
        br.translate(keys[n]);
        n = n + 1 === keys.length ? 0 : n + 1;
      }
    });
    // Baseline: the same lookups with wildcard tracking on the bare classifier.
    const wc = new Uint32Array(64);
    const lookupRate = measureRate((iters) => {
      for (let i = 0; i < iters; i++) {
        wc.fill(0);
        bare.lookup(keys[n], wc);
        n = n + 1 === keys.length ? 0 : n + 1;
      }
    });

    return [
      {
        name: 'classifier lookup+wc, 64-word keys (100k)',
        value: lookupRate,
        unit: 'lookups/s',
        higherIsBetter: true,
        params,
      },
      {
        name: 'translations (upcalls), 100k flows',
        value: xlateRate,
        unit: 'upcalls/s',
        higherIsBetter: true,
        params,
        baseline: 'classifier lookup+wc, 64-word keys (100k)',
      },
      {
        name: 'classifier insert, 64-word keys (100k)',
        value: insertRate,
        unit: 'inserts/s',
        higherIsBetter: true,
        params,
      },
      {
        name: 'flow-mods ADD into table 0 (100k)',
        value: flowModRate,
        unit: 'flow-mods/s',
        higherIsBetter: true,
        params,
        baseline: 'classifier insert, 64-word keys (100k)',
      },
    ];
  },
};
