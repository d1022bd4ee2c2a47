// The libc calls the Linux providers need, reached through koffi (FFI with prebuilt binaries), and
// the constants and struct layouts of x86-64/aarch64 Linux they use. Loaded on first use, so the
// dummy and pcap providers never load koffi.
import { createRequire } from 'node:module';

type Koffi = typeof import('koffi');

export const AF_PACKET = 17;
export const AF_INET = 2;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0x800;
export const SOCK_CLOEXEC = 0x80000;
export const O_RDWR = 2;
export const O_NONBLOCK = 0x800;
export const O_CLOEXEC = 0x80000;
/** htons(ETH_P_ALL) */
export const ETH_P_ALL_BE = 0x0300;
export const SOL_PACKET = 263;
export const PACKET_ADD_MEMBERSHIP = 1;
export const PACKET_MR_PROMISC = 1;
export const PACKET_AUXDATA = 8;
export const PACKET_VNET_HDR = 15;
export const PACKET_IGNORE_OUTGOING = 23;
export const TUNSETIFF = 0x400454ca;
export const TUNSETOFFLOAD = 0x400454d0;
export const TUN_F_CSUM = 0x01;
export const TUN_F_TSO4 = 0x02;
export const TUN_F_TSO6 = 0x04;
export const IFF_TAP = 0x0002;
export const IFF_NO_PI = 0x1000;
export const IFF_VNET_HDR = 0x4000;
export const SIOCGIFFLAGS = 0x8913;
export const SIOCSIFFLAGS = 0x8914;
export const SIOCGIFMTU = 0x8921;
export const SIOCSIFMTU = 0x8922;
export const SIOCGIFHWADDR = 0x8927;
export const SIOCSIFHWADDR = 0x8924;
export const IFF_UP = 0x1;
export const IFF_RUNNING = 0x40;
export const EAGAIN = 11;
export const EINTR = 4;
export const ENOBUFS = 105;
/** sizeof(struct ifreq) */
export const IFREQ_LEN = 40;
export const IFNAMSIZ = 16;

export interface Libc {
  koffi: Koffi;
  open(path: string, flags: number): number;
  close(fd: number): number;
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Uint8Array, len: number): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, len: number): number;
  /** ioctl with a pointer argument (struct ifreq). */
  ioctlPtr(fd: number, request: number, arg: Uint8Array): number;
  /** ioctl with an integer argument (TUNSETOFFLOAD). */
  ioctlInt(fd: number, request: number, arg: number): number;
  write(fd: number, buf: bigint, len: number): number;
  sendmmsg(fd: number, msgs: bigint, vlen: number, flags: number): number;
  ifNameToIndex(name: string): number;
  errno(): number;
  strerror(errno: number): string;
}

let libc: Libc | undefined;

export function loadLibc(): Libc {
  if (libc) return libc;
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  const lib = koffi.load('libc.so.6');
  const ioctl = lib.func('int ioctl(int fd, unsigned long request, ...)');
  const strerror = lib.func('const char *strerror(int errnum)');
  libc = {
    koffi,
    open: lib.func('int open(const char *path, int flags)'),
    close: lib.func('int close(int fd)'),
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    bind: lib.func('int bind(int fd, const void *addr, uint32_t len)'),
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
    ioctlPtr: (fd, request, arg) => ioctl(fd, request, 'void *', arg),
    ioctlInt: (fd, request, arg) => ioctl(fd, request, 'unsigned long', arg),
    write: lib.func('intptr_t write(int fd, void *buf, size_t len)'),
    sendmmsg: lib.func('int sendmmsg(int fd, void *msgs, unsigned int vlen, int flags)'),
    ifNameToIndex: lib.func('unsigned int if_nametoindex(const char *name)'),
    errno: () => koffi.errno(),
    strerror: (e) => strerror(e) as string,
  };
  return libc;
}

/** Throws "what: strerror(errno)" when a call returned -1. */
export function check(c: Libc, result: number, what: string): number {
  if (result < 0) {
    const e = c.errno();
    throw new Error(`${what}: ${c.strerror(e)} (errno ${e})`);
  }
  return result;
}

/** A struct ifreq with its name set. */
export function ifreq(name: string): Uint8Array {
  if (name.length === 0 || name.length >= IFNAMSIZ)
    throw new Error(`interface name "${name}" must be 1 to 15 characters`);
  const req = new Uint8Array(IFREQ_LEN);
  for (let i = 0; i < name.length; i++) req[i] = name.charCodeAt(i);
  return req;
}

/** The path of the worker script (plain JS, so it runs both from src under vitest and from dist). */
export function koffiPath(): string {
  return createRequire(import.meta.url).resolve('koffi');
}
