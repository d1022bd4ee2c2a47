import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class Probe extends BaseCommand {
  static override description = 'check that SWITCH answers an echo request';
  static override args = { switch: switchArg };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Probe);
    const of = await import('@softswitch/openflow');
    const { runOnline } = await import('../online/run.js');
    const { openSwitch } = await import('../online/session.js');
    await runOnline(async (track) => {
      const conn = track(await openSwitch(of, args.switch, flags));
      // ovs-ofctl's echo request has xid 0 and no payload; the reply is all it waits for.
      const request = of.encodeMessage({
        type: 'echo_request',
        version: conn.version,
        xid: 0,
        data: new Uint8Array(0),
      });
      conn.sendRaw(request);
      for (;;) {
        const r = await conn.receive();
        if (r[1] === 3) return;
      }
    });
  }
}
