import { ETH_TYPE, hashAdd, hashFinish, IP_PROTO, W } from '@softswitch/packet';
import type { Group } from './groups.js';

/** OVS's cap on dp_hash values for a select group without a selection method. */
const MAX_DP_HASH_VALUES = 64;

/** A select group's dp_hash table: hash value (masked) → bucket index. */
export interface DpHashTable {
  readonly mask: number;
  readonly buckets: readonly number[];
}

const tables = new WeakMap<Group, DpHashTable | null>();

/**
 * OVS's group_setup_dp_hash_table: at least 16 hash values, a power of two covering
 * total/min weight, shared out over the buckets by the Webster method (so bucket i gets about
 * weight_i/total of them, in an interleaved order). Null when the weights need more than 64
 * values or are all zero (OVS then hashes in the slow path instead).
 */
export function dpHashTable(g: Group): DpHashTable | null {
  let t = tables.get(g);
  if (t !== undefined) return t;
  t = buildTable(g);
  tables.set(g, t);
  return t;
}

function buildTable(g: Group): DpHashTable | null {
  let total = 0;
  let min = 0xffff;
  for (const b of g.buckets) {
    if (b.weight > 0 && b.weight < min) min = b.weight;
    total += b.weight;
  }
  if (g.buckets.length === 0 || total === 0) return null;
  let slots = 1;
  while (slots < Math.ceil(total / min)) slots *= 2;
  const n = Math.max(16, slots);
  if (n > MAX_DP_HASH_VALUES) return null;
  const divisor = g.buckets.map(() => 1);
  const value = g.buckets.map((b) => b.weight);
  const out: number[] = [];
  for (let h = 0; h < n; h++) {
    let w = 0;
    for (let i = 1; i < value.length; i++) if (value[i] > value[w]) w = i;
    divisor[w] += 2;
    value[w] = g.buckets[w].weight / divisor[w];
    out.push(w);
  }
  return { mask: n - 1, buckets: out };
}

/**
 * A symmetric L4 hash of the flow (the fields OVS's `hash(sym_l4)` covers: Ethernet addresses
 * XORed, VID, type, IPv4 addresses XORed, protocol, TCP/SCTP ports XORed), un-wildcarding what
 * it reads. Used where OVS's datapath would hash and recirculate: this datapath has no
 * recirculation, so translation picks the bucket itself.
 */
export function symL4Hash(flow: Uint32Array, wc: Uint32Array): number {
  for (const w of [W.DL_SRC, W.DL_SRC + 1, W.DL_DST, W.DL_DST + 1]) wc[w] = 0xffffffff;
  wc[W.VLAN0] |= 0xfff;
  let h = hashAdd(0, (flow[W.DL_SRC] ^ flow[W.DL_DST]) >>> 0);
  h = hashAdd(h, (flow[W.DL_SRC + 1] ^ flow[W.DL_DST + 1]) >>> 0);
  h = hashAdd(h, flow[W.VLAN0] & 0xfff);
  h = hashAdd(h, flow[W.DL_TYPE]);
  if (flow[W.DL_TYPE] === ETH_TYPE.IP) {
    wc[W.NW_SRC] = wc[W.NW_DST] = 0xffffffff;
    wc[W.NW] |= 0xff;
    h = hashAdd(h, (flow[W.NW_SRC] ^ flow[W.NW_DST]) >>> 0);
    const proto = flow[W.NW] & 0xff;
    h = hashAdd(h, proto);
    if (proto === IP_PROTO.TCP || proto === IP_PROTO.SCTP) {
      wc[W.TP] = 0xffffffff;
      h = hashAdd(h, ((flow[W.TP] >>> 16) ^ flow[W.TP]) & 0xffff);
    }
  }
  return hashFinish(h, 24);
}
