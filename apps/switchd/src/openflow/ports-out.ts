import { encodePort, encodePortStatsEntry, NO_PORT_FEATURES, type PortDesc, Writer } from '@softswitch/openflow';
import type { PortInfo } from './bridge-api.js';

export function macToBigint(mac: Uint8Array): bigint {
  let n = 0n;
  for (const b of mac) n = (n << 8n) | BigInt(b);
  return n;
}

/** A bridge port as an OpenFlow port description. */
export function portDesc(p: PortInfo): PortDesc {
  return {
    portNo: p.ofport,
    hwAddr: macToBigint(p.mac),
    name: p.name,
    config: p.config,
    state: p.state,
    ...NO_PORT_FEATURES,
  };
}

/** Config bits OpenFlow 1.1+ has (NO_STP, NO_RECV_STP and NO_FLOOD are 1.0's only). */
const OFPPC11_ALL = 1 | 4 | 32 | 64;

/** A port description as `version` can carry it (1.1+ lack some config bits). */
export function portDescFor(desc: PortDesc, version: number): PortDesc {
  return version === 1 ? desc : { ...desc, config: desc.config & OFPPC11_ALL };
}

/** ofp_port for `version` (OpenFlow 1.4+ carries the Ethernet features as a property). */
export function encodePortDesc(desc: PortDesc, version: number): Uint8Array {
  const w = new Writer(80);
  encodePort(w, portDescFor(desc, version), version);
  return w.finish();
}

/** RFC 2819 counters this switch does not keep: all-ones, as OVS sends for netdevs without them. */
const UNKNOWN = 0xffffffffffffffffn;
const RFC2819_UNKNOWN: bigint[] = new Array(21).fill(UNKNOWN);

/** One port statistics entry for `version`; ms is the port's age in milliseconds. */
export function encodePortStats(p: PortInfo, version: number, ms: number): Uint8Array {
  const s = p.stats;
  const main = [s.rxPackets, s.txPackets, s.rxBytes, s.txBytes, s.rxDropped, s.txDropped, s.rxErrors, s.txErrors];
  const w = new Writer(version >= 5 ? 272 : 128);
  encodePortStatsEntry(
    w,
    {
      portNo: p.ofport,
      // Frame, overrun and CRC errors and collisions are not counted: all-ones ("?" in
      // ovs-ofctl), as OVS reports counters a netdev does not have, rather than a false zero.
      counters: [...main.map(BigInt), UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN],
      durationSec: Math.floor(ms / 1000),
      durationNsec: (ms % 1000) * 1_000_000,
      rfc2819: version >= 5 ? RFC2819_UNKNOWN : undefined,
    },
    version,
  );
  return w.finish();
}
