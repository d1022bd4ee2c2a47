import { readFileSync } from 'node:fs';
import type { OvsPcapRead, OvsReadError } from '@softswitch/pcap';
import { bareHexDump } from './hex-input.js';

type PacketLib = typeof import('@softswitch/packet');
type PcapLib = typeof import('@softswitch/pcap');

/** OFPP_ANY: the in_port ovs-ofctl parse-pcap gives every packet. */
const OFPP_ANY = 0xffff;

/** Where parse-pcap's output goes, in order: flow lines, OVS's log warnings, its error lines. */
export interface ParsePcapSink {
  stdout(text: string): void;
  /** A log warning's text (what follows `pcap|WARN|`). */
  warn(text: string): void;
  /** An error line without the program name. */
  error(text: string): void;
}

/** Flow lines are handed on in chunks of about this many characters. */
const CHUNK = 1 << 16;

const ERRNO: Record<string, OvsReadError> = {
  ENOENT: { errno: 2, text: 'No such file or directory' },
  EACCES: { errno: 13, text: 'Permission denied' },
  EISDIR: { errno: 21, text: 'Is a directory' },
};

/** Reads one file as ovs_pcap_open does, or says why it could not be opened. */
function readFile(pcap: PcapLib, name: string): OvsPcapRead | OvsReadError {
  let bytes: Buffer;
  try {
    bytes = readFileSync(name);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const error = ERRNO[code] ?? { errno: 5, text: 'Input/output error' };
    // A directory opens in C; reading its header is what fails.
    if (code === 'EISDIR') return pcap.readPcapAsOvs(new Uint8Array(0), error);
    return error;
  }
  return pcap.readPcapAsOvs(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * ovs-ofctl parse-pcap FILE...: each packet's flow (flow_extract with in_port ANY, then
 * flow_format) on a line; a file that fails is reported and the next one read. Returns the exit
 * status: the last error's errno (EOF as 255), or 0.
 */
export function parsePcapFiles(packet: PacketLib, pcap: PcapLib, files: string[], out: ParsePcapSink): number {
  let status = 0;
  const key = packet.createFlowKey();
  const offsets = new packet.HeaderOffsets();
  // ovs-ofctl's flow_extract keeps as many VLAN headers as a flow holds (2).
  const limit = packet.getVlanLimit();
  packet.setVlanLimit(2);
  try {
    for (const name of files) {
      const read = readFile(pcap, name);
      if (!('packets' in read)) {
        out.warn(`${name}: failed to open pcap file for reading (${read.text})`);
        out.error(`${name}: open failed (${read.text})`);
        status = read.errno & 0xff;
        continue;
      }
      let text = '';
      for (const frame of read.packets) {
        packet.extractFlow(frame, OFPP_ANY, key, offsets);
        text += `${packet.formatFlow(key)}\n`;
        if (text.length >= CHUNK) {
          out.stdout(text);
          text = '';
        }
      }
      if (read.dumped) text += bareHexDump(read.dumped);
      out.stdout(text);
      for (const warning of read.warnings) out.warn(warning);
      if (read.failure) {
        const { stage, error } = read.failure;
        out.error(`${name}: ${stage} failed (${error.text})`);
        status = error.errno & 0xff;
      }
    }
  } finally {
    packet.setVlanLimit(limit);
  }
  return status;
}
