// The receive loop of one Linux device, in its own thread so blocking syscalls never stall the
// main event loop. Plain JavaScript so the same file runs from src (tests) and dist (build).
//
// mode 'packet': an AF_PACKET socket read with recvmmsg (batch), each message with its
//   virtio-net header (PACKET_VNET_HDR), its sockaddr_ll (to skip our own outgoing frames) and
//   its PACKET_AUXDATA (the VLAN tag the kernel took off).
// mode 'read': a tap fd read frame by frame (a character device has no recvmmsg).
// Frames land in the shared ring (see ring.ts for the layout and protocol).
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const {
  koffiPath,
  fd,
  mode,
  vnetHdrLen,
  slots,
  slotSize,
  headroom,
  ctlOffset,
  metaOffset,
  dataOffset,
  metaStride,
  batch,
  sab,
} = workerData;

const HEAD = 0;
const TAIL = 1;
const STOP = 2;
const PENDING = 3;
const RX_ERRORS = 4;
const READY = 5;
const FATAL_ERRNO = 6;
const F_NEEDS_CSUM = 1;
const F_VLAN = 2;
const POLLIN = 1;
const MSG_DONTWAIT = 0x40;
const MSG_TRUNC = 0x20;
const SOL_PACKET = 263;
const PACKET_AUXDATA = 8;
const PACKET_OUTGOING = 4;
const TP_STATUS_VLAN_VALID = 1 << 4;
const TP_STATUS_VLAN_TPID_VALID = 1 << 6;
const POLLNVAL = 0x20;
const EBADF = 9;
const EINTR = 4;

const koffi = createRequire(import.meta.url)(koffiPath);
const lib = koffi.load('libc.so.6');
const poll = lib.func('int poll(void *fds, unsigned long n, int timeout)');
const recvmmsg = lib.func('int recvmmsg(int fd, void *msgs, unsigned int vlen, int flags, void *timeout)');
const read = lib.func('intptr_t read(int fd, void *buf, size_t len)');

const ctl = new Int32Array(sab, ctlOffset, 16);
const meta = new Int32Array(sab, metaOffset, slots * metaStride);
const ring = new Uint8Array(sab, dataOffset, slots * slotSize);
const mask = slots - 1;
const maxFrame = slotSize - headroom;

// Native memory for recvmmsg: buffers, iovecs, names, control buffers, mmsghdrs, one pollfd.
const BUF = vnetHdrLen + maxFrame;
const IOV = 16;
const NAME = 24;
const CTRL = 64;
const MMSG = 64;
const offBufs = 0;
const offIov = offBufs + batch * BUF;
const offName = offIov + batch * IOV;
const offCtrl = offName + batch * NAME;
const offMsgs = offCtrl + batch * CTRL;
const offPoll = offMsgs + batch * MMSG;
const total = offPoll + 8;
const native = koffi.alloc('uint8_t', total);
const base = koffi.address(native);
const nbytes = new Uint8Array(koffi.view(native, total));
const nview = new DataView(nbytes.buffer);
const addr = (off) => base + BigInt(off);
for (let i = 0; i < batch; i++) {
  nview.setBigUint64(offIov + i * IOV, addr(offBufs + i * BUF), true);
  nview.setBigUint64(offIov + i * IOV + 8, BigInt(BUF), true);
  const m = offMsgs + i * MMSG;
  nview.setBigUint64(m, addr(offName + i * NAME), true); // msg_name
  nview.setBigUint64(m + 16, addr(offIov + i * IOV), true); // msg_iov
  nview.setBigUint64(m + 24, 1n, true); // msg_iovlen
  nview.setBigUint64(m + 32, addr(offCtrl + i * CTRL), true); // msg_control
}
nview.setInt32(offPoll, fd, true);
nview.setInt16(offPoll + 4, POLLIN, true);
const pollAddr = addr(offPoll);
const msgsAddr = addr(offMsgs);

/** Records a frame's virtio-net header in the slot's metadata. */
function putVnet(m, src, at) {
  const flags = src[at];
  meta[m + 1] = flags & 1 ? F_NEEDS_CSUM : 0;
  meta[m + 4] = src[at + 1] & 0x7f;
  meta[m + 5] = src[at + 4] | (src[at + 5] << 8);
  meta[m + 2] = src[at + 6] | (src[at + 7] << 8);
  meta[m + 3] = src[at + 8] | (src[at + 9] << 8);
}

function publish(head) {
  Atomics.store(ctl, HEAD, head);
  if (Atomics.compareExchange(ctl, PENDING, 0, 1) === 0) parentPort.postMessage(0);
}

function receivePackets(head, room) {
  const want = Math.min(room, batch);
  for (let i = 0; i < want; i++) {
    const m = offMsgs + i * MMSG;
    nview.setUint32(m + 8, NAME, true); // msg_namelen
    nview.setUint32(m + 40, CTRL, true); // msg_controllen (a size_t: the high word stays 0)
    nview.setInt32(m + 48, 0, true); // msg_flags
  }
  const n = recvmmsg(fd, msgsAddr, want, MSG_DONTWAIT, null);
  if (n < 0) return head;
  for (let i = 0; i < n; i++) {
    const m = offMsgs + i * MMSG;
    const len = nview.getUint32(m + 56, true);
    const flags = nview.getInt32(m + 48, true);
    if (nbytes[offName + i * NAME + 10] === PACKET_OUTGOING) continue; // sll_pkttype
    if (flags & MSG_TRUNC || len < vnetHdrLen + 14) {
      Atomics.add(ctl, RX_ERRORS, 1);
      continue;
    }
    const slot = head & mask;
    const sm = slot * metaStride;
    const src = offBufs + i * BUF;
    const frameLen = len - vnetHdrLen;
    ring.set(nbytes.subarray(src + vnetHdrLen, src + len), slot * slotSize + headroom);
    meta[sm] = frameLen;
    if (vnetHdrLen) putVnet(sm, nbytes, src);
    else meta[sm + 1] = 0;
    // PACKET_AUXDATA: the VLAN tag stripped by the kernel (802.1Q unless the TPID says otherwise).
    const controlLen = nview.getUint32(m + 40, true);
    const c = offCtrl + i * CTRL;
    if (
      controlLen >= 36 &&
      nview.getInt32(c + 8, true) === SOL_PACKET &&
      nview.getInt32(c + 12, true) === PACKET_AUXDATA
    ) {
      const status = nview.getUint32(c + 16, true);
      if (status & TP_STATUS_VLAN_VALID) {
        meta[sm + 1] |= F_VLAN;
        meta[sm + 6] = nview.getUint16(c + 32, true);
        meta[sm + 7] = status & TP_STATUS_VLAN_TPID_VALID ? nview.getUint16(c + 34, true) : 0x8100;
      }
    }
    head = (head + 1) | 0;
  }
  return head;
}

function readFrames(head, room) {
  const want = Math.min(room, batch);
  for (let i = 0; i < want; i++) {
    const slot = head & mask;
    const at = slot * slotSize + headroom - vnetHdrLen;
    const n = read(fd, ring.subarray(at, at + vnetHdrLen + maxFrame), vnetHdrLen + maxFrame);
    if (n < 0) break;
    if (n < vnetHdrLen + 14) {
      Atomics.add(ctl, RX_ERRORS, 1);
      continue;
    }
    const sm = slot * metaStride;
    meta[sm] = n - vnetHdrLen;
    if (vnetHdrLen) putVnet(sm, ring, at);
    else meta[sm + 1] = 0;
    head = (head + 1) | 0;
  }
  return head;
}

Atomics.store(ctl, READY, 1);
let head = Atomics.load(ctl, HEAD);
while (Atomics.load(ctl, STOP) === 0) {
  const tail = Atomics.load(ctl, TAIL);
  const room = slots - ((head - tail) | 0);
  if (room === 0) {
    Atomics.wait(ctl, TAIL, tail, 50);
    continue;
  }
  const r = poll(pollAddr, 1, 100);
  if (r < 0) {
    const e = koffi.errno();
    if (e === EINTR) continue;
    Atomics.store(ctl, FATAL_ERRNO, e);
    break;
  }
  if (r === 0) continue;
  const revents = nview.getInt16(offPoll + 6, true);
  if (revents & POLLNVAL) {
    Atomics.store(ctl, FATAL_ERRNO, EBADF);
    break;
  }
  // On POLLERR (the interface went down, say) the read below consumes the error.
  const next = mode === 'packet' ? receivePackets(head, room) : readFrames(head, room);
  if (next !== head) {
    head = next;
    publish(head);
  } else if ((revents & POLLIN) === 0) {
    Atomics.wait(ctl, STOP, 0, 50); // POLLHUP with nothing to read: do not spin
  }
}
koffi.free(native);
