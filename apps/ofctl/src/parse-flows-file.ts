import { readFileSync } from 'node:fs';
import type { ProtocolOptions } from './protocol-flags.js';

/** `parse-flows FILE` in text, shared by the oclif command and the fast offline entry. */

type OpenFlow = typeof import('@softswitch/openflow');

/** The flows of a file as ovs-ofctl reads them (comments and blank lines skipped), with line numbers. */
export interface FlowFile {
  flows: string[];
  lineNumbers: number[];
}

/** The allowed protocol bitmask; the library is passed in so it loads lazily. */
export function allowedProtocols(of: OpenFlow, flags: ProtocolOptions): number {
  let allowed = flags.protocols
    ? of.protocolsForVersionBitmap(of.parseVersions(flags.protocols))
    : of.DEFAULT_ALLOWED_PROTOCOLS;
  if (flags['flow-format']) allowed &= of.parseFlowFormats(flags['flow-format']);
  return allowed;
}

/** Reads FILE ("-" for stdin); an error names the file as ovs-ofctl does. */
export function readFlowFile(file: string): FlowFile {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: open failed (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const flows: string[] = [];
  const lineNumbers: number[] = [];
  let line = 0;
  // The next '#' at or after the line start, searched again only once passed (-1: none left),
  // so that a file without comments is scanned once.
  let hash = text.indexOf('#');
  for (let at = 0; at < text.length; ) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl;
    line++;
    if (hash >= 0 && hash < at) hash = text.indexOf('#', at);
    const flow = text.slice(at, hash >= 0 && hash < end ? hash : end).trim();
    if (flow) {
      flows.push(flow);
      lineNumbers.push(line);
    }
    at = end + 1;
  }
  return { flows, lineNumbers };
}

/**
 * Prints to `write` what ovs-ofctl parse-flows prints. Flows are parsed once, by the printer;
 * only when one fails is the file searched for the first bad line (the one ovs-ofctl names), so
 * the common case pays no second parse. Throws an Error carrying the one-line message.
 */
export function printFlowFile(
  of: OpenFlow,
  file: string,
  flowFile: FlowFile,
  allowed: number,
  write: (s: string | Uint8Array) => void,
): void {
  let chunks: Uint8Array[];
  try {
    chunks = of.parseFlowsChunks(flowFile.flows, allowed);
  } catch (e) {
    if (e instanceof of.ParseFlowsError) {
      write(`${e.partialOutput}\n`);
      throw new Error(e.message);
    }
    throw badLine(of, file, flowFile, e);
  }
  for (const chunk of chunks) write(chunk);
}

/** The error for the first flow of the file that does not parse alone, else `e`'s message. */
export function badLine(of: OpenFlow, file: string, { flows, lineNumbers }: FlowFile, e: unknown): Error {
  for (let k = 0; k < flows.length; k++) {
    try {
      of.parseFlow(flows[k]);
    } catch (err) {
      return new Error(`${file}:${lineNumbers[k]}: ${(err as Error).message}`);
    }
  }
  return new Error((e as Error).message);
}

/** `parse-flow FLOW` in text: what ovs-ofctl prints, or an Error with its one-line message. */
export function printFlow(of: OpenFlow, flow: string, allowed: number, write: (s: string) => void): void {
  try {
    write(of.parseFlowsOutput([flow], allowed));
  } catch (e) {
    if (e instanceof of.ParseFlowsError) write(`${e.partialOutput}\n`);
    throw new Error((e as Error).message);
  }
}
