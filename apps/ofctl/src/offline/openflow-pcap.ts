type PacketLib = typeof import('@softswitch/packet');
type OpenFlow = typeof import('@softswitch/openflow');

/** OVS's default OpenFlow ports (OFP_PORT, OFP_OLD_PORT). */
export const DEFAULT_OPENFLOW_PORTS = [6653, 6633];

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const OFPP_NONE = 0xffff;
const OFP_HEADER_LEN = 8;

/** One direction of a TCP connection: the next sequence number and the bytes not yet printed. */
interface Stream {
  seq: number;
  data: Uint8Array;
}

/**
 * OVS's tcp_reader: a stream starts at a SYN (or at the first segment with data), takes only
 * in-order segments (others are dropped) and ends at a FIN or RST (whose data is ignored).
 */
class TcpReader {
  private readonly streams = new Map<string, Stream>();

  /** The stream's unconsumed bytes after this segment, or undefined when nothing was added. */
  run(id: string, flags: number, seq: number, payload: Uint8Array): Stream | undefined {
    let stream = this.streams.get(id);
    if (!stream) {
      if (!(flags & TCP_SYN) && !payload.length) return undefined;
      stream = { seq: flags & TCP_SYN ? (seq + 1) >>> 0 : seq, data: new Uint8Array(0) };
      this.streams.set(id, stream);
    }
    if (flags & TCP_SYN || !stream.seq) {
      // Sequence number 0 doubles as "no SYN seen yet" in OVS: treated as one.
      stream.data = new Uint8Array(0);
      stream.seq = (seq + 1) >>> 0;
      return undefined;
    }
    if (flags & (TCP_FIN | TCP_RST)) {
      this.streams.delete(id);
      return undefined;
    }
    if (seq !== stream.seq) return undefined;
    const joined = new Uint8Array(stream.data.length + payload.length);
    joined.set(stream.data);
    joined.set(payload, stream.data.length);
    stream.data = joined;
    stream.seq = (seq + payload.length) >>> 0;
    return stream;
  }
}

const ipText = (a: number) => `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;

/** One OpenFlow message seen in a capture, with the TCP endpoints it went between. */
export interface CapturedMessage {
  /** `IP.PORT` of the sender and the receiver. */
  from: string;
  to: string;
  message: Uint8Array;
}

/**
 * The OpenFlow messages in the IPv4 TCP connections of a capture that use one of `ports`, in
 * the order their last byte arrived (what ovs-ofctl ofp-parse-pcap prints).
 */
export function capturedOpenFlow(
  packet: PacketLib,
  frames: Iterable<{ data: Uint8Array }>,
  ports: number[],
): CapturedMessage[] {
  const reader = new TcpReader();
  const key = packet.createFlowKey();
  const offsets = new packet.HeaderOffsets();
  const out: CapturedMessage[] = [];
  for (const { data } of frames) {
    packet.extractFlow(data, OFPP_NONE, key, offsets);
    const tpSrc = key[packet.W.TP] >>> 16;
    const tpDst = key[packet.W.TP] & 0xffff;
    const isTcp = key[packet.W.DL_TYPE] === 0x0800 && (key[packet.W.NW] & 0xff) === 6;
    if (!isTcp || !(ports.includes(tpSrc) || ports.includes(tpDst)) || offsets.l4 < 0) continue;
    // dp_packet_get_tcp_payload: a header that fits in the segment, else no payload at all.
    const l4 = offsets.l4;
    const l4Size = data.length - l4 - offsets.l2Pad;
    if (l4Size < 20) continue;
    const headerLen = (data[l4 + 12] >> 4) * 4;
    if (headerLen < 20 || headerLen > l4Size) continue;
    const seq = ((data[l4 + 4] << 24) | (data[l4 + 5] << 16) | (data[l4 + 6] << 8) | data[l4 + 7]) >>> 0;
    const src = key[packet.W.NW_SRC];
    const dst = key[packet.W.NW_DST];
    const stream = reader.run(
      `${src}:${tpSrc}>${dst}:${tpDst}`,
      data[l4 + 13],
      seq,
      data.subarray(l4 + headerLen, offsets.end),
    );
    if (!stream) continue;
    let p = 0;
    while (stream.data.length - p >= OFP_HEADER_LEN) {
      const length = (stream.data[p + 2] << 8) | stream.data[p + 3];
      if (stream.data.length - p < length) break;
      const message = stream.data.subarray(p, p + length);
      out.push({ from: `${ipText(src)}.${tpSrc}`, to: `${ipText(dst)}.${tpDst}`, message });
      // OVS pulls `length` bytes even when it is below the header's size; at 0 it would spin.
      if (length === 0) break;
      p += length;
    }
    stream.data = stream.data.slice(p);
  }
  return out;
}

/** ovs-ofctl ofp-parse-pcap's text: `FROM > TO:` and the message (verbosity 1), blank lines between. */
export function formatCapturedOpenFlow(of: OpenFlow, messages: CapturedMessage[]): string {
  return messages.map((m) => `${m.from} > ${m.to}:\n${of.ofpPrint(m.message, 1)}\n`).join('\n');
}
