// A port backed by capture files: frames of `rx_pcap` are received (replayed), transmitted frames
// are appended to `tx_pcap`.
//
// Options:
//   rx_pcap=FILE          pcap or pcapng to replay once a receive handler is installed
//   rx_pcap_rate=PPS      paces the replay at PPS frames per second (default: as fast as possible)
//   rx_pcap_pace=true     paces it by the capture's own timestamps instead
//   rx_pcap_loop=N        replays the file N times (default 1)
//   tx_pcap=FILE          every transmitted frame is appended to FILE
//   rxq_pcap=FILE         every received frame is appended to FILE
// The replay goes in batches and yields to the event loop between them, so a long file does not
// starve the rest of the switch.
import { setTimeout as sleep } from 'node:timers/promises';
import { readCaptureFile } from '@softswitch/pcap';
import type { LinkState, NetdevOptions, NetdevType } from './netdev.js';
import { MAX_BURST, NetdevBase, ReusableBatch } from './netdev-base.js';
import { CaptureFiles } from './pcap-files.js';

interface ReplayFrame {
  data: Uint8Array;
  timestampNs: bigint;
}

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`options:${name}=${value} is not a positive number`);
  return n;
}

export class PcapNetdev extends NetdevBase {
  readonly type: NetdevType = 'pcap';
  private readonly captures = new CaptureFiles();
  private readonly batch = new ReusableBatch();
  private frames: ReplayFrame[] = [];
  private opened = false;
  private replayStarted = false;
  private generation = 0;
  private replayed: Promise<number> = Promise.resolve(0);

  constructor(name: string, options: NetdevOptions = {}) {
    super(name, options);
  }

  get linkState(): LinkState {
    return this.opened && this.error === undefined ? 'up' : 'down';
  }

  /** Resolves with the number of frames replayed once the replay (all loops) is over. */
  whenReplayed(): Promise<number> {
    return this.replayed;
  }

  async open(): Promise<string | undefined> {
    this.opened = true;
    return this.apply();
  }

  override async setConfig(options: NetdevOptions): Promise<string | undefined> {
    const rxChanged = options.rx_pcap !== this.options.rx_pcap;
    this.options = { ...options };
    if (!this.opened) return undefined;
    if (rxChanged) {
      this.generation++;
      this.replayStarted = false;
    }
    return this.apply();
  }

  async close(): Promise<void> {
    this.opened = false;
    this.generation++;
    this.replayStarted = false;
    this.frames = [];
    await this.captures.close();
  }

  override onReceive(handler: Parameters<NetdevBase['onReceive']>[0]): void {
    super.onReceive(handler);
    this.maybeStartReplay();
  }

  protected transmitBatch(frames: readonly Uint8Array[], count: number): number {
    let accepted = 0;
    for (let i = 0; i < count; i++) {
      const f = frames[i];
      if (!this.admitTx(f)) continue;
      this.countTx(f);
      this.captures.tx?.write(f);
      accepted++;
    }
    this.captures.tx?.flush();
    return accepted;
  }

  private async apply(): Promise<string | undefined> {
    this.error = undefined;
    try {
      this.captures.configure(this.options.tx_pcap, this.options.rxq_pcap);
      if (!this.replayStarted) {
        const path = this.options.rx_pcap;
        this.frames = path
          ? (await readCaptureFile(path)).map((p) => ({ data: p.data, timestampNs: p.timestampNs }))
          : [];
      }
      positiveNumber('rx_pcap_rate', this.options.rx_pcap_rate, 1);
      positiveNumber('rx_pcap_loop', this.options.rx_pcap_loop, 1);
    } catch (e) {
      this.error = `${this.name}: ${(e as Error).message}`;
      this.frames = [];
    }
    this.maybeStartReplay();
    return this.error;
  }

  private maybeStartReplay(): void {
    if (!this.opened || this.replayStarted || !this.receiveHandler || this.frames.length === 0) return;
    this.replayStarted = true;
    this.replayed = this.replay(this.generation);
  }

  private async replay(generation: number): Promise<number> {
    const loops = Math.floor(positiveNumber('rx_pcap_loop', this.options.rx_pcap_loop, 1));
    const rate = this.options.rx_pcap_rate ? positiveNumber('rx_pcap_rate', this.options.rx_pcap_rate, 1) : 0;
    const pace = this.options.rx_pcap_pace === 'true';
    const frames = this.frames;
    const batch = this.batch;
    let sent = 0;
    const t0 = performance.now();
    for (let loop = 0; loop < loops; loop++) {
      const firstTs = frames[0].timestampNs;
      const loopStart = performance.now();
      for (let i = 0; i < frames.length; ) {
        // Let the event loop run between batches, and stop when the device was reconfigured.
        await new Promise<void>((r) => setImmediate(r));
        if (generation !== this.generation) return sent;
        let burst = Math.min(MAX_BURST, frames.length - i);
        if (pace || rate) {
          const due = pace ? loopStart + Number(frames[i].timestampNs - firstTs) / 1e6 : t0 + (sent / rate) * 1000;
          const wait = due - performance.now();
          if (wait > 1) await sleep(wait);
          if (generation !== this.generation) return sent;
          burst = 1;
        }
        batch.count = burst;
        for (let k = 0; k < burst; k++) {
          const f = frames[i + k].data;
          batch.frames[k] = f;
          this.captures.rx?.write(f);
        }
        this.captures.rx?.flush();
        this.deliver(batch);
        i += burst;
        sent += burst;
      }
    }
    return sent;
  }
}
