import { encodeFlowModScratch, type FlowMod, newFlowMod } from './flow-mod.js';
import { parseFlow, parseFlowInto } from './flow-parse.js';
import { ofpPrintFlowModScratch } from './print.js';
import { chooseProtocol, P_ANY, P_OF10_NXM_ANY, P_OF10_STD_ANY, protocolName, protocolsToString } from './protocols.js';

/** ovs-ofctl allows only OpenFlow 1.0 (standard and NXM) unless told otherwise with -O. */
export const DEFAULT_ALLOWED_PROTOCOLS = P_OF10_STD_ANY | P_OF10_NXM_ANY;

/** What `ovs-ofctl parse-flow(s)` prints for a list of flows under `allowed` protocols. */
export function parseFlowsOutput(flows: string[], allowed: number = DEFAULT_ALLOWED_PROTOCOLS): string {
  const decoder = new TextDecoder();
  let s = '';
  for (const chunk of parseFlowsChunks(flows, allowed)) s += decoder.decode(chunk);
  return s;
}

/** parseFlowsOutput as UTF-8 pieces, for writing out one by one (a file's output can be large). */
export function parseFlowsChunks(flows: string[], allowed: number = DEFAULT_ALLOWED_PROTOCOLS): Uint8Array[] {
  return streamedOutput(flows, allowed) ?? [new TextEncoder().encode(retainedOutput(flows, allowed))];
}

/**
 * The common case without keeping 100k flow_mods alive (their garbage dominated the run time):
 * print each flow as soon as it is parsed, under the protocol that the flows so far allow. When a
 * later flow narrows the choice to another protocol, give up (undefined) so that the caller
 * redoes the file the plain way; at worst that doubles the work for the prefix read so far.
 */
function streamedOutput(flows: string[], allowed: number): Uint8Array[] | undefined {
  let usable = P_ANY;
  let chosen = chooseProtocol(usable & allowed);
  if (!chosen) return undefined;
  const out = new ByteSink();
  // Each flow is printed before the next is parsed: one flow_mod serves them all.
  const scratch = newFlowMod();
  let xid = 1;
  for (const text of flows) {
    const parsed = parseFlowInto(scratch, text);
    usable &= parsed.usable;
    if (chooseProtocol(usable & allowed) !== chosen) {
      // The first flow may still pick the protocol: nothing printed yet means nothing to redo.
      if (xid > 1) return undefined;
      chosen = chooseProtocol(usable & allowed);
      if (!chosen) return undefined;
    }
    out.line(ofpPrintFlowModScratch(encodeFlowModScratch(parsed.fm, chosen, xid), xid));
    xid++;
  }
  const chunks = out.chunksOut();
  const head = `usable protocols: ${protocolsToString(usable)}\nchosen protocol: ${protocolName(chosen)}\n`;
  chunks.unshift(new TextEncoder().encode(head));
  return chunks;
}

/**
 * Printed lines as UTF-8 in large preallocated blocks, each line encoded as soon as it is made:
 * a line is a rope of many small strings, and one kept until a later batch join survived young-
 * generation GCs (copied, promoted, collected again) and was then flattened twice (join, encode).
 */
class ByteSink {
  private static readonly BLOCK = 1 << 20;
  private readonly encoder = new TextEncoder();
  private readonly chunks: Uint8Array[] = [];
  private block = new Uint8Array(ByteSink.BLOCK);
  private used = 0;

  line(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; a line longer than a block gets its own.
    if (this.used + 3 * s.length + 1 > this.block.length) this.nextBlock(3 * s.length + 1);
    this.used += this.encoder.encodeInto(s, this.block.subarray(this.used)).written;
    this.block[this.used++] = 10;
  }

  private nextBlock(atLeast: number): void {
    if (this.used) this.chunks.push(this.block.subarray(0, this.used));
    this.block = new Uint8Array(Math.max(ByteSink.BLOCK, atLeast));
    this.used = 0;
  }

  chunksOut(): Uint8Array[] {
    if (this.used) this.chunks.push(this.block.subarray(0, this.used));
    this.used = 0;
    this.block = new Uint8Array(0);
    return this.chunks;
  }
}

function retainedOutput(flows: string[], allowed: number): string {
  const fms: FlowMod[] = [];
  let usable = P_ANY;
  for (const text of flows) {
    const parsed = parseFlow(text);
    fms.push(parsed.fm);
    usable &= parsed.usable;
  }
  const lines = [`usable protocols: ${protocolsToString(usable)}`];
  const chosen = chooseProtocol(usable & allowed);
  if (!chosen) throw new ParseFlowsError('no usable protocol', lines.join('\n'));
  lines.push(`chosen protocol: ${protocolName(chosen)}`);
  let xid = 1;
  for (const fm of fms) {
    lines.push(ofpPrintFlowModScratch(encodeFlowModScratch(fm, chosen, xid), xid));
    xid++;
  }
  return `${lines.join('\n')}\n`;
}

/** A failure after some output was already produced (ovs-ofctl prints, then dies). */
export class ParseFlowsError extends Error {
  constructor(
    message: string,
    readonly partialOutput: string,
  ) {
    super(message);
  }
}

/** Lines of a flow file: comments (#) and blank lines skipped, as ovs-ofctl reads them. */
export function flowFileLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (line) out.push(line);
  }
  return out;
}
