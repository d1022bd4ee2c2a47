import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';

export default class EncodeErrorReply extends BaseCommand {
  static override description = 'encode the error reply a switch sends to a request (hex), and hex-dump it';
  static override args = {
    error: Args.string({ required: true, description: 'error name, e.g. OFPBRC_BAD_TYPE' }),
    request: Args.string({ required: true, description: 'the request, as hex' }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(EncodeErrorReply);
    const of = await import('@softswitch/openflow');
    const { encodeErrorReplyOutput } = await import('../offline/error-commands.js');
    const { writeUntilFatal } = await import('../offline/fatal.js');
    const { vlogLine } = await import('../offline/vlog.js');
    writeUntilFatal(() => {
      const { stdout, logs } = encodeErrorReplyOutput(of, args.error, args.request);
      // OVS logs why it replaced the error (or the version) on stderr, as vlog prints it.
      let n = 0;
      for (const log of logs) process.stderr.write(vlogLine(++n, 'ofp_errors', 'ERR', log));
      return stdout;
    });
  }
}
