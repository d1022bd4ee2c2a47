import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { protocolFlags } from '../protocol-flags.js';

export default class ParseGroup extends BaseCommand {
  static override description = 'parse a group and print the group_mod ovs-ofctl would send';
  static override args = { group: Args.string({ required: true, description: 'group in add-group syntax' }) };
  static override flags = { ...protocolFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ParseGroup);
    const of = await import('@softswitch/openflow');
    const { parseGroupOutput } = await import('../offline/parse-group.js');
    try {
      if (flags.format === 'json') {
        const { toJson } = await import('../json.js');
        const { gm, usable } = of.parseGroupMod(args.group, of.OFPGC.ADD);
        process.stdout.write(`${toJson({ usableProtocols: of.protocolsToString(usable), groupMod: gm })}\n`);
      } else process.stdout.write(parseGroupOutput(of, args.group, flags));
    } catch (e) {
      throw new UserError((e as Error).message);
    }
  }
}
