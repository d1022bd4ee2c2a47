import { UserError } from '@softswitch/cli-kit';
import type { ProtocolOptions } from '../protocol-flags.js';
import { readInputFile } from './input-file.js';

/**
 * The body shared by add-flow(s), mod-flows and del-flows: flows from the command line or a file
 * (`-` is stdin), sent with `command` (0 add, 1 modify, 2 modify strict, 3 delete, 4 delete strict).
 */
export async function runFlowModCommand(
  spec: string,
  source: { flow?: string; file?: string },
  command: number,
  flags: ProtocolOptions & { rundir?: string; bundle?: boolean; names?: boolean },
): Promise<void> {
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  const { sendFlowMods, readFlowFile, FlowFileError } = await import('./flow-mods.js');
  const { parseFlowArg } = await import('./session.js');
  const { acceptNames, fetchPortNames } = await import('./port-names.js');
  const parse = (): { fm: import('@softswitch/openflow').FlowMod; usable: number }[] => {
    if (source.file !== undefined) {
      const text = readInputFile(source.file);
      try {
        return readFlowFile(of, source.file, text, command);
      } catch (e) {
        if (e instanceof FlowFileError) throw new UserError(e.message);
        throw e;
      }
    }
    if (source.flow !== undefined) return [parseFlowArg(of, source.flow, command)];
    const fm = of.newFlowMod();
    fm.command = command;
    return [{ fm, usable: of.P_ANY }];
  };
  await runOnline(async (track) => {
    // As ovs-ofctl: the switch's port names are looked up first, so flows may name ports.
    const names = acceptNames(flags) ? await fetchPortNames(of, spec, flags, track) : undefined;
    const flows = of.withPortNames(names, parse);
    await sendFlowMods(of, spec, flows, flags, track);
  });
}
