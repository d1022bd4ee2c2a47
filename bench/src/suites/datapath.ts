import { compileActions, Datapath, output, type UpcallHandler } from '@softswitch/datapath';
import { DummyNetdev } from '@softswitch/netdev';
import { composePacket, createFlowKey, extractFlow, flowField, HeaderOffsets, maskField } from '@softswitch/packet';
import { type BenchResult, measureRate, type Suite } from '../harness.js';

/**
 * Packets per second through the datapath core (`processBatch`: extract, hash, cache lookup,
 * actions, per-port output batching into a dummy device that does no I/O), for traffic that hits
 * the EMC, hits only megaflows (EMC insertion off), or misses every time (an upcall per packet to
 * a trivial handler that installs an exact 5-tuple megaflow; the cache is flushed before each
 * pass). Baseline: flow extraction alone over the same frames.
 */

const FLOWS = 1024;
const BURST = 32; // Open vSwitch's NETDEV_MAX_BURST

function frames(): Uint8Array[] {
  return Array.from({ length: FLOWS }, (_, i) =>
    composePacket(
      `udp,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.${i >> 8}.${i & 0xff},nw_dst=10.1.0.1,nw_ttl=64,tp_src=${1000 + i},tp_dst=53`,
    ),
  );
}

const FIVE_TUPLE = createFlowKey();
for (const n of ['in_port', 'dl_type', 'nw_proto', 'nw_frag', 'nw_src', 'nw_dst', 'tp_src', 'tp_dst'])
  maskField(FIVE_TUPLE, flowField(n) as NonNullable<ReturnType<typeof flowField>>);

const TO_PORT_2 = compileActions([output(2)]);
const handler: UpcallHandler = () => ({ actions: TO_PORT_2, mask: FIVE_TUPLE });

function makeDatapath(emcInsertProbability: number): Datapath {
  const dp = new Datapath({ upcall: handler, cache: { emcInsertProbability, maxFlows: 1_000_000 } });
  dp.addPort(new DummyNetdev('p1'), 1);
  dp.addPort(new DummyNetdev('p2'), 2);
  return dp;
}

function run(dp: Datapath, pkts: readonly Uint8Array[], flushFirst: boolean): (iterations: number) => void {
  const batches: Uint8Array[][] = [];
  for (let i = 0; i < pkts.length; i += BURST) batches.push(pkts.slice(i, i + BURST) as Uint8Array[]);
  return (iterations) => {
    for (let it = 0; it < iterations; it++) {
      if (flushFirst) dp.flush();
      for (const b of batches) dp.processBatch(1, b, b.length);
    }
  };
}

export const suite: Suite = {
  name: 'datapath',
  async run(): Promise<BenchResult[]> {
    const pkts = frames();
    const params = { flows: FLOWS, burst: BURST, frameBytes: pkts[0].length };

    const key = createFlowKey();
    const offsets = new HeaderOffsets();
    const extract = measureRate((n) => {
      for (let it = 0; it < n; it++) for (const p of pkts) extractFlow(p, 1, key, offsets);
    }, FLOWS);

    const emcDp = makeDatapath(1);
    run(emcDp, pkts, false)(2); // warm: install megaflows, fill the EMC
    const emc = measureRate(run(emcDp, pkts, false), FLOWS);
    const emcStats = emcDp.stats;

    const mfDp = makeDatapath(0);
    run(mfDp, pkts, false)(1);
    const megaflow = measureRate(run(mfDp, pkts, false), FLOWS);
    const mfStats = mfDp.stats;

    const missDp = makeDatapath(0);
    const miss = measureRate(run(missDp, pkts, true), FLOWS);
    const missStats = missDp.stats;

    const base = 'datapath.extract_only';
    return [
      { name: base, value: extract, unit: 'packets/s', higherIsBetter: true, params },
      {
        name: 'datapath.emc_hit',
        value: emc,
        unit: 'packets/s',
        higherIsBetter: true,
        baseline: base,
        params: { ...params, emcHits: emcStats.emcHits, megaflowHits: emcStats.megaflowHits },
      },
      {
        name: 'datapath.megaflow_hit',
        value: megaflow,
        unit: 'packets/s',
        higherIsBetter: true,
        baseline: base,
        params: { ...params, emcHits: mfStats.emcHits, megaflowHits: mfStats.megaflowHits, masks: mfStats.masks },
      },
      {
        name: 'datapath.all_miss_upcall_install',
        value: miss,
        unit: 'packets/s',
        higherIsBetter: true,
        baseline: base,
        params: { ...params, upcalls: missStats.upcalls, hits: missStats.hit },
      },
    ];
  },
};
