import { decodeActions, encodeActions10, encodeInstructions } from './action-codec.js';
import type { Action } from './actions.js';
import { type AsyncConfig, decodeAsyncConfig, encodeAsyncConfig } from './async-config.js';
import { ONF_VENDOR_ID } from './bundle.js';
import { Writer } from './bytes.js';
import {
  decodeGroupMod,
  decodeMeterMod,
  decodeNxGroupMod,
  decodePortMod,
  encodeGroupMod,
  encodeMeterMod,
  encodePortMod,
  type GroupMod,
  type MeterMod,
  NXT_GROUP_MOD,
  type PortMod,
  registerBareActionEncoder,
} from './control.js';
import { decodeError, OFPBMC, OFPBRC, OFPET, OpenFlowDecodeError } from './errors.js';
import { decodeFlowMod, encodeFlowMod, type FlowMod } from './flow-mod.js';
import type { FlowRemovedFields } from './flow-removed-ext.js';
import { portFromOf11, portToOf11 } from './format-values.js';
import { Match } from './match.js';
import {
  decodeMultipartReply,
  decodeMultipartRequest,
  encodeMultipartReply,
  encodeMultipartRequest,
  type MultipartReplyBody,
  type MultipartRequestBody,
  multipartCode,
} from './multipart.js';
import { pullNxMatch } from './nxm.js';
import { pullOfp10Match, putOfp10Match } from './ofp10-match.js';
import { encodePacketOut15, setPacketOutInPort } from './packet-out15.js';
import { decodePort, encodePort, PORT_LEN, type PortDesc, portLengthAt } from './ports.js';
import { P_OF10_NXM_ANY, P_OF10_STD_ANY, Protocol } from './protocols.js';
import {
  decodeQueueGetConfigReply,
  decodeQueueGetConfigRequest,
  encodeQueueGetConfigReply,
  encodeQueueGetConfigRequest,
  type QueueConfig,
  queueGetConfigTypes,
} from './queue-config.js';
import { decodeTableModProps, encodeTableModProps, type TableModProps } from './table-mod.js';
import { pullVersionMatch, putVersionMatch } from './version-match.js';

/** OpenFlow messages as a discriminated union keyed by `type`; codecs over Uint8Array. */

export const OFPT = {
  HELLO: 0,
  ERROR: 1,
  ECHO_REQUEST: 2,
  ECHO_REPLY: 3,
  EXPERIMENTER: 4,
  FEATURES_REQUEST: 5,
  FEATURES_REPLY: 6,
  GET_CONFIG_REQUEST: 7,
  GET_CONFIG_REPLY: 8,
  SET_CONFIG: 9,
  FLOW_MOD: 14,
  FLOW_REMOVED: 11,
  PORT_STATUS: 12,
  PACKET_OUT: 13,
} as const;

/** Barrier request/reply type numbers differ between OpenFlow 1.0 and 1.1+. */
export const barrierType = (version: number, reply: boolean): number => (version === 1 ? 18 : 20) + (reply ? 1 : 0);

/** OFPT_ROLE_STATUS (OpenFlow 1.4+); OpenFlow 1.3 has ONFT_ROLE_STATUS (ONF extension 1911), the same body. */
export const OFPT_ROLE_STATUS = 30;
export const ONFT_ROLE_STATUS = 1911;

export const MAX_VERSION = 6;
export const HEADER_LEN = 8;

export type OpenFlowMessage =
  | { type: 'hello'; version: number; xid: number; bitmap: number }
  | { type: 'error'; version: number; xid: number; errType: number; code: number; data: Uint8Array }
  | { type: 'echo_request' | 'echo_reply'; version: number; xid: number; data: Uint8Array }
  | {
      type: 'features_request' | 'get_config_request' | 'barrier_request' | 'barrier_reply';
      version: number;
      xid: number;
    }
  | { type: 'get_config_reply' | 'set_config'; version: number; xid: number; flags: number; missSendLen: number }
  | { type: 'flow_mod'; version: number; xid: number; nxm: boolean; flowMod: FlowMod }
  | { type: 'nx_set_flow_format'; version: number; xid: number; format: number }
  | { type: 'nx_flow_mod_table_id'; version: number; xid: number; enable: boolean }
  | {
      type: 'features_reply';
      version: number;
      xid: number;
      datapathId: bigint;
      nBuffers: number;
      nTables: number;
      auxiliaryId: number;
      capabilities: number;
      actions: number;
      ports: PortDesc[];
    }
  | { type: 'port_status'; version: number; xid: number; reason: number; port: PortDesc }
  | ({ type: 'flow_removed' } & FlowRemovedFields)
  | {
      type: 'packet_out';
      version: number;
      xid: number;
      bufferId: number;
      inPort: number;
      actions: Action[];
      data: Uint8Array;
    }
  | {
      type: 'packet_in';
      version: number;
      xid: number;
      bufferId: number;
      totalLen: number;
      reason: number;
      tableId: number;
      cookie: bigint;
      /** Packet metadata: in_port (and, for OXM, tun_id, registers, metadata...). */
      match: Match;
      data: Uint8Array;
    }
  | { type: 'multipart_request'; version: number; xid: number; flags: number; body: MultipartRequestBody }
  | { type: 'multipart_reply'; version: number; xid: number; flags: number; body: MultipartReplyBody }
  | { type: 'role_request' | 'role_reply'; version: number; xid: number; role: number; generationId: bigint }
  /** OFPT_ROLE_STATUS (OpenFlow 1.4+) or ONFT_ROLE_STATUS (the ONF extension for OpenFlow 1.3). */
  | { type: 'role_status'; version: number; xid: number; role: number; reason: number; generationId: bigint }
  | { type: 'port_mod'; version: number; xid: number; portMod: PortMod }
  | {
      type: 'table_mod';
      version: number;
      xid: number;
      tableId: number;
      config: number;
      /** OpenFlow 1.4+ properties. */
      props?: TableModProps;
    }
  | { type: 'get_async_request'; version: number; xid: number }
  | { type: 'set_async' | 'get_async_reply'; version: number; xid: number; config: AsyncConfig }
  | { type: 'queue_get_config_request'; version: number; xid: number; port: number }
  | { type: 'queue_get_config_reply'; version: number; xid: number; port: number; queues: QueueConfig[] }
  | { type: 'meter_mod'; version: number; xid: number; meterMod: MeterMod }
  | { type: 'group_mod'; version: number; xid: number; groupMod: GroupMod }
  | { type: 'unknown'; version: number; xid: number; msgType: number; body: Uint8Array };

const NO_CTX = { flowHasVlan: true, nwProto: 0, dlType: 0 };

export function encodeMessage(m: OpenFlowMessage): Uint8Array {
  const w = new Writer(64);
  const header = (t: number) => w.u8(m.version).u8(t).u16(0).u32(m.xid);
  switch (m.type) {
    case 'hello':
      header(OFPT.HELLO);
      if (m.bitmap) w.u16(1).u16(8).u32(m.bitmap);
      break;
    case 'error':
      header(OFPT.ERROR);
      w.u16(m.errType).u16(m.code).bytes(m.data);
      break;
    case 'echo_request':
    case 'echo_reply':
      header(m.type === 'echo_request' ? OFPT.ECHO_REQUEST : OFPT.ECHO_REPLY);
      w.bytes(m.data);
      break;
    case 'features_request':
      header(OFPT.FEATURES_REQUEST);
      break;
    case 'get_config_request':
      header(OFPT.GET_CONFIG_REQUEST);
      break;
    case 'get_config_reply':
    case 'set_config':
      header(m.type === 'set_config' ? OFPT.SET_CONFIG : OFPT.GET_CONFIG_REPLY);
      w.u16(m.flags).u16(m.missSendLen);
      break;
    case 'barrier_request':
    case 'barrier_reply':
      header(barrierType(m.version, m.type === 'barrier_reply'));
      break;
    case 'flow_mod': {
      const p =
        m.version === 1
          ? m.nxm
            ? Protocol.OF10_NXM_TID
            : Protocol.OF10_STD_TID
          : [0, 0, Protocol.OF11_STD, Protocol.OF12_OXM, Protocol.OF13_OXM, Protocol.OF14_OXM, Protocol.OF15_OXM][
              m.version
            ];
      return encodeFlowMod(m.flowMod, p, m.xid);
    }
    case 'nx_set_flow_format':
      header(OFPT.EXPERIMENTER);
      w.u32(0x2320).u32(12).u32(m.format);
      break;
    case 'nx_flow_mod_table_id':
      header(OFPT.EXPERIMENTER);
      w.u32(0x2320)
        .u32(15)
        .u8(m.enable ? 1 : 0)
        .zeros(7);
      break;
    case 'features_reply':
      header(OFPT.FEATURES_REPLY);
      w.u64(m.datapathId).u32(m.nBuffers).u8(m.nTables);
      if (m.version === 1) {
        w.zeros(3).u32(m.capabilities).u32(m.actions);
        for (const p of m.ports) encodePort(w, p, 1);
      } else {
        w.u8(m.auxiliaryId).zeros(2).u32(m.capabilities).u32(0);
        if (m.version <= 3) for (const p of m.ports) encodePort(w, p, m.version);
      }
      break;
    case 'port_status':
      header(12);
      w.u8(m.reason).zeros(7);
      encodePort(w, m.port, m.version);
      break;
    case 'flow_removed':
      header(11);
      if (m.version === 1) {
        putOfp10Match(w, m.match);
        w.u64(m.cookie).u16(m.priority).u8(m.reason).u8(0).u32(m.durationSec).u32(m.durationNsec);
        w.u16(m.idleTimeout).zeros(2).u64(m.packetCount).u64(m.byteCount);
      } else {
        w.u64(m.cookie).u16(m.priority).u8(m.reason).u8(m.tableId).u32(m.durationSec).u32(m.durationNsec);
        w.u16(m.idleTimeout).u16(m.hardTimeout).u64(m.packetCount).u64(m.byteCount);
        putVersionMatch(w, m.match, m.version);
      }
      break;
    case 'packet_in':
      header(10);
      if (m.version === 1) {
        w.u32(m.bufferId).u16(m.totalLen).u16(m.match.num('in_port')).u8(m.reason).u8(0);
      } else {
        w.u32(m.bufferId).u16(m.totalLen).u8(m.reason).u8(m.tableId).u64(m.cookie);
        putVersionMatch(w, m.match, m.version);
        w.zeros(2);
      }
      w.bytes(m.data);
      break;
    case 'packet_out': {
      if (m.version >= 6) {
        const metadata = setPacketOutInPort(new Match(), m.inPort);
        return encodePacketOut15({ xid: m.xid, bufferId: m.bufferId, metadata, actions: m.actions, data: m.data });
      }
      header(13);
      let lenAt: number;
      if (m.version === 1) {
        w.u32(m.bufferId).u16(m.inPort);
        lenAt = w.length;
        w.u16(0);
      } else {
        w.u32(m.bufferId).u32(portToOf11(m.inPort));
        lenAt = w.length;
        w.u16(0).zeros(6);
      }
      const start = w.length;
      if (m.version === 1) encodeActions10(w, m.actions, NO_CTX);
      else for (const a of m.actions) encodeInstructionlessAction(w, a, m.version);
      w.setU16(lenAt, w.length - start);
      w.bytes(m.data);
      break;
    }
    case 'multipart_request':
    case 'multipart_reply': {
      const reply = m.type === 'multipart_reply';
      header(m.version === 1 ? (reply ? 17 : 16) : reply ? 19 : 18);
      w.u16(multipartCode(m.body.mp)).u16(m.flags);
      if (m.version > 1) w.zeros(4);
      if (m.type === 'multipart_request') encodeMultipartRequest(w, m.body, m.version);
      else encodeMultipartReply(w, m.body, m.version);
      break;
    }
    case 'role_request':
    case 'role_reply':
      header(m.type === 'role_request' ? 24 : 25);
      w.u32(m.role).zeros(4).u64(m.generationId);
      break;
    case 'role_status':
      if (m.version < 4) throw new Error(`OpenFlow version ${m.version} has no role status message`);
      if (m.version === 4) {
        header(OFPT.EXPERIMENTER);
        w.u32(ONF_VENDOR_ID).u32(ONFT_ROLE_STATUS);
      } else header(OFPT_ROLE_STATUS);
      w.u32(m.role).u8(m.reason).zeros(3).u64(m.generationId);
      break;
    case 'port_mod':
      header(m.version === 1 ? 15 : 16);
      encodePortMod(w, m.portMod, m.version);
      break;
    case 'table_mod':
      header(17);
      w.u8(m.tableId).zeros(3).u32(m.config);
      if (m.props && m.version >= 5) encodeTableModProps(w, m.props);
      break;
    case 'get_async_request':
      header(26);
      break;
    case 'queue_get_config_request':
    case 'queue_get_config_reply': {
      const types = queueGetConfigTypes(m.version);
      if (!types) throw new Error(`OpenFlow version ${m.version} has no queue_get_config messages`);
      if (m.type === 'queue_get_config_request') {
        header(types[0]);
        encodeQueueGetConfigRequest(w, m.port, m.version);
      } else {
        header(types[1]);
        encodeQueueGetConfigReply(w, m.port, m.queues, m.version);
      }
      break;
    }
    case 'get_async_reply':
    case 'set_async':
      header(m.type === 'set_async' ? 28 : 27);
      encodeAsyncConfig(w, m.config, m.version);
      break;
    case 'meter_mod':
      header(29);
      encodeMeterMod(w, m.meterMod);
      break;
    case 'group_mod':
      if (m.version === 1) header(OFPT.EXPERIMENTER).u32(0x2320).u32(NXT_GROUP_MOD);
      else header(15);
      encodeGroupMod(w, m.groupMod, m.version);
      break;
    case 'unknown':
      header(m.msgType);
      w.bytes(m.body);
      break;
  }
  w.setU16(2, w.length);
  return w.finish();
}

/**
 * Group buckets carry bare action lists parsed without a flow: like OVS, a mod_vlan_vid there
 * pushes a VLAN header first (the flow is not known to have one).
 */
const BUCKET_CTX = { flowHasVlan: false, nwProto: 0, dlType: 0 };

/** Packet-out and group buckets carry bare action lists (no instructions). */
function encodeInstructionlessAction(w: Writer, a: Action, version: number, ctx = NO_CTX): void {
  const tmp = new Writer(64);
  encodeInstructions(tmp, [a], version, ctx);
  // Strip the apply_actions wrapper (8 bytes) that encodeInstructions adds.
  const bytes = tmp.finish();
  w.bytes(bytes.subarray(bytes.length >= 8 && bytes[1] === 4 ? 8 : 0));
}

registerBareActionEncoder((w, a, version) => encodeInstructionlessAction(w, a, version, BUCKET_CTX));

const badRequest = (code: number, off: number, msg: string) => decodeError(OFPET.BAD_REQUEST, code, off, msg);

/** OpenFlow 1.5's packet-out: in_port travels in an OXM match before the actions. */
function decodePacketOut15(b: Uint8Array, v: DataView, xid: number): OpenFlowMessage {
  if (b.length < 24) throw badRequest(OFPBRC.BAD_LEN, 2, 'packet out too short');
  const alen = v.getUint16(12);
  const [match, actionsAt] = pullVersionMatch(b, 16, b.length, 6);
  if (actionsAt + alen > b.length) throw badRequest(OFPBRC.BAD_LEN, 12, 'packet out actions overrun the message');
  return {
    type: 'packet_out',
    version: 6,
    xid,
    bufferId: v.getUint32(8),
    inPort: match.num('in_port'),
    actions: decodeActions(b, actionsAt, alen, 6),
    data: b.slice(actionsAt + alen),
  };
}

/**
 * The body of a role status at `at` (struct ofp14_role_status, then properties OVS skips), as
 * OVS's ofputil_decode_role_status: its length a multiple of 8 past the fixed part, a known role.
 */
function decodeRoleStatus(b: Uint8Array, at: number): Extract<OpenFlowMessage, { type: 'role_status' }> {
  if (b.length < at + 16 || (b.length - at - 16) % 8)
    throw badRequest(OFPBRC.BAD_LEN, 2, `role status of ${b.length} bytes`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const role = v.getUint32(at);
  if (role > 3) throw decodeError(OFPET.ROLE_REQUEST_FAILED, 2, at, 'bad role');
  return {
    type: 'role_status',
    version: b[0],
    xid: v.getUint32(4),
    role,
    reason: b[at + 4],
    generationId: v.getBigUint64(at + 8),
  };
}

/**
 * Decodes one complete message. Total: any input yields a message or throws an
 * OpenFlowDecodeError naming the error reply (type, code) and the offset.
 */
export function decodeMessage(b: Uint8Array): OpenFlowMessage {
  if (b.length < HEADER_LEN)
    throw badRequest(OFPBRC.BAD_LEN, 0, `message of ${b.length} bytes is shorter than the header`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = b[0];
  const t = b[1];
  const length = v.getUint16(2);
  const xid = v.getUint32(4);
  if (length < HEADER_LEN || length !== b.length) {
    throw badRequest(OFPBRC.BAD_LEN, 2, `header length ${length} does not match ${b.length} bytes`);
  }
  if (version < 1 || version > MAX_VERSION)
    throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_VERSION, 0, `bad version ${version}`);
  const body = b.subarray(HEADER_LEN);
  const exact = (n: number) => {
    if (b.length !== n) throw badRequest(OFPBRC.BAD_LEN, 2, `message type ${t} must be ${n} bytes`);
  };
  switch (t) {
    case OFPT.HELLO: {
      let bitmap = 0;
      let p = HEADER_LEN;
      while (p + 4 <= b.length) {
        const etype = v.getUint16(p);
        const elen = v.getUint16(p + 2);
        if (elen < 4 || p + elen > b.length)
          throw decodeError(OFPET.HELLO_FAILED, 0, p, 'hello element overruns the message');
        if (etype === 1 && elen >= 8) bitmap = v.getUint32(p + 4);
        p += (elen + 7) & ~7;
      }
      return { type: 'hello', version, xid, bitmap };
    }
    case OFPT.ERROR:
      if (b.length < 12) throw badRequest(OFPBRC.BAD_LEN, 2, 'error message too short');
      return { type: 'error', version, xid, errType: v.getUint16(8), code: v.getUint16(10), data: b.slice(12) };
    case OFPT.ECHO_REQUEST:
    case OFPT.ECHO_REPLY:
      return { type: t === OFPT.ECHO_REQUEST ? 'echo_request' : 'echo_reply', version, xid, data: body.slice() };
    case OFPT.FEATURES_REQUEST:
      exact(8);
      return { type: 'features_request', version, xid };
    case OFPT.GET_CONFIG_REQUEST:
      exact(8);
      return { type: 'get_config_request', version, xid };
    case OFPT.GET_CONFIG_REPLY:
    case OFPT.SET_CONFIG:
      exact(12);
      return {
        type: t === OFPT.SET_CONFIG ? 'set_config' : 'get_config_reply',
        version,
        xid,
        flags: v.getUint16(8),
        missSendLen: v.getUint16(10),
      };
    case OFPT.FLOW_MOD:
      return { type: 'flow_mod', version, xid, nxm: false, flowMod: decodeFlowMod(b) };
    case OFPT.FEATURES_REPLY: {
      if (version === 1) {
        if (b.length < 32 || (b.length - 32) % 48) throw badRequest(OFPBRC.BAD_LEN, 2, 'bad features reply length');
        const ports: PortDesc[] = [];
        for (let p = 32; p < b.length; p += 48) ports.push(decodePort(b, p, 1));
        return {
          type: 'features_reply',
          version,
          xid,
          datapathId: v.getBigUint64(8),
          nBuffers: v.getUint32(16),
          nTables: b[20],
          auxiliaryId: 0,
          capabilities: v.getUint32(24),
          actions: v.getUint32(28),
          ports,
        };
      }
      // OpenFlow 1.1 and 1.2 still list the ports (ofp11_port); 1.3 moved them to port-desc.
      const ports: PortDesc[] = [];
      if (version <= 3) {
        if (b.length < 32 || (b.length - 32) % 64) throw badRequest(OFPBRC.BAD_LEN, 2, 'bad features reply length');
        for (let p = 32; p < b.length; p += 64) ports.push(decodePort(b, p, version));
      } else exact(32);
      return {
        type: 'features_reply',
        version,
        xid,
        datapathId: v.getBigUint64(8),
        nBuffers: v.getUint32(16),
        nTables: b[20],
        auxiliaryId: b[21],
        capabilities: v.getUint32(24),
        actions: 0,
        ports,
      };
    }
    case OFPT.PORT_STATUS:
      if (version >= 5 ? portLengthAt(b, 16, b.length, version) !== b.length - 16 : b.length !== 16 + PORT_LEN(version))
        throw badRequest(OFPBRC.BAD_LEN, 2, 'bad port status length');
      return { type: 'port_status', version, xid, reason: b[8], port: decodePort(b, 16, version) };
    case OFPT.FLOW_REMOVED: {
      // OpenFlow 1.4 keeps 1.3's layout; 1.5's is decodeFlowRemovedExt's.
      if (version > 5) break;
      if (version === 1) {
        exact(88);
        return {
          type: 'flow_removed',
          version,
          xid,
          match: pullOfp10Match(b, 8).match,
          cookie: v.getBigUint64(48),
          priority: v.getUint16(56),
          reason: b[58],
          tableId: 255,
          durationSec: v.getUint32(60),
          durationNsec: v.getUint32(64),
          idleTimeout: v.getUint16(68),
          hardTimeout: 0,
          packetCount: v.getBigUint64(72),
          byteCount: v.getBigUint64(80),
        };
      }
      if (b.length < 56) throw badRequest(OFPBRC.BAD_LEN, 2, 'flow removed too short');
      const [match, after] = pullVersionMatch(b, 48, b.length, version);
      if (after !== b.length) throw decodeError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, 50, 'bad match length');
      return {
        type: 'flow_removed',
        version,
        xid,
        cookie: v.getBigUint64(8),
        priority: v.getUint16(16),
        reason: b[18],
        tableId: b[19],
        durationSec: v.getUint32(20),
        durationNsec: v.getUint32(24),
        idleTimeout: v.getUint16(28),
        hardTimeout: v.getUint16(30),
        packetCount: v.getBigUint64(32),
        byteCount: v.getBigUint64(40),
        match,
      };
    }
    case 10: {
      if (version > 4) break;
      if (version === 1) {
        if (b.length < 18) throw badRequest(OFPBRC.BAD_LEN, 2, 'packet_in too short');
        const match = new Match();
        match.setSlot('in_port', BigInt(v.getUint16(14)), 0xffffn);
        return {
          type: 'packet_in',
          version,
          xid,
          bufferId: v.getUint32(8),
          totalLen: v.getUint16(12),
          reason: b[16],
          tableId: 0,
          cookie: 0xffffffffffffffffn,
          match,
          data: b.slice(18),
        };
      }
      if (b.length < 24) throw badRequest(OFPBRC.BAD_LEN, 2, 'packet_in too short');
      if (v.getUint16(24) !== 1) throw decodeError(OFPET.BAD_MATCH, 0, 24, 'match type is not OXM');
      const mlen = v.getUint16(26);
      const after = 24 + ((mlen + 7) & ~7);
      if (mlen < 4 || after + 2 > b.length)
        throw decodeError(OFPET.BAD_MATCH, 1, 26, 'packet_in match overruns the message');
      return {
        type: 'packet_in',
        version,
        xid,
        bufferId: v.getUint32(8),
        totalLen: v.getUint16(12),
        reason: b[14],
        tableId: b[15],
        cookie: v.getBigUint64(16),
        match: pullNxMatch(b, 28, mlen - 4, 0).match,
        data: b.slice(after + 2),
      };
    }
    case OFPT.PACKET_OUT: {
      if (version >= 6) return decodePacketOut15(b, v, xid);
      const fixed = version === 1 ? 16 : 24;
      if (b.length < fixed) throw badRequest(OFPBRC.BAD_LEN, 2, 'packet out too short');
      const alen = v.getUint16(version === 1 ? 14 : 16);
      if (fixed + alen > b.length)
        throw badRequest(OFPBRC.BAD_LEN, version === 1 ? 14 : 16, 'packet out actions overrun the message');
      const inPort = version === 1 ? v.getUint16(12) : portFromOf11(v.getUint32(12));
      if (inPort < 0) throw badRequest(OFPBRC.BAD_LEN, 12, 'bad in_port');
      return {
        type: 'packet_out',
        version,
        xid,
        bufferId: v.getUint32(8),
        inPort,
        actions: decodeActions(b, fixed, alen, version),
        data: b.slice(fixed + alen),
      };
    }
    case OFPT.EXPERIMENTER:
      if (version === 1 && b.length >= 16 && v.getUint32(8) === 0x2320 && v.getUint32(12) === 13) {
        return { type: 'flow_mod', version, xid, nxm: true, flowMod: decodeFlowMod(b) };
      }
      if (b.length < 16) throw badRequest(OFPBRC.BAD_LEN, 2, 'experimenter message too short');
      if (v.getUint32(8) === 0x2320 && v.getUint32(12) === 12) {
        exact(20);
        return { type: 'nx_set_flow_format', version, xid, format: v.getUint32(16) };
      }
      if (version === 1 && v.getUint32(8) === 0x2320 && v.getUint32(12) === NXT_GROUP_MOD) {
        return { type: 'group_mod', version, xid, groupMod: decodeNxGroupMod(b) };
      }
      if (v.getUint32(8) === 0x2320 && v.getUint32(12) === 15) {
        exact(24);
        return { type: 'nx_flow_mod_table_id', version, xid, enable: b[16] !== 0 };
      }
      if (version === 4 && v.getUint32(8) === ONF_VENDOR_ID && v.getUint32(12) === ONFT_ROLE_STATUS) {
        return decodeRoleStatus(b, 16);
      }
      throw badRequest(OFPBRC.BAD_EXPERIMENTER, 8, 'unknown experimenter message');
  }
  if (version === 1 && t === 15) return { type: 'port_mod', version, xid, portMod: decodePortMod(b, 1) };
  const queueTypes = queueGetConfigTypes(version);
  if (queueTypes && t === queueTypes[0]) {
    return { type: 'queue_get_config_request', version, xid, port: decodeQueueGetConfigRequest(b, version) };
  }
  if (queueTypes && t === queueTypes[1]) {
    return { type: 'queue_get_config_reply', version, xid, ...decodeQueueGetConfigReply(b, version) };
  }
  if (version > 1) {
    switch (t) {
      case 15:
        return { type: 'group_mod', version, xid, groupMod: decodeGroupMod(b, version) };
      case 16:
        if (version <= 4) return { type: 'port_mod', version, xid, portMod: decodePortMod(b, version) };
        break;
      case 17:
        if (version <= 4) {
          exact(16);
          return { type: 'table_mod', version, xid, tableId: b[8], config: v.getUint32(12) };
        }
        if (b.length < 16) throw decodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 2, 'table_mod too short');
        return {
          type: 'table_mod',
          version,
          xid,
          tableId: b[8],
          config: v.getUint32(12),
          props: decodeTableModProps(b, 16),
        };
      case 24:
      case 25:
        if (version >= 3) {
          exact(24);
          const role = v.getUint32(8);
          if (role > 3) throw decodeError(OFPET.ROLE_REQUEST_FAILED, 2, 8, 'bad role');
          return {
            type: t === 24 ? 'role_request' : 'role_reply',
            version,
            xid,
            role,
            generationId: v.getBigUint64(16),
          };
        }
        break;
      case 26:
        if (version >= 4) {
          exact(8);
          return { type: 'get_async_request', version, xid };
        }
        break;
      case 27:
      case 28:
        if (version >= 4) {
          const config = decodeAsyncConfig(b, version, t === 28);
          return { type: t === 28 ? 'set_async' : 'get_async_reply', version, xid, config };
        }
        break;
      case 29:
        if (version >= 4) return { type: 'meter_mod', version, xid, meterMod: decodeMeterMod(b) };
        break;
      case OFPT_ROLE_STATUS:
        if (version >= 5) return decodeRoleStatus(b, 8);
        break;
    }
  }
  const statsReq = version === 1 ? 16 : 18;
  if (t === statsReq || t === statsReq + 1) {
    const fixed = version === 1 ? 12 : 16;
    if (b.length < fixed) throw badRequest(OFPBRC.BAD_LEN, 2, 'multipart message too short');
    const mpType = v.getUint16(8);
    const flags = v.getUint16(10);
    if (t === statsReq) {
      return {
        type: 'multipart_request',
        version,
        xid,
        flags,
        body: decodeMultipartRequest(b, fixed, mpType, version),
      };
    }
    return { type: 'multipart_reply', version, xid, flags, body: decodeMultipartReply(b, fixed, mpType, version) };
  }
  if (t === barrierType(version, false) || t === barrierType(version, true)) {
    exact(8);
    return { type: t === barrierType(version, false) ? 'barrier_request' : 'barrier_reply', version, xid };
  }
  return { type: 'unknown', version, xid, msgType: t, body: body.slice() };
}

/** Like decodeMessage but returns the error instead of throwing; non-OpenFlow exceptions never escape. */
export function tryDecodeMessage(b: Uint8Array): OpenFlowMessage | OpenFlowDecodeError {
  try {
    return decodeMessage(b);
  } catch (e) {
    if (e instanceof OpenFlowDecodeError) return e;
    return new OpenFlowDecodeError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 0, `malformed message: ${(e as Error).message}`);
  }
}

/**
 * Splits a byte stream into complete messages, keeping the leftover for the next chunk. A header
 * claiming fewer than 8 bytes cannot be framed: the stream is unusable and an error is thrown.
 */
export class Framer {
  private pending: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array[] {
    let buf: Uint8Array;
    if (this.pending.length) {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending);
      buf.set(chunk, this.pending.length);
    } else buf = chunk;
    const out: Uint8Array[] = [];
    let p = 0;
    while (buf.length - p >= 4) {
      const len = (buf[p + 2] << 8) | buf[p + 3];
      if (len < HEADER_LEN) throw badRequest(OFPBRC.BAD_LEN, p + 2, `framed length ${len} is below the header size`);
      if (buf.length - p < len) break;
      out.push(buf.slice(p, p + len));
      p += len;
    }
    this.pending = buf.slice(p);
    return out;
  }

  get buffered(): number {
    return this.pending.length;
  }
}

export { P_OF10_NXM_ANY, P_OF10_STD_ANY };
