import { BaseCommand } from '@softswitch/cli-kit';
import { runParseNxMatch } from '../offline/nx-match-command.js';

export default class ParseNxMatch extends BaseCommand {
  static override strict = false;
  static override maxArgs = 0;
  static override description =
    'decode NXM matches written as NAME(HEX) entries on stdin, one a line, and print them again';
  static override aliases = ['parse-nxm'];

  async run(): Promise<void> {
    const { flags } = await this.parse(ParseNxMatch);
    await runParseNxMatch(0, flags.format === 'json');
  }
}
