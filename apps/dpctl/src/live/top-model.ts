/**
 * The live view's numbers: rates from two `dpif/stats` snapshots (switchd's counters, see
 * apps/switchd/src/top.ts) taken an interval apart. Pure, so the view and the JSON agree.
 */

import type { DpifStatsSnapshot } from '@softswitch/datapath';

export type { DpifStatsSnapshot };

export interface TopPortRow {
  bridge: string;
  name: string;
  ofport: number;
  rxPacketsPerSecond: number;
  txPacketsPerSecond: number;
  rxBitsPerSecond: number;
  txBitsPerSecond: number;
  rxPackets: number;
  txPackets: number;
  dropped: number;
}

export interface TopFlowRow {
  ufid: string;
  match: string;
  actions: string;
  packetsPerSecond: number;
  packets: number;
}

export interface TopSnapshot {
  datapath: string;
  intervalMs: number;
  /** Lookups (hits + misses + lost) per second, and how they were answered (fractions 0..1). */
  lookupsPerSecond: number;
  emcHitRate: number;
  megaflowHitRate: number;
  missRate: number;
  upcallsPerSecond: number;
  flows: number;
  masks: number;
  ports: TopPortRow[];
  /** The busiest megaflows by packet rate over the interval, at most `topFlows`. */
  megaflows: TopFlowRow[];
}

export const DEFAULT_TOP_FLOWS = 10;

export function computeTop(prev: DpifStatsSnapshot, cur: DpifStatsSnapshot, topFlows = DEFAULT_TOP_FLOWS): TopSnapshot {
  const ms = Math.max(cur.time - prev.time, 1e-3);
  const perSecond = (d: number) => Math.max(0, (d * 1000) / ms);
  const a = prev.datapath;
  const b = cur.datapath;
  const hits = b.hit - a.hit;
  const lookups = hits + (b.missed - a.missed) + (b.lost - a.lost);
  const share = (n: number) => (lookups > 0 ? n / lookups : 0);
  const prevPorts = new Map(prev.ports.map((p) => [`${p.bridge}\0${p.name}`, p]));
  const ports = cur.ports.map((p): TopPortRow => {
    const q = prevPorts.get(`${p.bridge}\0${p.name}`) ?? p;
    return {
      bridge: p.bridge,
      name: p.name,
      ofport: p.ofport,
      rxPacketsPerSecond: perSecond(p.rx_packets - q.rx_packets),
      txPacketsPerSecond: perSecond(p.tx_packets - q.tx_packets),
      rxBitsPerSecond: perSecond((p.rx_bytes - q.rx_bytes) * 8),
      txBitsPerSecond: perSecond((p.tx_bytes - q.tx_bytes) * 8),
      rxPackets: p.rx_packets,
      txPackets: p.tx_packets,
      dropped: p.rx_dropped + p.tx_dropped,
    };
  });
  // A flow new in this interval counts all its packets; one gone is not busy any more.
  const prevFlows = new Map(prev.megaflows.map((f) => [f.ufid, f.packets]));
  const megaflows = cur.megaflows
    .map(
      (f): TopFlowRow => ({
        ufid: f.ufid,
        match: f.match,
        actions: f.actions,
        packetsPerSecond: perSecond(f.packets - (prevFlows.get(f.ufid) ?? 0)),
        packets: f.packets,
      }),
    )
    .sort((x, y) => y.packetsPerSecond - x.packetsPerSecond || y.packets - x.packets)
    .slice(0, topFlows);
  return {
    datapath: b.name,
    intervalMs: Math.round(ms * 1000) / 1000,
    lookupsPerSecond: perSecond(lookups),
    emcHitRate: share(b.emcHits - a.emcHits),
    megaflowHitRate: share(b.megaflowHits - a.megaflowHits),
    missRate: share(lookups - hits),
    upcallsPerSecond: perSecond(b.upcalls - a.upcalls),
    flows: b.flows,
    masks: b.masks,
    ports,
    megaflows,
  };
}

const pct = (f: number) => `${(f * 100).toFixed(1)}%`;
const rate = (n: number) => formatRate(n);

function formatRate(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(n < 10 && n > 0 ? 1 : 0);
}

/** The view's first lines: lookups and how the caches answered them, upcalls, flow table size. */
export function cacheLines(s: TopSnapshot): string[] {
  return [
    `${s.datapath}: lookups ${rate(s.lookupsPerSecond)}/s  upcalls ${rate(s.upcallsPerSecond)}/s  flows ${s.flows}  masks ${s.masks}`,
    `  emc hits ${pct(s.emcHitRate)}  megaflow hits ${pct(s.megaflowHitRate)}  misses ${pct(s.missRate)}`,
  ];
}

export const PORT_HEADER = [
  'bridge',
  'port',
  'rx pkt/s',
  'tx pkt/s',
  'rx bit/s',
  'tx bit/s',
  'rx pkts',
  'tx pkts',
  'drops',
];

export function portCells(p: TopPortRow): string[] {
  return [
    p.bridge,
    p.name,
    rate(p.rxPacketsPerSecond),
    rate(p.txPacketsPerSecond),
    rate(p.rxBitsPerSecond),
    rate(p.txBitsPerSecond),
    String(p.rxPackets),
    String(p.txPackets),
    String(p.dropped),
  ];
}

export const FLOW_HEADER = ['pkt/s', 'packets', 'megaflow', 'actions'];

export function flowCells(f: TopFlowRow): string[] {
  return [rate(f.packetsPerSecond), String(f.packets), f.match, f.actions];
}

/** Cells padded to their column's widest, two spaces apart (the view and plain text share it). */
export function alignColumns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) {
    for (let i = 0; i < r.length; i++) widths[i] = Math.max(widths[i] ?? 0, r[i].length);
  }
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

/** The whole view as plain text (non-terminal output). */
export function formatTopText(s: TopSnapshot): string {
  const lines = [...cacheLines(s), ''];
  lines.push(...alignColumns([PORT_HEADER, ...s.ports.map(portCells)]), '');
  lines.push(...alignColumns([FLOW_HEADER, ...s.megaflows.map(flowCells)]));
  return `${lines.join('\n')}\n`;
}
