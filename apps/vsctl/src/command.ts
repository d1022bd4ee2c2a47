import { BaseCommand, UserError } from '@softswitch/cli-kit';

export default class Main extends BaseCommand {
  static override description = 'Configuration database client (like ovs-vsctl)';
  static override strict = false;

  async run(): Promise<void> {
    throw new UserError('no commands yet');
  }
}
