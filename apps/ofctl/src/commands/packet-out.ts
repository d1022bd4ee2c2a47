import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class PacketOut extends BaseCommand {
  static override description =
    'send packets to SWITCH: `packet-out SWITCH IN_PORT ACTIONS PACKET...` or `packet-out SWITCH "in_port=P,packet=HEX,actions=A"`';
  static override strict = false;
  static override args = {
    switch: switchArg,
    spec: Args.string({ required: true, description: 'IN_PORT, or in_port=...,packet=...,actions=...' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(PacketOut);
    const of = await import('@softswitch/openflow');
    const { runOnline } = await import('../online/run.js');
    const { openSwitch } = await import('../online/session.js');
    const { nameLookupXids } = await import('../online/port-names.js');
    const { parsePortArg } = await import('../online/port-arg.js');
    const rest = (argv as string[]).slice(2);
    let inPort: number;
    let actionsText: string;
    let packets: string[];
    if (rest.length === 0) {
      // Keyword form: in_port=..., packet=..., actions=... (actions last, as in a flow).
      const at = args.spec.indexOf('actions=');
      if (at < 0) throw new UserError('must specify an action');
      actionsText = args.spec.slice(at + 8);
      const fields = new Map(
        args.spec
          .slice(0, at)
          .split(',')
          .filter((w) => w.trim())
          .map((w) => {
            const eq = w.indexOf('=');
            return [w.slice(0, eq).trim(), w.slice(eq + 1).trim()] as [string, string];
          }),
      );
      inPort = parsePortArg(of, fields.get('in_port') ?? 'CONTROLLER');
      const packet = fields.get('packet');
      if (!packet) throw new UserError('must specify packet');
      packets = [packet];
    } else {
      inPort = parsePortArg(of, args.spec);
      actionsText = rest[0];
      packets = rest.slice(1);
    }
    let actions: ReturnType<typeof of.parseActions>;
    try {
      actions = of.parseActions(actionsText, { usable: of.P_ANY });
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    const data = packets.map((p) => {
      try {
        return of.fromHex(p);
      } catch {
        throw new UserError(`${p}: invalid hex packet`);
      }
    });
    await runOnline(async (track) => {
      // ovs-ofctl looks up port and table names first (4 xids on other connections).
      const conn = track(await openSwitch(of, args.switch, flags, nameLookupXids(flags)));
      for (const d of data) {
        const msg = of.encodeMessage({
          type: 'packet_out',
          version: conn.version,
          xid: conn.takeXid(),
          bufferId: 0xffffffff,
          inPort,
          actions,
          data: d,
        });
        await conn.transactNoReply(msg);
      }
    });
  }
}
