import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class AddTlvMap extends BaseCommand {
  static override description = 'map Geneve options to tun_metadata fields: {class=C,type=T,len=L}->tun_metadataN,...';
  static override args = {
    switch: switchArg,
    map: Args.string({ required: true, description: '{class=C,type=T,len=L}->tun_metadataN[,...]' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(AddTlvMap);
    const { runTlvMod } = await import('../online/tlv-map.js');
    const { NXTTMC } = await import('@softswitch/openflow');
    await runTlvMod(args.switch, args.map, NXTTMC.ADD, flags);
  }
}
