// The one network-device interface every port of the datapath sits on (after Open vSwitch's
// lib/netdev-provider.h): a device delivers received frames in batches and sends frames, and
// reports what the config DB shows for an Interface (mtu, mac_in_use, link_state, admin_state,
// statistics, error).

export type NetdevType = 'dummy' | 'pcap' | 'internal' | 'tap' | 'system';
export type LinkState = 'up' | 'down';

/** `Interface.options` of the config DB: string keys to string values. */
export type NetdevOptions = Readonly<Record<string, string>>;

/** The counters Open vSwitch reports in `Interface.statistics`. */
export interface NetdevStats {
  rx_packets: number;
  rx_bytes: number;
  rx_errors: number;
  rx_dropped: number;
  tx_packets: number;
  tx_bytes: number;
  tx_errors: number;
  tx_dropped: number;
}

export function emptyStats(): NetdevStats {
  return {
    rx_packets: 0,
    rx_bytes: 0,
    rx_errors: 0,
    rx_dropped: 0,
    tx_packets: 0,
    tx_bytes: 0,
    tx_errors: 0,
    tx_dropped: 0,
  };
}

/**
 * Frames received together. `frames[0..count)` are views into buffers the device reuses: they are
 * valid only until the receive handler returns (the batch is released then). A consumer that must
 * keep a frame copies it (`frame.slice()`).
 */
export interface RxBatch {
  readonly count: number;
  readonly frames: readonly Uint8Array[];
  /**
   * Present only on devices asked to keep offloads (`options:rx_offload=keep`): `offloads[i]`
   * says what is left to do to `frames[i]` (a partial checksum, a TSO super-frame to cut). Hand
   * it to `sendBatch` with the frame, which finishes the work in software where the output
   * device cannot. Entries are reused like the frames.
   */
  readonly offloads?: readonly FrameOffload[];
}

/** What a kernel left to "hardware" in a frame (virtio-net header semantics). */
export interface FrameOffload {
  /** The L4 checksum holds only the pseudo-header sum (VIRTIO_NET_HDR_F_NEEDS_CSUM). */
  needsChecksum: boolean;
  /** Offset where checksumming starts (the L4 header), from the frame's first byte. */
  csumStart: number;
  /** Offset of the checksum field from csumStart. */
  csumOffset: number;
  /** 0 none, 1 TCPv4, 3 UDP, 4 TCPv6 (VIRTIO_NET_HDR_GSO_*, ECN bit masked off). */
  gsoType: number;
  /** Payload bytes per segment of a super-frame. */
  gsoSize: number;
}

export function noOffload(): FrameOffload {
  return { needsChecksum: false, csumStart: 0, csumOffset: 0, gsoType: 0, gsoSize: 0 };
}

/** Whether an offload entry leaves work to do. */
export function offloadPending(o: FrameOffload | undefined): boolean {
  return o !== undefined && (o.needsChecksum || o.gsoType !== 0);
}

export type ReceiveHandler = (batch: RxBatch) => void;

/** What a device tells its owner between batches: link changes and errors. */
export type NetdevEvent = { kind: 'link'; state: LinkState } | { kind: 'error'; message: string };
export type EventHandler = (event: NetdevEvent) => void;

export interface Netdev {
  readonly name: string;
  readonly type: NetdevType;
  /** Bytes of L3 payload a frame may carry (Ethernet header and VLAN tag excluded). */
  readonly mtu: number;
  /** The device's Ethernet address (`mac_in_use`), 6 bytes. */
  readonly mac: Uint8Array;
  /** Carrier: for stream-backed dummies, whether a peer is connected; for kernel devices, the kernel's view. */
  readonly linkState: LinkState;
  readonly adminState: LinkState;
  /** A snapshot of the counters. */
  readonly stats: NetdevStats;
  /** Why the device could not be opened or configured (`Interface.error`), else undefined. */
  readonly error: string | undefined;
  readonly options: NetdevOptions;

  /** Acquires the device's resources. Never throws: a failure lands in `error` and is returned. */
  open(): Promise<string | undefined>;
  /** Releases everything (sockets, files, workers); the device can be opened again. */
  close(): Promise<void>;
  /** Applies changed `Interface.options`; returns the resulting `error` (undefined when fine). */
  setConfig(options: NetdevOptions): Promise<string | undefined>;
  setAdminState(state: LinkState): void;
  setMtu(mtu: number): void;
  /** Changes the Ethernet address (`Interface.mac` of an internal port); throws when the kernel refuses. */
  setMac(mac: Uint8Array): void;

  /** Installs the receive path (one handler per device; a later call replaces it). */
  onReceive(handler: ReceiveHandler | undefined): void;
  onEvent(handler: EventHandler | undefined): void;

  /** Sends one frame; returns whether it was accepted (a refused frame is counted as dropped or an error). */
  send(frame: Uint8Array): boolean;
  /**
   * Sends `frames[0..count)`; returns how many were accepted. `offloads` (as received in an
   * `RxBatch`) passes pending checksum/segmentation work along: a device that can hand it to
   * the kernel does (a super-frame leaves whole), any other finishes it first.
   */
  sendBatch(frames: readonly Uint8Array[], count?: number, offloads?: readonly FrameOffload[]): number;
}

export const ETH_HEADER_LEN = 14;
export const VLAN_HEADER_LEN = 4;
export const DEFAULT_MTU = 1500;
