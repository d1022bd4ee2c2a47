/**
 * The datapath's side of hardware offload (Open vSwitch's dpif-offload / netdev-offload split):
 * the datapath knows nothing about providers or policy; it calls these hooks at the points where
 * a NIC (or the kernel's tc layer) would act, and where its flow table changes under the flows a
 * provider may hold. libs/offload's OffloadManager implements it.
 */
import type { DpFlow } from './datapath.js';
import type { CompiledActions } from './execute.js';

/** `ingress` answer: the packet was already forwarded outside the datapath (the kernel's tc). */
export const HW_CONSUMED = 'consumed' as const;

export interface DatapathOffload {
  /**
   * A received packet, extracted (`key` is the datapath's reused buffer: read only), before the
   * caches, as a NIC sees it before the host. `undefined`: software handles it. `HW_CONSUMED`:
   * something outside the datapath already forwarded it (do nothing more). Compiled actions: the
   * (simulated) hardware forwards it with these; the datapath runs them on its ports.
   */
  ingress(
    inPort: number,
    frame: Uint8Array,
    key: Uint32Array,
    now: number,
  ): CompiledActions | typeof HW_CONSUMED | undefined;
  /** End of a received batch (policy runs from here when it is due). */
  afterBatch(now: number): void;
  /**
   * A flow entered the table (upcall, dpctl): hardware entries it overlaps must go, or hardware
   * and software could credit a packet to different flows.
   */
  flowInstalled(flow: DpFlow): void;
  /** A flow is about to leave the table (dpctl del, flush): take it out of hardware first. */
  flowRemoved(flow: DpFlow): void;
  /** A flow's actions changed in place (dpctl mod-flow): update or remove it in hardware. */
  flowModified(flow: DpFlow): void;
  /** After revalidation or expiry: every offloaded flow that died or changed is fixed now. */
  reconcile(): void;
  /** Merges hardware counters (packets, bytes, used, TCP flags) into the flows. */
  syncStats(now: number): void;
  /** The layer holding `flow` in hardware (`tc`, `sim`), or undefined when software only. */
  layerOf(flow: DpFlow): string | undefined;
  /** Counters for `dpctl/offload-stats-show`, in print order. */
  counters(): readonly { readonly name: string; readonly value: number }[];
}
