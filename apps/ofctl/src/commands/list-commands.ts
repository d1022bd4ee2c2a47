import { BaseCommand } from '@softswitch/cli-kit';

export default class ListCommands extends BaseCommand {
  static override description = 'list the commands and their arguments, as ovs-ofctl list-commands does';

  async run(): Promise<void> {
    await this.parse(ListCommands);
    const { listCommandsText } = await import('../offline/command-list.js');
    const have = new Set<string>();
    for (const c of this.config.commands) for (const id of [c.id, ...c.aliases]) have.add(id);
    process.stdout.write(listCommandsText(have));
  }
}
