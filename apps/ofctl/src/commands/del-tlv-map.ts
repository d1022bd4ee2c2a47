import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DelTlvMap extends BaseCommand {
  static override description = 'remove the given tun_metadata mappings, or all of them';
  static override args = {
    switch: switchArg,
    map: Args.string({ required: false, description: '{class=C,type=T,len=L}->tun_metadataN[,...]' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DelTlvMap);
    const { runTlvMod } = await import('../online/tlv-map.js');
    const { NXTTMC } = await import('@softswitch/openflow');
    await runTlvMod(args.switch, args.map ?? '', args.map === undefined ? NXTTMC.CLEAR : NXTTMC.DELETE, flags);
  }
}
