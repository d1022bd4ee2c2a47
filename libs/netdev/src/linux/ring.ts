// The receive ring between a device's I/O worker and the main thread: one SharedArrayBuffer of
// fixed-size slots. The worker fills slots and advances HEAD; the main thread hands slots to the
// datapath as views (no copy), then advances TAIL, which frees them. A PENDING flag makes the
// worker post at most one wake-up message until the main thread has drained the ring.

export const Ctl = {
  HEAD: 0,
  TAIL: 1,
  STOP: 2,
  PENDING: 3,
  RX_ERRORS: 4,
  READY: 5,
  FATAL_ERRNO: 6,
} as const;
const CTL_WORDS = 16;

/** Per-slot metadata words. */
export const Meta = {
  LEN: 0,
  FLAGS: 1,
  CSUM_START: 2,
  CSUM_OFFSET: 3,
  GSO_TYPE: 4,
  GSO_SIZE: 5,
  VLAN_TCI: 6,
  VLAN_TPID: 7,
} as const;
export const META_STRIDE = 8;
export const MetaFlag = { NEEDS_CSUM: 1, VLAN: 2 } as const;

/** Bytes left free before each frame: room for a VLAN tag the kernel took off (and a vnet header). */
export const HEADROOM = 16;

export interface RingLayout {
  slots: number;
  slotSize: number;
  ctlOffset: number;
  metaOffset: number;
  dataOffset: number;
  bytes: number;
}

export function ringLayout(slots: number, slotSize: number): RingLayout {
  if (!Number.isInteger(slots) || slots < 2 || (slots & (slots - 1)) !== 0)
    throw new RangeError(`ring slots ${slots} must be a power of two >= 2`);
  const metaOffset = CTL_WORDS * 4;
  const dataOffset = metaOffset + slots * META_STRIDE * 4;
  return { slots, slotSize, ctlOffset: 0, metaOffset, dataOffset, bytes: dataOffset + slots * slotSize };
}

export class RxRing {
  readonly sab: SharedArrayBuffer;
  readonly ctl: Int32Array;
  readonly meta: Int32Array;
  readonly data: Uint8Array;
  readonly mask: number;

  constructor(readonly layout: RingLayout) {
    this.sab = new SharedArrayBuffer(layout.bytes);
    this.ctl = new Int32Array(this.sab, layout.ctlOffset, CTL_WORDS);
    this.meta = new Int32Array(this.sab, layout.metaOffset, layout.slots * META_STRIDE);
    this.data = new Uint8Array(this.sab, layout.dataOffset, layout.slots * layout.slotSize);
    this.mask = layout.slots - 1;
  }
}
