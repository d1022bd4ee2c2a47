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
    const lineNumbers: number[] = [];
    for (let i = 0; i < lines.length; i++) {
      const hash = lines[i].indexOf('#');
      const line = (hash >= 0 ? lines[i].slice(0, hash) : lines[i]).trim();
      if (!line) continue;
      flows.push(line);
      lineNumbers.push(i + 1);
    }
    // Flows are parsed once, by the printer; only when one fails is the file searched for the
    // first bad line (the one ovs-ofctl names), so the common case pays no second parse.
    const badLine = (e: unknown): UserError => {
      for (let k = 0; k < flows.length; k++) {
        try {
          of.parseFlow(flows[k]);
        } catch (err) {
          return new UserError(`${args.file}:${lineNumbers[k]}: ${(err as Error).message}`);
        }
      }
      return new UserError((e as Error).message);
    };
    try {
      if (flags.format === 'json') {
        const { toJson } = await import('../json.js');
        let parsed: ReturnType<typeof of.parseFlow>[];
        try {
          parsed = flows.map((f) => of.parseFlow(f));
        } catch (e) {
          throw badLine(e);
        }
        const usable = parsed.reduce((u, p) => u & p.usable, of.P_ANY);
        process.stdout.write(
          `${toJson({ usableProtocols: of.protocolsToString(usable), flowMods: parsed.map((p) => p.fm) })}\n`,
        );
        return;
      }
      process.stdout.write(of.parseFlowsOutput(flows, allowedProtocols(of, flags)));
    } catch (e) {
      if (e instanceof UserError) throw e;
      if (e instanceof of.ParseFlowsError) {
        process.stdout.write(`${e.partialOutput}\n`);
        throw new UserError(e.message);
      }
      throw badLine(e);
    }
  }
}
