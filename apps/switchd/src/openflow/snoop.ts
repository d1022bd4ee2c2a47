import type { Socket } from 'node:net';
import { encodeMessage } from '@softswitch/openflow';

const VERSION_BITMAP = 0x7e;

/**
 * `.snoop` monitors, as Open vSwitch's rconn monitors: each is attached to one controller
 * target and gets a copy of every message that controller's connection sends or receives after
 * the hellos (across reconnects). A monitor says hello like any OpenFlow peer; what it sends
 * afterwards is read and dropped.
 */
export class SnoopSet {
  private readonly byTarget = new Map<string, Set<Socket>>();

  constructor(private readonly log: (m: string) => void) {}

  /** A new monitor connection for `target` (undefined: no controller to snoop on, so it is closed). */
  add(socket: Socket, target: string | undefined): void {
    socket.on('error', (e) => this.log(`snoop connection error: ${e.message}`));
    if (target === undefined) {
      this.log('no controller connection to snoop');
      socket.destroy();
      return;
    }
    socket.write(encodeMessage({ type: 'hello', version: 6, xid: 0, bitmap: VERSION_BITMAP }));
    socket.on('data', () => {});
    let set = this.byTarget.get(target);
    if (!set) {
      set = new Set();
      this.byTarget.set(target, set);
    }
    const monitors = set;
    monitors.add(socket);
    socket.once('close', () => monitors.delete(socket));
  }

  /** The copy function for `target`'s connections: cheap when nobody snoops. */
  tap(target: string): (message: Uint8Array) => void {
    return (message) => {
      const set = this.byTarget.get(target);
      if (!set) return;
      for (const s of set) if (!s.destroyed) s.write(message);
    };
  }

  drop(target: string): void {
    for (const s of this.byTarget.get(target) ?? []) s.destroy();
    this.byTarget.delete(target);
  }

  closeAll(): void {
    for (const t of [...this.byTarget.keys()]) this.drop(t);
  }
}
