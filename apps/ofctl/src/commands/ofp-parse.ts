import { readFileSync } from 'node:fs';
import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';

export default class OfpParse extends BaseCommand {
  static override description = 'print the OpenFlow messages in a file of raw messages';
  static override args = { file: Args.string({ required: true, description: 'file of raw OpenFlow messages' }) };

  async run(): Promise<void> {
    const { args } = await this.parse(OfpParse);
    const of = await import('@softswitch/openflow');
    let data: Uint8Array;
    try {
      data = readFileSync(args.file);
    } catch (e) {
      throw new UserError(`${args.file}: open failed (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const out: string[] = [];
    let p = 0;
    while (p < data.length) {
      if (data.length - p < 8) throw new UserError(`${args.file}: unexpected end of file mid-message`);
      const len = (data[p + 2] << 8) | data[p + 3];
      if (len < 8) throw new UserError(`${args.file}: ${len}-byte message is too short for OpenFlow`);
      if (data.length - p < len) throw new UserError(`${args.file}: unexpected end of file mid-message`);
      out.push(of.ofpPrint(data.subarray(p, p + len)));
      p += len;
    }
    if (out.length) process.stdout.write(`${out.join('\n')}\n`);
  }
}
