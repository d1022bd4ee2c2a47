/**
 * Every place the datapath drops a packet counts it under one of these names, so a user can find
 * where packets go (`appctl dpif/show-drops`, `coverage/show`). Names follow Open vSwitch's
 * `datapath_drop_*` / `drop_action_*` coverage counters where one exists.
 */
export const DROP_REASONS = {
  /** The upcall handler had no answer for the packet (no rule / translation failed). */
  no_flow: 'datapath_drop_upcall_error',
  /** Over the upcall budget (per batch or per second): the miss was not sent up. */
  upcall_limit: 'datapath_drop_upcall_limit',
  /** The flow's actions were `drop` (or empty). */
  drop_action: 'drop_action_of_pipeline',
  /** Frame bigger than the output port's MTU. */
  mtu_exceeded: 'datapath_drop_mtu_exceeded',
  /** Frame too short to be Ethernet. */
  invalid_packet: 'datapath_drop_rx_invalid_packet',
  /** Output port does not exist. */
  invalid_port: 'datapath_drop_invalid_port',
  /** Output port administratively down. */
  port_down: 'datapath_drop_port_down',
  /** The output device refused the frame (queue full, link down, ...). */
  queue_full: 'datapath_drop_tx_queue_full',
  /** `recirc` is not supported by this datapath. */
  recirc_error: 'datapath_drop_recirc_error',
  /** Work re-entered from outputs (a loop between ports) beyond the bound. */
  recursion_too_deep: 'drop_action_recursion_too_deep',
  /** A meter band dropped it (its rate was exceeded). */
  meter: 'datapath_drop_meter',
  /** A userspace action found no callback. */
  userspace_error: 'datapath_drop_userspace_action_error',
} as const;

export type DropReason = keyof typeof DROP_REASONS;

export const DROP_REASON_NAMES = Object.keys(DROP_REASONS) as DropReason[];

/** Counters per reason, indexed like DROP_REASON_NAMES. */
export class DropCounters {
  private readonly counts = new Float64Array(DROP_REASON_NAMES.length);
  private static readonly index = new Map(DROP_REASON_NAMES.map((r, i) => [r, i]));

  add(reason: DropReason, n = 1): void {
    this.counts[DropCounters.index.get(reason) as number] += n;
  }

  get(reason: DropReason): number {
    return this.counts[DropCounters.index.get(reason) as number];
  }

  get total(): number {
    let t = 0;
    for (const c of this.counts) t += c;
    return t;
  }

  /** Reason → count, for every reason with a non-zero count. */
  snapshot(): Partial<Record<DropReason, number>> {
    const out: Partial<Record<DropReason, number>> = {};
    DROP_REASON_NAMES.forEach((r, i) => {
      if (this.counts[i] > 0) out[r] = this.counts[i];
    });
    return out;
  }

  clear(): void {
    this.counts.fill(0);
  }
}
