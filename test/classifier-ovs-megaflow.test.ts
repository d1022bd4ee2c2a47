import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Classifier, expandRange, SeededRng } from '@softswitch/classifier';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dummyBridgeArgs, type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';

/**
 * Megaflow width against Open vSwitch: the same generated table goes into our classifier and
 * into a real ovs-vswitchd (dummy datapath); for the same packets, the rule chosen must agree, our
 * megaflow must be sound (packets drawn inside it get the same rule from OVS), and we report how
 * often our megaflow is as wide as or wider than the `Megaflow:` line of `ofproto/trace`.
 */

// Key layout: nw_src, nw_dst, nw_proto, tp_src, tp_dst.
const W = 5;
const FIELDS = ['nw_src', 'nw_dst', 'nw_proto', 'tp_src', 'tp_dst'] as const;

const ipStr = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
const plenMask = (l: number) => (l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0);

interface GenRule {
  value: Uint32Array;
  mask: Uint32Array;
  priority: number;
}

function generateTable(rng: SeededRng, n: number): GenRule[] {
  const nets = Array.from({ length: 12 }, () => rng.u32());
  const ports = [22, 53, 80, 443, 1024, 8080];
  const rules: GenRule[] = [];
  let priority = 60_000;
  for (let i = 0; i < n; i++) {
    const value = new Uint32Array(W);
    const mask = new Uint32Array(W);
    const srcLen = rng.pick([0, 8, 16, 24, 32, 12, 28]);
    const dstLen = rng.pick([0, 8, 16, 24, 32, 20]);
    mask[0] = plenMask(srcLen);
    value[0] = (rng.pick(nets) ^ rng.int(256)) & mask[0];
    mask[1] = plenMask(dstLen);
    value[1] = (rng.pick(nets) ^ (rng.int(65536) << 8)) & mask[1];
    mask[2] = 0xff;
    value[2] = rng.int(10) < 7 ? 6 : 17;
    let dports = [{ value: 0, mask: 0 }];
    const roll = rng.int(10);
    if (roll < 3) dports = [{ value: rng.pick(ports), mask: 0xffff }];
    else if (roll < 6) {
      const lo = rng.pick([0, 1024, rng.int(60000)]);
      dports = expandRange(lo, Math.min(65535, lo + rng.pick([10, 1000, 65535]))).slice(0, 4);
    }
    if (rng.int(5) === 0) {
      mask[3] = 0xffff;
      value[3] = rng.pick(ports);
    }
    for (const dp of dports) {
      const v = Uint32Array.from(value);
      const m = Uint32Array.from(mask);
      v[4] = dp.value;
      m[4] = dp.mask;
      rules.push({ value: v, mask: m, priority: priority-- });
    }
  }
  return rules;
}

function ovsFlow(r: GenRule): string {
  const proto = r.value[2] === 6 ? 'tcp' : 'udp';
  const parts = [`priority=${r.priority}`, proto];
  if (r.mask[0]) parts.push(`nw_src=${ipStr(r.value[0])}/${Math.clz32(~r.mask[0])}`);
  if (r.mask[1]) parts.push(`nw_dst=${ipStr(r.value[1])}/${Math.clz32(~r.mask[1])}`);
  if (r.mask[3]) parts.push(`${proto}_src=${r.value[3]}`);
  if (r.mask[4]) parts.push(`${proto}_dst=0x${r.value[4].toString(16)}/0x${r.mask[4].toString(16)}`);
  return `${parts.join(',')},actions=drop`;
}

function ovsPacket(k: Uint32Array): string {
  const proto = k[2] === 6 ? 'tcp' : 'udp';
  return `in_port=1,${proto},nw_src=${ipStr(k[0])},nw_dst=${ipStr(k[1])},${proto}_src=${k[3]},${proto}_dst=${k[4]}`;
}

/** Parses `ofproto/trace` output: the priority of the rule hit (null: no match) and the megaflow mask of our fields. */
function parseTrace(out: string): { priority: number | null; mask: Uint32Array } {
  const hit = /^ 0\. .*priority (\d+)/m.exec(out);
  const line = /^Megaflow: (.*)$/m.exec(out);
  if (line === null) throw new Error(`no Megaflow line in:\n${out}`);
  const mask = new Uint32Array(W);
  for (const item of line[1].split(',')) {
    const [name, val] = item.split('=');
    if (name === 'tcp' || name === 'udp' || name === 'nw_proto') mask[2] = 0xff;
    const field = { nw_src: 0, nw_dst: 1, tp_src: 3, tp_dst: 4 }[name];
    if (field === undefined || val === undefined) continue;
    const slash = val.split('/');
    if (field <= 1) {
      mask[field] =
        slash.length === 1
          ? 0xffffffff
          : slash[1].includes('.')
            ? slash[1].split('.').reduce((a, b) => a * 256 + Number(b), 0)
            : plenMask(Number(slash[1]));
    } else mask[field] = slash.length === 1 ? 0xffff : Number(slash[1]);
  }
  return { priority: hit ? Number(hit[1]) : null, mask };
}

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-appctl'] },
  'classifier megaflows vs ovs-vswitchd ofproto/trace',
  () => {
    let ovs: OvsSandbox;
    beforeAll(() => {
      ovs = startOvsSandbox();
      ovs.vsctl(...dummyBridgeArgs('br0', [{ name: 'p1', ofport: 1 }], { bridge: ['fail-mode=secure'] }));
    });
    afterAll(() => ovs?.stop());

    it('agrees on the rule, is sound per OVS, and is about as wide as OVS', () => {
      const rng = new SeededRng(20260525);
      const rules = generateTable(rng, 120);
      const file = join(ovs.dir, 'flows.txt');
      writeFileSync(file, `${rules.map(ovsFlow).join('\n')}\n`);
      ovs.ofctl('add-flows', 'br0', file);
      const configs = { merged: true, 'OVS-style': false } as const;
      const classifiers = Object.entries(configs).map(([name, merge]) => {
        const cls = new Classifier<number>({
          words: W,
          stages: [3, W],
          prefixFields: [
            { name: 'nw_src', word: 0, words: 1 },
            { name: 'nw_dst', word: 1, words: 1 },
          ],
          portWords: [3, 4],
          merge,
        });
        for (const r of rules) cls.insert(r, r.priority, r.priority);
        return { name, cls, asWide: 0, wider: 0, bits: 0 };
      });

      const traces = new Map<string, ReturnType<typeof parseTrace>>();
      const trace = (k: Uint32Array) => {
        const pkt = ovsPacket(k);
        let t = traces.get(pkt);
        if (t === undefined) {
          t = parseTrace(ovs.appctl('ofproto/trace', 'br0', pkt));
          traces.set(pkt, t);
        }
        return t;
      };
      const popcount = (m: Uint32Array) => m.reduce((n, w) => n + w.toString(2).replaceAll('0', '').length, 0);
      let ovsBits = 0;
      let soundChecks = 0;
      const N = 120;
      for (let i = 0; i < N; i++) {
        const k = new Uint32Array(W);
        const base = rng.pick(rules);
        for (let w = 0; w < W; w++) k[w] = ((base.value[w] & base.mask[w]) | (rng.u32() & ~base.mask[w])) >>> 0;
        if (rng.int(4) === 0) k[0] = rng.u32();
        k[2] = rng.int(10) < 7 ? 6 : 17;
        k[3] &= 0xffff;
        k[4] &= 0xffff;
        const theirs = trace(k);
        ovsBits += popcount(theirs.mask);
        for (const c of classifiers) {
          const wc = new Uint32Array(W);
          const ours = c.cls.lookup(k, wc);
          expect(ours?.priority ?? null, `${c.name}: ${ovsPacket(k)}`).toBe(theirs.priority);
          c.bits += popcount(wc);
          const subset = wc.every((m, w) => (m & ~theirs.mask[w]) === 0);
          if (subset) c.asWide++;
          if (subset && popcount(wc) < popcount(theirs.mask)) c.wider++;
          if (i % 4 === 0) {
            // Soundness judged by OVS itself: a packet inside our megaflow gets the same rule.
            const p = new Uint32Array(W);
            for (let w = 0; w < W; w++) p[w] = ((k[w] & wc[w]) | (rng.u32() & ~wc[w])) >>> 0;
            p[2] = (wc[2] & 0xff) === 0xff ? k[2] : rng.int(2) ? 6 : 17;
            p[3] &= 0xffff;
            p[4] &= 0xffff;
            expect(trace(p).priority, `${c.name}, inside the megaflow of ${ovsPacket(k)}: ${ovsPacket(p)}`).toBe(
              ours?.priority ?? null,
            );
            soundChecks++;
          }
        }
      }
      for (const c of classifiers) {
        console.log(
          `megaflow width vs OVS (${c.name}): ${c.asWide}/${N} as wide or wider (${c.wider} strictly wider); mean mask bits over ${FIELDS.join('/')}: ours ${(c.bits / N).toFixed(1)}, OVS ${(ovsBits / N).toFixed(1)}`,
        );
      }
      console.log(`megaflow width vs OVS: ${soundChecks} soundness checks against OVS passed`);
      const [merged, ovsStyle] = classifiers;
      expect(ovsStyle.asWide / N).toBeGreaterThanOrEqual(0.95);
      expect(merged.bits).toBeLessThanOrEqual(ovsBits * 1.1);
    });
  },
);
