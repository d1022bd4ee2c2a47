import { BaseCommand } from '@softswitch/cli-kit';

/** ovs-ofctl reads the packet with a single read() into a buffer of this size. */
const MAX_PACKET = 65535;

export default class ParsePacket extends BaseCommand {
  static override strict = false;
  static override maxArgs = 0;
  static override description = 'print the packet (raw Ethernet bytes) read from stdin, as ovs-ofctl parse-packet';

  async run(): Promise<void> {
    await this.parse(ParsePacket);
    const { packetToString } = await import('@softswitch/openflow');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= MAX_PACKET) break;
    }
    const bytes = Buffer.concat(chunks).subarray(0, MAX_PACKET);
    process.stdout.write(`${packetToString(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length))}\n`);
  }
}
