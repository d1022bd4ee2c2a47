/**
 * Datapath meters with drop bands, as Open vSwitch's userspace datapath runs them
 * (dpif-netdev.c dp_netdev_run_meter): one token bucket per band, filled at the band's rate
 * (kbps: bits; pktps: 1/1000 packets) per elapsed millisecond up to `burst_size` (the rate when
 * 0), starting full; a packet that finds a band's bucket short is dropped by the highest-rate band
 * it exceeds, which counts it.
 */

/** OFPMF13_* flags that matter here. */
const PKTPS = 2;

export interface MeterBandConfig {
  /** Kilobits or packets per second (per `flags`). */
  readonly rate: number;
  /** Kilobits or packets; 0 = the rate. */
  readonly burstSize: number;
}

export interface MeterBandStats {
  packets: number;
  bytes: number;
}

export interface DpMeterStats {
  packets: number;
  bytes: number;
  bands: MeterBandStats[];
}

interface Band {
  rate: number;
  burst: number;
  bucket: number;
  packets: number;
  bytes: number;
}

interface Meter {
  pktps: boolean;
  bands: Band[];
  /** Milliseconds (datapath clock) of the last packet. */
  used: number;
  maxDeltaT: number;
  packets: number;
  bytes: number;
}

export class DpMeters {
  private readonly meters = new Map<number, Meter>();

  /** Creates or replaces meter `id` (counters restart, buckets start full, as dpif-netdev's meter_set). */
  set(id: number, flags: number, bands: readonly MeterBandConfig[], now: number): void {
    let maxDeltaT = 0;
    const bs = bands.map((b) => {
      const burst = b.burstSize || b.rate;
      const bucket = burst * 1000;
      if (b.rate > 0) maxDeltaT = Math.max(maxDeltaT, Math.floor(bucket / b.rate));
      return { rate: b.rate, burst, bucket, packets: 0, bytes: 0 };
    });
    this.meters.set(id, { pktps: (flags & PKTPS) !== 0, bands: bs, used: now, maxDeltaT, packets: 0, bytes: 0 });
  }

  delete(id: number): void {
    this.meters.delete(id);
  }

  has(id: number): boolean {
    return this.meters.has(id);
  }

  stats(id: number): DpMeterStats | undefined {
    const m = this.meters.get(id);
    if (m === undefined) return undefined;
    return { packets: m.packets, bytes: m.bytes, bands: m.bands.map((b) => ({ packets: b.packets, bytes: b.bytes })) };
  }

  /** Runs one packet of `bytes` through meter `id` at `now` (ms); false if a band drops it. */
  run(id: number, bytes: number, now: number): boolean {
    const m = this.meters.get(id);
    if (m === undefined) return true;
    const delta = Math.min(Math.max(0, Math.floor(now) - Math.floor(m.used)), m.maxDeltaT);
    m.used = now;
    m.packets++;
    m.bytes += bytes;
    const volume = m.pktps ? 1000 : bytes * 8;
    let hit: Band | undefined;
    for (const b of m.bands) {
      b.bucket = Math.min(b.bucket + delta * b.rate, b.burst * 1000);
      if (b.bucket >= volume) {
        b.bucket -= volume;
        continue;
      }
      // The band is exceeded by this packet; pktps keeps the remainder of a packet in the bucket.
      if (m.pktps) b.bucket %= 1000;
      if (hit === undefined || b.rate > hit.rate) hit = b;
    }
    if (hit === undefined) return true;
    hit.packets++;
    hit.bytes += bytes;
    return false;
  }
}
