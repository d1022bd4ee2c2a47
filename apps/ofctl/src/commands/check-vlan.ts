import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';

export default class CheckVlan extends BaseCommand {
  static override description =
    'convert a vlan_tci value and mask (hex) to and from flow syntax, NXM, OXM and OpenFlow 1.0/1.1 matches';
  static override args = {
    tci: Args.string({ required: true, description: 'vlan_tci value (hex)' }),
    mask: Args.string({ required: true, description: 'vlan_tci mask (hex)' }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(CheckVlan);
    const of = await import('@softswitch/openflow');
    const { checkVlanOutput } = await import('../offline/check-vlan.js');
    let out: string;
    try {
      out = checkVlanOutput(of, args.tci, args.mask);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    process.stdout.write(out);
  }
}
