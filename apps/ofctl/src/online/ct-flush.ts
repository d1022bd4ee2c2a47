import { UserError } from '@softswitch/cli-kit';
import type { CtMatch } from '@softswitch/openflow';
import type { ProtocolOptions } from '../protocol-flags.js';
import { openSwitch } from './session.js';

type Of = typeof import('@softswitch/openflow');

/**
 * ovs_scan's "zone=%SCNu16": blanks, an optional sign and decimal digits, anything after ignored,
 * the value wrapped to 16 bits as strtoul and the narrowing store do.
 */
export function scanZone(arg: string): number {
  const m = /^zone=\s*([+-]?)(\d+)/.exec(arg);
  if (!m) throw new UserError('Failed to parse zone');
  const v = Number(BigInt(m[2]) % 65536n);
  return m[1] === '-' ? (65536 - v) & 0xffff : v;
}

/** ct-flush's arguments after SWITCH: `[zone=N] [ORIG_TUPLE [REPLY_TUPLE]]`, as ovs-ofctl reads them. */
export function parseCtFlushArgs(of: Of, args: string[]): { match: CtMatch; zone: number | undefined } {
  let rest = args;
  let zone: number | undefined;
  if (rest.length && rest[0].startsWith('zone=')) {
    zone = scanZone(rest[0]);
    rest = rest.slice(1);
  }
  const match = of.emptyCtMatch();
  rest.slice(0, 2).forEach((arg, i) => {
    // An empty argument leaves its tuple empty (a way to give only the reply tuple).
    const error = arg ? of.parseCtTuple(arg, i ? match.reply : match.orig, match) : undefined;
    if (error) throw new UserError(`Failed to parse ct-tuple: ${error}`);
  });
  return { match, zone };
}

/** ct-flush SWITCH [zone=N] [ORIG [REPLY]]: NXT_CT_FLUSH, confirmed by a barrier. */
export async function runCtFlush(spec: string, args: string[], flags: ProtocolOptions & { rundir?: string }) {
  if (args.length > 3) throw new UserError("'ct-flush' command takes at most 4 arguments");
  const of = await import('@softswitch/openflow');
  const { match, zone } = parseCtFlushArgs(of, args);
  const { runOnline } = await import('./run.js');
  await runOnline(async (track) => {
    const conn = track(await openSwitch(of, spec, flags));
    await conn.transactNoReply(of.encodeCtFlush(match, zone, conn.version, conn.takeXid()));
  });
}
