import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { writeUntilFatal } from '../offline/fatal.js';
import { preprocessedLines, readStdin } from '../offline/hex-input.js';
import { decodeOfp11MatchLines, parseOfp11MatchLines } from '../offline/ofp11-match.js';

export default class ParseOfp11Match extends BaseCommand {
  static override strict = false;
  static override maxArgs = 0;
  static override description =
    'decode OpenFlow 1.1 matches (ofp11_match) given in hex on stdin, one a line, and re-encode them';

  async run(): Promise<void> {
    const { flags } = await this.parse(ParseOfp11Match);
    const of = await import('@softswitch/openflow');
    const lines = preprocessedLines(readStdin());
    if (flags.format === 'json') {
      const { toJson } = await import('../json.js');
      const decoded = decodeOfp11MatchLines(of, lines);
      process.stdout.write(`${toJson(decoded.lines)}\n`);
      if (decoded.fatal) throw new UserError(decoded.fatal);
      return;
    }
    writeUntilFatal(() => parseOfp11MatchLines(of, lines));
  }
}
