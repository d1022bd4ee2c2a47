import { UserError } from '@softswitch/cli-kit';
import type { PortDesc } from '@softswitch/openflow';
import type { ProtocolOptions } from '../protocol-flags.js';
import type { OfConnection } from './connection.js';
import { openSwitch } from './session.js';

type Of = typeof import('@softswitch/openflow');
type Flags = ProtocolOptions & { rundir?: string };

/** mod-port's words: the config bit each changes and the value it sets (before any "no"). */
const MOD_PORT_FLAGS: [string, number, boolean][] = [
  ['up', 1, false],
  ['down', 1, true],
  ['stp', 2, false],
  ['receive', 4, false],
  ['receive-stp', 8, false],
  ['flood', 16, false],
  ['forward', 32, false],
  ['packet-in', 64, false],
];

/** Config bits OpenFlow 1.1+ port mods carry (NO_STP, NO_RECV_STP and NO_FLOOD are 1.0 only). */
const OFPPC11_ALL = 1 | 4 | 32 | 64;

/** The switch's ports: from the features reply before OpenFlow 1.3, else a port-desc request. */
export async function fetchPorts(of: Of, conn: OfConnection): Promise<PortDesc[]> {
  const version = conn.version;
  if (version < 4) {
    const r = await conn.transact(of.encodeMessage({ type: 'features_request', version, xid: conn.takeXid() }));
    const m = of.decodeMessage(r[0]);
    if (m.type === 'features_reply' && (version === 1 || m.ports.length)) return m.ports;
  }
  const replies = await conn.transact(
    of.encodeMessage({
      type: 'multipart_request',
      version,
      xid: conn.takeXid(),
      flags: 0,
      body: { mp: 'port_desc', portNo: 0xffff },
    }),
  );
  const ports: PortDesc[] = [];
  for (const r of replies) {
    if (version === 1) {
      for (let off = 12; off + 48 <= r.length; off += 48) ports.push(of.decodePort(r, off, 1));
      continue;
    }
    if (version >= 5) {
      ports.push(...decodeOf14Ports(of, r));
      continue;
    }
    const m = of.decodeMessage(r);
    if (m.type === 'multipart_reply' && m.body.mp === 'port_desc') ports.push(...m.body.ports);
  }
  return ports;
}

/** mod-port SWITCH PORT ACTION: finds the port (by number or name), then sends one port mod. */
export async function modPort(
  of: Of,
  spec: string,
  portArg: string,
  action: string,
  flags: Flags,
  track: (c: OfConnection) => OfConnection,
): Promise<void> {
  const lookup = track(await openSwitch(of, spec, flags));
  const ports = await fetchPorts(of, lookup);
  lookup.close();
  const byNumber = /^\d+$/.test(portArg) ? Number(portArg) & 0xffff : undefined;
  const port = ports.find((p) => (byNumber !== undefined ? p.portNo === byNumber : p.name === portArg));
  if (!port) throw new UserError(`${spec}: couldn't find port \`${portArg}'`);

  const lower = action.toLowerCase();
  const negated = lower.startsWith('no');
  const word = lower.startsWith('no-') ? lower.slice(3) : negated ? lower.slice(2) : lower;
  const flag = MOD_PORT_FLAGS.find(([name]) => name === word);
  if (!flag) throw new UserError(`unknown mod-port command '${action}'`);
  const [, bit, on] = flag;

  const conn = track(await openSwitch(of, spec, flags));
  const wire = conn.version === 1 ? 0xffffffff : OFPPC11_ALL;
  const portMod = {
    portNo: port.portNo,
    hwAddr: port.hwAddr,
    config: (on !== negated ? bit : 0) & wire,
    mask: bit & wire,
    advertise: 0,
  };
  await conn.transactNoReply(
    of.encodeMessage({ type: 'port_mod', version: conn.version, xid: conn.takeXid(), portMod }),
  );
}

/** The Ethernet feature fields a lookup leaves unread. */
const UNREAD_FEATURES = { curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 };

/**
 * OpenFlow 1.4+ port-desc reply entries (ofp14_port: a length of its own, then properties):
 * the fixed part is all a lookup needs.
 */
function decodeOf14Ports(of: Of, r: Uint8Array): PortDesc[] {
  const v = new DataView(r.buffer, r.byteOffset, r.byteLength);
  const ports: PortDesc[] = [];
  for (let off = 16; off + 40 <= r.length; ) {
    const len = v.getUint16(off + 4);
    if (len < 40) break;
    const raw = r.subarray(off + 16, off + 32);
    const nul = raw.indexOf(0);
    let hwAddr = 0n;
    for (let i = 0; i < 6; i++) hwAddr = (hwAddr << 8n) | BigInt(r[off + 8 + i]);
    ports.push({
      portNo: of.portFromOf11(v.getUint32(off)),
      hwAddr,
      name: new TextDecoder().decode(nul < 0 ? raw : raw.subarray(0, nul)),
      config: v.getUint32(off + 32),
      state: v.getUint32(off + 36),
      ...UNREAD_FEATURES,
    });
    off += len;
  }
  return ports;
}
