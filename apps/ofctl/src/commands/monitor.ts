import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class Monitor extends BaseCommand {
  static override description =
    'print the asynchronous messages SWITCH sends (on stderr); MISSLEN sets miss_send_len, invalid_ttl asks for TTL misses';
  static override strict = false;
  static override maxArgs = 3;
  static override args = {
    switch: switchArg,
    arg: Args.string({ required: false, description: 'MISSLEN or invalid_ttl' }),
  };
  static override flags = {
    ...onlineFlags,
    'packet-in-format': Flags.string({ char: 'P', description: 'standard, nxt_packet_in or nxt_packet_in2' }),
    timestamp: Flags.boolean({ description: 'print a timestamp before each message' }),
  };

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(Monitor);
    const of = await import('@softswitch/openflow');
    const { runOnline } = await import('../online/run.js');
    const { monitor, parsePacketInFormat } = await import('../online/monitor.js');
    if (flags['packet-in-format'] !== undefined) parsePacketInFormat(flags['packet-in-format']);
    await runOnline((track) => monitor(of, args.switch, (argv as string[]).slice(1), flags, track));
  }
}
