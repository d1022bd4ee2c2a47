import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpPortsDesc extends BaseCommand {
  static override description = "print SWITCH's port descriptions (all ports, or PORT: OpenFlow 1.5 asks for it alone)";
  static override args = {
    switch: switchArg,
    port: Args.string({ required: false, description: 'port number or keyword (LOCAL, ...)' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpPortsDesc);
    const of = await import('@softswitch/openflow');
    const { runSimpleRequests } = await import('../online/simple.js');
    const { parsePortArg } = await import('../online/port-arg.js');
    const portNo = args.port === undefined ? of.OFPP.NONE : parsePortArg(of, args.port);
    await runSimpleRequests(args.switch, flags, [{ kind: 'port_desc', portNo }]);
  }
}
