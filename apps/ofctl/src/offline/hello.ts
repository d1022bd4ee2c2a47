import { bareHexDump } from './hex-input.js';

type OpenFlow = typeof import('@softswitch/openflow');

/**
 * ovs-ofctl encode-hello: the hello OVS sends for `bitmap` (bit N = wire version N), dumped in
 * hex and printed. Undefined when the bitmap names no version (ovs-ofctl aborts on it).
 */
export function encodeHelloOutput(of: OpenFlow, bitmap: number): string | undefined {
  const hello = helloBytes(of, bitmap);
  if (!hello) return undefined;
  const version = hello[0];
  const implied = hello.length === 8;
  const text = version <= 6 ? of.ofpPrint(hello) : futureHello(version, implied ? 2 ** (version + 1) - 2 : bitmap);
  return `${bareHexDump(hello)}${text}\n`;
}

/** A hello for a version the codec does not know, as ofp-print shows one. */
function futureHello(version: number, bitmap: number): string {
  const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
  const versions: string[] = [];
  for (let i = 1; i < 32; i++) if ((bitmap >>> i) & 1) versions.push(hex(i));
  return `OFPT_HELLO (OF ${hex(version)}) (xid=0x1):\n version bitmap: ${versions.join(', ')}`;
}

/** ofputil_encode_hello: the highest version in the header, then the bitmap if not implied by it. */
export function helloBytes(of: OpenFlow, bitmap: number): Uint8Array | undefined {
  const version = 31 - Math.clz32(bitmap);
  if (version < 1) return undefined;
  // The bitmap element is only sent when the header's version alone does not imply it (bit 0,
  // no version, does not count).
  const implied = Number.isInteger(Math.log2((bitmap >>> 1) + 1));
  return of.encodeMessage({ type: 'hello', version, xid: 1, bitmap: implied ? 0 : bitmap });
}
