import { BaseCommand, UserError } from '@softswitch/cli-kit';
import { onlineFlags, switchArg } from '../online/flags.js';

export default class DumpTableFeatures extends BaseCommand {
  static override description = "print SWITCH's table features (OpenFlow 1.3+)";
  static override args = { switch: switchArg };
  static override flags = { ...onlineFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DumpTableFeatures);
    const of = await import('@softswitch/openflow');
    const { runOnline } = await import('../online/run.js');
    const { openSwitch } = await import('../online/session.js');
    await runOnline(async (track) => {
      const conn = track(await openSwitch(of, args.switch, flags));
      if (conn.version < 4) throw new UserError("dump-table-features needs OpenFlow 1.3 or later ('-O OpenFlow13')");
      const replies = await conn.transact(of.encodeTableFeaturesMessage(conn.version, conn.takeXid(), []));
      // One printer across every reply message, so "ditto" spans the 64 KiB message boundaries.
      const printer = new of.TableFeaturesPrinter();
      const views: import('@softswitch/openflow').TableFeaturesView[] = [];
      let text = '';
      // ovs-ofctl puts each table's text without its leading newline, then a newline.
      const put = (s: string) => {
        if (s) text += `${s.slice(1)}\n`;
      };
      for (const r of replies) {
        const { entries, error } = of.decodeTableFeaturesEntries(r, 16, r[0]);
        try {
          for (const tf of entries) {
            const view = of.tableFeaturesView(tf, r[0]);
            views.push(view);
            put(printer.add(view));
          }
        } catch (e) {
          if (!(e instanceof of.OpenFlowDecodeError)) throw e;
          throw new UserError(`decode error: ${of.tableFeaturesErrorName(e, of.errorName)}`);
        }
        if (error) throw new UserError(`decode error: ${of.tableFeaturesErrorName(error, of.errorName)}`);
      }
      put(printer.finish());
      if (flags.format === 'json') {
        const { toJson } = await import('../json.js');
        process.stdout.write(`${toJson(views.map((v) => of.describeTableFeatures(v)))}\n`);
        return;
      }
      process.stdout.write(text);
    });
  }
}
