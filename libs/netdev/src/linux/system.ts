// `system`: an existing kernel interface (a veth end, a NIC) reached through an AF_PACKET raw
// socket bound to it, in promiscuous mode, as Open vSwitch's userspace datapath does with
// netdev-linux. Each received frame comes with its virtio-net header (PACKET_VNET_HDR), so partial
// checksums and TSO super-frames from a veth peer are finished here (see offload.ts), and with
// PACKET_AUXDATA, so a VLAN tag the kernel lifted off is put back. Our own transmissions are not
// read back (PACKET_IGNORE_OUTGOING, and the worker also skips PACKET_OUTGOING frames).
import type { NetdevOptions, NetdevType } from '../netdev.js';
import { VIRTIO_NET_HDR_LEN } from '../offload.js';
import { FdNetdev, type FdSetup, MAX_GSO_FRAME } from './fd-netdev.js';
import * as ifctl from './ifctl.js';
import {
  AF_PACKET,
  check,
  ETH_P_ALL_BE,
  type Libc,
  PACKET_ADD_MEMBERSHIP,
  PACKET_AUXDATA,
  PACKET_IGNORE_OUTGOING,
  PACKET_MR_PROMISC,
  PACKET_VNET_HDR,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOL_PACKET,
} from './libc.js';

const SOL_SOCKET = 1;
const SO_RCVBUFFORCE = 33;
const SO_SNDBUFFORCE = 32;
const SOCKET_BUFFER = 4 * 1024 * 1024;

function int32(value: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, value, true);
  return b;
}

export class SystemNetdev extends FdNetdev {
  readonly type: NetdevType = 'system';
  ifindex = 0;

  constructor(name: string, options: NetdevOptions = {}) {
    super(name, options);
  }

  protected get kernelName(): string {
    return this.name;
  }

  protected openFd(c: Libc): FdSetup {
    const ifindex = c.ifNameToIndex(this.name);
    if (ifindex === 0) throw new Error(`could not open network device ${this.name} (No such device)`);
    this.ifindex = ifindex;
    const fd = check(
      c,
      c.socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, ETH_P_ALL_BE),
      'socket(AF_PACKET)',
    );
    try {
      const one = int32(1);
      check(c, c.setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, one, 4), 'PACKET_AUXDATA');
      check(c, c.setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, one, 4), 'PACKET_VNET_HDR');
      // Older kernels (< 4.20) lack it; the worker filters PACKET_OUTGOING then.
      c.setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, one, 4);
      // Room for bursts (needs CAP_NET_ADMIN, which opening the socket needed anyway).
      c.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, int32(SOCKET_BUFFER), 4);
      c.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, int32(SOCKET_BUFFER), 4);
      // struct sockaddr_ll: family, protocol (big-endian), ifindex, hatype, pkttype, halen, addr[8]
      const sll = new Uint8Array(20);
      const v = new DataView(sll.buffer);
      v.setUint16(0, AF_PACKET, true);
      v.setUint16(2, 0x0003, false);
      v.setInt32(4, ifindex, true);
      check(c, c.bind(fd, sll, sll.length), `bind to ${this.name}`);
      // struct packet_mreq: ifindex, type, alen, address[8]
      const mreq = new Uint8Array(16);
      const mv = new DataView(mreq.buffer);
      mv.setInt32(0, ifindex, true);
      mv.setUint16(4, PACKET_MR_PROMISC, true);
      check(c, c.setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq, mreq.length), 'PACKET_ADD_MEMBERSHIP promisc');
      if (this.adminState === 'up') ifctl.setUp(this.name, true);
    } catch (e) {
      c.close(fd);
      throw e;
    }
    return { fd, mode: 'packet', vnetHdrLen: VIRTIO_NET_HDR_LEN, maxFrame: MAX_GSO_FRAME };
  }
}
