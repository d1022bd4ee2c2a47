import { randomBytes } from 'node:crypto';
import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class Ping extends BaseCommand {
  static override description = 'measure the latency of 10 echo requests of N bytes of payload (64 by default)';
  static override args = {
    switch: switchArg,
    size: Args.string({ required: false, description: 'payload bytes (0-65527)' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Ping);
    const of = await import('@softswitch/openflow');
    const { runOnline } = await import('../online/run.js');
    const { openSwitch } = await import('../online/session.js');
    const maxPayload = 65535 - 8;
    // atoi: leading digits, else 0.
    const payload = args.size === undefined ? 64 : Number(/^\s*\d+/.exec(args.size)?.[0] ?? 0);
    if (payload > maxPayload) throw new UserError(`payload must be between 0 and ${maxPayload} bytes`);
    await runOnline(async (track) => {
      const conn = track(await openSwitch(of, args.switch, flags));
      for (let i = 0; i < 10; i++) {
        const data = new Uint8Array(randomBytes(payload));
        const xid = conn.takeXid();
        const request = of.encodeMessage({ type: 'echo_request', version: conn.version, xid, data });
        const start = process.hrtime.bigint();
        const [reply] = await conn.transact(request);
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const body = reply.subarray(8);
        if (reply[1] !== 3 || Buffer.compare(Buffer.from(body), Buffer.from(data)) !== 0) {
          process.stdout.write(
            `Reply does not match request.  Request:\n${of.ofpPrint(request, 2)}\nReply:\n${of.ofpPrint(reply, 2)}\n`,
          );
        }
        process.stdout.write(
          `${body.length} bytes from ${args.switch}: xid=${xid.toString(16).padStart(8, '0')} time=${ms.toFixed(1)} ms\n`,
        );
      }
    });
  }
}
