import { describe, expect, it } from 'vitest';
import { formatActions, formatOdpFlow, OdpSyntaxError, parseActions, parseOdpFlow } from '../src/index.js';

const SEEDS = [
  'recirc_id(0),in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2/255.255.0.0,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80/0xfff0)',
  'recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x8100),vlan(vid=10,pcp=3/0x0),encap(eth_type(0x86dd),ipv6(src=2001:db8::1,label=0x5/0xf,frag=first))',
  'set(ipv4(src=1.1.1.1/255.255.255.0,ttl=5)),push_vlan(tpid=0x88a8,vid=5,pcp=0),clone(set(udp(dst=54)),3),trunc(100),2,userspace(pid=0,slow_path(controller))',
];

/** Deterministic xorshift mutations: delete, duplicate or replace a character. */
function mutations(seed: string, count: number): string[] {
  let s = 0x9e3779b9;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const alphabet = '(),=/:.0123456789abcdefxX-_ ';
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let t = seed;
    for (let n = 1 + (rnd() % 3); n > 0; n--) {
      const at = rnd() % (t.length + 1);
      const op = rnd() % 3;
      const c = alphabet[rnd() % alphabet.length];
      t =
        op === 0
          ? t.slice(0, at) + t.slice(at + 1)
          : op === 1
            ? t.slice(0, at) + c + t.slice(at)
            : t.slice(0, at) + c + t.slice(at + 1);
    }
    out.push(t);
  }
  return out;
}

describe('ODP syntax parsers on mangled input', () => {
  it('either parse (and then print something that parses to the same) or throw OdpSyntaxError', () => {
    let parsed = 0;
    for (const seed of SEEDS) {
      for (const text of mutations(seed, 1500)) {
        for (const print of [
          (t: string) => formatOdpFlow(parseOdpFlow(t)),
          (t: string) => formatActions(parseActions(t)),
        ]) {
          let printed: string | undefined;
          try {
            printed = print(text);
          } catch (e) {
            if (!(e instanceof OdpSyntaxError)) throw new Error(`${text}: ${(e as Error).stack}`);
          }
          if (printed === undefined) continue;
          parsed++;
          expect(print(printed), text).toBe(printed);
        }
      }
    }
    expect(parsed).toBeGreaterThan(100);
  });
});
