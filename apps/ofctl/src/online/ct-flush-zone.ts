import { UserError } from '@softswitch/cli-kit';
import { parseCInteger } from '@softswitch/openflow';
import type { ProtocolOptions } from '../protocol-flags.js';
import { openSwitch } from './session.js';

/** A C integer as strtol with base 0 reads it (decimal, 0x hex, 0 octal, optional sign); NaN if malformed. */
export function parseCInt(text: string): number {
  const v = parseCInteger(text);
  return v === undefined ? Number.NaN : Number(v);
}

/** OVS's str_to_u16: a C integer from 0 to 65535. */
export function parseZoneId(text: string): number {
  const value = parseCInt(text);
  if (!(value >= 0 && value <= 0xffff)) throw new UserError(`invalid zone_id "${text}"`);
  return value;
}

/** ct-flush-zone SWITCH ZONE: NXT_CT_FLUSH_ZONE (padding, then the zone), confirmed by a barrier. */
export async function runCtFlushZone(spec: string, zoneText: string, flags: ProtocolOptions & { rundir?: string }) {
  const zone = parseZoneId(zoneText);
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  await runOnline(async (track) => {
    const conn = track(await openSwitch(of, spec, flags));
    const w = new of.Writer(24);
    w.u8(conn.version)
      .u8(4)
      .u16(24)
      .u32(conn.takeXid())
      .u32(of.NX_VENDOR_ID)
      .u32(of.NXT_CT_FLUSH_ZONE)
      .zeros(6)
      .u16(zone);
    await conn.transactNoReply(w.finish());
  });
}
