import { OfflineFatal } from './fatal.js';
import { formatDifferences, parseHexPairs } from './hex-input.js';

type OpenFlow = typeof import('@softswitch/openflow');

/** One line of parse-ofp11-match, decoded (or the OpenFlow error it decodes to). */
export interface Ofp11MatchLine {
  input: Uint8Array;
  match?: string;
  encoded?: Uint8Array;
  error?: string;
}

/**
 * ovs-ofctl parse-ofp11-match's lines: each an 88-byte ofp11_match in hex, decoded and encoded
 * again. `fatal` is the error that stopped reading (the lines before it still count).
 */
export function decodeOfp11MatchLines(of: OpenFlow, lines: string[]): { lines: Ofp11MatchLine[]; fatal?: string } {
  const out: Ofp11MatchLine[] = [];
  for (const line of lines) {
    const { bytes, rest } = parseHexPairs(line);
    if (rest !== '') return { lines: out, fatal: 'Trailing garbage in hex data' };
    if (bytes.length !== of.OFPMT11_STANDARD_LENGTH)
      return { lines: out, fatal: `Input is ${bytes.length} bytes, expected ${of.OFPMT11_STANDARD_LENGTH}` };
    let match: import('@softswitch/openflow').Match;
    try {
      match = of.pullOfp11Match(bytes, 0);
    } catch (e) {
      if (!(e instanceof of.OpenFlowDecodeError)) throw e;
      out.push({ input: bytes, error: of.ERROR_NAMES_11[`${e.type},${e.code}`] ?? `${e.type},${e.code}` });
      continue;
    }
    const w = new of.Writer(of.OFPMT11_STANDARD_LENGTH);
    of.putOfp11Match(w, match);
    out.push({ input: bytes, match: of.formatMatch(match), encoded: w.finish() });
  }
  return { lines: out };
}

/**
 * The text of ovs-ofctl parse-ofp11-match: the match and the bytes that changed on re-encoding,
 * or `bad ofp11_match: ERROR`, then a blank line; throws OfflineFatal at a line that is not 88 bytes.
 */
export function parseOfp11MatchLines(of: OpenFlow, lines: string[]): string {
  const decoded = decodeOfp11MatchLines(of, lines);
  let out = '';
  for (const l of decoded.lines) {
    if (l.error) out += `bad ofp11_match: ${l.error}\n\n`;
    else out += `${l.match}\n${formatDifferences('', l.input, l.encoded as Uint8Array)}\n`;
  }
  if (decoded.fatal) throw new OfflineFatal(decoded.fatal, out);
  return out;
}
