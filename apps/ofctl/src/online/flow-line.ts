import type { FlowStats } from '@softswitch/openflow';

type Of = typeof import('@softswitch/openflow');

const FLAG_NAMES: [number, string][] = [
  [1, 'send_flow_rem'],
  [2, 'check_overlap'],
  [4, 'reset_counts'],
  [8, 'no_packet_counts'],
  [16, 'no_byte_counts'],
];

/**
 * One dump-flows line as ovs-ofctl prints it (ofputil_flow_stats_format): with statistics, or
 * with --no-stats only what describes the flow. Ages are printed when the reply carries them.
 */
export function formatFlowLine(
  of: Of,
  f: FlowStats & { idleAge?: number; hardAge?: number },
  showStats: boolean,
): string {
  let s = ' ';
  if (showStats || f.cookie !== 0n) s += `cookie=0x${f.cookie.toString(16)}, `;
  if (showStats) s += `duration=${of.formatDuration(f.durationSec, f.durationNsec)}, `;
  if (showStats || f.tableId !== 0) s += `table=${f.tableId}, `;
  if (showStats) {
    const n = (x: bigint) => (x === 0xffffffffffffffffn ? '?' : String(x));
    s += `n_packets=${n(f.packetCount)}, n_bytes=${n(f.byteCount)}, `;
  }
  if (f.idleTimeout) s += `idle_timeout=${f.idleTimeout}, `;
  if (f.hardTimeout) s += `hard_timeout=${f.hardTimeout}, `;
  for (const [bit, name] of FLAG_NAMES) if (f.flags & bit) s += `${name} `;
  if (showStats && f.idleAge !== undefined && f.idleAge >= 0) s += `idle_age=${f.idleAge}, `;
  if (showStats && f.hardAge !== undefined && f.hardAge >= 0 && f.hardAge !== f.durationSec)
    s += `hard_age=${f.hardAge}, `;
  const m = of.formatMatch(f.match, f.priority);
  if (m) s += `${m} `;
  return `${s}actions=${of.formatActions(f.actions)}`;
}
