// `tap`: a Linux tap device we create (/dev/net/tun, TUNSETIFF with IFF_TAP|IFF_NO_PI). Users move
// it into a namespace or give it to a VM; frames the host side sends come out of our reads and
// frames we write appear as received there. The device lives as long as our fd (not persistent).
//
// options:offload=true adds IFF_VNET_HDR and TUNSETOFFLOAD (checksum, TSO4, TSO6): the kernel
// then hands over partial checksums and TSO super-frames, which are finished here (offload.ts)
// instead of by the kernel. Without it, the kernel completes both before we read.
import type { NetdevOptions, NetdevType } from '../netdev.js';
import { VIRTIO_NET_HDR_LEN } from '../offload.js';
import { FdNetdev, type FdSetup, MAX_GSO_FRAME } from './fd-netdev.js';
import * as ifctl from './ifctl.js';
import {
  check,
  IFF_NO_PI,
  IFF_TAP,
  IFF_VNET_HDR,
  ifreq,
  type Libc,
  O_CLOEXEC,
  O_NONBLOCK,
  O_RDWR,
  TUN_F_CSUM,
  TUN_F_TSO4,
  TUN_F_TSO6,
  TUNSETIFF,
  TUNSETOFFLOAD,
} from './libc.js';

/** Without offload the kernel hands over MTU-sized frames: room for a 9216-byte MTU and a tag. */
const MAX_JUMBO_FRAME = 9216 + 18;

export class TapNetdev extends FdNetdev {
  readonly type: NetdevType;
  /** The kernel's name for the device (the same as `name` unless that held a %d pattern). */
  ifname: string;

  constructor(name: string, options: NetdevOptions = {}, type: NetdevType = 'tap') {
    super(name, options);
    this.type = type;
    this.ifname = name;
  }

  protected get kernelName(): string {
    return this.ifname;
  }

  protected openFd(c: Libc): FdSetup {
    const offload = this.options.offload === 'true';
    const fd = check(c, c.open('/dev/net/tun', O_RDWR | O_NONBLOCK | O_CLOEXEC), 'open /dev/net/tun');
    try {
      const req = ifreq(this.name);
      new DataView(req.buffer).setUint16(16, IFF_TAP | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0), true);
      check(c, c.ioctlPtr(fd, TUNSETIFF, req), `TUNSETIFF ${this.name}`);
      const end = req.indexOf(0);
      this.ifname = new TextDecoder().decode(req.subarray(0, end < 0 ? 16 : Math.min(end, 16)));
      if (offload) check(c, c.ioctlInt(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6), 'TUNSETOFFLOAD');
      if (this.adminState === 'up') ifctl.setUp(this.ifname, true);
    } catch (e) {
      c.close(fd);
      throw e;
    }
    const vnetHdrLen = offload ? VIRTIO_NET_HDR_LEN : 0;
    return { fd, mode: 'read', vnetHdrLen, maxFrame: offload ? MAX_GSO_FRAME : MAX_JUMBO_FRAME };
  }
}
