import { checksum, csumAdd, csumFinish, ipv4PseudoSum, ipv6PseudoSum, write16, write32 } from './checksum.js';
import { ETH_TYPE, IP_PROTO, NW_FRAG_ANY, NW_FRAG_LATER, VLAN_CFI, W } from './flow-key.js';
import { parseFlowString } from './flow-string.js';

export interface ComposeOptions {
  /**
   * L7 payload for TCP (without SYN/FIN/RST), UDP and ICMP echo. Default: the 64 bytes
   * 0x00..0x3f, as `ovs-ofctl compose-packet` uses.
   */
  payload?: Uint8Array;
}

const DEFAULT_PAYLOAD = Uint8Array.from({ length: 64 }, (_, i) => i);

/**
 * Builds a packet from an exact flow in OVS syntax, byte for byte as `ovs-ofctl compose-packet
 * FLOW` does (OVS 3.1 `flow_compose`), except that IPv6 fragments get a fragment header (OVS
 * 3.1 drops nw_frag for IPv6).
 */
export function composePacket(flow: string, options: ComposeOptions = {}): Uint8Array {
  return composeFromKey(parseFlowString(flow), options);
}

/** Builds a packet whose extracted flow is `key` (as far as a packet can carry it). */
export function composeFromKey(key: Uint32Array, options: ComposeOptions = {}): Uint8Array {
  const payload = options.payload ?? DEFAULT_PAYLOAD;
  const b = new ByteBuilder();
  const dlType = key[W.DL_TYPE];
  b.u16(key[W.DL_DST])
    .u32(key[W.DL_DST + 1])
    .u16(key[W.DL_SRC])
    .u32(key[W.DL_SRC + 1]);
  if (dlType === ETH_TYPE.NONE) {
    // 802.3: the type field is the frame length, and OVS adds no VLAN tags.
    b.u16(b.length + 2);
    return b.bytes();
  }
  for (let i = 0; i < 2; i++) {
    // vlans[0] is the outer tag.
    const v = key[W.VLAN0 + i];
    if (v & VLAN_CFI) b.u16(v >>> 16 || ETH_TYPE.VLAN).u16(v & 0xffff & ~VLAN_CFI);
  }
  b.u16(dlType);
  const nw = key[W.NW];
  const frag = nw >>> 24;
  const tos = (nw >>> 16) & 0xff;
  const ttl = (nw >>> 8) & 0xff;
  const proto = nw & 0xff;

  if (dlType === ETH_TYPE.IP) {
    const ip = b.length;
    let fragOff = 0;
    if (frag & NW_FRAG_ANY) fragOff = 0x2000 | (frag & NW_FRAG_LATER ? 100 : 0);
    b.u8(0x45).u8(tos).u16(0).u32(fragOff).u8(ttl).u8(proto).u16(0).u32(key[W.NW_SRC]).u32(key[W.NW_DST]);
    const l4 = b.length;
    composeL4(b, key, payload);
    const p = b.bytes();
    write16(p, ip + 2, p.length - ip);
    write16(p, ip + 10, checksum(p, ip, ip + 20));
    finishL4(p, key, l4, ipv4PseudoSum(p, ip, proto, p.length - l4));
    return p;
  }
  if (dlType === ETH_TYPE.IPV6) {
    const ip = b.length;
    const isFrag = (frag & NW_FRAG_ANY) !== 0;
    b.u32(((6 << 28) | (tos << 20) | (key[W.IPV6_LABEL] & 0xfffff)) >>> 0);
    b.u16(0)
      .u8(isFrag ? IP_PROTO.FRAGMENT : proto)
      .u8(ttl);
    for (let i = 0; i < 8; i++) b.u32(key[W.IPV6_SRC + i]);
    if (isFrag)
      b.u8(proto)
        .u8(0)
        .u16(frag & NW_FRAG_LATER ? 100 << 3 : 1)
        .u32(0);
    const l4 = b.length;
    composeL4(b, key, payload);
    const p = b.bytes();
    write16(p, ip + 4, p.length - ip - 40);
    finishL4(p, key, l4, ipv6PseudoSum(p, ip, proto, p.length - l4));
    return p;
  }
  if (dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP) {
    b.u16(1).u16(ETH_TYPE.IP).u8(6).u8(4).u16(proto);
    if (proto === 1 || proto === 2) {
      b.u16(key[W.ARP_SHA])
        .u32(key[W.ARP_SHA + 1])
        .u32(key[W.NW_SRC]);
      b.u16(key[W.ARP_THA])
        .u32(key[W.ARP_THA + 1])
        .u32(key[W.NW_DST]);
    } else {
      b.zeros(20);
    }
    return b.bytes();
  }
  if (dlType === ETH_TYPE.MPLS || dlType === ETH_TYPE.MPLS_MCAST) {
    let n = 1;
    while (n < 3 && !(key[W.MPLS0 + n - 1] & 0x100)) n++;
    for (let i = 0; i < n; i++) b.u32(key[W.MPLS0 + i]);
  }
  return b.bytes();
}

function composeL4(b: ByteBuilder, key: Uint32Array, payload: Uint8Array): void {
  const nw = key[W.NW];
  if ((nw >>> 24) & NW_FRAG_LATER) return;
  const proto = nw & 0xff;
  const src = key[W.TP] >>> 16;
  const dst = key[W.TP] & 0xffff;
  switch (proto) {
    case IP_PROTO.TCP: {
      const flags = key[W.TCP_FLAGS] & 0xfff;
      b.u16(src)
        .u16(dst)
        .u32(0)
        .u32(0)
        .u16((5 << 12) | flags)
        .u16(0)
        .u16(0)
        .u16(0);
      if (!(flags & 0x7)) b.append(payload); // no data with SYN, FIN or RST
      return;
    }
    case IP_PROTO.UDP:
      b.u16(src)
        .u16(dst)
        .u16(8 + payload.length)
        .u16(0)
        .append(payload);
      return;
    case IP_PROTO.SCTP:
      b.u16(src).u16(dst).u32(0).u32(0);
      return;
    case IP_PROTO.ICMP:
      b.u8(src).u8(dst).u16(0).u32(0);
      if ((src === 0 || src === 8) && dst === 0) b.append(payload);
      return;
    case IP_PROTO.IGMP:
      b.u8(src).u8(dst).u16(0).u32(key[W.ND_RESERVED]);
      return;
    case IP_PROTO.ICMPV6:
      b.u8(src).u8(dst).u16(0).u32(key[W.ND_RESERVED]);
      if (dst === 0 && (src === 135 || src === 136)) {
        for (let i = 0; i < 4; i++) b.u32(key[W.ND_TARGET + i]);
        if (key[W.ARP_SHA] || key[W.ARP_SHA + 1])
          b.u8(1)
            .u8(1)
            .u16(key[W.ARP_SHA])
            .u32(key[W.ARP_SHA + 1]);
        if (key[W.ARP_THA] || key[W.ARP_THA + 1])
          b.u8(2)
            .u8(1)
            .u16(key[W.ARP_THA])
            .u32(key[W.ARP_THA + 1]);
      } else if ((src === 128 || src === 129) && dst === 0) {
        b.append(payload); // echo request/reply
      }
      return;
  }
}

function finishL4(p: Uint8Array, key: Uint32Array, l4: number, pseudo: number): void {
  const nw = key[W.NW];
  if ((nw >>> 24) & NW_FRAG_LATER) return;
  const end = p.length;
  switch (nw & 0xff) {
    case IP_PROTO.TCP:
      write16(p, l4 + 16, csumFinish(csumAdd(p, l4, end, pseudo)));
      return;
    case IP_PROTO.UDP: {
      const c = csumFinish(csumAdd(p, l4, end, pseudo));
      write16(p, l4 + 6, c === 0 ? 0xffff : c);
      return;
    }
    case IP_PROTO.ICMP:
    case IP_PROTO.IGMP:
      write16(p, l4 + 2, checksum(p, l4, end));
      return;
    case IP_PROTO.ICMPV6:
      write16(p, l4 + 2, csumFinish(csumAdd(p, l4, end, pseudo)));
      return;
  }
}

/** Appends big-endian fields to a growing buffer. */
class ByteBuilder {
  private buf = new Uint8Array(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.room(2);
    write16(this.buf, this.length, v);
    this.length += 2;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    write32(this.buf, this.length, v);
    this.length += 4;
    return this;
  }

  zeros(n: number): this {
    this.room(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
    return this;
  }

  append(bytes: Uint8Array): this {
    this.room(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
