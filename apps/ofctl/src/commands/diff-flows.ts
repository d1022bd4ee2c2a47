import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags } from '../online/flags.js';

export default class DiffFlows extends BaseCommand {
  static override description =
    'print the differences between the flows of two sources (switches or files); exit status 2 if any';
  static override args = {
    source1: Args.string({ required: true, description: 'switch or file of flows' }),
    source2: Args.string({ required: true, description: 'switch or file of flows' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DiffFlows);
    const of = await import('@softswitch/openflow');
    const { runOnline } = await import('../online/run.js');
    const { diffFlows } = await import('../online/flow-diff.js');
    let differ = false;
    await runOnline(async (track) => {
      differ = await diffFlows(of, [args.source1, args.source2], flags, track);
    });
    if (differ && !process.exitCode) process.exitCode = 2;
  }
}
