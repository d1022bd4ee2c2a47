/**
 * A cached megaflow: every packet whose key matches `key` under `mask` gets `actions`. Stats are
 * updated by the datapath through `FlowCache.credit`.
 */
export class MegaflowEntry<A> {
  /** Key already masked. */
  readonly key: Uint32Array;
  readonly mask: Uint32Array;
  actions: A;
  packets = 0;
  bytes = 0;
  /** Time of the last packet (or of creation), in the cache's clock units (ms). */
  used: number;
  readonly created: number;
  /** OR of the TCP flags seen. */
  tcpFlags = 0;
  /** Set once the entry left the cache: exact-match cache slots pointing to it are stale. */
  dead = false;
  /** Internal: bucket id in its subtable. */
  id = -1;
  /** Internal: owning subtable. */
  subtable: unknown = null;
  /**
   * Internal: index in the cache's entry registry (what a signature match cache stores instead
   * of a reference), and the registry's stamp for it: a stored index whose stamp differs names
   * a slot since reused by another entry.
   */
  slot = -1;
  stamp = 0;

  constructor(key: Uint32Array, mask: Uint32Array, actions: A, now: number) {
    this.mask = Uint32Array.from(mask);
    this.key = new Uint32Array(mask.length);
    for (let i = 0; i < mask.length; i++) this.key[i] = key[i] & mask[i];
    this.actions = actions;
    this.used = now;
    this.created = now;
  }

  /** True if `key` falls inside this megaflow. */
  covers(key: Uint32Array): boolean {
    for (let i = 0; i < this.mask.length; i++) if (((key[i] ^ this.key[i]) & this.mask[i]) !== 0) return false;
    return true;
  }
}
