/**
 * Replies of `dpctl/...` as structured data for `--format json`. The text is Open vSwitch's
 * (or ours, which matches it); anything not recognised is kept whole rather than guessed at.
 */

export interface DpFlowRecord {
  ufid?: string;
  match: string;
  packets: number;
  bytes: number;
  used: string;
  flags?: string;
  /** `dp:ovs` and the like (with -m). */
  dp?: string;
  actions: string;
  /** `dp-extra-info:...` (with -m). */
  extra?: string;
}

/** Where `, NAME:` starts, searching from `from`, outside parentheses. */
function fieldAt(line: string, name: string, from: number): number {
  let depth = 0;
  const needle = `, ${name}:`;
  for (let i = from; i < line.length; i++) {
    const c = line[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && c === ',' && line.startsWith(needle, i)) return i;
  }
  return -1;
}

/** One dump-flows line, or undefined when it is not a flow line (headers, blank). */
export function parseFlowLine(line: string): DpFlowRecord | undefined {
  let rest = line.trim();
  let ufid: string | undefined;
  if (rest.startsWith('ufid:')) {
    const comma = rest.indexOf(', ');
    if (comma < 0) return undefined;
    ufid = rest.slice(5, comma);
    rest = rest.slice(comma + 2);
  }
  const p = fieldAt(rest, 'packets', 0);
  const a = fieldAt(rest, 'actions', Math.max(p, 0));
  if (p < 0 || a < 0) return undefined;
  const record: DpFlowRecord = { match: rest.slice(0, p), packets: 0, bytes: 0, used: '', actions: '' };
  if (ufid !== undefined) record.ufid = ufid;
  for (const part of rest.slice(p + 2, a).split(', ')) {
    const colon = part.indexOf(':');
    const key = part.slice(0, colon);
    const value = part.slice(colon + 1);
    if (key === 'packets') record.packets = Number(value);
    else if (key === 'bytes') record.bytes = Number(value);
    else if (key === 'used') record.used = value;
    else if (key === 'flags') record.flags = value;
    else if (key === 'dp') record.dp = value;
  }
  let actions = rest.slice(a + ', actions:'.length);
  const extra = fieldAt(actions, 'dp-extra-info', 0);
  if (extra >= 0) {
    record.extra = actions.slice(extra + ', dp-extra-info:'.length);
    actions = actions.slice(0, extra);
  }
  record.actions = actions;
  return record;
}

/** Every flow line of a dump-flows reply (header lines such as `flow-dump from ...` skipped). */
export function parseDumpFlows(reply: string): DpFlowRecord[] {
  const flows: DpFlowRecord[] = [];
  for (const line of reply.split('\n')) {
    const f = parseFlowLine(line);
    if (f) flows.push(f);
  }
  return flows;
}

export interface DpPortRecord {
  port: number;
  name: string;
  /** What the parentheses say: the type, then any `: options`. */
  type: string;
  /** `-s` statistics lines, as printed. */
  statistics?: string[];
}

export interface DatapathRecord {
  name: string;
  lookups?: { hit: number; missed: number; lost: number };
  flows?: number;
  masks?: string;
  ports: DpPortRecord[];
}

const SHOW_DP = /^(\S.*):$/;
const SHOW_LOOKUPS = /^ {2}lookups: hit:(\d+) missed:(\d+) lost:(\d+)$/;
const SHOW_FLOWS = /^ {2}flows: (\d+)$/;
const SHOW_MASKS = /^ {2}masks: (.*)$/;
const SHOW_PORT = /^ {2}port (\d+): (\S+) \((.*)\)$/;
const SHOW_PORT_STATS = /^ {4}\S/;

/** One `dpctl/show` line applied to the datapaths so far; false if the line is not understood. */
function showLine(dps: DatapathRecord[], line: string): boolean {
  const header = SHOW_DP.exec(line);
  if (header) {
    dps.push({ name: header[1], ports: [] });
    return true;
  }
  const dp = dps.at(-1);
  if (!dp) return false;
  const lookups = SHOW_LOOKUPS.exec(line);
  if (lookups) {
    dp.lookups = { hit: Number(lookups[1]), missed: Number(lookups[2]), lost: Number(lookups[3]) };
    return true;
  }
  const flows = SHOW_FLOWS.exec(line);
  if (flows) {
    dp.flows = Number(flows[1]);
    return true;
  }
  const masks = SHOW_MASKS.exec(line);
  if (masks) {
    dp.masks = masks[1];
    return true;
  }
  const port = SHOW_PORT.exec(line);
  if (port) {
    dp.ports.push({ port: Number(port[1]), name: port[2], type: port[3] });
    return true;
  }
  const last = dp.ports.at(-1);
  if (!last || !SHOW_PORT_STATS.test(line)) return false;
  last.statistics ??= [];
  last.statistics.push(line.trim());
  return true;
}

/** `dpctl/show` as `[{ name, lookups, flows, ports }]`, or `{ text }` if a line is not understood. */
export function parseShow(reply: string): DatapathRecord[] | { text: string } {
  const dps: DatapathRecord[] = [];
  for (const line of reply.split('\n')) {
    if (line !== '' && !showLine(dps, line)) return { text: reply };
  }
  return dps;
}

/** `dpif/show-drops`: `{ datapath: { COUNTER: N } }` per `NAME: datapath drops:` section. */
export function parseShowDrops(reply: string): Record<string, Record<string, number>> | { text: string } {
  const out: Record<string, Record<string, number>> = {};
  let current: Record<string, number> | undefined;
  for (const line of reply.split('\n')) {
    if (line === '') continue;
    const header = /^(\S.*): datapath drops:$/.exec(line);
    const counter = /^\s+(\S+): (\d+)$/.exec(line);
    if (header) {
      current = {};
      out[header[1]] = current;
    } else if (current && counter) current[counter[1]] = Number(counter[2]);
    else return { text: reply };
  }
  return out;
}

/** Lines of a reply, for JSON output of list-like replies (dump-dps). */
export function replyLines(reply: string): string[] {
  return reply.split('\n').filter((l) => l !== '');
}
