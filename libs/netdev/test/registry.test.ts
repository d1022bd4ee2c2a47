import { describe, expect, it } from 'vitest';
import { DummyNetdev } from '../src/dummy.js';
import { ringLayout } from '../src/linux/ring.js';
import { SystemNetdev } from '../src/linux/system.js';
import { TapNetdev } from '../src/linux/tap.js';
import { formatMac, parseMac } from '../src/netdev-base.js';
import { PcapNetdev } from '../src/pcap-netdev.js';
import { createNetdev, isNetdevType, NETDEV_TYPES } from '../src/registry.js';

describe('createNetdev', () => {
  it('maps every Interface.type to its provider', () => {
    expect(createNetdev('dummy', 'a')).toBeInstanceOf(DummyNetdev);
    expect(createNetdev('pcap', 'a')).toBeInstanceOf(PcapNetdev);
    expect(createNetdev('tap', 'a')).toBeInstanceOf(TapNetdev);
    expect(createNetdev('system', 'a')).toBeInstanceOf(SystemNetdev);
    const local = createNetdev('internal', 'br0');
    expect(local).toBeInstanceOf(DummyNetdev);
    expect(local.type).toBe('internal');
    const tapLocal = createNetdev('internal', 'br0', { internal_tap: 'true' });
    expect(tapLocal).toBeInstanceOf(TapNetdev);
    expect(tapLocal.type).toBe('internal');
    expect(NETDEV_TYPES.every(isNetdevType)).toBe(true);
    expect(isNetdevType('vxlan')).toBe(false);
  });

  it('names what it does not know', () => {
    expect(() => createNetdev('vxlan', 'v0')).toThrow(
      'v0: unsupported interface type "vxlan" (supported: dummy, pcap, internal, tap, system)',
    );
  });

  it('gives each name a stable, locally administered MAC; parses and prints MACs', () => {
    const a = createNetdev('dummy', 'p1').mac;
    expect(createNetdev('dummy', 'p1').mac).toEqual(a);
    expect(createNetdev('dummy', 'p2').mac).not.toEqual(a);
    expect(a[0] & 0x02).toBe(0x02);
    expect(a[0] & 0x01).toBe(0);
    expect(formatMac(parseMac('0:1:a:BB:cc:ff'))).toBe('00:01:0a:bb:cc:ff');
    expect(() => parseMac('00:01')).toThrow('"00:01" is not an Ethernet address');
  });

  it('takes a new unicast MAC and refuses others', () => {
    const d = createNetdev('internal', 'br0');
    d.setMac(parseMac('02:11:22:33:44:55'));
    expect(formatMac(d.mac)).toBe('02:11:22:33:44:55');
    expect(() => d.setMac(parseMac('01:00:5e:00:00:01'))).toThrow('br0: 01:00:5e:00:00:01 is a multicast address');
    expect(() => d.setMac(new Uint8Array(4))).toThrow('br0: an Ethernet address has 6 bytes, not 4');
  });

  it('refuses MTUs outside 68..65535', () => {
    const d = createNetdev('dummy', 'p1');
    d.setMtu(9000);
    expect(d.mtu).toBe(9000);
    expect(() => d.setMtu(10)).toThrow('p1: MTU 10 is not between 68 and 65535');
  });
});

describe('receive ring layout', () => {
  it('wants a power-of-two slot count', () => {
    expect(ringLayout(128, 2048).bytes).toBe(64 + 128 * 32 + 128 * 2048);
    for (const bad of [0, 1, 3, 100, Number.NaN, 2.5])
      expect(() => ringLayout(bad, 2048)).toThrow(/must be a power of two/);
  });
});
