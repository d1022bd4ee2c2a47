import { Args, Flags } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { composeChecked, exactFlowPrerequisiteError } from '../offline/compose.js';
import { parseHexPairs } from '../offline/hex-input.js';

export default class ComposePacket extends BaseCommand {
  static override description = 'build the packet an exact flow describes and dump it in hex (or as pcap)';
  static override args = {
    flow: Args.string({ required: true, description: 'exact flow, e.g. tcp,nw_src=10.0.0.1,tp_dst=80' }),
    payload: Args.string({ required: false, description: 'L7 payload in hex (default: the 64 bytes 00..3f)' }),
  };
  static override flags = {
    pcap: Flags.boolean({ description: 'write the packet as a pcap file to stdout' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ComposePacket);
    if (flags.pcap && process.stdout.isTTY) {
      throw new UserError(
        'not writing pcap data to stdout; redirect to a file or pipe to tcpdump instead (Operation not permitted)',
      );
    }
    const packet = await import('@softswitch/packet');
    const prerequisiteError = exactFlowPrerequisiteError(await import('@softswitch/openflow'), args.flow);
    if (prerequisiteError) throw new UserError(prerequisiteError);
    let key: Uint32Array;
    try {
      key = packet.parseFlowString(args.flow);
    } catch (e) {
      if (e instanceof packet.FlowStringError) throw new UserError(e.message);
      throw e;
    }
    let payload: Uint8Array | undefined;
    if (args.payload !== undefined) {
      const hex = parseHexPairs(args.payload);
      if (hex.rest !== '') throw new UserError(`${args.payload}: trailing garbage in packet data`);
      payload = hex.bytes;
    }
    const composed = composeChecked(packet, key, payload);
    if (flags.format === 'json') {
      const { toJson } = await import('../json.js');
      const flow = packet.formatFlow(key);
      process.stdout.write(`${toJson({ flow, packet: composed.packet, roundTrip: !composed.stderr })}\n`);
    } else if (flags.pcap) {
      const { encodePcap } = await import('@softswitch/pcap');
      // ovs_pcap_write_header: microseconds, Ethernet, a 1518-byte snapshot length.
      const now = BigInt(Date.now()) * 1_000_000n;
      process.stdout.write(encodePcap([{ data: composed.packet, timestampNs: now }], { snaplen: 1518 }));
    } else {
      process.stdout.write(composed.stdout);
    }
    if (composed.stderr) {
      process.stderr.write(composed.stderr);
      process.exitCode = 1;
    }
  }
}
