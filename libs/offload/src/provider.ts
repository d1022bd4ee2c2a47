/**
 * The offload provider contract, after Open vSwitch's netdev-offload-provider.h: a provider
 * serves the ports it claims; the offload manager offers it megaflows (match + datapath actions)
 * whose input port it serves; it accepts or rejects each with a reason, installs, modifies and
 * removes them, and reports per-flow counters that the manager merges into the datapath's flows.
 *
 * Operations answer synchronously (a model such as the simulated NIC) or with a promise (the
 * kernel, reached through the `tc` tool). Every operation is atomic: a failed install leaves
 * nothing behind, a failed removal leaves the entry as it was (the manager retries).
 */
import type { CompiledActions, DpPort } from '@softswitch/datapath';

/** Why a provider did not take (or lost) a flow. */
export type RejectReason =
  | 'unsupported-match' // the mask covers a field the hardware cannot match
  | 'unsupported-action' // an action the hardware cannot perform
  | 'no-capacity' // every entry is taken
  | 'rate-limit' // too many insertions this second
  | 'refused' // the hardware said no (fault injection: "refuse the k-th operation")
  | 'failure'; // the operation failed (fault injection, a tc error)

export const REJECT_REASONS: readonly RejectReason[] = [
  'unsupported-match',
  'unsupported-action',
  'no-capacity',
  'rate-limit',
  'refused',
  'failure',
];

/** Result of install / modify / remove. */
export type OpResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail?: string };

export const OK: OpResult = { ok: true };

/** What a provider is offered: one megaflow of the datapath. */
export interface OffloadFlow {
  /** Masked key and mask (the datapath's 64-word layout); `key[W.IN_PORT]` is the datapath port. */
  readonly key: Uint32Array;
  readonly mask: Uint32Array;
  /** Matches `packet_type(ns=0,id=0)` exactly. */
  readonly packetType: boolean;
  readonly actions: CompiledActions;
}

/** Cumulative counters of one installed entry. */
export interface HwFlowStats {
  packets: number;
  bytes: number;
  /** Last hit on the datapath's clock (ms); meaningless while packets is 0. */
  used: number;
  /** OR of the TCP flags seen (0 when the hardware does not report them). */
  tcpFlags: number;
}

export type MaybeAsync<T> = T | Promise<T>;

export interface OffloadProvider {
  /** The layer name dumps print as `dp:NAME` (`sim`, `tc`). */
  readonly type: string;
  /**
   * True when packets hitting an entry are forwarded outside the datapath (the kernel): the
   * datapath drops its own copy. False (the simulated NIC): the datapath runs the entry's actions
   * on the provider's behalf, as the NIC would.
   */
  readonly forwardsItself: boolean;
  /** Whether this provider serves packets received on `port`. */
  serves(port: DpPort): boolean;
  /** Cheap capability check before any operation (no state change). */
  check(flow: OffloadFlow, port: (no: number) => DpPort | undefined): OpResult;
  /**
   * New flows a policy round may offer this provider before they turned hot (0 or absent: hot
   * flows only). A provider whose entries are not scarce (the kernel) takes a flow from its first
   * round, as Open vSwitch offloads every flow it puts to tc, so a flow whose packets so far were
   * its upcall's (no cache hit yet, no heat) does not stay in software; the bound keeps a burst of
   * new flows from turning into as many provider operations at once.
   */
  readonly coldOffersPerRound?: number;
  /** Entries in use and the most there can be. */
  readonly used: number;
  readonly capacity: number;
  /** Installs `flow` under `id` (unique per manager, never reused). */
  install(id: number, flow: OffloadFlow): MaybeAsync<OpResult>;
  /** Replaces the actions of entry `id`. */
  modify(id: number, flow: OffloadFlow): MaybeAsync<OpResult>;
  /** Removes entry `id`. Removing an unknown id succeeds. */
  remove(id: number): MaybeAsync<OpResult>;
  /**
   * The entry (id) that forwards this received packet if one is active, else -1. Called per
   * packet: must not allocate. The datapath's key and the raw frame are both given.
   */
  classify(inPort: number, frame: Uint8Array, key: Uint32Array, now: number): number;
  /** Counts a packet `classify` matched (providers that count in the kernel ignore it). */
  account(id: number, bytes: number, tcpFlags: number, now: number): void;
  /** Cumulative counters of entry `id` (undefined if it is not installed). */
  stats(id: number): HwFlowStats | undefined;
  /** Refreshes counters kept elsewhere (the kernel's); resolves once `stats` reflects them. */
  refresh?(now: number): Promise<void>;
  /** Every installed id (for consistency checks). */
  ids(): number[];
  /** Releases everything the provider installed (switchd stop). */
  close(): MaybeAsync<void>;
}
