// `createNetdev(type, name, options)`: the one place that maps an Interface.type to a provider.
import { DummyNetdev } from './dummy.js';
import { SystemNetdev } from './linux/system.js';
import { TapNetdev } from './linux/tap.js';
import type { Netdev, NetdevOptions, NetdevType } from './netdev.js';
import { PcapNetdev } from './pcap-netdev.js';

export const NETDEV_TYPES: readonly NetdevType[] = ['dummy', 'pcap', 'internal', 'tap', 'system'];

export function isNetdevType(type: string): type is NetdevType {
  return (NETDEV_TYPES as readonly string[]).includes(type);
}

/**
 * Makes an (unopened) device. `internal`, the bridge's LOCAL port, is a dummy-like device (it
 * accepts `netdev-dummy/receive` and the dummy options) unless `options:internal_tap=true` asks
 * for a kernel tap device named after the bridge, as Open vSwitch's internal ports are.
 */
export function createNetdev(type: string, name: string, options: NetdevOptions = {}): Netdev {
  switch (type) {
    case 'dummy':
      return new DummyNetdev(name, options);
    case 'internal':
      return options.internal_tap === 'true'
        ? new TapNetdev(name, options, 'internal')
        : new DummyNetdev(name, options, 'internal');
    case 'pcap':
      return new PcapNetdev(name, options);
    case 'tap':
      return new TapNetdev(name, options);
    case 'system':
      return new SystemNetdev(name, options);
    default:
      throw new Error(`${name}: unsupported interface type "${type}" (supported: ${NETDEV_TYPES.join(', ')})`);
  }
}
