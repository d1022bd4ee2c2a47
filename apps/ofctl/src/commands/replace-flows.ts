import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { bundleFlags, onlineFlags, switchArg } from '../online/flags.js';

export default class ReplaceFlows extends BaseCommand {
  static override description = "replace SWITCH's flows with those in FILE (only the differences are sent)";
  static override args = {
    switch: switchArg,
    file: Args.string({ required: true, description: 'file of flows ("-" for stdin)' }),
  };
  static override flags = { ...onlineFlags, ...bundleFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ReplaceFlows);
    const of = await import('@softswitch/openflow');
    const { runOnline } = await import('../online/run.js');
    const { replaceFlows } = await import('../online/flow-diff.js');
    await runOnline((track) => replaceFlows(of, args.switch, args.file, flags, track));
  }
}
