import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';

export default class ParsePcap extends BaseCommand {
  static override description = 'print the flow of each packet in pcap files, as ovs-ofctl parse-pcap';
  static override strict = false;
  static override args = {
    file: Args.string({ required: false, description: 'pcap file (more may follow)' }),
  };

  async run(): Promise<void> {
    const { argv } = await this.parse(ParsePcap);
    if (!argv.length) throw new UserError("'parse-pcap' command requires at least 1 arguments");
    const [packet, pcap, { parsePcapFiles }, { vlogLine }] = await Promise.all([
      import('@softswitch/packet'),
      import('@softswitch/pcap'),
      import('../offline/parse-pcap.js'),
      import('../offline/vlog.js'),
    ]);
    let seq = 0;
    process.exitCode = parsePcapFiles(packet, pcap, argv as string[], {
      stdout: (text) => process.stdout.write(text),
      warn: (text) => process.stderr.write(vlogLine(++seq, 'pcap', 'WARN', text)),
      error: (text) => process.stderr.write(`${this.config.bin}: ${text}\n`),
    });
  }
}
