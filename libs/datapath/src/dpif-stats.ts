/**
 * `dpif/stats`: the datapath's counters as one JSON object, the reply switchd gives live views
 * (`dpctl top`, `appctl dpif/top`) that compute rates from two snapshots. Counters only, never
 * rates: the client picks the interval. Documented in apps/dpctl/README.md.
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
    /** Of megaflowHits, found through the signature match cache (OVS's `smc hits`). */
    smcHits?: number;
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
