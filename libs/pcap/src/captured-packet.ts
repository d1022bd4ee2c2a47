/** One frame read from a capture file. */
export interface CapturedPacket {
  /** The captured bytes (possibly cut short by the capture's snapshot length). */
  data: Uint8Array;
  /** Capture time in nanoseconds since the Unix epoch. */
  timestampNs: bigint;
  /** Length of the frame on the wire; larger than `data.length` when the capture cut it short. */
  originalLength: number;
  /** Link-layer header type (LINKTYPE_* from the tcpdump.org registry; 1 is Ethernet). */
  linkType: number;
  /** Position of the packet in the file, from 0. */
  index: number;
}

/** The link types this project meets (tcpdump.org's LINKTYPE_* registry). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
} as const;

/** Largest captured length accepted for one record: libpcap's own limit (MAXIMUM_SNAPLEN). */
export const MAX_CAPTURED_LENGTH = 262_144;
