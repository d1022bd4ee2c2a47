// The capture files of a port (`tx_pcap`, `rxq_pcap`): opened when configured, reopened when the
// name changes, one writer shared when both name the same file (as Open vSwitch does).
import { resolve } from 'node:path';
import { PcapWriter } from '@softswitch/pcap';

export class CaptureFiles {
  tx: PcapWriter | undefined;
  rx: PcapWriter | undefined;
  private txPath: string | undefined;
  private rxPath: string | undefined;

  /** Opens, keeps or closes the writers for the given paths. Throws when a file cannot be created. */
  configure(txPath: string | undefined, rxPath: string | undefined): void {
    const tx = txPath ? resolve(txPath) : undefined;
    const rx = rxPath ? resolve(rxPath) : undefined;
    if (tx === this.txPath && rx === this.rxPath) return;
    const old = new Set([this.tx, this.rx]);
    const keep = new Map<string, PcapWriter>();
    if (this.txPath && this.tx) keep.set(this.txPath, this.tx);
    if (this.rxPath && this.rx) keep.set(this.rxPath, this.rx);
    const writerFor = (path: string | undefined): PcapWriter | undefined => {
      if (!path) return undefined;
      let w = keep.get(path);
      if (!w) {
        w = PcapWriter.open(path);
        keep.set(path, w);
      }
      return w;
    };
    this.tx = writerFor(tx);
    this.rx = writerFor(rx);
    this.txPath = tx;
    this.rxPath = rx;
    for (const w of old) if (w && w !== this.tx && w !== this.rx) void w.close();
  }

  async close(): Promise<void> {
    const writers = new Set([this.tx, this.rx]);
    this.tx = this.rx = undefined;
    this.txPath = this.rxPath = undefined;
    for (const w of writers) await w?.close();
  }
}
