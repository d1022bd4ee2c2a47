import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { capturedOpenFlow, DEFAULT_OPENFLOW_PORTS, formatCapturedOpenFlow } from '../offline/openflow-pcap.js';

export default class OfpParsePcap extends BaseCommand {
  static override description = 'print the OpenFlow messages in the TCP connections of a capture';
  static override strict = false;
  static override args = {
    pcap: Args.string({ required: true, description: 'capture file (pcap)' }),
    ports: Args.string({ required: false, description: 'TCP ports that carry OpenFlow (default 6653 and 6633)' }),
  };

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(OfpParsePcap);
    const [of, packet, pcap] = await Promise.all([
      import('@softswitch/openflow'),
      import('@softswitch/packet'),
      import('@softswitch/pcap'),
    ]);
    const ports = (argv as string[]).slice(1).map((p) => Number.parseInt(p, 10) || 0);
    let frames: Awaited<ReturnType<typeof pcap.readCaptureFile>>;
    try {
      frames = await pcap.readCaptureFile(args.pcap);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : 'Protocol error';
      throw new UserError(`${args.pcap}: open failed (${reason})`);
    }
    const messages = capturedOpenFlow(packet, frames, ports.length ? ports : DEFAULT_OPENFLOW_PORTS);
    if (flags.format === 'json') {
      const { toJson } = await import('../json.js');
      const decoded = messages.map(({ from, to, message }) => {
        const m = of.tryDecodeMessage(message);
        return { from, to, message: m instanceof of.OpenFlowDecodeError ? { error: m.message, bytes: message } : m };
      });
      process.stdout.write(`${toJson(decoded)}\n`);
      return;
    }
    process.stdout.write(formatCapturedOpenFlow(of, messages));
  }
}
