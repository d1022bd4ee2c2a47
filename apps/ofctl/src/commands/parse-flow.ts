import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { allowedProtocols, printFlow } from '../parse-flows-file.js';
import { protocolFlags } from '../protocol-flags.js';

/** Text output normally runs without oclif (fast-offline.ts); this is the path for --format json. */
export default class ParseFlow extends BaseCommand {
  static override description = 'parse a flow and print it as the flow_mod ovs-ofctl would send';
  static override args = { flow: Args.string({ required: true, description: 'flow in ovs-ofctl syntax' }) };
  static override flags = { ...protocolFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ParseFlow);
    const of = await import('@softswitch/openflow');
    if (flags.format !== 'json') {
      printFlow(of, args.flow, allowedProtocols(of, flags), (s) => process.stdout.write(s));
      return;
    }
    const { toJson } = await import('../json.js');
    let parsed: ReturnType<typeof of.parseFlow>;
    try {
      parsed = of.parseFlow(args.flow);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    process.stdout.write(`${toJson({ usableProtocols: of.protocolsToString(parsed.usable), flowMod: parsed.fm })}\n`);
  }
}
