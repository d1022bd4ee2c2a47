import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class SetFrags extends BaseCommand {
  static override description = "set SWITCH's fragment handling mode (normal, drop, reassemble, nx-match)";
  static override args = {
    switch: switchArg,
    mode: Args.string({ required: true, description: 'normal, drop, reassemble or nx-match' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SetFrags);
    const { runSetFrags } = await import('../online/frags.js');
    await runSetFrags(args.switch, args.mode, flags);
  }
}
