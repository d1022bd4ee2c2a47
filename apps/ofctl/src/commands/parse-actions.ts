import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { writeUntilFatal } from '../offline/fatal.js';
import { preprocessedLines, readStdin } from '../offline/hex-input.js';
import { decodeActionLines, parseActionLines, versionFromName } from '../offline/parse-actions.js';

export default class ParseActions extends BaseCommand {
  static override description = 'decode OpenFlow actions given in hex on stdin, one list a line, and re-encode them';
  static override args = {
    version: Args.string({ required: true, description: 'OpenFlow version, e.g. OpenFlow13' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ParseActions);
    await runParseActions(args.version, false, flags.format === 'json');
  }
}

/** parse-actions and parse-instructions: print what decoded, then fail on the first garbage line. */
export async function runParseActions(versionName: string, instructions: boolean, json: boolean): Promise<void> {
  const of = await import('@softswitch/openflow');
  const version = versionFromName(of, versionName);
  if (!version) throw new UserError(`${versionName}: not a valid OpenFlow version`);
  const lines = preprocessedLines(readStdin());
  if (json) {
    const { toJson } = await import('../json.js');
    const decoded = decodeActionLines(of, lines, version, instructions);
    process.stdout.write(`${toJson(decoded.lines)}\n`);
    if (decoded.fatal) throw new UserError(decoded.fatal);
    return;
  }
  writeUntilFatal(() => parseActionLines(of, lines, version, versionName, instructions));
}
