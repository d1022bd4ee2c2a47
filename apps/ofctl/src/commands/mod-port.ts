import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class ModPort extends BaseCommand {
  static override description =
    'change a port of SWITCH: up, down, stp, receive, receive-stp, flood, forward, packet-in (or no-...)';
  static override args = {
    switch: switchArg,
    port: Args.string({ required: true, description: 'port number or name' }),
    action: Args.string({ required: true, description: 'up, down, flood, no-flood, ...' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ModPort);
    const of = await import('@softswitch/openflow');
    const { runOnline } = await import('../online/run.js');
    const { modPort } = await import('../online/mod-port.js');
    await runOnline((track) => modPort(of, args.switch, args.port, args.action, flags, track));
  }
}
