import { UserError } from '@softswitch/cli-kit';
import type { PortNameMap } from '@softswitch/openflow';
import type { ProtocolOptions } from '../protocol-flags.js';
import { type OfConnection, OpenFlowErrorReply } from './connection.js';
import { portNamesToShow } from './port-names.js';
import { openSwitch } from './session.js';

type Of = typeof import('@softswitch/openflow');
type Flags = ProtocolOptions & { rundir?: string; 'packet-in-format'?: string; timestamp?: boolean; names?: boolean };

/** NXPIF_*: the packet-in formats of NXT_SET_PACKET_IN_FORMAT. */
const PACKET_IN_FORMATS: Record<string, number> = {
  standard: 0,
  openflow10: 0,
  nxt_packet_in: 1,
  nxm: 1,
  nxt_packet_in2: 2,
};
const OFPC_INVALID_TTL_TO_CONTROLLER = 4;

export function parsePacketInFormat(name: string): number {
  const f = PACKET_IN_FORMATS[name];
  if (f === undefined) throw new UserError(`unknown packet-in format \`${name}'`);
  return f;
}

/** NXT_SET_PACKET_IN_FORMAT (a Nicira experimenter message in every version). */
function setPacketInFormatMessage(version: number, xid: number, format: number): Uint8Array {
  const b = new Uint8Array(20);
  const v = new DataView(b.buffer);
  v.setUint8(0, version);
  v.setUint8(1, 4);
  v.setUint16(2, 20);
  v.setUint32(4, xid);
  v.setUint32(8, 0x2320);
  v.setUint32(12, 16);
  v.setUint32(16, format);
  return b;
}

async function trySetPacketInFormat(
  of: Of,
  conn: OfConnection,
  format: number,
  mustSucceed: boolean,
): Promise<boolean> {
  try {
    await conn.transactNoReply(setPacketInFormatMessage(conn.version, conn.takeXid(), format));
    return true;
  } catch (e) {
    if (mustSucceed || !(e instanceof OpenFlowErrorReply)) throw e;
    void of;
    return false;
  }
}

/** ovs-ofctl's fetch_switch_config: a get-config request and its reply. */
export async function fetchConfig(of: Of, conn: OfConnection): Promise<{ flags: number; missSendLen: number }> {
  const [reply] = await conn.transact(
    of.encodeMessage({ type: 'get_config_request', version: conn.version, xid: conn.takeXid() }),
  );
  const m = of.decodeMessage(reply);
  if (m.type !== 'get_config_reply') throw new UserError(`${conn.target.name}: bad reply to config request`);
  return { flags: m.flags, missSendLen: m.missSendLen };
}

async function setConfig(of: Of, conn: OfConnection, config: { flags: number; missSendLen: number }): Promise<void> {
  await conn.transactNoReply(
    of.encodeMessage({
      type: 'set_config',
      version: conn.version,
      xid: conn.takeXid(),
      flags: config.flags,
      missSendLen: config.missSendLen,
    }),
  );
}

function timestampPrefix(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}: `;
}

/**
 * ovs-ofctl's monitor_vconn: prints every message from the switch on stderr as ofp-print does,
 * answering echo requests when `replyToEcho`, until the connection ends.
 */
async function printMessages(
  of: Of,
  conn: OfConnection,
  replyToEcho: boolean,
  timestamp: boolean,
  names?: PortNameMap,
): Promise<never> {
  conn.autoEcho = false;
  for (;;) {
    const m = await conn.receive();
    process.stderr.write(`${timestamp ? timestampPrefix() : ''}${of.withPortNames(names, () => of.ofpPrint(m, 2))}\n`);
    if (m[1] === 2 && replyToEcho) {
      const reply = m.slice();
      reply[1] = 3;
      conn.sendRaw(reply);
    }
  }
}

/** monitor SWITCH [MISSLEN] [invalid_ttl]: set up the connection for async messages, then print them. */
export async function monitor(
  of: Of,
  spec: string,
  args: string[],
  flags: Flags,
  track: (c: OfConnection) => OfConnection,
): Promise<void> {
  const conn = track(await openSwitch(of, spec, flags));
  for (const arg of args) {
    if (/^\d/.test(arg)) {
      const config = await fetchConfig(of, conn);
      await setConfig(of, conn, { ...config, missSendLen: Number(/^\d+/.exec(arg)?.[0]) & 0xffff });
    } else if (arg === 'invalid_ttl') {
      let config = await fetchConfig(of, conn);
      if (!(config.flags & OFPC_INVALID_TTL_TO_CONTROLLER)) {
        await setConfig(of, conn, { ...config, flags: config.flags | OFPC_INVALID_TTL_TO_CONTROLLER });
        config = await fetchConfig(of, conn);
        if (!(config.flags & OFPC_INVALID_TTL_TO_CONTROLLER)) {
          throw new UserError(
            "setting invalid_ttl_to_controller failed (this switch probably doesn't support this flag)",
          );
        }
      }
    } else if (arg.startsWith('watch:')) {
      throw new UserError(`${arg}: flow monitoring ("watch:") is not supported by this ofctl`);
    } else throw new UserError(`${arg}: unsupported "monitor" argument`);
  }
  const format = flags['packet-in-format'];
  if (format !== undefined) await trySetPacketInFormat(of, conn, parsePacketInFormat(format), true);
  else if (!(await trySetPacketInFormat(of, conn, 2, false)) && conn.version === 1) {
    await trySetPacketInFormat(of, conn, 1, false);
  }
  // Under --names, ports in the messages (a packet-in's in_port, flows) print by name.
  const names = await portNamesToShow(of, spec, flags, track);
  await printMessages(of, conn, true, flags.timestamp ?? false, names);
}

/** snoop SWITCH: connects to `<rundir>/<bridge>.snoop` and prints the controller traffic it copies. */
export async function snoop(
  of: Of,
  spec: string,
  flags: Flags,
  track: (c: OfConnection) => OfConnection,
): Promise<void> {
  const conn = track(await openSwitch(of, spec, flags, 0, 'snoop'));
  await printMessages(of, conn, false, flags.timestamp ?? false);
}
