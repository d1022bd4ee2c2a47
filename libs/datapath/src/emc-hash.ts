import { hashAdd, hashFinish, W } from '@softswitch/packet';

/**
 * The EMC hash of a freshly extracted key, like the RSS hash Open vSwitch uses for its EMC: only
 * the words that tell flows apart in practice (in_port, Ethernet, VLAN, MPLS, IP addresses, the
 * packed nw word, transport ports). Metadata words are zero after extraction, and ARP/ND words
 * rarely vary alone; the EMC compares whole keys, so a collision only costs a slot.
 */
export function emcHash(key: Uint32Array): number {
  // (traffic helper) Words that are zero for most traffic, or 16 bits wide, are xor-folded in
  // pairs or groups before mixing: 11 mixing rounds instead of 24, a sixth of the per-packet work
  // on an EMC hit. The EMC compares whole keys, so a fold collision only costs a slot.
  let h = hashAdd(0, key[W.IN_PORT]);
  h = hashAdd(h, (key[W.DL_DST] << 16) ^ key[W.DL_SRC]);
  h = hashAdd(h, key[W.DL_DST + 1]);
  h = hashAdd(h, key[W.DL_SRC + 1]);
  h = hashAdd(h, key[W.DL_TYPE] ^ key[W.VLAN0] ^ (key[W.VLAN1] << 7) ^ key[W.MPLS0] ^ key[W.MPLS0 + 1]);
  h = hashAdd(h, key[W.NW_SRC] ^ key[W.MPLS0 + 2]);
  h = hashAdd(h, key[W.NW_DST]);
  h = hashAdd(h, key[W.IPV6_SRC] ^ key[W.IPV6_SRC + 1] ^ key[W.IPV6_SRC + 2] ^ key[W.IPV6_SRC + 3]);
  h = hashAdd(h, key[W.IPV6_DST] ^ key[W.IPV6_DST + 1] ^ key[W.IPV6_DST + 2] ^ key[W.IPV6_DST + 3]);
  h = hashAdd(h, key[W.NW] ^ key[W.IPV6_LABEL]);
  h = hashAdd(h, key[W.TP]);
  return hashFinish(h, 44);
}
