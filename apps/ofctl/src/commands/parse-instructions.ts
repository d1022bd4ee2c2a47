import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { runParseActions } from './parse-actions.js';

export default class ParseInstructions extends BaseCommand {
  static override description =
    'decode OpenFlow instructions given in hex on stdin, one list a line, and re-encode them';
  static override args = {
    version: Args.string({ required: true, description: 'OpenFlow version, e.g. OpenFlow13' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ParseInstructions);
    await runParseActions(args.version, true, flags.format === 'json');
  }
}
