import type { Datapath } from '@softswitch/datapath';

export type TapDirection = 'rx' | 'tx';

/**
 * Receives one frame a port received or was sent. `frame` is a view valid only during the call
 * (the datapath rewrites and reuses its buffers): copy what you keep.
 */
export type FrameListener = (direction: TapDirection, frame: Uint8Array) => void;

/**
 * Every capture of one datapath (dpctl capture, replay --out) over its single tap hook: the
 * hook is installed only while some port has a listener, so an idle switch pays one
 * `undefined` check per batch and nothing more.
 */
export class PortTaps {
  private readonly listeners = new Map<number, Set<FrameListener>>();

  constructor(private readonly dp: Datapath) {}

  /** Listens to what datapath port `portNo` receives and sends; returns the undo. */
  add(portNo: number, listener: FrameListener): () => void {
    let set = this.listeners.get(portNo);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(portNo, set);
    }
    set.add(listener);
    this.dp.tap = this.dispatch;
    return () => {
      const s = this.listeners.get(portNo);
      if (s === undefined) return;
      s.delete(listener);
      if (s.size === 0) this.listeners.delete(portNo);
      if (this.listeners.size === 0 && this.dp.tap === this.dispatch) this.dp.tap = undefined;
    };
  }

  private readonly dispatch = (
    direction: TapDirection,
    portNo: number,
    frames: readonly Uint8Array[],
    count: number,
  ): void => {
    const set = this.listeners.get(portNo);
    if (set === undefined) return;
    for (const listener of set) {
      // One bad listener must not take the packet path down with it.
      try {
        for (let i = 0; i < count; i++) listener(direction, frames[i]);
      } catch {
        set.delete(listener);
      }
    }
  };
}

/** One PortTaps per datapath, shared by everything in switchd that captures. */
const registry = new WeakMap<Datapath, PortTaps>();

export function portTaps(dp: Datapath): PortTaps {
  let taps = registry.get(dp);
  if (taps === undefined) {
    taps = new PortTaps(dp);
    registry.set(dp, taps);
  }
  return taps;
}
