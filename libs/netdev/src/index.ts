export { DummyNetdev } from './dummy.js';
export {
  encodeStreamFrame,
  FRAME_PREFIX_LEN,
  FrameStreamDecoder,
  FrameStreamError,
  MAX_STREAM_FRAME,
} from './frame-stream.js';
export { SystemNetdev } from './linux/system.js';
export { TapNetdev } from './linux/tap.js';
export {
  DEFAULT_MTU,
  ETH_HEADER_LEN,
  type EventHandler,
  emptyStats,
  type FrameOffload,
  type LinkState,
  type Netdev,
  type NetdevEvent,
  type NetdevOptions,
  type NetdevStats,
  type NetdevType,
  noOffload,
  offloadPending,
  type ReceiveHandler,
  type RxBatch,
  VLAN_HEADER_LEN,
} from './netdev.js';
export { defaultMac, formatMac, MAX_BURST, NetdevBase, parseMac, ReusableBatch } from './netdev-base.js';
export { completeChecksum, l3Offset, type OffloadInfo, segmentTcp } from './offload.js';
export { PcapNetdev } from './pcap-netdev.js';
export { createNetdev, isNetdevType, NETDEV_TYPES } from './registry.js';
