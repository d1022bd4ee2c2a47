/**
 * Pending offloads carried through the datapath (added by the traffic work, issue 7).
 *
 * A `system` or `tap` device with `options:rx_offload=keep` delivers TCP super-frames (TSO/GSO,
 * up to 64 KiB) and frames whose L4 checksum holds only the pseudo-header sum, with
 * `RxBatch.offloads[i]` saying what is pending. Forwarding them as they are and handing the work
 * to the output device (a virtio-net header for the kernel, or a software finish for devices
 * without one) is what lets a soft switch carry TCP at many Gbit/s: one lookup per 64 KiB
 * instead of per 1.5 KiB, and no segmentation in JavaScript.
 *
 * The datapath keeps, while a received frame's actions run, what is pending for it (`current`),
 * and per output port the offloads aligned with the queued frames (`PortOffloads`). A header push
 * or pop before the L4 header moves `csumStart` by the length difference. Actions that would
 * rewrite a pending frame's L3/L4 fields (`set`, whose incremental checksum update assumes a
 * complete checksum), send it up (`userspace`) or truncate it get a complete frame instead: the
 * checksum is finished in place, or the super-frame is cut into segments that run the actions one
 * by one.
 */
import { completeChecksum, type FrameOffload, noOffload, offloadPending, segmentTcp } from '@softswitch/netdev';
import { extractFlow, type ParsedPacket } from '@softswitch/packet';
import { type CompiledActions, type ExecContext, runActions } from './execute.js';

const GSO_NONE = 0;
/** Room for a 64 KiB super-frame cut into up to 256 segments, each with its own headers. */
const SCRATCH_BYTES = 65536 + 64 + 256 * 128;

/** The offloads of the frames queued on one output port, index for index. */
export class PortOffloads {
  private readonly list: FrameOffload[] = [];
  /** Some queued frame has pending work (otherwise the port sends without offloads). */
  pending = false;

  /** Records the offload of queued frame `q`: `o` shifted by `shift` bytes, or nothing pending. */
  record(q: number, o: FrameOffload | undefined, shift: number): void {
    if (o !== undefined && !this.pending) {
      // Frames queued before this one in the batch have nothing pending.
      for (let i = 0; i < q; i++) clear(this.slot(i));
      this.pending = true;
    }
    const s = this.slot(q);
    if (o === undefined) {
      clear(s);
      return;
    }
    s.needsChecksum = o.needsChecksum;
    s.csumStart = o.csumStart + shift;
    s.csumOffset = o.csumOffset;
    s.gsoType = o.gsoType;
    s.gsoSize = o.gsoSize;
  }

  /** The offloads for `sendBatch`, or undefined when nothing queued is pending; resets. */
  take(): readonly FrameOffload[] | undefined {
    if (!this.pending) return undefined;
    this.pending = false;
    return this.list;
  }

  private slot(i: number): FrameOffload {
    let s = this.list[i];
    if (s === undefined) {
      s = noOffload();
      this.list[i] = s;
    }
    return s;
  }
}

function clear(o: FrameOffload): void {
  o.needsChecksum = false;
  o.gsoType = GSO_NONE;
  o.gsoSize = 0;
  o.csumStart = 0;
  o.csumOffset = 0;
}

/** Actions that need a complete frame: header rewrites, packets sent up, truncation. */
const NEEDS_COMPLETE = /set\(|userspace\(|trunc\(/;

export class RxOffloadCarry {
  /** What is pending for the frame whose actions run now, or undefined (a complete frame). */
  current: FrameOffload | undefined;
  /** That frame's length as received: outputs of another length had headers pushed or popped. */
  receivedLength = 0;
  private readonly needsComplete = new WeakMap<CompiledActions, boolean>();
  private scratch: Uint8Array | undefined;

  /** Sets up frame `i` of a received batch. */
  begin(offloads: readonly FrameOffload[] | undefined, i: number, frame: Uint8Array): void {
    const o = offloads?.[i];
    this.current = offloadPending(o) ? o : undefined;
    this.receivedLength = frame.length;
  }

  end(): void {
    this.current = undefined;
  }

  /** Whether the current frame is a super-frame (the output MTU check does not apply to it). */
  get superFrame(): boolean {
    return this.current !== undefined && this.current.gsoType !== GSO_NONE;
  }

  /** Whether `compiled` may run on the current frame as it is. */
  canRunPending(compiled: CompiledActions): boolean {
    let v = this.needsComplete.get(compiled);
    if (v === undefined) {
      v = NEEDS_COMPLETE.test(compiled.text);
      this.needsComplete.set(compiled, v);
    }
    return !v;
  }

  /**
   * Runs `compiled` on a complete version of the current frame: its checksum finished in place,
   * or its segments one by one (after `flush`, since segments share one scratch buffer, and
   * flushed again after). Returns false when the frame cannot be finished (dropped).
   */
  runComplete(
    compiled: CompiledActions,
    frame: Uint8Array,
    inPort: number,
    pkt: ParsedPacket,
    ctx: ExecContext,
    flush: () => void,
  ): boolean {
    const o = this.current;
    this.current = undefined;
    if (o === undefined) {
      runActions(compiled, ctx);
      return true;
    }
    if (o.gsoType === GSO_NONE) {
      if (!completeChecksum(frame, o.csumStart, o.csumOffset)) return false;
      runActions(compiled, ctx);
      return true;
    }
    this.scratch ??= new Uint8Array(SCRATCH_BYTES);
    flush();
    const n = segmentTcp(frame, o.gsoSize, this.scratch, (segment) => {
      pkt.data = segment;
      extractFlow(segment, inPort, pkt.key, pkt.offsets);
      runActions(compiled, ctx);
    });
    flush();
    return n > 0;
  }
}
