import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';
import type { PacketOutSpec } from '../online/packet-out-spec.js';

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
    const { encodePacketOut, parsePacketOutSpec } = await import('../online/packet-out-spec.js');
    let spec: Omit<PacketOutSpec, 'data' | 'usable' | 'metadata'> & { metadata?: PacketOutSpec['metadata'] };
    let data: Uint8Array[];
    if (rest.length === 0) {
      // One string in OVS's packet-out syntax: in_port=..., packet=..., actions=...
      try {
        const po = parsePacketOutSpec(of, args.spec);
        spec = po;
        data = [po.data];
      } catch (e) {
        throw new UserError((e as Error).message);
      }
    } else {
      // The older form: IN_PORT ACTIONS PACKET...
      let actions: PacketOutSpec['actions'];
      try {
        actions = of.parseActions(rest[0], { usable: of.P_ANY });
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      spec = { inPort: parsePortArg(of, args.spec), actions };
      data = rest.slice(1).map((p) => {
        try {
          return of.fromHex(p);
        } catch {
          throw new UserError(`${p}: invalid hex packet`);
        }
      });
    }
    await runOnline(async (track) => {
      // ovs-ofctl looks up port and table names first (4 xids on other connections).
      const conn = track(await openSwitch(of, args.switch, flags, nameLookupXids(flags)));
      for (const d of data) {
        const msg = encodePacketOut(of, conn.version, conn.takeXid(), { ...spec, data: d });
        await conn.transactNoReply(msg);
      }
    });
  }
}
