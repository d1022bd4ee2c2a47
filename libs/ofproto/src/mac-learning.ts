/**
 * The MAC learning table behind the NORMAL action (OVS's lib/mac-learning.c): (VLAN, MAC) →
 * port, bounded (the least recently used entry is evicted when full), aged (an entry not seen
 * for `aging` seconds is forgotten), with learning moves counted. Time comes from an injected
 * clock in milliseconds.
 */
export interface MacEntry {
  vlan: number;
  mac: bigint;
  port: number;
  /** Last time the entry was learned or refreshed (ms). */
  seen: number;
}

export const MAC_DEFAULT_MAX = 8192;
export const MAC_ENTRY_DEFAULT_IDLE_TIME = 300;

const keyOf = (vlan: number, mac: bigint): bigint => (BigInt(vlan) << 48n) | mac;

export class MacTable {
  /** Insertion order = LRU order (a refresh re-inserts at the end). */
  private readonly entries = new Map<bigint, MacEntry>();
  learned = 0;
  expired = 0;
  evicted = 0;
  moved = 0;

  constructor(
    private readonly now: () => number,
    public maxEntries = MAC_DEFAULT_MAX,
    public agingSeconds = MAC_ENTRY_DEFAULT_IDLE_TIME,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Learns that `mac` on `vlan` is behind `port`; returns true if the table changed. */
  learn(vlan: number, mac: bigint, port: number): boolean {
    const k = keyOf(vlan, mac);
    const e = this.entries.get(k);
    const t = this.now();
    if (e !== undefined) {
      this.entries.delete(k);
      this.entries.set(k, e);
      e.seen = t;
      if (e.port === port) return false;
      e.port = port;
      this.moved++;
      return true;
    }
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
      this.evicted++;
    }
    this.entries.set(k, { vlan, mac, port, seen: t });
    this.learned++;
    return true;
  }

  /** The port `mac` was learned on in `vlan`, or undefined. */
  lookup(vlan: number, mac: bigint): number | undefined {
    const e = this.entries.get(keyOf(vlan, mac));
    if (e === undefined) return undefined;
    if (this.now() - e.seen >= this.agingSeconds * 1000) return undefined;
    return e.port;
  }

  /** Drops entries older than the aging time. */
  expire(): number {
    const t = this.now();
    let n = 0;
    for (const [k, e] of this.entries) {
      if (t - e.seen < this.agingSeconds * 1000) break; // LRU order: the rest are younger
      this.entries.delete(k);
      n++;
    }
    this.expired += n;
    return n;
  }

  /** Forgets everything (or the entries of one port). */
  flush(port?: number): void {
    for (const [k, e] of this.entries) if (port === undefined || e.port === port) this.entries.delete(k);
  }

  list(): MacEntry[] {
    return [...this.entries.values()];
  }

  /** `ovs-appctl fdb/show BR` text; `portName` prints a port number as OVS does. */
  show(portName: (port: number) => string): string {
    const t = this.now();
    let s = ' port  VLAN  MAC                Age\n';
    for (const e of this.entries.values()) {
      const mac = e.mac
        .toString(16)
        .padStart(12, '0')
        .replace(/(..)(?!$)/g, '$1:');
      const age = Math.floor((t - e.seen) / 1000);
      s += `${portName(e.port).padStart(5)}  ${String(e.vlan).padStart(4)}  ${mac}  ${String(age).padStart(3)}\n`;
    }
    return s;
  }

  /** `ovs-appctl fdb/stats-show BR` text. */
  statsShow(bridge: string): string {
    return (
      `Statistics for bridge "${bridge}":\n` +
      `  Current/maximum MAC entries in the table: ${this.entries.size}/${this.maxEntries}\n` +
      `  Current static MAC entries in the table : 0\n` +
      `  Total number of learned MAC entries     : ${this.learned}\n` +
      `  Total number of expired MAC entries     : ${this.expired}\n` +
      `  Total number of evicted MAC entries     : ${this.evicted}\n` +
      `  Total number of port moved MAC entries  : ${this.moved}\n`
    );
  }
}
