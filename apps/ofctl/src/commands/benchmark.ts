import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class Benchmark extends BaseCommand {
  static override description =
    'measure the bandwidth of COUNT echo requests of N bytes of payload, sent one at a time';
  static override args = {
    switch: switchArg,
    size: Args.string({ required: true, description: 'payload bytes (0-65527)' }),
    count: Args.string({ required: true, description: 'how many echo requests' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Benchmark);
    const { runBenchmark } = await import('../online/benchmark.js');
    await runBenchmark(args.switch, args.size, args.count, flags);
  }
}
