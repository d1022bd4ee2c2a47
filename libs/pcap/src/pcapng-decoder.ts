// Incremental decoder for pcapng (draft-ietf-opsawg-pcapng): a sequence of blocks, each
// `type, total length, body, total length`, grouped in sections that start with a Section
// Header Block giving the byte order. Packets come from Enhanced, Simple and (obsolete) Packet
// Blocks; Interface Description Blocks give each interface's link type, snapshot length and
// timestamp resolution. Other blocks (name resolution, statistics, ...) are checked and skipped.
//
// Fed whole files (the sync reader) or arbitrary chunks (the streaming reader): `push` consumes
// every complete block and keeps only the leftover bytes, so both paths share one decoder.
import { type CapturedPacket, MAX_CAPTURED_LENGTH } from './captured-packet.js';
import { hex32 } from './classic-format.js';
import { CaptureFormatError } from './errors.js';

export const PcapngBlock = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  PACKET_OBSOLETE: 0x00000002,
  SIMPLE_PACKET: 0x00000003,
  NAME_RESOLUTION: 0x00000004,
  INTERFACE_STATISTICS: 0x00000005,
  ENHANCED_PACKET: 0x00000006,
} as const;

export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

/** Smallest block: type, total length, total length. */
const BLOCK_OVERHEAD = 12;
/** Section header body: byte-order magic, major, minor, section length. */
const SHB_MIN_LENGTH = BLOCK_OVERHEAD + 16;
/**
 * Largest block accepted. A packet block holds at most MAX_CAPTURED_LENGTH bytes plus options;
 * anything far larger is corruption, and a streaming reader must not buffer it.
 */
export const MAX_BLOCK_LENGTH = 16 * 1024 * 1024;

interface Interface {
  linkType: number;
  snaplen: number;
  /** Timestamp units are converted to nanoseconds as `units * tsMul / tsDiv + tsOffsetNs`. */
  tsMul: bigint;
  tsDiv: bigint;
  tsOffsetNs: bigint;
}

const EMPTY = new Uint8Array(0);

export class PcapngDecoder {
  private pending: Uint8Array = EMPTY;
  /** File offset of `pending[0]`. */
  private pendingOffset = 0;
  private littleEndian = false;
  private inSection = false;
  private interfaces: Interface[] = [];
  private packetCount = 0;

  /** Decodes every complete block in what has arrived so far; appends packets to `out`. */
  push(chunk: Uint8Array, out: CapturedPacket[]): void {
    const buf = this.pending.length === 0 ? chunk : concat(this.pending, chunk);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = 0;
    for (;;) {
      const left = buf.length - pos;
      if (left < BLOCK_OVERHEAD) break;
      const at = this.pendingOffset + pos;
      // The section header's type reads the same in both byte orders; its byte-order magic
      // decides how to read everything after it.
      let type = view.getUint32(pos, this.littleEndian);
      if (type === PcapngBlock.SECTION_HEADER) {
        const bom = view.getUint32(pos + 8, false);
        if (bom === PCAPNG_BYTE_ORDER_MAGIC) this.littleEndian = false;
        else if (bom === 0x4d3c2b1a) this.littleEndian = true;
        else throw new CaptureFormatError(`bad pcapng byte-order magic 0x${hex32(bom)}`, at + 8);
      } else if (!this.inSection) {
        throw new CaptureFormatError(`pcapng block type 0x${hex32(type)} before any section header block`, at);
      }
      type = view.getUint32(pos, this.littleEndian);
      const total = view.getUint32(pos + 4, this.littleEndian);
      const min = type === PcapngBlock.SECTION_HEADER ? SHB_MIN_LENGTH : BLOCK_OVERHEAD;
      if (total < min || total % 4 !== 0 || total > MAX_BLOCK_LENGTH) {
        const why = total < min ? `below the minimum ${min}` : total % 4 ? 'not a multiple of 4' : 'over the limit';
        throw new CaptureFormatError(
          `bad pcapng block length ${total} (${why}) in block type 0x${hex32(type)}`,
          at + 4,
        );
      }
      if (left < total) break;
      const trailing = view.getUint32(pos + total - 4, this.littleEndian);
      if (trailing !== total) {
        throw new CaptureFormatError(
          `pcapng block length mismatch in block type 0x${hex32(type)}: leading ${total}, trailing ${trailing}`,
          at + total - 4,
        );
      }
      this.block(buf, view, type, pos, total, out);
      pos += total;
    }
    this.pending = pos === buf.length ? EMPTY : buf.subarray(pos);
    this.pendingOffset += pos;
  }

  /** Call at end of input: leftover bytes mean the last block was cut short. */
  finish(): void {
    const left = this.pending.length;
    if (left === 0) return;
    const at = this.pendingOffset;
    if (left < BLOCK_OVERHEAD) {
      throw new CaptureFormatError(`truncated pcapng block header: ${left} of ${BLOCK_OVERHEAD} bytes present`, at);
    }
    const view = new DataView(this.pending.buffer, this.pending.byteOffset, this.pending.byteLength);
    const type = view.getUint32(0, this.littleEndian);
    const total = view.getUint32(4, this.littleEndian);
    throw new CaptureFormatError(`truncated pcapng block type 0x${hex32(type)}: ${left} of ${total} bytes present`, at);
  }

  private block(buf: Uint8Array, view: DataView, type: number, pos: number, total: number, out: CapturedPacket[]) {
    const body = pos + 8;
    const end = pos + total - 4;
    const at = this.pendingOffset + pos;
    const le = this.littleEndian;
    switch (type) {
      case PcapngBlock.SECTION_HEADER: {
        const major = view.getUint16(body + 4, le);
        if (major !== 1) {
          throw new CaptureFormatError(
            `unsupported pcapng version ${major}.${view.getUint16(body + 6, le)}`,
            this.pendingOffset + body + 4,
          );
        }
        this.inSection = true;
        this.interfaces = [];
        this.forEachOption(view, body + 16, end, at, () => {});
        return;
      }
      case PcapngBlock.INTERFACE_DESCRIPTION: {
        this.needBody(type, end - body, 8, at);
        const iface: Interface = {
          linkType: view.getUint16(body, le),
          snaplen: view.getUint32(body + 4, le),
          tsMul: 1000n,
          tsDiv: 1n,
          tsOffsetNs: 0n,
        };
        this.forEachOption(view, body + 8, end, at, (code, valueAt, length) => {
          if (code === IF_TSRESOL) {
            if (length !== 1) {
              throw new CaptureFormatError(
                `if_tsresol option of length ${length}, expected 1`,
                this.pendingOffset + valueAt,
              );
            }
            setResolution(iface, buf[valueAt]);
          } else if (code === IF_TSOFFSET) {
            if (length !== 8) {
              throw new CaptureFormatError(
                `if_tsoffset option of length ${length}, expected 8`,
                this.pendingOffset + valueAt,
              );
            }
            iface.tsOffsetNs = view.getBigInt64(valueAt, le) * 1_000_000_000n;
          }
        });
        this.interfaces.push(iface);
        return;
      }
      case PcapngBlock.ENHANCED_PACKET:
      case PcapngBlock.PACKET_OBSOLETE: {
        // Same layout but for the interface id: 32 bits in an EPB, 16 (plus drop count) in the old one.
        this.needBody(type, end - body, 20, at);
        const ifaceId = type === PcapngBlock.ENHANCED_PACKET ? view.getUint32(body, le) : view.getUint16(body, le);
        this.packet(
          buf,
          this.iface(ifaceId, at + 8),
          view.getUint32(body + 4, le),
          view.getUint32(body + 8, le),
          body + 20,
          end,
          view.getUint32(body + 12, le),
          view.getUint32(body + 16, le),
          at,
          out,
        );
        return;
      }
      case PcapngBlock.SIMPLE_PACKET: {
        this.needBody(type, end - body, 4, at);
        const iface = this.iface(0, at);
        const originalLength = view.getUint32(body, le);
        // A simple packet block records no captured length: it is the original length cut to
        // the snapshot length, and must fit the block.
        let capturedLength = originalLength;
        if (iface.snaplen !== 0 && capturedLength > iface.snaplen) capturedLength = iface.snaplen;
        this.packet(buf, iface, -1, -1, body + 4, end, capturedLength, originalLength, at, out);
        return;
      }
      default:
        return; // Name resolution, statistics, custom and unknown blocks carry no packets.
    }
  }

  private packet(
    buf: Uint8Array,
    iface: Interface,
    tsHigh: number,
    tsLow: number,
    dataAt: number,
    end: number,
    capturedLength: number,
    originalLength: number,
    at: number,
    out: CapturedPacket[],
  ): void {
    if (capturedLength > MAX_CAPTURED_LENGTH) {
      throw new CaptureFormatError(
        `pcapng packet captured length ${capturedLength} exceeds the ${MAX_CAPTURED_LENGTH}-byte limit`,
        at,
      );
    }
    if (iface.snaplen !== 0 && capturedLength > iface.snaplen) {
      throw new CaptureFormatError(
        `pcapng packet captured length ${capturedLength} exceeds the interface's snapshot length ${iface.snaplen}`,
        at,
      );
    }
    if (capturedLength > end - dataAt) {
      throw new CaptureFormatError(
        `pcapng packet captured length ${capturedLength} overruns its block (${end - dataAt} bytes of data room)`,
        at,
      );
    }
    // Simple packet blocks carry no timestamp (tsHigh < 0).
    const units = tsHigh < 0 ? 0n : (BigInt(tsHigh) << 32n) | BigInt(tsLow);
    const timestampNs = tsHigh < 0 ? 0n : (units * iface.tsMul) / iface.tsDiv + iface.tsOffsetNs;
    out.push({
      data: buf.subarray(dataAt, dataAt + capturedLength),
      timestampNs,
      originalLength,
      linkType: iface.linkType,
      index: this.packetCount++,
    });
  }

  private iface(id: number, at: number): Interface {
    const iface = this.interfaces[id];
    if (!iface) {
      throw new CaptureFormatError(
        `pcapng packet names interface ${id}, but the section describes ${this.interfaces.length}`,
        at,
      );
    }
    return iface;
  }

  private needBody(type: number, have: number, need: number, at: number): void {
    if (have < need) {
      throw new CaptureFormatError(
        `pcapng block type 0x${hex32(type)} too short: body of ${have} bytes, needs ${need}`,
        at,
      );
    }
  }

  /** Walks the options between `start` and `end`, checking that each fits the block. */
  private forEachOption(
    view: DataView,
    start: number,
    end: number,
    blockAt: number,
    visit: (code: number, valueAt: number, length: number) => void,
  ): void {
    let pos = start;
    while (end - pos >= 4) {
      const code = view.getUint16(pos, this.littleEndian);
      const length = view.getUint16(pos + 2, this.littleEndian);
      if (code === OPT_ENDOFOPT) return;
      if (pos + 4 + length > end) {
        throw new CaptureFormatError(
          `pcapng option ${code} of length ${length} overruns its block (which starts at ${blockAt})`,
          this.pendingOffset + pos,
        );
      }
      visit(code, pos + 4, length);
      pos += 4 + ((length + 3) & ~3);
    }
  }
}

/** if_tsresol: high bit clear, units of 10^-n s; set, units of 2^-n s. Default 10^-6. */
function setResolution(iface: Interface, value: number): void {
  const exponent = value & 0x7f;
  if (value & 0x80) {
    iface.tsMul = 1_000_000_000n;
    iface.tsDiv = 1n << BigInt(exponent);
  } else if (exponent <= 9) {
    iface.tsMul = 10n ** BigInt(9 - exponent);
    iface.tsDiv = 1n;
  } else {
    iface.tsMul = 1n;
    iface.tsDiv = 10n ** BigInt(exponent - 9);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

/** Decodes a whole pcapng file held in memory; packet data are views into `bytes`. */
export function decodePcapng(bytes: Uint8Array): CapturedPacket[] {
  const packets: CapturedPacket[] = [];
  const decoder = new PcapngDecoder();
  try {
    decoder.push(bytes, packets);
    decoder.finish();
  } catch (e) {
    if (e instanceof CaptureFormatError) e.packets = packets;
    throw e;
  }
  return packets;
}
