import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';

export default class PrintError extends BaseCommand {
  static override description = 'print the vendor, type and code of an OpenFlow error in each version';
  static override args = { error: Args.string({ required: true, description: 'error name, e.g. OFPBRC_BAD_TYPE' }) };

  async run(): Promise<void> {
    const { args } = await this.parse(PrintError);
    const of = await import('@softswitch/openflow');
    const { printErrorOutput } = await import('../offline/error-commands.js');
    const { writeUntilFatal } = await import('../offline/fatal.js');
    writeUntilFatal(() => printErrorOutput(of, args.error));
  }
}
