import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeFlowMod,
  encodeFlowMod,
  generateFlows,
  OpenFlowDecodeError,
  P_ANY,
  Protocol,
  parseFlow,
  parseFlowsOutput,
  protocolsForVersion,
  tryDecodeMessage,
} from '@softswitch/openflow';
import { type BenchResult, measureRate, type Suite } from '../harness.js';

/** Flow-mod encode/decode rates (baseline: copying the same bytes) and parse-flows vs ovs-ofctl. */
export const suite: Suite = {
  name: 'openflow',
  async run(): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    const fms = generateFlows(2000, 5).flatMap((f) => {
      try {
        const p = parseFlow(f);
        return p.usable & Protocol.OF13_OXM ? [p.fm] : [];
      } catch {
        return [];
      }
    });
    // Only messages OVS itself would accept (some random flows encode to matches it rejects).
    const encoded = fms
      .map((fm) => encodeFlowMod(fm, Protocol.OF13_OXM, 1))
      .filter((b) => !(tryDecodeMessage(b) instanceof OpenFlowDecodeError));
    let sink = 0;
    const copy = measureRate((n) => {
      for (let i = 0; i < n; i++) sink += encoded[i % encoded.length].slice().length;
    });
    results.push({ name: 'flow-mod copy (baseline)', value: copy, unit: 'msgs/s', higherIsBetter: true });
    const enc = measureRate((n) => {
      for (let i = 0; i < n; i++) sink += encodeFlowMod(fms[i % fms.length], Protocol.OF13_OXM, i).length;
    });
    results.push({
      name: 'flow-mod encode OF1.3',
      value: enc,
      unit: 'msgs/s',
      higherIsBetter: true,
      baseline: 'flow-mod copy (baseline)',
    });
    const dec = measureRate((n) => {
      for (let i = 0; i < n; i++) sink += decodeFlowMod(encoded[i % encoded.length]).priority;
    });
    results.push({
      name: 'flow-mod decode OF1.3',
      value: dec,
      unit: 'msgs/s',
      higherIsBetter: true,
      baseline: 'flow-mod copy (baseline)',
    });

    // parse-flows on 100k generated flows, against ovs-ofctl on the same file in this run.
    // ovs-ofctl picks one protocol per file, so the file repeats 2,000 distinct flows that every
    // protocol can express (random flows together often leave no common protocol).
    const allowed = protocolsForVersion(4);
    const pool = generateFlows(20_000, 11)
      .filter((f) => {
        try {
          return parseFlow(f).usable === P_ANY;
        } catch {
          return false;
        }
      })
      .slice(0, 2000);
    const flows = Array.from({ length: 100_000 }, (_, i) => pool[i % pool.length]);
    const dir = mkdtempSync(join(tmpdir(), 'bench-openflow-'));
    const file = join(dir, 'flows.txt');
    writeFileSync(file, `${flows.join('\n')}\n`);
    const t0 = performance.now();
    const r = spawnSync('ovs-ofctl', ['-O', 'OpenFlow13', 'parse-flows', file], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    const ovsMs = performance.now() - t0;
    rmSync(dir, { recursive: true, force: true });
    const t1 = performance.now();
    sink += parseFlowsOutput(flows, allowed).length;
    const oursMs = performance.now() - t1;
    if (r.status === 0) {
      results.push({
        name: 'parse-flows ovs-ofctl (baseline)',
        value: flows.length / (ovsMs / 1000),
        unit: 'flows/s',
        higherIsBetter: true,
        params: { flows: flows.length },
      });
    }
    results.push({
      name: 'parse-flows softswitch',
      value: flows.length / (oursMs / 1000),
      unit: 'flows/s',
      higherIsBetter: true,
      params: { flows: flows.length, sink: sink > 0 },
      ...(r.status === 0 ? { baseline: 'parse-flows ovs-ofctl (baseline)' } : {}),
    });
    return results;
  },
};
