import { UserError } from '@softswitch/cli-kit';
import type { ProtocolOptions } from '../protocol-flags.js';
import { openSwitch } from './session.js';

const OFP_HEADER_LEN = 8;
const MAX_PAYLOAD = 0xffff - OFP_HEADER_LEN;

/** C's atoi: leading blanks, a sign, digits; 0 when there are none; wrapped to a 32-bit int. */
export function atoi(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m ? Number(BigInt.asIntN(32, BigInt(m[1]))) : 0;
}

/** printf's %.0f and %.1f, with C's names for the infinities and NaN (0/0 on x86 is -nan). */
function cFixed(v: number, digits: number): string {
  if (Number.isNaN(v)) return '-nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return v.toFixed(digits);
}

/**
 * benchmark TARGET N COUNT: COUNT echo requests of N bytes of payload, one at a time, then the
 * time taken and the rates, as ovs-ofctl prints them (the sizes in C's unsigned arithmetic).
 */
export async function runBenchmark(
  spec: string,
  sizeText: string,
  countText: string,
  flags: ProtocolOptions & { rundir?: string },
) {
  const payload = atoi(sizeText) >>> 0;
  if (payload > MAX_PAYLOAD) throw new UserError(`payload must be between 0 and ${MAX_PAYLOAD} bytes`);
  const messageSize = OFP_HEADER_LEN + payload;
  const count = atoi(countText);
  const total = Math.imul(count, messageSize) >>> 0;
  process.stdout.write(`Sending ${count} packets * ${messageSize} bytes (with header) = ${total} bytes total\n`);
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  await runOnline(async (track) => {
    const conn = track(await openSwitch(of, spec, flags));
    const data = new Uint8Array(payload);
    // gettimeofday's microseconds, as ovs-ofctl measures.
    const micros = () => process.hrtime.bigint() / 1000n;
    const start = micros();
    for (let i = 0; i < count; i++) {
      await conn.transact(of.encodeMessage({ type: 'echo_request', version: conn.version, xid: conn.takeXid(), data }));
    }
    const ms = Number(micros() - start) / 1000;
    process.stdout.write(
      `Finished in ${cFixed(ms, 1)} ms (${cFixed(count / (ms / 1000), 0)} packets/s) (${cFixed(total / (ms / 1000), 0)} bytes/s)\n`,
    );
  });
}
