import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class QueueGetConfig extends BaseCommand {
  static override description = "print SWITCH's queue configuration (all ports, or PORT)";
  static override args = {
    switch: switchArg,
    port: Args.string({ required: false, description: 'port number, keyword, or ANY' }),
    queue: Args.string({ required: false, description: 'queue id or ALL' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(QueueGetConfig);
    const { runQueueGetConfig } = await import('../online/queues.js');
    await runQueueGetConfig(args.switch, args, flags);
  }
}
