import { FIRST_PACKET_WORD, hashFinish, W } from '@softswitch/packet';

/**
 * Key words the EMC neither stores nor compares (FlowCacheOptions.emcFixedWords): the metadata
 * words after in_port, which extractFlow zeroes and nothing sets before a cache lookup (the
 * datapath and its threads look up freshly extracted keys only). Half the words of a full-key
 * compare on every EMC hit.
 */
export const EMC_FIXED_WORDS = { from: W.IN_PORT + 1, to: FIRST_PACKET_WORD } as const;

/** Odd multiplier of the per-word step (2^32 / golden ratio). */
const K = 0x9e3779b1;

/** One word into the running hash: rotate, xor, multiply (one multiply on the dependency chain). */
function step(h: number, word: number): number {
  return Math.imul(((h << 5) | (h >>> 27)) ^ word, K);
}

/**
 * The EMC hash of a freshly extracted key, like the RSS hash Open vSwitch uses for its EMC: only
 * the words that tell flows apart in practice (in_port, Ethernet, VLAN, MPLS, IP addresses, the
 * packed nw word, transport ports). Metadata words are zero after extraction, and ARP/ND words
 * rarely vary alone; the EMC compares whole keys, so a collision only costs a slot.
 *
 * Words that are zero for most traffic, or 16 bits wide, are xor-folded in pairs or groups: 11
 * steps. Each step is one rotate-xor-multiply (as FxHash), not a MurmurHash3 round: a third of
 * the latency on the per-packet path, and MurmurHash3's finaliser spreads every bit over the
 * result, so slots fill as evenly as with full rounds (EMC slots use both halves of the hash).
 */
export function emcHash(key: Uint32Array): number {
  let h = step(0, key[W.IN_PORT]);
  h = step(h, (key[W.DL_DST] << 16) ^ key[W.DL_SRC]);
  h = step(h, key[W.DL_DST + 1]);
  h = step(h, key[W.DL_SRC + 1]);
  h = step(h, key[W.DL_TYPE] ^ key[W.VLAN0] ^ (key[W.VLAN1] << 7) ^ key[W.MPLS0] ^ key[W.MPLS0 + 1]);
  h = step(h, key[W.NW_SRC] ^ key[W.MPLS0 + 2]);
  h = step(h, key[W.NW_DST]);
  h = step(h, key[W.IPV6_SRC] ^ key[W.IPV6_SRC + 1] ^ key[W.IPV6_SRC + 2] ^ key[W.IPV6_SRC + 3]);
  h = step(h, key[W.IPV6_DST] ^ key[W.IPV6_DST + 1] ^ key[W.IPV6_DST + 2] ^ key[W.IPV6_DST + 3]);
  h = step(h, key[W.NW] ^ key[W.IPV6_LABEL]);
  h = step(h, key[W.TP]);
  return hashFinish(h, 44);
}
