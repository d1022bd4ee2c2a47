import { OfflineFatal } from './fatal.js';
import { formatDifferences, parseHexPairs } from './hex-input.js';

type OpenFlow = typeof import('@softswitch/openflow');

/** OVS's ofputil_version_from_string: OpenFlow10..OpenFlow15, any case; 0 when not one. */
export function versionFromName(of: OpenFlow, name: string): number {
  const key = Object.keys(of.VERSION_NAMES).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? of.VERSION_NAMES[key] : 0;
}

/** Names of errors OpenFlow 1.3 does not number (decoders use the OpenFlow 1.4+ codes). */
const LATER_ERROR_NAMES: Record<string, string> = { '3,9': 'OFPBIC_DUP_INST' };

/** The OFPERR name of a failed decode or consistency check. */
function errorNameOf(of: OpenFlow, e: unknown): string {
  if (e instanceof of.OpenFlowDecodeError)
    return LATER_ERROR_NAMES[`${e.type},${e.code}`] ?? of.errorName(e.type, e.code);
  const named = /\((OFP[A-Z0-9_]+)\)$/.exec((e as Error).message);
  if (named) return named[1];
  throw e;
}

const NEUTRAL_CONTEXT = { flowHasVlan: false, nwProto: 0, dlType: 0 };

/** One input line of parse-actions / parse-instructions, decoded. */
export interface ActionLine {
  input: Uint8Array;
  /** The OFPERR name when decoding or checking failed. */
  error?: string;
  actions?: import('@softswitch/openflow').Action[];
  /** The actions encoded again, to compare with the input. */
  encoded?: Uint8Array;
}

/**
 * The lines of ovs-ofctl's parse-actions / parse-instructions, each `[TABLE,]HEX`: the bytes
 * decoded (instructions also checked against a catch-all match in TABLE) and encoded again.
 * `fatal` is the error that stopped reading (the lines before it still count).
 */
export function decodeActionLines(
  of: OpenFlow,
  lines: string[],
  version: number,
  instructions: boolean,
): { lines: ActionLine[]; fatal?: string } {
  const out: ActionLine[] = [];
  for (const line of lines) {
    const comma = line.indexOf(',');
    const tableText = comma >= 0 ? line.slice(0, comma) : undefined;
    const { bytes, rest } = parseHexPairs(comma >= 0 ? line.slice(comma + 1) : line);
    if (rest !== '') return { lines: out, fatal: 'Trailing garbage in hex data' };
    let actions: import('@softswitch/openflow').Action[];
    try {
      actions = decode(of, bytes, version, instructions);
      if (instructions) check(of, actions, version, tableText);
    } catch (e) {
      out.push({ input: bytes, error: errorNameOf(of, e) });
      continue;
    }
    const w = new of.Writer();
    if (instructions && version > 1) of.encodeInstructions(w, actions, version, NEUTRAL_CONTEXT);
    else if (version === 1) of.encodeActions10(w, actions, NEUTRAL_CONTEXT);
    else for (const a of actions) of.encodeAction(w, a, version, { ...NEUTRAL_CONTEXT });
    out.push({ input: bytes, actions, encoded: w.finish() });
  }
  return { lines: out };
}

/**
 * ovs-ofctl's text for decoded lines: `actions=...` and the bytes that changed on re-encoding
 * (or `bad VERSION actions: ERROR`), then a blank line.
 */
function formatActionLines(of: OpenFlow, lines: ActionLine[], versionName: string, instructions: boolean): string {
  const kind = instructions ? 'instructions' : 'actions';
  let out = '';
  for (const l of lines) {
    if (l.error) out += `bad ${versionName} ${kind}: ${l.error}\n\n`;
    else
      out += `actions=${of.formatActions(l.actions ?? [])}\n${formatDifferences('', l.input, l.encoded ?? l.input)}\n`;
  }
  return out;
}

/** The whole text of parse-actions / parse-instructions; throws OfflineFatal at garbage. */
export function parseActionLines(
  of: OpenFlow,
  lines: string[],
  version: number,
  versionName: string,
  instructions: boolean,
): string {
  const decoded = decodeActionLines(of, lines, version, instructions);
  const text = formatActionLines(of, decoded.lines, versionName, instructions);
  if (decoded.fatal) throw new OfflineFatal(decoded.fatal, text);
  return text;
}

function decode(of: OpenFlow, bytes: Uint8Array, version: number, instructions0: boolean) {
  // OpenFlow 1.0 has no instructions: OVS reads them as an action list.
  const instructions = instructions0 && version > 1;
  // OVS refuses a list whose length is not a multiple of 8 before looking inside it, and an
  // empty one too (pulling zero bytes from its empty buffer yields a null pointer).
  if (bytes.length % 8 || !bytes.length) {
    throw instructions
      ? of.decodeError(of.OFPET.BAD_INSTRUCTION, of.OFPBIC.BAD_LEN, 0, 'bad instructions length')
      : of.decodeError(of.OFPET.BAD_REQUEST, of.OFPBRC.BAD_LEN, 0, 'bad actions length');
  }
  if (instructions) return of.decodeInstructions(bytes, 0, bytes.length, version);
  const actions = of.decodeActions(bytes, 0, bytes.length, version);
  verifyOrder(of, actions, version, instructions0);
  return actions;
}

/** OVS's instruction types in the order a flat action list must keep them (ovs_instruction_type). */
const INSTRUCTION_RANK: Record<string, number> = {
  meter: 0,
  clear_actions: 2,
  write_actions: 3,
  write_metadata: 4,
  goto_table: 5,
};
const APPLY_ACTIONS = 1;

/**
 * ofpacts_verify for an OpenFlow 1.0 list, which carries instructions as Nicira actions: they must
 * come in instruction order after the plain actions, and only where instructions are allowed.
 */
function verifyOrder(
  of: OpenFlow,
  actions: import('@softswitch/openflow').Action[],
  version: number,
  allowInstructions: boolean,
): void {
  if (actions.some((a) => a.type === 'conjunction')) return;
  let rank = 0;
  for (const [i, a] of actions.entries()) {
    const next = a.type === 'meter' && version >= 6 ? APPLY_ACTIONS : (INSTRUCTION_RANK[a.type] ?? APPLY_ACTIONS);
    if (i > 0 && (next < rank || (next === rank && next !== APPLY_ACTIONS))) {
      throw of.decodeError(of.OFPET.BAD_ACTION, 11, 0, 'invalid instruction ordering');
    }
    if (next !== APPLY_ACTIONS && !allowInstructions) {
      throw of.decodeError(of.OFPET.BAD_INSTRUCTION, of.OFPBIC.UNSUP_INST, 0, 'instruction not allowed here');
    }
    rank = next;
  }
}

/** ofpacts_check_consistency with a catch-all match: anything narrowing the protocols fails. */
function check(
  of: OpenFlow,
  actions: import('@softswitch/openflow').Action[],
  version: number,
  tableText?: string,
): void {
  const protocols = of.protocolsForVersion(version);
  const ctx = { usable: protocols };
  // Table 255 stands for "any table": then no goto_table goes backwards.
  const table = tableText === undefined ? 0 : atoi(tableText) & 0xff;
  of.checkActions(actions, new of.Match(), ctx, table === 255 ? -1 : table);
  if (ctx.usable !== protocols) throw new Error('inconsistent (OFPBAC_MATCH_INCONSISTENT)');
}

/** C's atoi: leading blanks, optional sign, digits; 0 when none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1], 10) : 0;
}
