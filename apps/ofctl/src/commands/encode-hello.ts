import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { encodeHelloOutput, helloBytes } from '../offline/hello.js';
import { strtolU32 } from '../offline/hex-input.js';

export default class EncodeHello extends BaseCommand {
  static override description =
    'encode a hello for a version bitmap (bit N = OpenFlow wire version N), dump and print it';
  static override args = {
    bitmap: Args.string({ required: true, description: 'version bitmap, e.g. 0x1e' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(EncodeHello);
    const of = await import('@softswitch/openflow');
    const bitmap = strtolU32(args.bitmap);
    const text = encodeHelloOutput(of, bitmap);
    if (text === undefined) {
      // ovs-ofctl fails an assertion here (no version for the header) and dies by SIGABRT.
      process.stderr.write(`${this.config.bin}: version bitmap ${args.bitmap} names no OpenFlow version\n`);
      process.kill(process.pid, 'SIGABRT');
      return;
    }
    if (flags.format === 'json') {
      const { toJson } = await import('../json.js');
      process.stdout.write(`${toJson({ bitmap, hello: helloBytes(of, bitmap) })}\n`);
      return;
    }
    process.stdout.write(text);
  }
}
