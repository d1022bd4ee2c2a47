import { readFileSync } from 'node:fs';
import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { allowedProtocols, protocolFlags } from '../protocol-flags.js';

export default class ParseFlows extends BaseCommand {
  static override description = 'parse a file of flows and print them as flow_mods';
  static override args = {
    file: Args.string({ required: true, description: 'file of flows, one per line ("-" for stdin)' }),
  };
  static override flags = { ...protocolFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ParseFlows);
    const of = await import('@softswitch/openflow');
    let text: string;
    try {
      text = readFileSync(args.file === '-' ? 0 : args.file, 'utf8');
    } catch (e) {
      throw new UserError(`${args.file}: open failed (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const lines = text.split('\n');
    const flows: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const hash = lines[i].indexOf('#');
      const line = (hash >= 0 ? lines[i].slice(0, hash) : lines[i]).trim();
      if (!line) continue;
      try {
        of.parseFlow(line);
      } catch (e) {
        throw new UserError(`${args.file}:${i + 1}: ${(e as Error).message}`);
      }
      flows.push(line);
    }
    try {
      if (flags.format === 'json') {
        const { toJson } = await import('../json.js');
        const parsed = flows.map((f) => of.parseFlow(f));
        const usable = parsed.reduce((u, p) => u & p.usable, of.P_ANY);
        process.stdout.write(
          `${toJson({ usableProtocols: of.protocolsToString(usable), flowMods: parsed.map((p) => p.fm) })}\n`,
        );
        return;
      }
      process.stdout.write(of.parseFlowsOutput(flows, allowedProtocols(of, flags)));
    } catch (e) {
      if (e instanceof of.ParseFlowsError) process.stdout.write(`${e.partialOutput}\n`);
      throw new UserError((e as Error).message);
    }
  }
}
