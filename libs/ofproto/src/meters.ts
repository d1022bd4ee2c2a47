import type { Action, MeterBand, MeterMod } from '@softswitch/openflow';
import { FlowModError } from './flow-table.js';

/** Meter flags (OFPMF13_*). */
export const MeterFlag = { KBPS: 1, PKTPS: 2, BURST: 4, STATS: 8 } as const;
/** Meter-mod commands (OFPMC13_*). */
export const MeterCommand = { ADD: 0, MODIFY: 1, DELETE: 2 } as const;
/** OFPM13_ALL and the first reserved meter id (OFPM13_MAX + 1). */
const OFPM_ALL = 0xffffffff;
const OFPM_MAX = 0xffff0000;

/** What a datapath does with meters (OVS's dpif meter_set/meter_del, provider meter ids). */
export interface MeterProvider {
  /** A free datapath meter id (OVS: the lowest free one of its id pool). */
  alloc(): number;
  /** Configures (or reconfigures) datapath meter `dpId`. */
  set(dpId: number, flags: number, bands: readonly MeterBand[]): void;
  /** Deletes datapath meter `dpId` and frees its id. */
  free(dpId: number): void;
  /** Packets and bytes the meter saw, and per band the packets and bytes it dropped. */
  stats?(dpId: number): MeterCounters | undefined;
}

export interface MeterCounters {
  packets: number;
  bytes: number;
  bands: { packets: number; bytes: number }[];
}

/** A provider that only numbers meters (no datapath behind it: tests, ofproto/trace). */
export class MeterIdPool implements MeterProvider {
  private readonly used = new Set<number>();

  alloc(): number {
    let id = 0;
    while (this.used.has(id)) id++;
    this.used.add(id);
    return id;
  }

  set(): void {}

  free(dpId: number): void {
    this.used.delete(dpId);
  }
}

/** An OpenFlow meter of a bridge. */
export interface Meter {
  readonly meterId: number;
  flags: number;
  bands: MeterBand[];
  /** Datapath meter id (what `meter(N)` prints). */
  readonly dpId: number;
  /** Creation time, ms on the bridge's clock. */
  readonly created: number;
}

const meterError = (code: number, name: string, message: string) => new FlowModError(name, 12, code, message);

/** True if the actions (write_actions included) use meter `meterId`. */
export function actionsUseMeter(actions: readonly Action[], meterId: number): boolean {
  for (const a of actions) {
    if (a.type === 'meter' && a.meterId === meterId) return true;
    if (a.type === 'write_actions' && actionsUseMeter(a.actions, meterId)) return true;
  }
  return false;
}

/**
 * The meter table of a bridge with OVS's meter-mod semantics (ofproto.c handle_meter_mod):
 * ADD of an existing meter and MODIFY of a missing one fail; DELETE of a missing one is
 * ignored; ids above OFPM13_MAX (controller, slowpath) are refused.
 */
export class MeterTable {
  readonly meters = new Map<number, Meter>();

  constructor(
    private readonly provider: MeterProvider,
    private readonly now: () => number,
  ) {}

  get(meterId: number): Meter | undefined {
    return this.meters.get(meterId);
  }

  /** The datapath's counters of meter `meterId` (zeros when the provider keeps none). */
  stats(meterId: number): MeterCounters | undefined {
    const m = this.meters.get(meterId);
    if (m === undefined) return undefined;
    return (
      this.provider.stats?.(m.dpId) ?? { packets: 0, bytes: 0, bands: m.bands.map(() => ({ packets: 0, bytes: 0 })) }
    );
  }

  /** Applies a meter-mod; returns the ids of the meters deleted (their flows must go too). */
  apply(mm: MeterMod): number[] {
    const exists = this.meters.has(mm.meterId);
    switch (mm.command) {
      case MeterCommand.ADD:
      case MeterCommand.MODIFY: {
        if (mm.meterId === 0 || mm.meterId > OFPM_MAX)
          throw meterError(2, 'OFPMMFC_INVALID_METER', `meter ${mm.meterId} is not a valid id`);
        if (mm.command === MeterCommand.ADD && exists)
          throw meterError(1, 'OFPMMFC_METER_EXISTS', `meter ${mm.meterId} exists`);
        if (mm.command === MeterCommand.MODIFY && !exists)
          throw meterError(3, 'OFPMMFC_UNKNOWN_METER', `no meter ${mm.meterId}`);
        if (mm.bands.some((b) => b.type !== 1))
          throw meterError(8, 'OFPMMFC_BAD_BAND', 'only drop bands are supported');
        const old = this.meters.get(mm.meterId);
        const dpId = old?.dpId ?? this.provider.alloc();
        const bands = mm.bands.map((b) => ({ ...b }));
        this.provider.set(dpId, mm.flags, bands);
        this.meters.set(mm.meterId, {
          meterId: mm.meterId,
          flags: mm.flags,
          bands,
          dpId,
          created: old?.created ?? this.now(),
        });
        return [];
      }
      case MeterCommand.DELETE: {
        const ids = mm.meterId === OFPM_ALL ? [...this.meters.keys()] : exists ? [mm.meterId] : [];
        for (const id of ids) {
          this.provider.free((this.meters.get(id) as Meter).dpId);
          this.meters.delete(id);
        }
        return ids;
      }
      default:
        throw meterError(0, 'OFPMMFC_UNKNOWN', `bad meter command ${mm.command}`);
    }
  }
}
