import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class QueueStats extends BaseCommand {
  static override description = "print SWITCH's queue statistics (all ports and queues, or PORT and QUEUE)";
  static override args = {
    switch: switchArg,
    port: Args.string({ required: false, description: 'port number, keyword, or ALL' }),
    queue: Args.string({ required: false, description: 'queue id or ALL' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(QueueStats);
    const { runQueueStats } = await import('../online/queues.js');
    await runQueueStats(args.switch, args, flags);
  }
}
