// Classic pcap read the way Open vSwitch's own reader (lib/pcap-file.c) reads it, for the tools
// that must print what ovs-ofctl prints: its looser rules (a record's length decides its byte
// order, a cut-short last record is a quiet end) and its warnings and errors.
import { LinkType } from './captured-packet.js';
import { hex32, PCAP_FILE_HEADER_LENGTH, PCAP_RECORD_HEADER_LENGTH, PcapMagic } from './classic-format.js';

/** An error as OVS reports it: the errno (EOF is -1) and its strerror text. */
export interface OvsReadError {
  errno: number;
  text: string;
}

const EPROTO: OvsReadError = { errno: 71, text: 'Protocol error' };
const EOF: OvsReadError = { errno: -1, text: 'End of file' };

const SLL_HEADER = 16;
const MAX_RECORD = 0xffff;

export interface OvsPcapRead {
  /** The Ethernet frames read, in order (Linux SLL records already turned into Ethernet). */
  packets: Uint8Array[];
  /** OVS's log warnings (the text after `pcap|WARN|`), in order. */
  warnings: string[];
  /** Set when reading stopped on an error: while opening (the file header) or reading a record. */
  failure?: { stage: 'open' | 'read'; error: OvsReadError };
  /** Bytes OVS hex-dumps to stdout just before the failure (a bad Linux SLL header). */
  dumped?: Uint8Array;
}

const swap32 = (v: number) => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;

/**
 * Reads a whole file's bytes as ovs_pcap_open + ovs_pcap_read do. `bytes` undefined means the
 * file could not be read at all (`readError`, e.g. EISDIR for a directory, which OVS opens but
 * cannot read).
 */
export function readPcapAsOvs(bytes: Uint8Array, readError?: OvsReadError): OvsPcapRead {
  const out: OvsPcapRead = { packets: [], warnings: [] };
  const fail = (stage: 'open' | 'read', error: OvsReadError, warning?: string): OvsPcapRead => {
    if (warning) out.warnings.push(warning);
    out.failure = { stage, error };
    return out;
  };
  if (readError) return fail('open', readError, `failed to read pcap header: ${readError.text}`);
  if (bytes.length < PCAP_FILE_HEADER_LENGTH) return fail('open', EOF, 'failed to read pcap header: End of file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // OVS reads the magic in the host's (little-endian) order.
  const magic = view.getUint32(0, true);
  let swapped: boolean;
  if (magic === PcapMagic.MICROSECOND || magic === PcapMagic.NANOSECOND) swapped = false;
  else if (swap32(magic) === PcapMagic.MICROSECOND || swap32(magic) === PcapMagic.NANOSECOND) swapped = true;
  else {
    return fail(
      'open',
      EPROTO,
      `bad magic 0x${hex32(magic)} reading pcap file (expected 0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, or 0x4d3cb2a1)`,
    );
  }
  const network = view.getUint32(20, !swapped);
  if (network !== LinkType.ETHERNET && network !== LinkType.LINUX_SLL) {
    return fail('open', EPROTO, `unknown network type ${network} reading pcap file`);
  }
  let off = PCAP_FILE_HEADER_LENGTH;
  for (;;) {
    // A record header cut short ends the file without a word.
    if (off + PCAP_RECORD_HEADER_LENGTH > bytes.length) return out;
    let len = view.getUint32(off + 8, true);
    // OVS ignores the file's byte order here: a length too big must be the other order.
    if (len > MAX_RECORD) {
      const other = swap32(len);
      if (other > MAX_RECORD) return fail('read', EPROTO, `bad packet length ${other} or ${len} reading pcap file`);
      len = other;
    }
    off += PCAP_RECORD_HEADER_LENGTH;
    // An empty record reads as a short read too (fread of zero items).
    if (len === 0 || off + len > bytes.length) {
      out.warnings.push('failed to read pcap packet: End of file');
      return out;
    }
    const data = bytes.subarray(off, off + len);
    off += len;
    if (network === LinkType.ETHERNET) {
      out.packets.push(data);
      continue;
    }
    if (len < SLL_HEADER) return fail('read', EPROTO, 'pcap packet too short for SLL header');
    if (data[4] !== 0 || data[5] !== 6) {
      out.dumped = data.subarray(0, SLL_HEADER);
      return fail('read', EPROTO, 'bad SLL header');
    }
    // The SLL header has no destination address: OVS leaves it zero.
    const frame = new Uint8Array(len - SLL_HEADER + 14);
    frame.set(data.subarray(6, 12), 6);
    frame.set(data.subarray(14, 16), 12);
    frame.set(data.subarray(SLL_HEADER), 14);
    out.packets.push(frame);
  }
}
