import { connect } from 'node:net';
import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { UserError } from '@softswitch/cli-kit';
import { PcapWriter } from '@softswitch/pcap';
import { DpctlCommand } from '../dpctl-command.js';
import { captureRecordJson, formatCaptureLine } from '../live/capture-lines.js';
import { type CaptureRecord, CaptureStreamReader } from '../live/capture-stream.js';

interface CaptureStarted {
  id: number;
  port: string;
  socket: string;
}

interface CaptureStats {
  packets: number;
  dropped: number;
}

export default class Capture extends DpctlCommand {
  static override summary = 'Capture what a port receives and sends (dpctl/capture), like tcpdump on a kernel port.';
  static override description =
    'switchd copies every frame PORT receives or is sent to this client over a private socket. ' +
    'With -w the frames go to a pcap file; without, one decoded line each (time, port, direction, flow). ' +
    'Stops after --count packets or on Ctrl-C. A client too slow to keep up loses packets, counted at the end.';
  static override strict = false;
  static override usage = 'capture PORT [-w FILE] [--filter FLOW] [--count N] [--bridge BR]';
  static override flags = {
    write: Flags.string({ char: 'w', description: 'write the packets to FILE (pcap) instead of printing them' }),
    filter: Flags.string({ description: 'only packets matching FLOW (ovs-ofctl match syntax, e.g. tcp,tp_dst=80)' }),
    count: Flags.integer({ char: 'c', description: 'stop after N packets', min: 1 }),
    bridge: Flags.string({
      char: 'b',
      description: 'the bridge PORT is on (PORT may then be an OpenFlow port number)',
    }),
    snaplen: Flags.integer({ char: 's', description: 'keep at most N bytes of each packet', min: 1 }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Capture);
    const [port] = this.positional(argv, 1, 1, Capture.usage);
    const args = [port];
    if (flags.bridge !== undefined) args.push('--bridge', flags.bridge);
    if (flags.filter !== undefined) args.push('--filter', flags.filter);
    if (flags.count !== undefined) args.push('--count', String(flags.count));
    if (flags.snaplen !== undefined) args.push('--snaplen', String(flags.snaplen));
    const started = JSON.parse(await this.send(flags, 'dpctl/capture', args)) as CaptureStarted;

    let writer: PcapWriter | undefined;
    if (flags.write !== undefined) {
      try {
        writer = PcapWriter.open(resolve(flags.write), { nanosecond: true });
      } catch (err) {
        await this.send(flags, 'dpctl/capture-stop', [String(started.id)]).catch(() => undefined);
        throw new UserError(`-w ${flags.write}: ${(err as Error).message}`);
      }
    }
    // As tcpdump: say what is being captured on stderr, so stdout stays the packets.
    process.stderr.write(`dpctl: listening on ${started.port}, capture ${started.id}\n`);
    const json = flags.format === 'json';
    const emit = (r: CaptureRecord) => {
      if (writer !== undefined) writer.write(r.data, r.timestampNs);
      else if (json) process.stdout.write(`${JSON.stringify(captureRecordJson(started.port, r))}\n`);
      else process.stdout.write(`${formatCaptureLine(started.port, r)}\n`);
    };
    const streamed = await streamCapture(started.socket, emit);
    await writer?.close();
    const stats = JSON.parse(await this.send(flags, 'dpctl/capture-stats', [String(started.id)])) as CaptureStats;
    // As tcpdump, the counts go to stderr so stdout stays the packets.
    process.stderr.write(`${streamed} packets captured\n`);
    if (stats.dropped > 0) process.stderr.write(`${stats.dropped} packets dropped by switchd (client too slow)\n`);
  }
}

/**
 * Reads the capture socket until switchd ends it (count reached, capture stopped) or Ctrl-C;
 * returns how many packets arrived.
 */
function streamCapture(socketPath: string, emit: (r: CaptureRecord) => void): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const reader = new CaptureStreamReader();
    let n = 0;
    const socket = connect(socketPath);
    const onSigint = () => socket.end();
    process.once('SIGINT', onSigint);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const r of reader.push(chunk)) {
          emit(r);
          n++;
        }
      } catch (err) {
        socket.destroy(err as Error);
      }
    });
    socket.on('error', (err) => {
      process.off('SIGINT', onSigint);
      reject(new UserError(`capture socket ${socketPath}: ${err.message}`));
    });
    socket.on('close', () => {
      process.off('SIGINT', onSigint);
      resolvePromise(n);
    });
  });
}
