import { expandRange } from './range.js';
import type { Match } from './rule.js';

/**
 * ClassBench rule sets and traces, for tests and benchmarks: parsing the published text format,
 * expanding rules into value/mask matches, and a small generator of the same shapes (ACL,
 * firewall, IP chain) for when the real files are absent.
 *
 * Key layout (6 words): nw_src, nw_dst, nw_proto, tcp_flags, tp_src, tp_dst. Stages: L3 = words
 * 0..2, L4 = words 3..5; prefix tries on words 0 and 1, port tries on words 4 and 5.
 */
export const CLASSBENCH_LAYOUT = {
  words: 6,
  stages: [3, 6],
  prefixFields: [
    { name: 'nw_src', word: 0, words: 1 },
    { name: 'nw_dst', word: 1, words: 1 },
  ],
  portWords: [4, 5],
} as const;

export interface ClassBenchRule {
  src: number;
  srcLen: number;
  dst: number;
  dstLen: number;
  sportLo: number;
  sportHi: number;
  dportLo: number;
  dportHi: number;
  proto: number;
  protoMask: number;
  flags: number;
  flagsMask: number;
}

function parseIp(s: string, where: string): number {
  const parts = s.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255)))
    throw new Error(`classbench: bad address "${s}" (${where})`);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** Parses a ClassBench filter set (one rule per line, highest priority first). */
export function parseRuleSet(text: string): ClassBenchRule[] {
  const out: ClassBenchRule[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const where = `line ${i + 1}`;
    const m =
      /^@(\S+)\/(\d+)\s+(\S+)\/(\d+)\s+(\d+)\s*:\s*(\d+)\s+(\d+)\s*:\s*(\d+)\s+(0x[0-9a-fA-F]+)\/(0x[0-9a-fA-F]+)(?:\s+(0x[0-9a-fA-F]+)\/(0x[0-9a-fA-F]+))?/.exec(
        line,
      );
    if (m === null) throw new Error(`classbench: cannot parse ${where}: ${line.slice(0, 60)}`);
    out.push({
      src: parseIp(m[1], where),
      srcLen: Number(m[2]),
      dst: parseIp(m[3], where),
      dstLen: Number(m[4]),
      sportLo: Number(m[5]),
      sportHi: Number(m[6]),
      dportLo: Number(m[7]),
      dportHi: Number(m[8]),
      proto: Number.parseInt(m[9], 16),
      protoMask: Number.parseInt(m[10], 16),
      flags: m[11] ? Number.parseInt(m[11], 16) : 0,
      flagsMask: m[12] ? Number.parseInt(m[12], 16) : 0,
    });
  }
  return out;
}

/** Parses a trace into a flat array of 6-word keys (SRC DST SPORT DPORT PROTO FLAGS per line). */
export function parseTrace(text: string): Uint32Array {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const keys = new Uint32Array(lines.length * 6);
  for (let i = 0; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/).map(Number);
    if (f.length < 6 || f.some((x) => !Number.isFinite(x))) throw new Error(`classbench trace: bad line ${i + 1}`);
    keys.set([f[0] >>> 0, f[1] >>> 0, f[4] & 0xff, f[5] & 0xffff, f[2] & 0xffff, f[3] & 0xffff], i * 6);
  }
  return keys;
}

function prefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** Expands a rule into matches (port ranges become value/mask pairs: up to 30 × 30). */
export function expandRule(r: ClassBenchRule): Match[] {
  const out: Match[] = [];
  const sports = expandRange(r.sportLo, r.sportHi);
  const dports = expandRange(r.dportLo, r.dportHi);
  const srcMask = prefixMask(r.srcLen);
  const dstMask = prefixMask(r.dstLen);
  for (const sp of sports) {
    for (const dp of dports) {
      out.push({
        value: Uint32Array.of(
          r.src & srcMask,
          r.dst & dstMask,
          r.proto & r.protoMask,
          r.flags & r.flagsMask,
          sp.value,
          dp.value,
        ),
        mask: Uint32Array.of(srcMask, dstMask, r.protoMask, r.flagsMask, sp.mask, dp.mask),
      });
    }
  }
  return out;
}

/**
 * xorshift32: a tiny deterministic PRNG, so generated rule sets and test tables are reproducible
 * from a seed (a zero seed would stick at zero, so it is replaced).
 */
export class SeededRng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

export type ClassBenchShape = 'acl' | 'fw' | 'ipc';

/**
 * Generates `n` rules shaped like ClassBench's acl/fw/ipc seeds: address prefixes drawn from a
 * pool of networks with shape-typical lengths, well-known or ranged ports, TCP/UDP/any protocol.
 */
export function generateRuleSet(shape: ClassBenchShape, n: number, seed = 1): ClassBenchRule[] {
  const rng = new SeededRng(seed);
  const nets = Array.from({ length: Math.max(16, n >>> 4) }, () => rng.u32());
  const lens: Record<ClassBenchShape, number[]> = {
    acl: [32, 32, 32, 24, 28, 16, 0],
    fw: [32, 24, 16, 8, 0, 0, 0],
    ipc: [32, 32, 24, 16, 30, 0, 8],
  };
  const ports = [80, 443, 22, 25, 53, 1521, 8080, 3306];
  const pickPort = (wildcardBias: number): [number, number] => {
    const r = rng.int(100);
    if (r < wildcardBias) return [0, 65535];
    if (r < wildcardBias + 40) {
      const p = ports[rng.int(ports.length)];
      return [p, p];
    }
    if (r < wildcardBias + 55) return rng.int(2) === 0 ? [1024, 65535] : [0, 1023];
    const lo = rng.int(65536);
    return [lo, Math.min(65535, lo + rng.int(2000))];
  };
  const out: ClassBenchRule[] = [];
  for (let i = 0; i < n; i++) {
    const srcLen = lens[shape][rng.int(lens[shape].length)];
    const dstLen = lens[shape][rng.int(lens[shape].length)];
    const [sportLo, sportHi] = shape === 'acl' ? [0, 65535] : pickPort(60);
    const [dportLo, dportHi] = pickPort(shape === 'fw' ? 30 : 20);
    const protoRoll = rng.int(10);
    const proto = protoRoll < 6 ? 6 : protoRoll < 9 ? 17 : 0;
    out.push({
      src: (nets[rng.int(nets.length)] ^ (rng.u32() & 0xff)) >>> 0,
      srcLen,
      dst: (nets[rng.int(nets.length)] ^ (rng.u32() & 0xffff)) >>> 0,
      dstLen,
      sportLo,
      sportHi,
      dportLo,
      dportHi,
      proto,
      protoMask: proto === 0 ? 0 : 0xff,
      flags: 0,
      flagsMask: 0,
    });
  }
  return out;
}

/** Generates `n` packet keys inside random rules (random where wildcarded), repeating in bursts. */
export function generateTrace(rules: readonly ClassBenchRule[], n: number, seed = 7): Uint32Array {
  const rng = new SeededRng(seed);
  const keys = new Uint32Array(n * 6);
  let i = 0;
  while (i < n) {
    const r = rules[rng.int(rules.length)];
    const src = ((r.src & prefixMask(r.srcLen)) | (rng.u32() & ~prefixMask(r.srcLen))) >>> 0;
    const dst = ((r.dst & prefixMask(r.dstLen)) | (rng.u32() & ~prefixMask(r.dstLen))) >>> 0;
    const sport = r.sportLo + rng.int(r.sportHi - r.sportLo + 1);
    const dport = r.dportLo + rng.int(r.dportHi - r.dportLo + 1);
    const proto = (r.proto & r.protoMask) | (rng.int(256) & ~r.protoMask);
    const flags = (r.flags & r.flagsMask) | (rng.int(65536) & ~r.flagsMask);
    const burst = 1 + (rng.int(8) === 0 ? rng.int(16) : 0);
    for (let b = 0; b < burst && i < n; b++, i++)
      keys.set([src, dst, proto & 0xff, flags & 0xffff, sport, dport], i * 6);
  }
  return keys;
}
