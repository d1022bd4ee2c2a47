import { encodeFlowMod, type FlowMod } from './flow-mod.js';
import { parseFlow } from './flow-parse.js';
import { ofpPrint } from './print.js';
import { chooseProtocol, P_ANY, P_OF10_NXM_ANY, P_OF10_STD_ANY, protocolName, protocolsToString } from './protocols.js';

/** ovs-ofctl allows only OpenFlow 1.0 (standard and NXM) unless told otherwise with -O. */
export const DEFAULT_ALLOWED_PROTOCOLS = P_OF10_STD_ANY | P_OF10_NXM_ANY;

/** What `ovs-ofctl parse-flow(s)` prints for a list of flows under `allowed` protocols. */
export function parseFlowsOutput(flows: string[], allowed: number = DEFAULT_ALLOWED_PROTOCOLS): string {
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
  for (const fm of fms) lines.push(ofpPrint(encodeFlowMod(fm, chosen, xid++)));
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
