import { OfflineFatal } from './fatal.js';
import { formatDifferences, parseHexPairs } from './hex-input.js';

type OpenFlow = typeof import('@softswitch/openflow');

const OFP10_MATCH_LEN = 40;

/** One line of parse-ofp10-match, decoded. */
export interface Ofp10MatchLine {
  /** The input with don't-cares as 0 (what re-encoding is compared with). */
  input: Uint8Array;
  /** The match as decoded, and after OVS's normalization. */
  match: string;
  normalized: string;
  encoded: Uint8Array;
  normalizedEncoded: Uint8Array;
}

/** The 40 bytes of one line, or the fatal error ovs-ofctl stops at. */
function matchBytes(text: string): Uint8Array | string {
  const { bytes, rest } = parseHexPairs(text);
  if (rest !== '') return 'Trailing garbage in hex data';
  if (bytes.length !== OFP10_MATCH_LEN) return `Input is ${bytes.length} bytes, expected ${OFP10_MATCH_LEN}`;
  return bytes;
}

function encode(of: OpenFlow, match: import('@softswitch/openflow').Match): Uint8Array {
  const w = new of.Writer(OFP10_MATCH_LEN);
  of.putOfp10Match(w, match);
  return w.finish();
}

/**
 * ovs-ofctl parse-ofp10-match's lines: each an ofp_match in hex, `x` for a don't-care digit,
 * decoded, encoded again, normalized and encoded once more. `fatal` is the error that stopped
 * reading (the lines before it still count).
 */
export function decodeOfp10MatchLines(of: OpenFlow, lines: string[]): { lines: Ofp10MatchLine[]; fatal?: string } {
  const out: Ofp10MatchLine[] = [];
  for (const line of lines) {
    const expected = matchBytes(line.replaceAll('x', '0'));
    if (typeof expected === 'string') return { lines: out, fatal: expected };
    // OVS fills don't-cares with random digits to show they are ignored; any digit will do.
    const input = matchBytes(line.replaceAll('x', '5'));
    if (typeof input === 'string') return { lines: out, fatal: input };
    const { match } = of.pullOfp10Match(input, 0, false);
    const text = of.formatMatch(match);
    const encoded = encode(of, match);
    of.normalizeMatch(match);
    out.push({
      input: expected,
      match: text,
      normalized: of.formatMatch(match),
      encoded,
      normalizedEncoded: encode(of, match),
    });
  }
  return { lines: out };
}

/**
 * The text of ovs-ofctl parse-ofp10-match: the match, the bytes that changed on re-encoding,
 * those that changed by normalizing (as `normal:`), a blank line; throws OfflineFatal at a bad line.
 */
export function parseOfp10MatchLines(of: OpenFlow, lines: string[]): string {
  const decoded = decodeOfp10MatchLines(of, lines);
  let out = '';
  for (const l of decoded.lines) {
    out += `${l.match}\n${formatDifferences('', l.input, l.encoded)}`;
    out += `${formatDifferences('normal: ', l.encoded, l.normalizedEncoded)}\n`;
  }
  if (decoded.fatal) throw new OfflineFatal(decoded.fatal, out);
  return out;
}
