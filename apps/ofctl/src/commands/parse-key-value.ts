import { Args } from '@oclif/core';
import { BaseCommand } from '@softswitch/cli-kit';

export default class ParseKeyValue extends BaseCommand {
  static override description = "split each argument into key-value pairs as OVS's parsers do, one line per argument";
  static override strict = false;
  static override args = {
    text: Args.string({ required: true, description: 'key=value,key(value),key:value,key ...' }),
  };

  async run(): Promise<void> {
    const { argv } = await this.parse(ParseKeyValue);
    const of = await import('@softswitch/openflow');
    const { keyValueLines } = await import('../offline/key-value.js');
    process.stdout.write(keyValueLines(of, argv as string[]));
  }
}
