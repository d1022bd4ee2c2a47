import { UserError } from '@softswitch/cli-kit';
import { writeUntilFatal } from './fatal.js';
import { readStdin, testLines } from './hex-input.js';
import { decodeNxMatchLines, parseNxMatchLines } from './nx-match.js';

/** parse-nx-match (`version` 0) and parse-oxm: stdin's lines as text, or `--format json`. */
export async function runParseNxMatch(version: number, json: boolean): Promise<void> {
  const of = await import('@softswitch/openflow');
  const lines = testLines(readStdin());
  if (!json) {
    writeUntilFatal(() => parseNxMatchLines(of, lines, version));
    return;
  }
  const { toJson } = await import('../json.js');
  const decoded = decodeNxMatchLines(of, lines, version);
  process.stdout.write(`${toJson(decoded.lines)}\n`);
  if (decoded.fatal) throw new UserError(decoded.fatal);
}
