import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class GetFrags extends BaseCommand {
  static override description = "print SWITCH's fragment handling mode (normal, drop, reassemble, nx-match)";
  static override args = { switch: switchArg };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(GetFrags);
    const { runGetFrags } = await import('../online/frags.js');
    await runGetFrags(args.switch, flags);
  }
}
