import { Writer } from '@softswitch/openflow';

/** Largest OpenFlow message: the 16-bit length field. */
const MAX_MESSAGE = 0xffff;
const OFPMPF_REPLY_MORE = 1;

/**
 * Packs multipart reply entries into as many messages as their size needs, every message but the
 * last flagged "more" (OVS splits the same way). `prefix` follows the multipart header in each
 * message (the Nicira vendor header of NXST replies).
 */
export function packMultipartReply(
  version: number,
  xid: number,
  mpType: number,
  entries: readonly Uint8Array[],
  prefix: Uint8Array = new Uint8Array(0),
): Uint8Array[] {
  const headerLen = (version === 1 ? 12 : 16) + prefix.length;
  const out: Uint8Array[] = [];
  let batch: Uint8Array[] = [];
  let size = headerLen;
  const flush = (more: boolean) => {
    const w = new Writer(size);
    w.u8(version)
      .u8(version === 1 ? 17 : 19)
      .u16(size)
      .u32(xid)
      .u16(mpType)
      .u16(more ? OFPMPF_REPLY_MORE : 0);
    if (version > 1) w.zeros(4);
    w.bytes(prefix);
    for (const e of batch) w.bytes(e);
    out.push(w.finish());
    batch = [];
    size = headerLen;
  };
  for (const e of entries) {
    if (size + e.length > MAX_MESSAGE && batch.length) flush(true);
    batch.push(e);
    size += e.length;
  }
  flush(false);
  return out;
}
