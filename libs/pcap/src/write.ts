// Writing classic pcap (little-endian, as libpcap writes on x86), micro- or nanosecond.
import { closeSync, openSync, writeSync } from 'node:fs';
import { LinkType, MAX_CAPTURED_LENGTH } from './captured-packet.js';
import { PCAP_FILE_HEADER_LENGTH, PCAP_RECORD_HEADER_LENGTH, PcapMagic } from './classic-format.js';

export interface PcapWriteOptions {
  /** Nanosecond timestamps (magic 0xa1b23c4d) instead of microseconds. Default false. */
  nanosecond?: boolean;
  /** LINKTYPE_* of every packet. Default 1 (Ethernet). */
  linkType?: number;
  /** Snapshot length: longer packets are cut to it (their original length is kept). Default 262144. */
  snaplen?: number;
}

interface Settings {
  nanosecond: boolean;
  linkType: number;
  snaplen: number;
}

function settings(opts: PcapWriteOptions = {}): Settings {
  const snaplen = opts.snaplen ?? MAX_CAPTURED_LENGTH;
  if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > MAX_CAPTURED_LENGTH) {
    throw new RangeError(`snaplen ${snaplen} is not between 1 and ${MAX_CAPTURED_LENGTH}`);
  }
  const linkType = opts.linkType ?? LinkType.ETHERNET;
  if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0xffff) {
    throw new RangeError(`link type ${linkType} is not a 16-bit number`);
  }
  return { nanosecond: opts.nanosecond ?? false, linkType, snaplen };
}

function writeFileHeader(view: DataView, at: number, s: Settings): void {
  view.setUint32(at, s.nanosecond ? PcapMagic.NANOSECOND : PcapMagic.MICROSECOND, true);
  view.setUint16(at + 4, 2, true);
  view.setUint16(at + 6, 4, true);
  view.setInt32(at + 8, 0, true); // thiszone: always UTC
  view.setUint32(at + 12, 0, true); // sigfigs: always 0
  view.setUint32(at + 16, s.snaplen, true);
  view.setUint32(at + 20, s.linkType, true);
}

const MAX_SECONDS = 0xffff_ffffn;

/** Writes one record at `at`; returns the offset after it. */
function writeRecord(bytes: Uint8Array, view: DataView, at: number, s: Settings, data: Uint8Array, ns: bigint): number {
  if (ns < 0n) throw new RangeError(`timestamp ${ns} ns is before 1970`);
  const seconds = ns / 1_000_000_000n;
  if (seconds > MAX_SECONDS) throw new RangeError(`timestamp ${ns} ns is past what pcap can hold (2106)`);
  const rem = Number(ns % 1_000_000_000n);
  const captured = Math.min(data.length, s.snaplen);
  view.setUint32(at, Number(seconds), true);
  view.setUint32(at + 4, s.nanosecond ? rem : Math.floor(rem / 1000), true);
  view.setUint32(at + 8, captured, true);
  view.setUint32(at + 12, data.length, true);
  bytes.set(captured === data.length ? data : data.subarray(0, captured), at + PCAP_RECORD_HEADER_LENGTH);
  return at + PCAP_RECORD_HEADER_LENGTH + captured;
}

/**
 * Encodes packets as a classic pcap file. Timestamps default to 0 so that the output depends on
 * the input alone.
 */
export function encodePcap(packets: { data: Uint8Array; timestampNs?: bigint }[], opts?: PcapWriteOptions): Uint8Array {
  const s = settings(opts);
  let size = PCAP_FILE_HEADER_LENGTH;
  for (const p of packets) size += PCAP_RECORD_HEADER_LENGTH + Math.min(p.data.length, s.snaplen);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  writeFileHeader(view, 0, s);
  let at = PCAP_FILE_HEADER_LENGTH;
  for (const p of packets) at = writeRecord(bytes, view, at, s, p.data, p.timestampNs ?? 0n);
  return bytes;
}

/** Bytes gathered before a write to the file. */
const BUFFER_SIZE = 256 * 1024;

/**
 * Appends packets to a classic pcap file as they come (a port's `tx_pcap`, a capture tool).
 * Writes are buffered and synchronous, so a record is never half-written when the process
 * moves on; `flush()` makes what was written visible to readers of the file.
 */
export class PcapWriter {
  private readonly buffer = new Uint8Array(BUFFER_SIZE + PCAP_RECORD_HEADER_LENGTH + MAX_CAPTURED_LENGTH);
  private readonly view = new DataView(this.buffer.buffer);
  private used = 0;
  private fd: number | undefined;

  private constructor(
    fd: number,
    private readonly settings: Settings,
  ) {
    this.fd = fd;
    writeFileHeader(this.view, 0, settings);
    this.used = PCAP_FILE_HEADER_LENGTH;
    this.flush();
  }

  /** Creates (or truncates) `path` and writes the file header. */
  static open(path: string, opts?: PcapWriteOptions): PcapWriter {
    const s = settings(opts);
    return new PcapWriter(openSync(path, 'w'), s);
  }

  /** Appends one packet; the timestamp defaults to the current wall-clock time. */
  write(data: Uint8Array, timestampNs: bigint = BigInt(Date.now()) * 1_000_000n): void {
    if (this.fd === undefined) throw new Error('PcapWriter: write after close');
    this.used = writeRecord(this.buffer, this.view, this.used, this.settings, data, timestampNs);
    if (this.used >= BUFFER_SIZE) this.flush();
  }

  /** Writes buffered records to the file. */
  flush(): void {
    if (this.fd === undefined) return;
    let done = 0;
    while (done < this.used) done += writeSync(this.fd, this.buffer, done, this.used - done);
    this.used = 0;
  }

  /** Flushes and closes the file; closing twice is harmless. */
  async close(): Promise<void> {
    if (this.fd === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }
}
