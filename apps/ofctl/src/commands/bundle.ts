import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class Bundle extends BaseCommand {
  static override description =
    'apply the flow and group mods in FILE ("flow ..." / "group ..." lines, "-" for stdin) to SWITCH as one atomic bundle';
  static override args = {
    switch: switchArg,
    file: Args.string({ required: true, description: 'bundle file' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Bundle);
    const { runBundleFile } = await import('../online/bundle-file.js');
    await runBundleFile(args.switch, args.file, flags);
  }
}
