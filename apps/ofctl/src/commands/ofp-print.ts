import { existsSync, readFileSync } from 'node:fs';
import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';

export default class OfpPrint extends BaseCommand {
  static override description = 'print an OpenFlow message given in hex (on the command line or in a file)';
  static override args = {
    hex: Args.string({ required: true, description: 'hex bytes, or a file holding them' }),
    verbosity: Args.string({ required: false, description: 'verbosity (accepted for compatibility)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(OfpPrint);
    const of = await import('@softswitch/openflow');
    const text = /^[0-9a-fA-F\s]+$/.test(args.hex) || !existsSync(args.hex) ? args.hex : readFileSync(args.hex, 'utf8');
    let bytes: Uint8Array;
    try {
      bytes = of.fromHex(text);
    } catch {
      throw new UserError('trailing garbage following hex bytes');
    }
    if (flags.format === 'json') {
      const { toJson } = await import('../json.js');
      const decoded = of.tryDecodeMessage(bytes);
      const message =
        decoded instanceof of.OpenFlowDecodeError
          ? { error: { type: decoded.type, code: decoded.code, offset: decoded.offset, message: decoded.message } }
          : decoded;
      process.stdout.write(`${toJson(message)}\n`);
      return;
    }
    process.stdout.write(`${of.ofpPrint(bytes)}\n`);
  }
}
