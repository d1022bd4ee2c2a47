import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { allowedProtocols, protocolFlags } from '../protocol-flags.js';

export default class ParseFlow extends BaseCommand {
  static override description = 'parse a flow and print it as the flow_mod ovs-ofctl would send';
  static override args = { flow: Args.string({ required: true, description: 'flow in ovs-ofctl syntax' }) };
  static override flags = { ...protocolFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ParseFlow);
    const of = await import('@softswitch/openflow');
    try {
      if (flags.format === 'json') {
        const { toJson } = await import('../json.js');
        const parsed = of.parseFlow(args.flow);
        process.stdout.write(
          `${toJson({ usableProtocols: of.protocolsToString(parsed.usable), flowMod: parsed.fm })}\n`,
        );
        return;
      }
      process.stdout.write(of.parseFlowsOutput([args.flow], allowedProtocols(of, flags)));
    } catch (e) {
      if (e instanceof of.ParseFlowsError) process.stdout.write(`${e.partialOutput}\n`);
      throw new UserError((e as Error).message);
    }
  }
}
