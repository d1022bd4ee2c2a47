/**
 * Hardware offload in switchd, from `Open_vSwitch other_config` (read on every reconfiguration):
 *
 * | key | meaning |
 * | --- | --- |
 * | `hw-offload=true` | turn offload on (as Open vSwitch; default false) |
 * | `hw-offload-provider=tc\|sim` | our extension: the kernel's tc (default) or the simulated NIC |
 * | `hw-offload-sim-capacity=N` | sim: TCAM entries (default 64) |
 * | `hw-offload-sim-latency-ms=N` | sim: insertion latency (default 0) |
 * | `hw-offload-sim-rate=N` | sim: insertions per second (default unlimited) |
 * | `hw-offload-interval-ms=N` | policy period (default 100) |
 *
 * Unlike Open vSwitch (which needs a restart), a change applies at once: the old manager takes
 * every entry out of hardware and a new one starts. Stopping switchd removes everything too.
 */
import { OffloadManager, type OffloadProvider, SimProvider, TcProvider } from '@softswitch/offload';
import type { BridgeSet } from './bridge-set.js';

interface Running {
  readonly signature: string;
  readonly manager: OffloadManager;
  readonly timer: NodeJS.Timeout;
}

const running = new WeakMap<BridgeSet, Running>();

function num(v: string | undefined, fallback: number, min = 0): number {
  const n = Number(v);
  return v !== undefined && Number.isFinite(n) && n >= min ? n : fallback;
}

/** Applies the offload keys of `other_config` to the set's datapath. */
export async function applyOffloadConfig(
  set: BridgeSet,
  other: ReadonlyMap<string, string> | undefined,
  log: (message: string) => void,
): Promise<void> {
  const get = (k: string) => other?.get(k);
  const on = get('hw-offload') === 'true';
  const keys = [
    'hw-offload-provider',
    'hw-offload-sim-capacity',
    'hw-offload-sim-latency-ms',
    'hw-offload-sim-rate',
    'hw-offload-interval-ms',
  ];
  const signature = on ? keys.map((k) => `${k}=${get(k) ?? ''}`).join(',') : '';
  const current = running.get(set);
  if ((current?.signature ?? '') === signature) return;
  if (current !== undefined) await stopOffload(set);
  if (!on) return;
  const dp = set.datapath;
  const kind = get('hw-offload-provider') ?? 'tc';
  let provider: OffloadProvider;
  if (kind === 'sim') {
    provider = new SimProvider({
      capacity: num(get('hw-offload-sim-capacity'), 64, 1),
      insertLatencyMs: num(get('hw-offload-sim-latency-ms'), 0),
      maxInsertsPerSecond: num(get('hw-offload-sim-rate'), Number.POSITIVE_INFINITY, 1),
      clock: () => dp.now(),
    });
  } else if (kind === 'tc') {
    provider = new TcProvider({ clock: () => dp.now(), log });
  } else {
    log(`other_config:hw-offload-provider: unknown provider "${kind}" (tc or sim); offload stays off`);
    return;
  }
  const interval = num(get('hw-offload-interval-ms'), 100);
  const manager = new OffloadManager({ providers: [provider], intervalMs: interval, log });
  manager.attach(dp);
  // Policy and counter reads also run without traffic (removals retried, stats refreshed).
  const timer = setInterval(() => manager.run(dp.now()), Math.max(interval, 200));
  timer.unref();
  running.set(set, { signature, manager, timer });
  log(`hw-offload: on (${provider.type})`);
}

/** Takes every offloaded flow out of hardware (switchd stop, hw-offload turned off). */
export async function stopOffload(set: BridgeSet): Promise<void> {
  const r = running.get(set);
  if (r === undefined) return;
  running.delete(set);
  clearInterval(r.timer);
  await r.manager.close();
}

/** The running manager, if offload is on. */
export function offloadManager(set: BridgeSet): OffloadManager | undefined {
  return running.get(set)?.manager;
}
