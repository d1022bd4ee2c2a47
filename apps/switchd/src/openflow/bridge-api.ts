import type { Ofproto } from '@softswitch/ofproto';

/** One OpenFlow port as the listener reports it (features, port-desc, port stats). */
export interface PortInfo {
  ofport: number;
  name: string;
  mac: Uint8Array;
  up: boolean;
  /** OFPPC_* bits (OpenFlow 1.0 numbering): PORT_DOWN, NO_FLOOD, NO_RECV, NO_FWD, NO_PACKET_IN. */
  config: number;
  /** OFPPS_* bits: LINK_DOWN, LIVE. */
  state: number;
  mtu: number;
  stats: {
    rxPackets: number;
    txPackets: number;
    rxBytes: number;
    txBytes: number;
    rxDropped: number;
    txDropped: number;
    rxErrors: number;
    txErrors: number;
  };
}

/** What the OpenFlow listener needs from a bridge. */
export interface OpenFlowBridge {
  readonly name: string;
  readonly ofproto: Ofproto;
  datapathId(): bigint;
  ports(): PortInfo[];
  /** Flows changed through OpenFlow: the bridge revalidates its datapath. */
  flowsChanged(): void;
  /**
   * Runs the revalidation `flowsChanged` scheduled now rather than later on the event loop: a
   * connection calls it before replies (barrier replies) that must follow the flow changes.
   */
  revalidateIfPending?(): void;
  /** packet-out: run `actions` (OpenFlow actions as libs/openflow decodes them) on `packet` as if received on `inPort`. */
  packetOut(packet: Uint8Array, inPort: number, actions: unknown[]): void;
  /**
   * packetOut in two steps, for bundles: translates now (against the tables as they are) and
   * returns what sends the packet, which runs only if the whole bundle commits.
   */
  preparePacketOut?(packet: Uint8Array, inPort: number, actions: unknown[]): () => void;
  /** OFPT_PORT_MOD: changes a port's config bits; the OFPPMFC error when refused. */
  modPort?(portNo: number, hwAddr: bigint, config: number, mask: number): 'bad_port' | 'bad_hw_addr' | undefined;
}
