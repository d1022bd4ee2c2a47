import { UserError } from '@softswitch/cli-kit';
import type { ProtocolOptions } from '../protocol-flags.js';
import { fetchConfig } from './monitor.js';
import { openSwitch } from './session.js';

type Flags = ProtocolOptions & { rundir?: string };

/** OFPC_FRAG_* values by ovs-ofctl's mode names (the two low bits of the switch config flags). */
export const FRAG_MODES = ['normal', 'drop', 'reassemble', 'nx-match'] as const;
const FRAG_MASK = 3;
/** OpenFlow 1.0-1.2's "invalid TTL to controller" flag, which set-config carries back. */
const INVALID_TTL_TO_CONTROLLER = 4;

/** get-frags SWITCH: the switch's fragment handling mode. */
export async function runGetFrags(spec: string, flags: Flags): Promise<void> {
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  await runOnline(async (track) => {
    const conn = track(await openSwitch(of, spec, flags));
    const config = await fetchConfig(of, conn);
    process.stdout.write(`${FRAG_MODES[config.flags & FRAG_MASK]}\n`);
  });
}

/**
 * set-frags SWITCH MODE, as ovs-ofctl: nothing is sent when the mode is already set; otherwise a
 * set-config (confirmed by a barrier), then the config is read back, because a switch may ignore
 * a mode it does not support without an error.
 */
export async function runSetFrags(spec: string, modeName: string, flags: Flags): Promise<void> {
  const mode = (FRAG_MODES as readonly string[]).indexOf(modeName);
  if (mode < 0) throw new UserError(`${modeName}: unknown fragment handling mode`);
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  await runOnline(async (track) => {
    const conn = track(await openSwitch(of, spec, flags));
    const config = await fetchConfig(of, conn);
    if ((config.flags & FRAG_MASK) === mode) return;
    const kept = conn.version < 4 ? config.flags & INVALID_TTL_TO_CONTROLLER : 0;
    await conn.transactNoReply(
      of.encodeMessage({
        type: 'set_config',
        version: conn.version,
        xid: conn.takeXid(),
        flags: kept | mode,
        missSendLen: config.missSendLen,
      }),
    );
    if (((await fetchConfig(of, conn)).flags & FRAG_MASK) !== mode) {
      throw new UserError(
        `${spec}: setting fragment handling mode failed (this switch probably doesn't support mode "${modeName}")`,
      );
    }
  });
}
