import { flowUfid, formatOdpFlow } from '@softswitch/datapath';
import type { UnixctlServer } from '@softswitch/unixctl';
import type { BridgeSet } from './bridge-set.js';

/**
 * `dpif/stats`: the datapath's counters as one JSON object, for live views (`dpctl top`,
 * `appctl dpif/top`) that compute rates from two snapshots. Counters only, never rates: the
 * client picks the interval. The shape is documented in apps/dpctl/README.md.
 */
export interface DpifStatsSnapshot {
  /** Milliseconds on switchd's monotonic clock when the snapshot was taken. */
  time: number;
  datapath: {
    name: string;
    hit: number;
    missed: number;
    lost: number;
    emcHits: number;
    megaflowHits: number;
    upcalls: number;
    flows: number;
    masks: number;
  };
  ports: {
    bridge: string;
    name: string;
    ofport: number;
    dpPort: number;
    type: string;
    rx_packets: number;
    rx_bytes: number;
    tx_packets: number;
    tx_bytes: number;
    rx_dropped: number;
    tx_dropped: number;
  }[];
  megaflows: { ufid: string; match: string; actions: string; packets: number; bytes: number }[];
}

export function dpifStats(set: BridgeSet): DpifStatsSnapshot {
  const dp = set.datapath;
  const s = dp.stats;
  const ports: DpifStatsSnapshot['ports'] = [];
  for (const b of [...set.bridges.values()].sort((x, y) => (x.name < y.name ? -1 : 1))) {
    for (const e of [...b.ifaces.values()].sort((x, y) => x.config.ofport - y.config.ofport)) {
      if (e.netdev === undefined || e.dpPort === undefined) continue;
      const st = e.netdev.stats;
      ports.push({
        bridge: b.name,
        name: e.config.name,
        ofport: e.config.ofport,
        dpPort: e.dpPort,
        type: e.config.type,
        rx_packets: st.rx_packets,
        rx_bytes: st.rx_bytes,
        tx_packets: st.tx_packets,
        tx_bytes: st.tx_bytes,
        rx_dropped: st.rx_dropped,
        tx_dropped: st.tx_dropped,
      });
    }
  }
  const portName = (no: number) => set.dpPortName(no);
  const megaflows = dp.flows().map((f) => ({
    ufid: flowUfid(f.actions),
    match: formatOdpFlow({ key: f.key, mask: f.mask, packetType: f.actions.packetType }, { portName }),
    actions: f.actions.compiled.text,
    packets: f.packets,
    bytes: f.bytes,
  }));
  return {
    time: dp.now(),
    datapath: {
      name: dp.name,
      hit: s.hit,
      missed: s.missed,
      lost: s.lost,
      emcHits: s.emcHits,
      megaflowHits: s.megaflowHits,
      upcalls: s.upcalls,
      flows: s.flows,
      masks: s.masks,
    },
    ports,
    megaflows,
  };
}

export function registerTopCommands(server: UnixctlServer, set: BridgeSet): void {
  server.register('dpif/stats', '', 0, 0, () => `${JSON.stringify(dpifStats(set))}\n`);
}
