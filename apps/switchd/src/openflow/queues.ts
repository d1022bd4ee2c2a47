import { OFPQ_ALL, type QueueConfig, type QueueStats, type QueueStatsRequest, RATE_ABSENT } from '@softswitch/openflow';
import type { PortInfo } from './bridge-api.js';

/** OFPQOFC_* codes (OFPET_QUEUE_OP_FAILED). */
export const OFPQOFC = { BAD_PORT: 0, BAD_QUEUE: 1 } as const;
const ANY_PORT = 0xffff;
const UNKNOWN = 0xffffffffffffffffn;

/**
 * Without QoS every port has the one default queue, 0, whose counters cannot be read: what
 * ovs-vswitchd reports for its netdev-dummy ports. A queue stats request gets those entries,
 * OFPQOFC_BAD_PORT for a port the bridge lacks, or OFPQOFC_BAD_QUEUE when no queue matches.
 */
export function queueStats(ports: PortInfo[], req: QueueStatsRequest): QueueStats[] | number {
  const selected = ports.filter((p) => req.portNo === ANY_PORT || p.ofport === req.portNo);
  if (req.portNo !== ANY_PORT && selected.length === 0) return OFPQOFC.BAD_PORT;
  if (req.queueId !== 0 && req.queueId !== OFPQ_ALL) return OFPQOFC.BAD_QUEUE;
  return selected.map((p) => ({
    portNo: p.ofport,
    queueId: 0,
    txBytes: UNKNOWN,
    txPackets: UNKNOWN,
    txErrors: UNKNOWN,
    durationSec: 0xffffffff,
    durationNsec: 0xffffffff,
  }));
}

/** OFPT_QUEUE_GET_CONFIG: queue 0 without rate properties per port asked about, or OFPQOFC_BAD_PORT. */
export function queueConfigs(ports: PortInfo[], portNo: number): QueueConfig[] | number {
  const selected = ports.filter((p) => portNo === ANY_PORT || p.ofport === portNo);
  if (portNo !== ANY_PORT && selected.length === 0) return OFPQOFC.BAD_PORT;
  return selected.map((p) => ({ queueId: 0, port: p.ofport, minRate: RATE_ABSENT, maxRate: RATE_ABSENT }));
}

/** OFPMP_QUEUE_DESC (1.4+): as queue-get-config, and OFPQOFC_BAD_QUEUE when the queue matches none. */
export function queueDescs(ports: PortInfo[], req: QueueStatsRequest): QueueConfig[] | number {
  const queues = queueConfigs(ports, req.portNo);
  if (typeof queues === 'number') return queues;
  if (req.queueId !== 0 && req.queueId !== OFPQ_ALL) return OFPQOFC.BAD_QUEUE;
  return queues;
}
