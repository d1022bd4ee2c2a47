// What every provider shares: counters, handlers, admin state, the MTU check on send, and the
// reusable batch object frames are delivered in.
import {
  DEFAULT_MTU,
  ETH_HEADER_LEN,
  type EventHandler,
  emptyStats,
  type FrameOffload,
  type LinkState,
  type Netdev,
  type NetdevEvent,
  type NetdevOptions,
  type NetdevStats,
  type NetdevType,
  noOffload,
  offloadPending,
  type ReceiveHandler,
  type RxBatch,
  VLAN_HEADER_LEN,
} from './netdev.js';
import { completeChecksum, GSO_TCPV4, GSO_TCPV6, segmentTcp } from './offload.js';

/** Largest batch a provider hands over at once (Open vSwitch's NETDEV_MAX_BURST). */
export const MAX_BURST = 32;

/** A batch whose frame array is allocated once and refilled for every delivery. */
export class ReusableBatch implements RxBatch {
  count = 0;
  readonly frames: Uint8Array[];
  offloads: FrameOffload[] | undefined;
  constructor(capacity = MAX_BURST, withOffloads = false) {
    this.frames = new Array<Uint8Array>(capacity).fill(new Uint8Array(0));
    if (withOffloads) this.offloads = Array.from({ length: capacity }, noOffload);
  }
}

export abstract class NetdevBase implements Netdev {
  abstract readonly type: NetdevType;
  mtu = DEFAULT_MTU;
  mac: Uint8Array;
  adminState: LinkState = 'up';
  error: string | undefined;
  options: NetdevOptions;
  protected readonly counters: NetdevStats = emptyStats();
  protected receiveHandler: ReceiveHandler | undefined;
  private eventHandler: EventHandler | undefined;
  private readonly single = new ReusableBatch(1);
  private readonly sendOne: Uint8Array[] = [new Uint8Array(0)];
  private readonly plainFrames: Uint8Array[] = [];
  private readonly segmentBatch = new ReusableBatch(MAX_SEGMENTS);
  private scratch: Uint8Array | undefined;

  constructor(
    readonly name: string,
    options: NetdevOptions = {},
  ) {
    this.options = { ...options };
    this.mac = defaultMac(name);
  }

  abstract get linkState(): LinkState;
  abstract open(): Promise<string | undefined>;
  abstract close(): Promise<void>;

  get stats(): NetdevStats {
    return { ...this.counters };
  }

  async setConfig(options: NetdevOptions): Promise<string | undefined> {
    this.options = { ...options };
    return this.error;
  }

  setAdminState(state: LinkState): void {
    this.adminState = state;
  }

  setMtu(mtu: number): void {
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535)
      throw new RangeError(`${this.name}: MTU ${mtu} is not between 68 and 65535`);
    this.mtu = mtu;
  }

  setMac(mac: Uint8Array): void {
    if (mac.length !== 6) throw new RangeError(`${this.name}: an Ethernet address has 6 bytes, not ${mac.length}`);
    if (mac[0] & 1) throw new RangeError(`${this.name}: ${formatMac(mac)} is a multicast address`);
    this.mac = Uint8Array.from(mac);
  }

  onReceive(handler: ReceiveHandler | undefined): void {
    this.receiveHandler = handler;
  }

  onEvent(handler: EventHandler | undefined): void {
    this.eventHandler = handler;
  }

  protected emit(event: NetdevEvent): void {
    this.eventHandler?.(event);
  }

  /** Counts and hands a batch to the receive handler (drops it when admin-down or nobody listens). */
  protected deliver(batch: RxBatch): void {
    const c = this.counters;
    if (this.adminState === 'down' || !this.receiveHandler) {
      c.rx_dropped += batch.count;
      return;
    }
    for (let i = 0; i < batch.count; i++) c.rx_bytes += batch.frames[i].length;
    c.rx_packets += batch.count;
    try {
      this.receiveHandler(batch);
    } catch (e) {
      // A fault downstream must not tear down the device's I/O (a socket, the worker's ring):
      // report it to the owner when there is one, else let it surface.
      if (!this.eventHandler) throw e;
      this.eventHandler({ kind: 'error', message: `${this.name}: receive handler failed: ${(e as Error).message}` });
    }
  }

  protected deliverOne(frame: Uint8Array): void {
    this.single.frames[0] = frame;
    this.single.count = 1;
    this.deliver(this.single);
  }

  /**
   * Whether a frame may leave: at least an Ethernet header, at most MTU + header (+ one VLAN tag),
   * as netdev-dummy checks (a refused frame does not stop the rest of the batch). Counts the refusal.
   */
  protected admitTx(frame: Uint8Array, superFrame = false): boolean {
    if (frame.length < ETH_HEADER_LEN) {
      this.counters.tx_errors++;
      return false;
    }
    // A TSO super-frame is cut to the MTU by the kernel: only IP's 64 KiB bounds it.
    let max = superFrame ? 65535 + ETH_HEADER_LEN : this.mtu + ETH_HEADER_LEN;
    if (frame[12] === 0x81 && frame[13] === 0x00) max += VLAN_HEADER_LEN;
    if (frame.length > max || this.adminState === 'down') {
      this.counters.tx_dropped++;
      return false;
    }
    return true;
  }

  protected countTx(frame: Uint8Array): void {
    this.counters.tx_packets++;
    this.counters.tx_bytes += frame.length;
  }

  send(frame: Uint8Array): boolean {
    this.sendOne[0] = frame;
    return this.sendBatch(this.sendOne, 1) === 1;
  }

  sendBatch(frames: readonly Uint8Array[], count = frames.length, offloads?: readonly FrameOffload[]): number {
    if (!offloads || this.acceptsOffloads) return this.transmitBatch(frames, count, offloads);
    return this.sendFinished(frames, count, offloads);
  }

  /** Whether `transmitBatch` can hand pending offloads to the kernel (a virtio-net header). */
  protected get acceptsOffloads(): boolean {
    return false;
  }

  /** Sends frames; `offloads` is passed only when `acceptsOffloads`. Counts what it refuses. */
  protected abstract transmitBatch(
    frames: readonly Uint8Array[],
    count: number,
    offloads?: readonly FrameOffload[],
  ): number;

  /**
   * For devices that take complete frames only: frames with pending work are finished into a
   * scratch buffer (a copy: the same frame may be going to other ports too), checksum completed
   * or cut into segments, and sent in order with the others. A super-frame counts as accepted
   * when all its segments are.
   */
  private sendFinished(frames: readonly Uint8Array[], count: number, offloads: readonly FrameOffload[]): number {
    const plain = this.plainFrames;
    let n = 0;
    let accepted = 0;
    for (let i = 0; i < count; i++) {
      const o = offloads[i];
      if (!offloadPending(o)) {
        plain[n++] = frames[i];
        continue;
      }
      if (n > 0) accepted += this.transmitBatch(plain, n);
      n = 0;
      accepted += this.finishAndSend(frames[i], o);
    }
    if (n > 0) accepted += this.transmitBatch(plain, n);
    return accepted;
  }

  private finishAndSend(frame: Uint8Array, o: FrameOffload): number {
    this.scratch ??= new Uint8Array(SCRATCH_BYTES);
    const segs = this.segmentBatch;
    segs.count = 0;
    if (o.gsoType === GSO_TCPV4 || o.gsoType === GSO_TCPV6) {
      const n = segmentTcp(frame, o.gsoSize, this.scratch, (seg) => {
        if (segs.count < segs.frames.length) segs.frames[segs.count++] = seg;
      });
      if (n < 0 || n > segs.frames.length) {
        this.counters.tx_errors++;
        return 0;
      }
      return this.transmitBatch(segs.frames, segs.count) === segs.count ? 1 : 0;
    }
    if (o.gsoType !== 0 || frame.length > this.scratch.length) {
      this.counters.tx_dropped++; // UDP fragmentation offload: not supported
      return 0;
    }
    const copy = this.scratch.subarray(0, frame.length);
    copy.set(frame);
    if (!completeChecksum(copy, o.csumStart, o.csumOffset)) {
      this.counters.tx_errors++;
      return 0;
    }
    segs.frames[0] = copy;
    return this.transmitBatch(segs.frames, 1);
  }
}

/** Room to cut a 64 KiB super-frame into segments, each with its own copy of the headers. */
const SCRATCH_BYTES = 65536 + 256 * 128;
const MAX_SEGMENTS = 256;

/**
 * A stable, locally administered unicast address derived from the name, so a device keeps its
 * MAC across restarts (Open vSwitch's dummies use aa:55:xx:xx:xx:xx counted up from a seed).
 */
export function defaultMac(name: string): Uint8Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return Uint8Array.of(0xaa, 0x55, h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function parseMac(text: string): Uint8Array {
  const m = /^([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2})$/i.exec(
    text.trim(),
  );
  if (!m) throw new Error(`"${text}" is not an Ethernet address (xx:xx:xx:xx:xx:xx)`);
  return Uint8Array.from(m.slice(1), (x) => Number.parseInt(x, 16));
}
