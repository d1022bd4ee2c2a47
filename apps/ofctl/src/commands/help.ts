import { Help as OclifHelp } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';

export default class Help extends BaseCommand {
  static override description = 'print the usage of ofctl and its commands (the same as --help)';

  async run(): Promise<void> {
    await this.parse(Help);
    await new OclifHelp(this.config).showHelp([]);
  }
}
