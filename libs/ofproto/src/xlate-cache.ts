import type { FlowEntry } from './flow-table.js';

/**
 * The rules one translation went through (OVS's xlate_cache). Kept per installed megaflow so the
 * datapath flow's statistics can be credited to them when they are pulled, without translating
 * again; a flow-mod or port change invalidates it (the revalidator pushes the statistics gathered
 * so far first, then builds a new one).
 */
export class XlateCache {
  readonly rules: FlowEntry[] = [];

  /** Adds `packets`/`bytes` to every rule hit; `used` (ms, ofproto's clock) refreshes idle timeouts. */
  credit(packets: number, bytes: number, used: number): void {
    if (packets === 0) return;
    const p = BigInt(packets);
    const b = BigInt(bytes);
    for (const e of this.rules) {
      e.packets += p;
      e.bytes += b;
      if (used > e.used) e.used = used;
    }
  }
}
