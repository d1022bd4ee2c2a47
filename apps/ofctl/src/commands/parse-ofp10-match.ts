import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { writeUntilFatal } from '../offline/fatal.js';
import { preprocessedLines, readStdin } from '../offline/hex-input.js';
import { decodeOfp10MatchLines, parseOfp10MatchLines } from '../offline/ofp10-match.js';

export default class ParseOfp10Match extends BaseCommand {
  static override strict = false;
  static override maxArgs = 0;
  static override description = 'decode OpenFlow 1.0 matches given in hex on stdin, one a line, and re-encode them';

  async run(): Promise<void> {
    const { flags } = await this.parse(ParseOfp10Match);
    const of = await import('@softswitch/openflow');
    const lines = preprocessedLines(readStdin());
    if (flags.format === 'json') {
      const { toJson } = await import('../json.js');
      const decoded = decodeOfp10MatchLines(of, lines);
      process.stdout.write(`${toJson(decoded.lines)}\n`);
      if (decoded.fatal) throw new UserError(decoded.fatal);
      return;
    }
    writeUntilFatal(() => parseOfp10MatchLines(of, lines));
  }
}
