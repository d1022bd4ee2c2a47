/**
 * A single-producer single-consumer byte ring in a SharedArrayBuffer: how the main thread hands
 * received frames to a datapath thread (pmd-pool.ts → pmd-worker.ts) with no message per packet.
 *
 * Layout: a control block of Int32 words (read index, write index, both byte offsets into the
 * data area; then a flag per end saying it waits for the other to move), then the data area.
 * Records are 4-byte aligned and contiguous; one that does not fit before the end leaves a WRAP
 * word and starts again at 0. The writer never lets the write index catch up with the read index
 * (one word stays free), so equal indexes mean empty.
 *
 * A record is one received batch:
 *   header  [total bytes][packet count][in_port][seq base, low 32 bits][seq base, high bits]
 *           [control messages the writer had sent before it]
 *   packets [frame length][seq offset][frame bytes, padded to 4] × count
 * Packet i's sequence number is seq base + its seq offset: the order the main thread received
 * it in, which is what outputs are merged back by. The message count orders the ring after the
 * control messages (invalidations) the main thread posted before the record: the reader takes
 * the record only once it has received them.
 */

export const RING_READ = 0;
export const RING_WRITE = 1;
/**
 * Set by an end before it waits on the other's index. The other end notifies only then: an
 * Atomics.notify per record (a lock, and a task posted to a waiting event loop) cost the reader
 * more than the packets themselves when it was unconditional. Both ends store their index and
 * then load the flag, or store the flag and then wait on the index (which checks it): with
 * sequentially consistent atomics one of them sees the other, so no wake-up is lost.
 */
const WRITER_WAITING = 2;
const READER_WAITING = 3;
const CONTROL_WORDS = 4;
const CONTROL_BYTES = CONTROL_WORDS * 4;
const WRAP = 0xffffffff;

/** Atomics.waitAsync: in Node since 16, in TypeScript's lib only from es2024. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      index: number,
      value: number,
      timeoutMs: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync.bind(Atomics);

export const BATCH_HEADER_BYTES = 24;
export const PACKET_HEADER_BYTES = 8;

/** Bytes a packet record of `length` frame bytes takes. */
export const packetRecordBytes = (length: number): number => PACKET_HEADER_BYTES + ((length + 3) & ~3);

export function createRingBuffer(dataBytes: number): SharedArrayBuffer {
  const size = Math.max(4096, (dataBytes + 3) & ~3);
  return new SharedArrayBuffer(CONTROL_BYTES + size);
}

abstract class RingView {
  readonly control: Int32Array;
  readonly bytes: Uint8Array;
  readonly words: Uint32Array;
  readonly capacity: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.control = new Int32Array(buffer, 0, CONTROL_WORDS);
    this.capacity = buffer.byteLength - CONTROL_BYTES;
    this.bytes = new Uint8Array(buffer, CONTROL_BYTES, this.capacity);
    this.words = new Uint32Array(buffer, CONTROL_BYTES, this.capacity >>> 2);
  }

  /** Bytes between the read index `r` and the write index. */
  protected used(r: number): number {
    const w = Atomics.load(this.control, RING_WRITE);
    return w >= r ? w - r : this.capacity - r + w;
  }

  get empty(): boolean {
    return Atomics.load(this.control, RING_READ) === Atomics.load(this.control, RING_WRITE);
  }
}

/** The main thread's end. */
export class RingWriter extends RingView {
  /** Where a reserved record starts (valid between reserve and commit). */
  private at = 0;

  /**
   * Room for a record of `bytes` (a multiple of 4): returns its byte offset in `bytes`/`words`,
   * or -1 when the ring is too full now (the consumer frees room as it reads).
   */
  reserve(bytes: number): number {
    const cap = this.capacity;
    if (bytes + 4 >= cap) throw new RangeError(`ring: a record of ${bytes} bytes cannot fit in ${cap}`);
    const r = Atomics.load(this.control, RING_READ);
    const w = Atomics.load(this.control, RING_WRITE);
    if (r > w) {
      if (r - w - 4 < bytes) return -1;
      this.at = w;
      return w;
    }
    // r <= w: room up to the end (one word short of it when r is 0), else wrap to the start.
    if (cap - w - (r === 0 ? 4 : 0) >= bytes) {
      this.at = w;
      return w;
    }
    if (r - 4 < bytes) return -1;
    this.words[w >>> 2] = WRAP;
    // The WRAP word is published together with the record by commit.
    this.at = 0;
    return 0;
  }

  /** Publishes the record reserved last, `bytes` long, and wakes a waiting reader. */
  commit(bytes: number): void {
    let w = this.at + bytes;
    if (w === this.capacity) w = 0;
    Atomics.store(this.control, RING_WRITE, w);
    if (Atomics.load(this.control, READER_WAITING) !== 0) {
      Atomics.store(this.control, READER_WAITING, 0);
      Atomics.notify(this.control, RING_WRITE);
    }
  }

  /** Resolves when the reader has moved (room may have been freed) or after `timeoutMs`. */
  async waitForRoom(timeoutMs: number): Promise<void> {
    const r = Atomics.load(this.control, RING_READ);
    Atomics.store(this.control, WRITER_WAITING, 1);
    const w = waitAsync(this.control, RING_READ, r, timeoutMs);
    if (w.async) await w.value;
  }
}

/** The datapath thread's end. */
export class RingReader extends RingView {
  /**
   * The byte offset of the next record (skipping a WRAP), or -1 when the ring is empty. The
   * record stays the reader's until `release`.
   */
  next(): number {
    let r = Atomics.load(this.control, RING_READ);
    const w = Atomics.load(this.control, RING_WRITE);
    if (r === w) return -1;
    if (this.words[r >>> 2] === WRAP) {
      r = 0;
      Atomics.store(this.control, RING_READ, 0);
      if (r === w) return -1;
    }
    return r;
  }

  /** Hands the record at `at`, `bytes` long, back to the writer. */
  release(at: number, bytes: number): void {
    let r = at + bytes;
    if (r === this.capacity) r = 0;
    Atomics.store(this.control, RING_READ, r);
    // A waiting writer is woken once half the ring is free, not per record: it has a batch to
    // write, and a feeder woken per record (the common case, it outpaces the threads) would
    // make every release pay for a wake-up.
    if (Atomics.load(this.control, WRITER_WAITING) !== 0 && this.used(r) <= this.capacity >>> 1) {
      Atomics.store(this.control, WRITER_WAITING, 0);
      Atomics.notify(this.control, RING_READ);
    }
  }

  /** Resolves when a record may have arrived, or after `timeoutMs`. */
  async waitForData(timeoutMs: number): Promise<void> {
    const w = Atomics.load(this.control, RING_WRITE);
    if (Atomics.load(this.control, RING_READ) !== w) return;
    Atomics.store(this.control, READER_WAITING, 1);
    const wait = waitAsync(this.control, RING_WRITE, w, timeoutMs);
    if (wait.async) await wait.value;
  }
}
