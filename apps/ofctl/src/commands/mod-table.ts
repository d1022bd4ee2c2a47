import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class ModTable extends BaseCommand {
  static override description =
    "modify SWITCH's table TABLE: controller, continue, drop (OpenFlow 1.1/1.2); evict, noevict, vacancy:LOW,HIGH, novacancy (1.4+)";
  static override args = {
    switch: switchArg,
    table: Args.string({ required: true, description: 'table number or "all"' }),
    setting: Args.string({ required: true, description: 'the setting' }),
  };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ModTable);
    const { runModTable } = await import('../online/table-mod.js');
    await runModTable(args.switch, args.table, args.setting, flags);
  }
}
