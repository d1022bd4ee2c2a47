import { BaseCommand, UserError } from '@softswitch/cli-kit';

export default class Main extends BaseCommand {
  static override description = 'Control-socket client for softswitch daemons (like ovs-appctl)';
  static override strict = false;

  async run(): Promise<void> {
    throw new UserError('no commands yet');
  }
}
