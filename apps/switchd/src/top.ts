import { type DpifStatsSnapshot, flowUfid, formatOdpFlow } from '@softswitch/datapath';
import type { UnixctlServer } from '@softswitch/unixctl';
import type { BridgeSet } from './bridge-set.js';

/** `dpif/stats` for the live views: see DpifStatsSnapshot in libs/datapath. */
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
      smcHits: s.smcHits,
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
