import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { runParseNxMatch } from '../offline/nx-match-command.js';
import { versionFromName } from '../offline/parse-actions.js';

export default class ParseOxm extends BaseCommand {
  static override description =
    'decode OXM matches written as NAME(HEX) entries on stdin, one a line, and print them again';
  static override args = {
    version: Args.string({ required: true, description: 'OpenFlow version, OpenFlow12 or later' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ParseOxm);
    const version = versionFromName(await import('@softswitch/openflow'), args.version);
    if (version < 3) throw new UserError(`${args.version}: not a valid version for OXM`);
    await runParseNxMatch(version, flags.format === 'json');
  }
}
