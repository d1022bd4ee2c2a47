// What tap and system devices share: a kernel fd read by a worker thread into a shared ring,
// frames delivered from the ring in batches (with offloads finished and stripped VLAN tags put
// back), and a transmit path that copies frames into native buffers and writes them with one
// syscall per batch (sendmmsg) or per frame (write on a tap).
import { Worker } from 'node:worker_threads';
import type { FrameOffload, LinkState, NetdevOptions, NetdevType } from '../netdev.js';
import { MAX_BURST, NetdevBase, ReusableBatch } from '../netdev-base.js';
import { completeChecksum, GSO_NONE, GSO_TCPV4, GSO_TCPV6, segmentTcp, writeVirtioNetHdr } from '../offload.js';
import * as ifctl from './ifctl.js';
import { EAGAIN, koffiPath, type Libc, loadLibc } from './libc.js';
import { Ctl, HEADROOM, META_STRIDE, Meta, MetaFlag, RxRing, ringLayout } from './ring.js';

/** Largest frame a kernel device may hand over with GSO (64 KiB of IP plus headers). */
export const MAX_GSO_FRAME = 65536 + 64;
const MAX_SEGMENTS = 256;
const LINK_POLL_MS = 1000;
const REOPEN_OPTIONS = ['offload', 'rx_offload', 'rx_ring_slots'] as const;

export interface FdSetup {
  fd: number;
  /** 'packet': AF_PACKET socket (recvmmsg/sendmmsg); 'read': tap fd (read/write). */
  mode: 'packet' | 'read';
  /** Bytes of virtio-net header before every frame on this fd (0 or 10). */
  vnetHdrLen: number;
  /** Largest frame the fd can deliver (sizes the ring's slots). */
  maxFrame: number;
}

export abstract class FdNetdev extends NetdevBase {
  abstract override readonly type: NetdevType;
  protected libc: Libc | undefined;
  protected fd = -1;
  private setup: FdSetup | undefined;
  private ring: RxRing | undefined;
  private worker: Worker | undefined;
  private workerExit: Promise<void> | undefined;
  private rxBatch = new ReusableBatch(MAX_BURST);
  private readonly segments = new ReusableBatch(MAX_SEGMENTS);
  private readonly rxScratch = new Uint8Array(MAX_GSO_FRAME + MAX_SEGMENTS * 128);
  private rxErrorsSeen = 0;
  private watch: NodeJS.Timeout | undefined;
  private lastLink: LinkState = 'down';
  /** Work done on receipt: partial checksums completed, super-frames cut, segments made, VLAN tags put back. */
  readonly offloadCounters = {
    checksumsCompleted: 0,
    superFrames: 0,
    segments: 0,
    vlanTagsRestored: 0,
    superFramesKept: 0,
  };
  // Transmit area in native memory, laid out once.
  private tx:
    | {
        bytes: Uint8Array;
        view: DataView;
        base: bigint;
        bufSize: number;
        iovOff: number;
        slots: number;
        /** Addresses of each buffer and each mmsghdr, computed once. */
        bufAddrs: bigint[];
        msgAddrs: bigint[];
        /** Frame length in each buffer (without the virtio-net header). */
        lengths: Int32Array;
      }
    | undefined;

  constructor(name: string, options: NetdevOptions = {}) {
    super(name, options);
  }

  /** Opens the kernel side; returns the fd and how to read it. Throws with a precise message. */
  protected abstract openFd(c: Libc): FdSetup;
  /** The interface name in this namespace whose MTU/MAC/flags/carrier we read (undefined: none). */
  protected abstract get kernelName(): string | undefined;

  get linkState(): LinkState {
    if (this.fd < 0) return 'down';
    const name = this.kernelName;
    const up = name === undefined ? undefined : ifctl.carrier(name);
    // A tap moved to another namespace is out of sight but still attached to us.
    return up === false ? 'down' : 'up';
  }

  async open(): Promise<string | undefined> {
    if (this.fd >= 0) return this.error;
    this.error = undefined;
    try {
      const c = loadLibc();
      this.libc = c;
      const setup = this.openFd(c);
      this.fd = setup.fd;
      this.setup = setup;
      this.refreshFromKernel();
      this.allocTx(c, setup);
      await this.startWorker(setup);
      this.watchKernel();
    } catch (e) {
      this.error = `${this.name}: ${(e as Error).message}`;
      await this.close();
      this.error ??= 'open failed';
    }
    return this.error;
  }

  async close(): Promise<void> {
    if (this.watch) clearInterval(this.watch);
    this.watch = undefined;
    const ring = this.ring;
    if (ring) {
      Atomics.store(ring.ctl, Ctl.STOP, 1);
      Atomics.notify(ring.ctl, Ctl.TAIL);
    }
    if (this.workerExit) {
      // The worker notices STOP within its 100 ms poll timeout; terminate it if it does not.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => {
        timer = setTimeout(() => r('late'), 2000);
      });
      if ((await Promise.race([this.workerExit, late])) === 'late') await this.worker?.terminate();
      clearTimeout(timer);
    }
    this.worker = undefined;
    this.workerExit = undefined;
    this.ring = undefined;
    if (this.fd >= 0) this.libc?.close(this.fd);
    this.fd = -1;
    if (this.tx) this.libc?.koffi.free(this.tx.base);
    this.tx = undefined;
    this.afterClose();
  }

  /** Options that shape the fd or the ring: changing one reopens the device. */
  override async setConfig(options: NetdevOptions): Promise<string | undefined> {
    const changed = REOPEN_OPTIONS.some((k) => options[k] !== this.options[k]);
    this.options = { ...options };
    if (!changed || this.fd < 0) return this.error;
    await this.close();
    return this.open();
  }

  /** Hook for providers that own more than the fd (nothing by default). */
  protected afterClose(): void {}

  override setMtu(mtu: number): void {
    super.setMtu(mtu);
    const name = this.kernelName;
    if (name && this.fd >= 0) ifctl.setMtu(name, mtu);
  }

  override setMac(mac: Uint8Array): void {
    super.setMac(mac);
    const name = this.kernelName;
    if (name && this.fd >= 0) ifctl.setMac(name, mac);
  }

  override setAdminState(state: LinkState): void {
    super.setAdminState(state);
    const name = this.kernelName;
    if (name && this.fd >= 0) ifctl.setUp(name, state === 'up');
  }

  /** Rereads MTU and MAC from the kernel (keeps the last values when the device is out of sight). */
  refreshFromKernel(): void {
    const name = this.kernelName;
    if (!name) return;
    try {
      this.mtu = ifctl.getMtu(name);
      this.mac = ifctl.getMac(name);
    } catch {
      // moved to another namespace: keep what we knew
    }
  }

  /**
   * Kernel devices change under us (`ip link set ... down|mtu|address`): look once a second, as
   * Open vSwitch's netdev-linux follows netlink notifications, and report carrier changes.
   */
  private watchKernel(): void {
    this.lastLink = this.linkState;
    this.watch = setInterval(() => {
      this.refreshFromKernel();
      const now = this.linkState;
      if (now !== this.lastLink) {
        this.lastLink = now;
        this.emit({ kind: 'link', state: now });
      }
    }, LINK_POLL_MS);
    this.watch.unref();
  }

  private allocTx(c: Libc, setup: FdSetup): void {
    const slots = MAX_BURST;
    const bufSize = setup.vnetHdrLen + 65536;
    const iovOff = slots * bufSize;
    const msgsOff = iovOff + slots * 16;
    const total = msgsOff + slots * 64;
    const ptr = c.koffi.alloc('uint8_t', total);
    const base = c.koffi.address(ptr);
    const bytes = new Uint8Array(c.koffi.view(ptr, total));
    bytes.fill(0);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < slots; i++) {
      view.setBigUint64(iovOff + i * 16, base + BigInt(i * bufSize), true);
      view.setBigUint64(msgsOff + i * 64 + 16, base + BigInt(iovOff + i * 16), true); // msg_iov
      view.setBigUint64(msgsOff + i * 64 + 24, 1n, true); // msg_iovlen
    }
    const bufAddrs = Array.from({ length: slots }, (_, i) => base + BigInt(i * bufSize));
    const msgAddrs = Array.from({ length: slots }, (_, i) => base + BigInt(msgsOff + i * 64));
    this.tx = { bytes, view, base, bufSize, iovOff, slots, bufAddrs, msgAddrs, lengths: new Int32Array(slots) };
  }

  private startWorker(setup: FdSetup): Promise<void> {
    const slotSize = Math.ceil((HEADROOM + setup.maxFrame) / 64) * 64;
    const slots = Number(this.options.rx_ring_slots ?? (slotSize > 4096 ? 128 : 512));
    const layout = ringLayout(slots, slotSize);
    const ring = new RxRing(layout);
    this.ring = ring;
    this.rxBatch = new ReusableBatch(MAX_BURST, this.options.rx_offload === 'keep');
    this.rxErrorsSeen = 0;
    const worker = new Worker(new URL('./rx-worker.mjs', import.meta.url), {
      workerData: {
        koffiPath: koffiPath(),
        fd: setup.fd,
        mode: setup.mode,
        vnetHdrLen: setup.vnetHdrLen,
        slots,
        slotSize,
        headroom: HEADROOM,
        ctlOffset: layout.ctlOffset,
        metaOffset: layout.metaOffset,
        dataOffset: layout.dataOffset,
        metaStride: META_STRIDE,
        batch: MAX_BURST,
        sab: ring.sab,
      },
    });
    this.worker = worker;
    worker.unref();
    worker.on('message', () => this.drain(ring));
    this.workerExit = new Promise((resolve) => {
      worker.once('exit', () => {
        const errno = Atomics.load(ring.ctl, Ctl.FATAL_ERRNO);
        if (errno && this.ring === ring && Atomics.load(ring.ctl, Ctl.STOP) === 0) {
          this.error = `${this.name}: receive failed (errno ${errno})`;
          this.emit({ kind: 'error', message: this.error });
        }
        resolve();
      });
    });
    return new Promise((resolve, reject) => {
      worker.once('online', () => resolve());
      worker.once('error', (e) => {
        this.emit({ kind: 'error', message: `${this.name}: receive worker: ${e.message}` });
        reject(e);
      });
    });
  }

  /** Hands every filled slot to the receive handler, in batches, then frees the slots. */
  private drain(ring: RxRing): void {
    if (this.ring !== ring) return;
    const ctl = ring.ctl;
    Atomics.store(ctl, Ctl.PENDING, 0);
    let tail = Atomics.load(ctl, Ctl.TAIL);
    for (;;) {
      const head = Atomics.load(ctl, Ctl.HEAD);
      if (head === tail) break;
      const batch = this.rxBatch;
      batch.count = 0;
      while (tail !== head && batch.count < MAX_BURST) {
        this.takeSlot(ring, tail & ring.mask, batch);
        tail = (tail + 1) | 0;
      }
      if (batch.count > 0) this.deliver(batch);
      Atomics.store(ctl, Ctl.TAIL, tail);
      Atomics.notify(ctl, Ctl.TAIL);
    }
    const errors = Atomics.load(ctl, Ctl.RX_ERRORS);
    this.counters.rx_errors += errors - this.rxErrorsSeen;
    this.rxErrorsSeen = errors;
  }

  /** Turns one slot into a frame (or, for a GSO super-frame, a batch of segments delivered at once). */
  private takeSlot(ring: RxRing, slot: number, batch: ReusableBatch): void {
    const m = slot * META_STRIDE;
    const meta = ring.meta;
    const data = ring.data;
    const len = meta[m + Meta.LEN];
    const flags = meta[m + Meta.FLAGS];
    let start = slot * ring.layout.slotSize + HEADROOM;
    let csumStart = meta[m + Meta.CSUM_START];
    if (flags & MetaFlag.VLAN) {
      // Put back the tag the kernel lifted into metadata: shift the MACs 4 bytes left, tag after them.
      data.copyWithin(start - 4, start, start + 12);
      start -= 4;
      const tpid = meta[m + Meta.VLAN_TPID];
      const tci = meta[m + Meta.VLAN_TCI];
      data[start + 12] = tpid >>> 8;
      data[start + 13] = tpid & 0xff;
      data[start + 14] = tci >>> 8;
      data[start + 15] = tci & 0xff;
      csumStart += 4;
      this.offloadCounters.vlanTagsRestored++;
    }
    const frame = data.subarray(start, start + len + (flags & MetaFlag.VLAN ? 4 : 0));
    const gso = meta[m + Meta.GSO_TYPE];
    const keep = batch.offloads;
    if (keep) {
      // rx_offload=keep: the work stays pending, described next to the frame.
      const o = keep[batch.count];
      o.needsChecksum = (flags & MetaFlag.NEEDS_CSUM) !== 0;
      o.csumStart = csumStart;
      o.csumOffset = meta[m + Meta.CSUM_OFFSET];
      o.gsoType = gso;
      o.gsoSize = meta[m + Meta.GSO_SIZE];
      if (gso !== GSO_NONE) this.offloadCounters.superFramesKept++;
      batch.frames[batch.count++] = frame;
      return;
    }
    if (gso === GSO_NONE) {
      if (flags & MetaFlag.NEEDS_CSUM && !completeChecksum(frame, csumStart, meta[m + Meta.CSUM_OFFSET])) {
        this.counters.rx_errors++;
        return;
      }
      if (flags & MetaFlag.NEEDS_CSUM) this.offloadCounters.checksumsCompleted++;
      batch.frames[batch.count++] = frame;
      return;
    }
    if (gso !== GSO_TCPV4 && gso !== GSO_TCPV6) {
      this.counters.rx_dropped++; // UDP fragmentation offload: not supported
      return;
    }
    // Deliver what came before, then the segments as their own batch (they share the scratch buffer).
    if (batch.count > 0) {
      this.deliver(batch);
      batch.count = 0;
    }
    const segs = this.segments;
    segs.count = 0;
    const n = segmentTcp(frame, meta[m + Meta.GSO_SIZE], this.rxScratch, (seg) => {
      if (segs.count < segs.frames.length) segs.frames[segs.count++] = seg;
    });
    if (n < 0) {
      this.counters.rx_errors++;
      return;
    }
    this.offloadCounters.superFrames++;
    this.offloadCounters.segments += segs.count;
    this.deliver(segs);
  }

  /** With a virtio-net header on the fd, pending offloads go to the kernel with the frame. */
  protected override get acceptsOffloads(): boolean {
    return (this.setup?.vnetHdrLen ?? 0) > 0;
  }

  protected transmitBatch(frames: readonly Uint8Array[], count: number, offloads?: readonly FrameOffload[]): number {
    const tx = this.tx;
    const c = this.libc;
    if (!tx || !c || this.fd < 0) {
      this.counters.tx_dropped += count;
      return 0;
    }
    const hdr = this.setup?.vnetHdrLen ?? 0;
    let accepted = 0;
    let queued = 0;
    for (let i = 0; i < count; i++) {
      const f = frames[i];
      const o = offloads?.[i];
      if (!this.admitTx(f, o !== undefined && o.gsoType !== GSO_NONE)) continue;
      const at = queued * tx.bufSize;
      // The virtio-net header: zero for a complete frame, else what is left for the kernel to do.
      if (hdr) writeVirtioNetHdr(tx.bytes, at, f, o);
      tx.bytes.set(f, at + hdr);
      // iov_len: a size_t whose high word stays zero; two 32-bit writes spare a BigInt per frame.
      tx.view.setUint32(tx.iovOff + queued * 16 + 8, hdr + f.length, true);
      tx.lengths[queued] = f.length;
      queued++;
      if (queued === tx.slots) {
        accepted += this.transmit(c, tx, queued);
        queued = 0;
      }
    }
    if (queued > 0) accepted += this.transmit(c, tx, queued);
    return accepted;
  }

  /** Writes the first `n` prepared transmit buffers; returns how many the kernel took. */
  private transmit(c: Libc, tx: NonNullable<FdNetdev['tx']>, n: number): number {
    let sent = 0;
    if (this.setup?.mode === 'packet') {
      // sendmmsg stops at the first frame that fails: go on past it, counting it.
      while (sent < n) {
        const r = c.sendmmsg(this.fd, tx.msgAddrs[sent], n - sent, 0);
        if (r > 0) {
          sent += r;
          continue;
        }
        if (c.errno() !== EAGAIN) this.counters.tx_errors++;
        break;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const len = tx.view.getUint32(tx.iovOff + i * 16 + 8, true);
        if (c.write(this.fd, tx.bufAddrs[i], len) === len) sent++;
      }
    }
    for (let i = 0; i < sent; i++) {
      this.counters.tx_packets++;
      this.counters.tx_bytes += tx.lengths[i];
    }
    this.counters.tx_dropped += n - sent;
    return sent;
  }
}
