// Types for the untyped `pcap-parser` package (0.2.x): an EventEmitter over a byte stream.
declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';
  import type { Readable } from 'node:stream';

  namespace pcapParser {
    interface GlobalHeader {
      magicNumber: number;
      majorVersion: number;
      minorVersion: number;
      gmtOffset: number;
      timestampAccuracy: number;
      snapshotLength: number;
      linkLayerType: number;
    }
    interface PacketHeader {
      timestampSeconds: number;
      timestampMicroseconds: number;
      capturedLength: number;
      originalLength: number;
    }
    interface Packet {
      header: PacketHeader;
      data: Buffer;
    }
    interface Parser extends EventEmitter {
      on(event: 'globalHeader', listener: (header: GlobalHeader) => void): this;
      on(event: 'packetHeader', listener: (header: PacketHeader) => void): this;
      on(event: 'packet', listener: (packet: Packet) => void): this;
      on(event: 'error', listener: (error: Error) => void): this;
      on(event: 'end', listener: () => void): this;
    }
    function parse(input: string | Readable): Parser;
  }
  export default pcapParser;
}
