// Reading and changing a kernel interface's MTU, MAC and flags with the classic ioctls on a
// datagram socket (SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFFLAGS and their setters), and its carrier
// from sysfs. These act on the interface by name in the caller's network namespace.
import { readFileSync } from 'node:fs';
import {
  AF_INET,
  check,
  IFF_UP,
  ifreq,
  type Libc,
  loadLibc,
  SIOCGIFFLAGS,
  SIOCGIFHWADDR,
  SIOCGIFMTU,
  SIOCSIFFLAGS,
  SIOCSIFHWADDR,
  SIOCSIFMTU,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
} from './libc.js';

let controlFd = -1;

function control(c: Libc): number {
  if (controlFd < 0)
    controlFd = check(c, c.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), 'socket(AF_INET, SOCK_DGRAM)');
  return controlFd;
}

function ioctlIfreq(
  name: string,
  request: number,
  what: string,
  fill?: (req: Uint8Array, view: DataView) => void,
): DataView {
  const c = loadLibc();
  const req = ifreq(name);
  const view = new DataView(req.buffer);
  fill?.(req, view);
  check(c, c.ioctlPtr(control(c), request, req), `${name}: ${what}`);
  return view;
}

export function getMtu(name: string): number {
  return ioctlIfreq(name, SIOCGIFMTU, 'SIOCGIFMTU').getInt32(16, true);
}

export function setMtu(name: string, mtu: number): void {
  ioctlIfreq(name, SIOCSIFMTU, 'SIOCSIFMTU', (_r, v) => v.setInt32(16, mtu, true));
}

export function getMac(name: string): Uint8Array {
  const v = ioctlIfreq(name, SIOCGIFHWADDR, 'SIOCGIFHWADDR');
  // struct sockaddr: sa_family (2 bytes), then the address.
  return new Uint8Array(v.buffer.slice(18, 24));
}

export function setMac(name: string, mac: Uint8Array): void {
  ioctlIfreq(name, SIOCSIFHWADDR, 'SIOCSIFHWADDR', (r, v) => {
    v.setUint16(16, 1, true); // ARPHRD_ETHER
    r.set(mac, 18);
  });
}

export function getFlags(name: string): number {
  return ioctlIfreq(name, SIOCGIFFLAGS, 'SIOCGIFFLAGS').getUint16(16, true);
}

/** Sets or clears IFF_UP (what `ip link set NAME up|down` does). */
export function setUp(name: string, up: boolean): void {
  const flags = getFlags(name);
  const next = up ? flags | IFF_UP : flags & ~IFF_UP;
  if (next !== flags) ioctlIfreq(name, SIOCSIFFLAGS, 'SIOCSIFFLAGS', (_r, v) => v.setUint16(16, next, true));
}

/** The carrier as sysfs reports it; undefined when the interface is not in this namespace or down. */
export function carrier(name: string): boolean | undefined {
  try {
    return readFileSync(`/sys/class/net/${name}/carrier`, 'utf8').trim() === '1';
  } catch {
    return undefined;
  }
}
