import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { allowedProtocols, badLine, printFlowFile, readFlowFile } from '../parse-flows-file.js';
import { protocolFlags } from '../protocol-flags.js';

/** Text output normally runs without oclif (fast-offline.ts); this is the path for --format json. */
export default class ParseFlows extends BaseCommand {
  static override description = 'parse a file of flows and print them as flow_mods';
  static override args = {
    file: Args.string({ required: true, description: 'file of flows, one per line ("-" for stdin)' }),
  };
  static override flags = { ...protocolFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ParseFlows);
    const of = await import('@softswitch/openflow');
    const file = readFlowFile(args.file);
    if (flags.format !== 'json') {
      printFlowFile(of, args.file, file, allowedProtocols(of, flags), (s) => process.stdout.write(s));
      return;
    }
    const { toJson } = await import('../json.js');
    let parsed: ReturnType<typeof of.parseFlow>[];
    try {
      parsed = file.flows.map((f) => of.parseFlow(f));
    } catch (e) {
      throw new UserError(badLine(of, args.file, file, e).message);
    }
    const usable = parsed.reduce((u, p) => u & p.usable, of.P_ANY);
    process.stdout.write(
      `${toJson({ usableProtocols: of.protocolsToString(usable), flowMods: parsed.map((p) => p.fm) })}\n`,
    );
  }
}
