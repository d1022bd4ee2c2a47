import { Flags } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class Snoop extends BaseCommand {
  static override description = 'print the OpenFlow traffic between SWITCH and its controllers (on stderr)';
  static override args = { switch: switchArg };
  static override flags = {
    ...onlineFlags,
    timestamp: Flags.boolean({ description: 'print a timestamp before each message' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Snoop);
    const of = await import('@softswitch/openflow');
    const { runOnline } = await import('../online/run.js');
    const { snoop } = await import('../online/monitor.js');
    await runOnline((track) => snoop(of, args.switch, flags, track));
  }
}
