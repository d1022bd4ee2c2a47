import type { Socket } from 'node:net';
import { type FlowEntry, FlowModError, type RemovedFlow } from '@softswitch/ofproto';
import {
  type BundleMessage,
  bundleKind,
  CtFlushDecodeError,
  decodeBundleMessage,
  decodeCtFlush,
  decodeTlvTableMod,
  encodeAggregate15,
  encodeBundleControl,
  encodeErrorByName,
  encodeFlowStats15,
  encodeMessage,
  encodeMultipartReply,
  encodeTlvTableReply,
  type FlowStats,
  type FlowStatsRequest,
  GROUP_METER_MP_CODES,
  ipfixLengthOk,
  ipfixMessageKind,
  isNxGroupDesc,
  Match,
  NX_STATS_HEADER,
  NXST_GROUP_DESC,
  NXT_CT_FLUSH,
  NXT_CT_FLUSH_ZONE,
  NXT_GROUP_MOD,
  NXT_TLV_TABLE_MOD,
  NXT_TLV_TABLE_REQUEST,
  newFlowMod,
  OFPBCT,
  OFPBFC,
  OFPBRC,
  OFPET,
  OFPET_BUNDLE_FAILED,
  OFPFMFC,
  OFPMP_QUEUE,
  OFPMP_QUEUE_DESC,
  OFPMP_TABLE_DESC,
  OpenFlowDecodeError,
  type OpenFlowMessage,
  TlvTableError,
  tryDecodeMessage,
  Writer,
} from '@softswitch/openflow';
import {
  type AsyncState,
  applyNxSetAsync,
  applySetAsync,
  asyncToWire,
  defaultAsync,
  noAsync,
  OFPR_EXPLICIT_MISS,
  OFPR_IMPLICIT_MISS,
} from './async.js';
import type { OpenFlowBridge, PortInfo } from './bridge-api.js';
import { BundleError, BundleSet } from './bundles.js';
import { encodeBundleError, encodeErrorReply, encodeTextError } from './errors.js';
import { encodeFlowRemoved, OFPRR } from './flow-removed.js';
import { type BundleTargets, checkFlowMod, checkPacketOutActions, commitBundle, type PacketOut } from './flow-txn.js';
import { encodeGroupDesc, encodeGroupStats, GroupModError, type GroupTable } from './groups.js';
import { meterReplies } from './meters.js';
import { packMultipartReply } from './multipart-out.js';
import {
  decodeNxStatsRequest,
  encodeNxAggregate,
  encodeNxFlowStats,
  isNxStatsRequest,
  NXST_AGGREGATE,
  NXST_FLOW,
  nxStatsPrefix,
} from './nx-stats.js';
import { encodePacketIn2 } from './packet-in2.js';
import { encodePortDesc, encodePortStats, portDesc, portDescFor } from './ports-out.js';
import { queueConfigs, queueDescs, queueStats } from './queues.js';
import {
  isStateChange,
  OFPBRC_IS_SLAVE,
  OFPET_ROLE_REQUEST_FAILED,
  OFPRRFC,
  ROLE,
  type RoleCoordinator,
  type RoleHolder,
  roleFromNx,
  roleToNx,
} from './roles.js';
import { OPENFLOW_TABLES, type TableConfig } from './table-config.js';
import { tableFeaturesEntries, tableFeaturesSetError, tableStatsFeatures } from './table-features.js';
import type { TlvMap } from './tlv-map.js';
import { checkTunMetadata } from './tun-metadata-check.js';

/** Versions this switch speaks: OpenFlow 1.0 (wire 1) to 1.5 (wire 6), as OVS 3.1. */
export const MIN_VERSION = 1;
export const MAX_VERSION = 6;
const VERSION_BITMAP = 0x7e;
const NO_BUFFER = 0xffffffff;
const N_TABLES = OPENFLOW_TABLES;
const OFPBRC_BUFFER_UNKNOWN = 8;
const OFPMP = { DESC: 0, FLOW: 1, AGGREGATE: 2, TABLE: 3, PORT: 4, PORT_DESC: 13 } as const;
/** OVS's capabilities: flow, table, port, queue stats and ARP match (1.0); group stats (1.1+). */
const CAPABILITIES_10 = 0x01 | 0x02 | 0x04 | 0x40 | 0x80;
const CAPABILITIES_11 = 0x01 | 0x02 | 0x04 | 0x08 | 0x40;
/** OpenFlow 1.4+ adds OFPC_BUNDLES. */
const OFPC_BUNDLES = 0x200;
/** OpenFlow 1.0 actions bitmap: output, set_vlan_vid ... set_tp_dst, enqueue. */
const ACTIONS_10 = 0xfff;
/**
 * Rule flags flow stats report: OVS 3.1 keeps every flag of the adding flow-mod (check_overlap
 * and reset_counts too, the latter implied by OpenFlow 1.0/1.1 adds).
 */
const FLOW_STATE_FLAGS = 0x1f;
const NXFF_OPENFLOW10 = 0;
const NXFF_NXM = 2;

/**
 * ofproto's packet-in reasons as each OpenFlow version spells them (OVS's
 * encode_packet_in_reason): action_set/group/packet_out (4/5/3 in 1.4) are "action" before 1.4;
 * an explicit miss (6, a controller action in a table-miss flow) is "action" before 1.3 and
 * "no match" after; an implicit miss (7) is always "no match".
 */
function wireReason(reason: number, version: number): number {
  switch (reason) {
    case 3:
    case 4:
    case 5:
      return version < 5 ? 1 : reason;
    case OFPR_EXPLICIT_MISS:
      return version < 4 ? 1 : 0;
    case OFPR_IMPLICIT_MISS:
      return 0;
    default:
      return reason;
  }
}

/** Open vSwitch's default Controller.inactivity_probe (5 s). */
const INACTIVITY_PROBE_MS = 5000;

/** OFP_DEFAULT_MISS_SEND_LEN: a controller connection's miss_send_len until it sets one. */
const OFP_DEFAULT_MISS_SEND_LEN = 128;

/** A packet the bridge sends to its controllers (a `controller` action or a table miss). */
export interface PacketIn {
  packet: Uint8Array;
  inPort: number;
  /** OFPR_*: 0 no match, 1 action, 2 invalid TTL, 3-5 OF1.4's; OVS's internal 6 explicit / 7 implicit miss. */
  reason: number;
  tableId: number;
  cookie: bigint;
  /** The controller action's max_len (informational: with no buffers the whole packet goes up, as in OVS). */
  maxLen?: number;
}

export type PortStatusReason = 'add' | 'delete' | 'modify';
const PORT_REASONS: Record<PortStatusReason, number> = { add: 0, delete: 1, modify: 2 };

export interface ConnectionHost {
  readonly bridge: OpenFlowBridge;
  readonly startedMs: number;
  readonly groups: GroupTable;
  log(m: string): void;
  /** Flow-removed for every connection that asked for it. */
  flowsRemoved(removed: RemovedFlow[]): void;
  /** The bridge-wide part of roles (master election id, one master). */
  readonly roles: RoleCoordinator;
  /** Every live connection of the bridge (a new master demotes the others). */
  connections(): Iterable<Connection>;
  /** The bridge's fragment handling (OFPC_FRAG_* of set-config), shared by its connections as in OVS. */
  fragHandling: number;
  /** Per-table eviction and vacancy settings (table-desc, table-mod). */
  readonly tableConfig: TableConfig;
  /** Geneve option ↔ tun_metadata mappings (NXT_TLV_TABLE_MOD / REQUEST). */
  readonly tlvMap: TlvMap;
}

const desc = {
  mfr: 'softswitch',
  hw: 'softswitch',
  sw: '0.1.0',
  serial: 'None',
  dp: 'None',
};

/** set-config's fragment handling bits: normal 0, drop 1, reassemble 2, nx-match 3. */
const OFPC_FRAG_MASK = 3;
const OFPC_FRAG_REASM = 2;

/** One OpenFlow client: framing, hello negotiation, then request → reply in arrival order. */
export class Connection implements RoleHolder {
  /** Negotiated version; 0 until the peer's hello arrives. */
  version = 0;
  /** The start of a message the last read cut off (bytes of the next read complete it). */
  private partial: Uint8Array | undefined;
  /**
   * Inside one read's batch of messages: replies collect here and leave in one write at its end,
   * after the one revalidation the batch's flow changes need.
   */
  private batchOut: Buffer[] | undefined;
  private changedInBatch = false;
  private flowFormat = NXFF_OPENFLOW10;
  /** NXT_SET_PACKET_IN_FORMAT: standard packet-ins or NXT_PACKET_IN2. */
  private packetInFormat = NXPIF_STANDARD;
  /** NXT_FLOW_MOD_TABLE_ID: an OpenFlow 1.0 flow-mod's command carries a table id. */
  private flowModTableId = false;
  /** OVS gives service (ofctl) connections miss_send_len 0, controller connections 128. */
  private missSendLen: number;
  private configFlags = 0;
  role: number = ROLE.EQUAL;
  /** Set by OFPT_SET_ASYNC / NXT_SET_ASYNC_CONFIG; until then OVS's defaults for the version. */
  private asyncCfg: AsyncState | undefined;
  /** Controller.inactivity_probe (ms; 0: no probes) for a controller connection. */
  private probeMs = INACTIVITY_PROBE_MS;
  /** Controller.enable_async_messages: when false, no async messages until a set-async. */
  private enableAsync = true;
  private closed = false;
  private readonly bundles = new BundleSet();

  constructor(
    private readonly socket: Socket,
    private readonly host: ConnectionHost,
    private readonly kind: 'service' | 'controller' = 'service',
    /** Gets a copy of every message after the hellos, both ways (`.snoop` monitors of a controller connection). */
    private readonly tap?: (message: Uint8Array) => void,
  ) {
    this.missSendLen = kind === 'controller' ? OFP_DEFAULT_MISS_SEND_LEN : 0;
    this.send(encodeMessage({ type: 'hello', version: MAX_VERSION, xid: 0, bitmap: VERSION_BITMAP }));
    socket.on('data', (chunk: Buffer) => {
      this.lastRxMs = Date.now();
      this.idle = false;
      this.onData(chunk);
    });
    if (kind === 'controller') {
      // rconn's inactivity probe: an echo request after probe interval of silence (IDLE), a
      // disconnect (ETIMEDOUT) if another interval passes without anything received.
      this.probeTimer = setInterval(() => this.probe(), 1000);
      this.probeTimer.unref();
      socket.once('close', () => clearInterval(this.probeTimer));
    }
  }

  private get now(): number {
    return (this.host.bridge.ofproto.options.now ?? Date.now)();
  }

  private send(b: Uint8Array): void {
    if (this.closed || this.socket.destroyed) return;
    const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    if (this.batchOut) this.batchOut.push(buf);
    else this.socket.write(buf);
    if (this.tap && this.version !== 0) this.tap(b);
  }

  /** Writes a batch's replies: one write (several chunks go out corked, as one writev). */
  private flushBatch(): void {
    const out = this.batchOut;
    this.batchOut = undefined;
    if (!out?.length || this.socket.destroyed) return;
    if (out.length === 1) {
      this.socket.write(out[0]);
      return;
    }
    this.socket.cork();
    for (const b of out) this.socket.write(b);
    this.socket.uncork();
  }

  /** Closes the connection after what was sent so far (hello failures, unframeable streams). */
  private hangUp(why: string): void {
    this.host.log(`closing connection: ${why}`);
    this.flushBatch();
    this.socket.end();
    this.closed = true;
  }

  /**
   * Another connection became master: this one is now a slave. As OVS's ofconn_send_role_status,
   * OpenFlow 1.4+ tells it with OFPT_ROLE_STATUS and OpenFlow 1.3 with the ONF extension's
   * ONFT_ROLE_STATUS (reason OFPCRR_MASTER_REQUEST, xid 0); earlier versions are not told.
   */
  demoted(): void {
    if (this.version < 4) return;
    const generationId = this.host.roles.replyGenerationId();
    this.send(
      encodeMessage({
        type: 'role_status',
        version: this.version,
        xid: 0,
        role: this.role,
        reason: OFPCRR_MASTER_REQUEST,
        generationId,
      }),
    );
  }

  /**
   * Whether this connection gets an asynchronous message of `type` for `reason`, as OVS's
   * ofconn_receives_async_msg: service connections only once they set a miss_send_len, then
   * the async config's mask for the connection's role (secondary, or primary/equal).
   */
  private receives(type: 'packetIn' | 'portStatus' | 'flowRemoved', reason: number): boolean {
    if (this.version === 0 || this.closed) return false;
    if (this.kind === 'service' && this.missSendLen === 0) return false;
    const cfg = this.asyncCfg ?? this.initialAsync(this.version);
    const masks = this.role === ROLE.SLAVE ? cfg.secondary : cfg.primary;
    return ((masks[type] >>> reason) & 1) === 1;
  }

  /** The async config before any set-async (OVS's ofconn_get_async_config): none if disabled. */
  private initialAsync(version: number): AsyncState {
    return this.enableAsync ? defaultAsync(version) : noAsync();
  }

  /** The Controller row's settings for this controller connection (on connect and when they change). */
  configureController(settings: { inactivityProbeMs: number; enableAsyncMessages: boolean }): void {
    this.probeMs = settings.inactivityProbeMs;
    this.enableAsync = settings.enableAsyncMessages;
  }

  /** Table misses become packet-ins for this connection (OVS: miss_send_len > 0). */
  wantsMisses(): boolean {
    return !this.closed && this.missSendLen > 0;
  }

  /** A controller connection waiting for an answer to its inactivity probe (rconn's IDLE state). */
  idle = false;
  private lastRxMs = Date.now();
  private idleSinceMs = 0;
  private probeTimer: NodeJS.Timeout | undefined;

  private probe(): void {
    if (this.closed || this.version === 0 || this.probeMs === 0) return;
    const now = Date.now();
    if (!this.idle) {
      if (now - this.lastRxMs < this.probeMs) return;
      this.idle = true;
      this.idleSinceMs = now;
      this.send(encodeMessage({ type: 'echo_request', version: this.version, xid: 0, data: new Uint8Array(0) }));
    } else if (now - this.idleSinceMs >= this.probeMs) {
      this.host.log(`no response to inactivity probe after ${this.probeMs / 1000} seconds, disconnecting`);
      this.closed = true;
      clearInterval(this.probeTimer);
      this.socket.destroy(Object.assign(new Error('inactivity probe timed out'), { code: 'ETIMEDOUT' }));
    }
  }

  close(): void {
    clearInterval(this.probeTimer);
    this.closed = true;
    this.batchOut = undefined;
    this.bundles.clear();
    this.socket.destroy();
  }

  /**
   * One read: every complete message in it is handled in order, synchronously; the bridge is
   * told about the batch's flow changes once at the end and revalidates then, before the
   * batch's replies go out in one write, so a barrier reply never leaves while a megaflow from
   * before the flow-mods it covers is still installed. Messages are views into the read's buffer
   * (no copy); only a message cut off at the end is copied.
   */
  private onData(chunk: Buffer): void {
    let buf: Uint8Array = chunk;
    if (this.partial) {
      buf = new Uint8Array(this.partial.length + chunk.length);
      buf.set(this.partial);
      buf.set(chunk, this.partial.length);
      this.partial = undefined;
    }
    this.batchOut = [];
    let p = 0;
    try {
      while (buf.length - p >= 4 && !this.closed) {
        const len = (buf[p + 2] << 8) | buf[p + 3];
        if (len < OFP_HEADER_LEN) {
          // A length below the header size: the stream cannot be resynchronized.
          this.send(
            encodeErrorReply(
              this.version || MAX_VERSION,
              OFPET.BAD_REQUEST,
              OFPBRC.BAD_LEN,
              buf.subarray(p, p + 64),
              0,
            ),
          );
          this.hangUp(`framed length ${len} is below the header size`);
          return;
        }
        if (buf.length - p < len) break;
        const f = buf.subarray(p, p + len);
        p += len;
        if (this.tap && this.version !== 0 && f[1] !== 0) this.tap(f);
        try {
          this.handleFrame(f);
        } catch (e) {
          // Never let one message's failure take the switch down: answer it and go on.
          this.host.log(`error handling message: ${(e as Error).stack ?? e}`);
          this.send(encodeErrorReply(this.version, OFPET.BAD_REQUEST, OFPBRC.EPERM, f));
        }
      }
      if (p < buf.length && !this.closed) this.partial = buf.slice(p);
    } finally {
      try {
        if (this.changedInBatch) {
          this.changedInBatch = false;
          const bridge = this.host.bridge;
          bridge.flowsChanged();
          bridge.revalidateIfPending?.();
        }
      } finally {
        this.flushBatch();
      }
    }
  }

  /** Flows (or who wants misses) changed: the bridge revalidates, once per read batch. */
  private flowsChanged(): void {
    if (this.batchOut) this.changedInBatch = true;
    else this.host.bridge.flowsChanged();
  }

  private handleFrame(b: Uint8Array) {
    if (this.version === 0) return this.negotiate(b);
    if (b[0] !== this.version) {
      if (b[1] === 0) return; // a stray hello
      return this.sendError(OFPET.BAD_REQUEST, OFPBRC.BAD_VERSION, b);
    }
    // ovs-ofctl follows every flow-mod with a barrier: answer it without decoding.
    if (b.length === OFP_HEADER_LEN && b[1] === (b[0] === 1 ? OFPT10_BARRIER_REQUEST : OFPT_BARRIER_REQUEST))
      return this.send(barrierReply(b));
    // As OVS, a slave's state change is refused before the message is even decoded.
    if (this.role === ROLE.SLAVE && isStateChange(b)) return this.sendError(OFPET.BAD_REQUEST, OFPBRC_IS_SLAVE, b);
    if (isNxGroupDesc(b)) return this.nxGroupDesc(b);
    const ipfix = ipfixMessageKind(b);
    if (ipfix && !ipfix.reply) {
      // As ovs-vswitchd with no IPFIX configured on the bridge (nor flow-based collectors).
      if (!ipfixLengthOk(b, ipfix)) return this.sendError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, b);
      return this.sendNamedError('NXST_NOT_CONFIGURED', b);
    }
    if (isNxStatsRequest(b)) return this.nxStats(b);
    if (isBodylessPortDescRequest(b)) {
      const ports = this.host.bridge.ports().map((p) => encodePortDesc(portDesc(p), this.version));
      for (const msg of packMultipartReply(this.version, readXid(b), OFPMP.PORT_DESC, ports)) this.send(msg);
      return;
    }
    if (isTableFeaturesRequest(b)) {
      // A request with entries would set features: as OVS, refuse it (EPERM) once it decodes.
      if (b.length > 16) {
        const e = tableFeaturesSetError(b);
        return this.sendError(e.type, e.code, b);
      }
      const entries = tableFeaturesEntries(N_TABLES, this.version);
      for (const msg of packMultipartReply(this.version, readXid(b), OFPMP_TABLE_FEATURES, entries)) this.send(msg);
      return;
    }
    if (bundleKind(b)) return this.bundle(b);
    if (isNiciraMessage(b)) {
      const handled = this.nicira(b);
      if (handled) return;
    }
    const m = tryDecodeMessage(b);
    if (m instanceof OpenFlowDecodeError) return this.sendError(m.type, m.code, b);
    this.dispatch(m, b);
  }

  private sendError(type: number, code: number, offending: Uint8Array): void {
    this.send(encodeErrorReply(this.version, type, code, offending));
  }

  /** An error by OVS's name (Nicira and other extension errors, in the version's form). */
  private sendNamedError(name: string, offending: Uint8Array): void {
    const w = new Writer(offending.length + 24);
    if (encodeErrorByName(w, name, this.version, readXid(offending), offending)) this.send(w.finish());
    else this.sendError(OFPET.BAD_REQUEST, OFPBRC.EPERM, offending);
  }

  /** Version negotiation as OVS: highest version both bitmaps (or header versions) allow. */
  private negotiate(b: Uint8Array) {
    const peerVersion = b[0];
    const replyVersion = Math.min(Math.max(peerVersion, MIN_VERSION), MAX_VERSION);
    const xid = b.length >= 8 ? new DataView(b.buffer, b.byteOffset).getUint32(4) : 0;
    const fail = (why: string, text: string) => {
      this.send(encodeTextError(replyVersion, xid, OFPET.HELLO_FAILED, 0, text));
      this.hangUp(why);
    };
    if (b.length < 8 || b[1] !== 0) return fail('first message is not a hello', 'expected hello');
    // Any version may say hello: read its bitmap here (decodeMessage rejects unknown versions).
    let bitmap = 0;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let p = 8; p + 4 <= b.length; ) {
      const len = v.getUint16(p + 2);
      if (len < 4) break;
      if (v.getUint16(p) === 1 && len >= 8 && p + 8 <= b.length) bitmap = v.getUint32(p + 4);
      p += (len + 7) & ~7;
    }
    const theirs = bitmap || (peerVersion >= 31 ? 0xfffffffe : ((1 << (peerVersion + 1)) - 1) & ~1);
    const common = theirs & VERSION_BITMAP;
    if (!common) {
      const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
      return fail(
        'no common OpenFlow version',
        `We support versions ${hex(MIN_VERSION)} to ${hex(MAX_VERSION)} inclusive but you support no later than version ${hex(peerVersion)}.`,
      );
    }
    this.version = 31 - Math.clz32(common);
  }

  private dispatch(m: OpenFlowMessage, raw: Uint8Array) {
    const { version, xid } = m;
    switch (m.type) {
      case 'hello':
      case 'echo_reply':
      case 'error':
        return;
      case 'echo_request':
        return this.send(encodeMessage({ type: 'echo_reply', version, xid, data: m.data }));
      case 'features_request':
        return this.send(this.featuresReply(xid));
      case 'queue_get_config_request': {
        const queues = queueConfigs(this.host.bridge.ports(), m.port);
        if (typeof queues === 'number') return this.sendError(OFPET.QUEUE_OP_FAILED, queues, raw);
        return this.send(encodeMessage({ type: 'queue_get_config_reply', version, xid, port: m.port, queues }));
      }
      case 'get_config_request':
        return this.send(
          encodeMessage({
            type: 'get_config_reply',
            version,
            xid,
            flags: (this.configFlags & ~OFPC_FRAG_MASK) | this.host.fragHandling,
            missSendLen: this.missSendLen,
          }),
        );
      case 'set_config': {
        const before = this.wantsMisses();
        // A secondary controller may not change the bridge's fragment handling; reassembly is not offered.
        const frag = m.flags & OFPC_FRAG_MASK;
        const fragChanged = this.role !== ROLE.SLAVE && frag !== OFPC_FRAG_REASM && frag !== this.host.fragHandling;
        if (fragChanged) this.host.fragHandling = frag;
        this.configFlags = m.flags & ~OFPC_FRAG_MASK;
        this.missSendLen = m.missSendLen;
        // Table misses go up only while someone wants them, and the fragment handling decides
        // lookups: either change makes cached megaflows stale.
        if (fragChanged || this.wantsMisses() !== before) this.flowsChanged();
        return;
      }
      case 'barrier_request':
        // Messages are handled synchronously in arrival order: all earlier ones are done.
        return this.send(encodeMessage({ type: 'barrier_reply', version, xid }));
      case 'set_async':
        this.asyncCfg = applySetAsync(this.asyncCfg ?? this.initialAsync(version), raw, version);
        return;
      case 'get_async_request':
        return this.send(
          encodeMessage({
            type: 'get_async_reply',
            version,
            xid,
            config: asyncToWire(this.asyncCfg ?? this.initialAsync(version), version),
          }),
        );
      case 'nx_set_flow_format':
        if (m.format !== NXFF_OPENFLOW10 && m.format !== NXFF_NXM)
          return this.sendError(OFPET.BAD_REQUEST, OFPBRC.EPERM, raw);
        this.flowFormat = m.format;
        return;
      case 'nx_flow_mod_table_id':
        this.flowModTableId = m.enable;
        return;
      case 'flow_mod':
        // OpenFlow 1.0 has no table in a flow-mod: the command's high byte names one only once
        // NXT_FLOW_MOD_TABLE_ID enabled it. Without it, a flow-mod means every table (an add,
        // table 0), and a high byte makes the command unknown, as OVS decodes it.
        if (version === 1 && !this.flowModTableId) {
          if (m.flowMod.tableId !== 0) return this.sendError(OFPET.FLOW_MOD_FAILED, OFPFMFC.BAD_COMMAND, raw);
          m.flowMod.tableId = 0xff;
        }
        return this.flowMod(m.flowMod, raw);
      case 'packet_out':
        return this.packetOut(m, raw);
      case 'role_request': {
        const roles = this.host.roles;
        if (m.role !== ROLE.NOCHANGE) {
          // Every OpenFlow 1.2+ master/slave request carries a generation id (all ones included, as OVS 3.1 reads it).
          if (m.role !== ROLE.EQUAL && !roles.setElectionId(m.generationId))
            return this.sendError(OFPET_ROLE_REQUEST_FAILED, OFPRRFC.STALE, raw);
          roles.setRole(this, m.role, this.host.connections());
        }
        return this.send(
          encodeMessage({ type: 'role_reply', version, xid, role: this.role, generationId: roles.replyGenerationId() }),
        );
      }
      case 'multipart_request':
        return this.multipart(m, raw);
      case 'meter_mod': {
        let removed: RemovedFlow[];
        try {
          removed = this.host.bridge.ofproto.meterMod(m.meterMod);
        } catch (e) {
          if (e instanceof FlowModError) return this.sendError(...errorOf(e), raw);
          throw e;
        }
        this.flowsChanged();
        // Flows that used a deleted meter go with reason OFPRR_METER_DELETE (a delete before 1.4).
        if (removed.length) this.host.flowsRemoved(removed.map((r) => ({ ...r, reason: OFPRR.METER_DELETE })));
        return;
      }
      case 'group_mod': {
        let removed: RemovedFlow[];
        try {
          removed = this.host.groups.apply(m.groupMod);
        } catch (e) {
          if (e instanceof GroupModError) return this.sendError(e.errorType, e.errorCode, raw);
          throw e;
        }
        this.flowsChanged();
        if (removed.length) this.host.flowsRemoved(removed);
        return;
      }
      case 'port_mod': {
        const { portNo, hwAddr, config, mask } = m.portMod;
        const refused = this.host.bridge.modPort?.(portNo, hwAddr, config, mask);
        if (refused) this.sendError(OFPET.PORT_MOD_FAILED, refused === 'bad_port' ? 0 : 1, raw);
        return;
      }
      case 'table_mod': {
        // Eviction and vacancy settings are kept and reported (table-desc); flows are not evicted.
        const refused = this.host.tableConfig.apply(m.tableId, m.config, m.props ?? {}, version);
        if (refused !== undefined) this.sendError(OFPET.TABLE_MOD_FAILED, refused, raw);
        return;
      }
      default:
        return this.sendError(OFPET.BAD_REQUEST, OFPBRC.BAD_TYPE, raw);
    }
  }

  /**
   * Nicira extension messages libs/openflow leaves undecoded; returns false to let the decoder
   * handle (or refuse) the rest. Unknown subtypes get OFPBRC_BAD_SUBTYPE as from OVS.
   */
  private nicira(b: Uint8Array): boolean {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const subtype = v.getUint32(12);
    switch (subtype) {
      case NXT.FLOW_MOD:
      case NXT.SET_FLOW_FORMAT:
      case NXT.FLOW_MOD_TABLE_ID:
      case NXT_GROUP_MOD: // OpenFlow 1.0 groups, decoded as group_mod
        return false;
      case NXT.SET_PACKET_IN_FORMAT: {
        // Standard packet-ins and NXT_PACKET_IN2; NXT_PACKET_IN (1.0's Nicira form) is refused,
        // which makes ovs-ofctl fall back to the standard one.
        const format = b.length === 20 ? v.getUint32(16) : -1;
        if (format === NXPIF_STANDARD || format === NXPIF_NXT_PACKET_IN2) this.packetInFormat = format;
        else this.sendError(OFPET.BAD_REQUEST, OFPBRC.EPERM, b);
        return true;
      }
      case NXT.ROLE_REQUEST: {
        const role = b.length === 20 ? roleFromNx(v.getUint32(16)) : undefined;
        if (b.length !== 20) this.sendError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, b);
        else if (role === undefined) this.sendError(OFPET_ROLE_REQUEST_FAILED, OFPRRFC.BAD_ROLE, b);
        else {
          this.host.roles.setRole(this, role, this.host.connections());
          const w = new Writer(20);
          w.u8(this.version).u8(4).u16(20).u32(readXid(b)).u32(0x2320).u32(NXT.ROLE_REPLY).u32(roleToNx(this.role));
          this.send(w.finish());
        }
        return true;
      }
      case NXT.SET_ASYNC_CONFIG:
        if (b.length !== 40) this.sendError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, b);
        else this.asyncCfg = applyNxSetAsync(this.asyncCfg ?? this.initialAsync(this.version), b, this.version);
        return true;
      case NXT.SET_CONTROLLER_ID:
        return true; // accepted: one controller id
      case NXT_TLV_TABLE_MOD:
        try {
          const { command, mappings } = decodeTlvTableMod(b);
          this.host.tlvMap.apply(command, mappings);
        } catch (e) {
          if (e instanceof TlvTableError) this.sendNamedError(e.errorName, b);
          else if (e instanceof OpenFlowDecodeError) this.sendError(e.type, e.code, b);
          else throw e;
        }
        return true;
      case NXT_TLV_TABLE_REQUEST: {
        if (b.length !== 16) {
          this.sendError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, b);
          return true;
        }
        const w = new Writer(64);
        encodeTlvTableReply(w, this.version, readXid(b), this.host.tlvMap.reply());
        this.send(w.finish());
        return true;
      }
      case NXT_CT_FLUSH_ZONE:
        // The datapath keeps no connection-tracking entries, so a zone has nothing to flush.
        if (b.length !== 24) this.sendError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, b);
        return true;
      case NXT_CT_FLUSH:
        // Checked as ovs-vswitchd checks it (errors by name); with no entries, nothing to flush.
        if (b.length < 24 || (b.length - 24) % 8) this.sendError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, b);
        else {
          try {
            decodeCtFlush(b);
          } catch (e) {
            if (!(e instanceof CtFlushDecodeError)) throw e;
            this.sendNamedError(e.errorName, b);
          }
        }
        return true;
      default:
        this.sendError(OFPET.BAD_REQUEST, OFPBRC.BAD_EXP_TYPE, b);
        return true;
    }
  }

  /** OFPT_PACKET_IN (standard format) or NXT_PACKET_IN2; service connections get them once miss_send_len is set. */
  notifyPacketIn(pin: PacketIn): void {
    const version = this.version;
    if (version === 0 || version === 2 || this.missSendLen === 0 || !this.receives('packetIn', pin.reason)) return;
    if (this.packetInFormat === NXPIF_NXT_PACKET_IN2) {
      this.send(encodePacketIn2(version, pin, wireReason(pin.reason, version)));
      return;
    }
    const match = new Match();
    match.setSlot('in_port', BigInt(pin.inPort), 0xffffn);
    this.send(
      encodeMessage({
        type: 'packet_in',
        version,
        xid: 0,
        bufferId: NO_BUFFER,
        totalLen: pin.packet.length,
        reason: wireReason(pin.reason, version),
        tableId: pin.tableId,
        cookie: pin.cookie,
        match,
        // Open vSwitch keeps no buffers (buffer_id is always NO_BUFFER) and then sends the whole
        // packet whatever max_len / miss_send_len say, as 3.1 does.
        data: pin.packet,
      }),
    );
  }

  private packetOut(po: PacketOut, raw: Uint8Array) {
    if (this.refuseBuffered(po, raw)) return;
    const bridge = this.host.bridge;
    try {
      checkPacketOutActions(po.actions, bridge.ofproto);
    } catch (e) {
      if (e instanceof FlowModError) return this.sendError(e.errorType, e.errorCode, raw);
      throw e;
    }
    bridge.packetOut(po.data, po.inPort, po.actions);
  }

  /** No buffers (n_buffers 0): a packet-out must carry its packet. True once the error was sent. */
  private refuseBuffered(po: PacketOut, raw: Uint8Array): boolean {
    if (po.bufferId === NO_BUFFER) return false;
    this.sendError(OFPET.BAD_REQUEST, OFPBRC_BUFFER_UNKNOWN, raw);
    return true;
  }

  private featuresReply(xid: number): Uint8Array {
    const v = this.version;
    // OVS sets OFPC_ARP_MATCH_IP in OpenFlow 1.1 too (1.2 dropped the bit).
    const arpMatchIp = v === 2 ? 0x80 : 0;
    return encodeMessage({
      type: 'features_reply',
      version: v,
      xid,
      datapathId: this.host.bridge.datapathId(),
      nBuffers: 0,
      nTables: N_TABLES,
      auxiliaryId: 0,
      capabilities: v === 1 ? CAPABILITIES_10 : v >= 5 ? CAPABILITIES_11 | OFPC_BUNDLES : CAPABILITIES_11 | arpMatchIp,
      actions: v === 1 ? ACTIONS_10 : 0,
      // OpenFlow 1.0-1.2 list the ports here; 1.3+ in port-desc replies.
      ports: v <= 3 ? this.host.bridge.ports().map((p) => portDescFor(portDesc(p), v)) : [],
    });
  }

  private flowMod(fm: ReturnType<typeof newFlowMod>, raw: Uint8Array) {
    const bridge = this.host.bridge;
    const tunMd = checkTunMetadata(fm, this.host.tlvMap);
    if (tunMd) return 'refuse' in tunMd ? this.sendNamedError(tunMd.refuse, raw) : undefined;
    let removed: RemovedFlow[];
    try {
      checkFlowMod(fm, bridge.ofproto);
      removed = bridge.ofproto.flowMod(fm, this.version);
    } catch (e) {
      if (e instanceof FlowModError || e instanceof OpenFlowDecodeError) return this.sendError(...errorOf(e), raw);
      throw e;
    }
    this.flowsChanged();
    if (removed.length) this.host.flowsRemoved(removed);
    // OVS applies the flow-mod, then reports the buffer it cannot find.
    if (fm.bufferId !== NO_BUFFER) this.sendError(OFPET.BAD_REQUEST, OFPBRC_BUFFER_UNKNOWN, raw);
  }

  /**
   * OFPT_BUNDLE_CONTROL / OFPT_BUNDLE_ADD_MESSAGE (and OpenFlow 1.3's ONF form). Adds are
   * decoded when they arrive (decode errors refer to the add message, as in OVS); a commit
   * applies every flow-mod in one synchronous step or, if one fails, none: the failing message
   * gets its error, then the commit gets OFPBFC_MSG_FAILED.
   */
  private bundle(raw: Uint8Array) {
    let m: BundleMessage;
    try {
      m = decodeBundleMessage(raw);
      BundleSet.checkFlags(m.flags);
      if (m.kind === 'add') return this.bundleAdd(m, raw);
      this.bundleControl(m);
    } catch (e) {
      if (e instanceof BundleError) return this.send(encodeBundleError(this.version, e.code, raw));
      if (e instanceof OpenFlowDecodeError) {
        if (e.type === OFPET_BUNDLE_FAILED) return this.send(encodeBundleError(this.version, e.code, raw));
        return this.sendError(e.type, e.code, raw);
      }
      throw e;
    }
  }

  /**
   * A bundle takes flow mods, group mods and packet-outs (as OVS's bundle_add_msg), each
   * checked now so that an error answers the add message; anything else is OFPBFC_MSG_UNSUP.
   */
  private bundleAdd(m: Extract<BundleMessage, { kind: 'add' }>, raw: Uint8Array) {
    const inner = m.message;
    const type = inner[1];
    const known = type === OFPT_FLOW_MOD || type === OFPT_GROUP_MOD || type === OFPT_PACKET_OUT;
    const decoded = known ? tryDecodeMessage(inner) : undefined;
    if (decoded instanceof OpenFlowDecodeError) return this.sendError(decoded.type, decoded.code, raw);
    switch (decoded?.type) {
      case 'flow_mod': {
        // In a bundle even a no-op would be applied without its tun_metadata: refuse it instead.
        const tunMd = checkTunMetadata(decoded.flowMod, this.host.tlvMap);
        if (tunMd) return this.sendNamedError('refuse' in tunMd ? tunMd.refuse : 'OFPBMC_BAD_FIELD', raw);
        return this.bundles.add(m.bundleId, m.flags, { kind: 'flow', fm: decoded.flowMod, version: this.version, raw });
      }
      case 'group_mod':
        return this.bundles.add(m.bundleId, m.flags, { kind: 'group', gm: decoded.groupMod, raw });
      case 'packet_out':
        return this.bundlePacketOut(m, decoded, raw);
      default:
        throw new BundleError(OFPBFC.MSG_UNSUP, `message type ${type} cannot go in a bundle`);
    }
  }

  private bundlePacketOut(m: Extract<BundleMessage, { kind: 'add' }>, po: PacketOut, raw: Uint8Array) {
    if (!this.refuseBuffered(po, raw)) this.bundles.add(m.bundleId, m.flags, { kind: 'packet-out', po, raw });
  }

  private bundleControl(m: Extract<BundleMessage, { kind: 'control' }>) {
    const reply = (ctrlType: number) =>
      this.send(
        encodeBundleControl({ version: m.version, xid: m.xid, onf: m.onf, bundleId: m.bundleId, ctrlType, flags: 0 }),
      );
    switch (m.ctrlType) {
      case OFPBCT.OPEN_REQUEST:
        this.bundles.open(m.bundleId, m.flags);
        return reply(OFPBCT.OPEN_REPLY);
      case OFPBCT.CLOSE_REQUEST:
        this.bundles.close(m.bundleId, m.flags);
        return reply(OFPBCT.CLOSE_REPLY);
      case OFPBCT.DISCARD_REQUEST:
        this.bundles.discard(m.bundleId);
        return reply(OFPBCT.DISCARD_REPLY);
      case OFPBCT.COMMIT_REQUEST: {
        const entries = this.bundles.take(m.bundleId, m.flags);
        const bridge = this.host.bridge;
        const r = commitBundle(bridge.ofproto, this.bundleTargets(), entries);
        if (!r.ok) {
          const [type, code] = errorOf(r.error);
          this.sendError(type, code, entries[r.index].raw);
          throw new BundleError(OFPBFC.MSG_FAILED, 'a message of the bundle failed');
        }
        if (entries.some((e) => e.kind !== 'packet-out')) this.flowsChanged();
        if (r.removed.length) this.host.flowsRemoved(r.removed);
        for (const send of r.packetOuts) send();
        return reply(OFPBCT.COMMIT_REPLY);
      }
      default:
        throw new BundleError(OFPBFC.BAD_TYPE, `bundle control type ${m.ctrlType} is not a request`);
    }
  }

  /** What a bundle's commit changes besides the flow tables: the groups, and packets to send. */
  private bundleTargets(): BundleTargets {
    const bridge = this.host.bridge;
    return {
      groups: this.host.groups,
      // Groups are checked where the packet-out stands (OVS: at its start in the commit).
      preparePacketOut: (po) => {
        checkPacketOutActions(po.actions, bridge.ofproto);
        return bridge.preparePacketOut
          ? bridge.preparePacketOut(po.data, po.inPort, po.actions)
          : () => bridge.packetOut(po.data, po.inPort, po.actions);
      },
    };
  }

  /**
   * Flow-removed for flows added with send_flow_rem, in this connection's form (OpenFlow 1.0,
   * NXM, 1.1-1.4, 1.5), for the reasons its async config lets through.
   */
  notifyRemoved(removed: RemovedFlow[]): void {
    if (this.version === 0) return;
    const now = this.now;
    for (const r of removed) {
      if (!(r.entry.flags & 1) || !this.receives('flowRemoved', r.reason)) continue;
      this.send(encodeFlowRemoved(r, this.version, this.flowFormat === NXFF_NXM, now));
    }
  }

  /** OFPT_PORT_STATUS: reason, pad, then the port in this connection's version's form. */
  notifyPortStatus(reason: PortStatusReason, port: PortInfo, before?: PortInfo): void {
    if (!this.receives('portStatus', PORT_REASONS[reason])) return;
    const body = encodePortDesc(portDesc(port), this.version);
    // As OVS: a modify this version cannot tell from the last one (NO_FLOOD, LIVE on 1.0) is not sent.
    if (before && Buffer.compare(body, encodePortDesc(portDesc(before), this.version)) === 0) return;
    const w = new Writer(16 + body.length);
    w.u8(this.version)
      .u8(OFPT_PORT_STATUS)
      .u16(16 + body.length)
      .u32(0);
    w.u8(PORT_REASONS[reason]).zeros(7).bytes(body);
    this.send(w.finish());
  }

  /** Flows a flow/aggregate stats request selects (loose match, cookie, out_port/out_group). */
  private selectFlows(req: FlowStatsRequest): FlowEntry[] {
    // No rule holds tun_metadata (see tun-metadata-check.ts): a request that matches it selects none.
    if (req.match.tunMd) return [];
    const fm = newFlowMod();
    fm.match = req.match;
    fm.tableId = req.tableId;
    fm.outPort = req.outPort;
    fm.outGroup = req.outGroup;
    fm.cookie = req.cookie;
    fm.cookieMask = req.cookieMask;
    return this.host.bridge.ofproto.tables.select(fm, false);
  }

  private flowStats(e: FlowEntry, now: number): FlowStats {
    const ms = Math.max(0, now - e.created);
    return {
      tableId: e.tableId,
      durationSec: Math.floor(ms / 1000),
      durationNsec: (ms % 1000) * 1_000_000,
      priority: e.priority,
      idleTimeout: e.idleTimeout,
      hardTimeout: e.hardTimeout,
      flags: e.flags & FLOW_STATE_FLAGS,
      cookie: e.cookie,
      packetCount: e.packets,
      byteCount: e.bytes,
      match: e.match,
      actions: e.actions,
    };
  }

  private withFlows(raw: Uint8Array, req: FlowStatsRequest, use: (flows: FlowEntry[]) => void) {
    let flows: FlowEntry[];
    try {
      flows = this.selectFlows(req);
    } catch (e) {
      if (e instanceof FlowModError) return this.sendError(e.errorType, e.errorCode, raw);
      throw e;
    }
    use(flows);
  }

  /** OVS's OpenFlow 1.0 extension for dump-groups: 1.5-style entries with 1.0 actions. */
  private nxGroupDesc(raw: Uint8Array) {
    if (raw.length !== NX_STATS_HEADER + 8) return this.sendError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, raw);
    const groupId = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(NX_STATS_HEADER);
    const entries = this.host.groups.list(groupId).map((g) => encodeGroupDesc(g, 1));
    for (const msg of packMultipartReply(1, readXid(raw), 0xffff, entries, nxStatsPrefix(NXST_GROUP_DESC)))
      this.send(msg);
  }

  private nxStats(raw: Uint8Array) {
    let r: ReturnType<typeof decodeNxStatsRequest>;
    try {
      r = decodeNxStatsRequest(raw);
    } catch (e) {
      if (e instanceof OpenFlowDecodeError) return this.sendError(e.type, e.code, raw);
      throw e;
    }
    const xid = new DataView(raw.buffer, raw.byteOffset).getUint32(4);
    this.withFlows(raw, r.request, (flows) => {
      const now = this.now;
      if (r.subtype === NXST_FLOW) {
        const entries = flows.map((e) =>
          encodeNxFlowStats(
            this.flowStats(e, now),
            Math.floor((now - e.used) / 1000),
            Math.floor((now - e.modified) / 1000),
          ),
        );
        for (const msg of packMultipartReply(1, xid, 0xffff, entries, nxStatsPrefix(NXST_FLOW))) this.send(msg);
      } else {
        const agg = aggregate(flows);
        const body = encodeNxAggregate(agg.packets, agg.bytes, agg.count);
        for (const msg of packMultipartReply(1, xid, 0xffff, [body], nxStatsPrefix(NXST_AGGREGATE))) this.send(msg);
      }
    });
  }

  private multipart(m: Extract<OpenFlowMessage, { type: 'multipart_request' }>, raw: Uint8Array) {
    const { version, xid, body } = m;
    const reply = (mpType: number, entries: Uint8Array[]) => {
      for (const msg of packMultipartReply(version, xid, mpType, entries)) this.send(msg);
    };
    const encoded = (b: Parameters<typeof encodeMultipartReply>[1]) => {
      const w = new Writer(256);
      encodeMultipartReply(w, b, version);
      return w.finish();
    };
    const bridge = this.host.bridge;
    switch (body.mp) {
      case 'desc':
        return reply(OFPMP.DESC, [encoded({ mp: 'desc', desc })]);
      case 'queue': {
        const queues = queueStats(bridge.ports(), body);
        if (typeof queues === 'number') return this.sendError(OFPET.QUEUE_OP_FAILED, queues, raw);
        return reply(
          OFPMP_QUEUE,
          queues.map((q) => encoded({ mp: 'queue', queues: [q] })),
        );
      }
      case 'queue_desc': {
        const queues = queueDescs(bridge.ports(), body);
        if (typeof queues === 'number') return this.sendError(OFPET.QUEUE_OP_FAILED, queues, raw);
        return reply(
          OFPMP_QUEUE_DESC,
          queues.map((q) => encoded({ mp: 'queue_desc', queues: [q] })),
        );
      }
      case 'flow':
      case 'aggregate':
        return this.withFlows(raw, body.request, (flows) => {
          const now = this.now;
          if (version >= 6) {
            if (body.mp === 'flow') {
              reply(
                OFPMP.FLOW,
                flows.map((e) => encodeFlowStats15(this.flowStats(e, now), e.importance, now - e.used)),
              );
            } else {
              const agg = aggregate(flows);
              reply(OFPMP.AGGREGATE, [encodeAggregate15(agg.packets, agg.bytes, agg.count)]);
            }
          } else if (body.mp === 'flow') {
            reply(
              OFPMP.FLOW,
              flows.map((e) => encoded({ mp: 'flow', flows: [this.flowStats(e, now)] })),
            );
          } else {
            const agg = aggregate(flows);
            reply(OFPMP.AGGREGATE, [
              encoded({ mp: 'aggregate', packetCount: agg.packets, byteCount: agg.bytes, flowCount: agg.count }),
            ]);
          }
        });
      case 'table': {
        const tables = bridge.ofproto.tables.tables;
        const entries: Uint8Array[] = [];
        for (let t = 0; t < N_TABLES; t++) {
          entries.push(
            encoded({
              mp: 'table',
              tables: [
                {
                  tableId: t,
                  name: '', // OVS 3.1 leaves unnamed tables' names empty (ovs-ofctl --names prints numbers)
                  activeCount: tables[t].size,
                  lookupCount: 0n,
                  matchedCount: 0n,
                  ...(this.version === 2 || this.version === 3
                    ? { maxEntries: 1_000_000, features: tableStatsFeatures(t, N_TABLES, this.version) }
                    : {}),
                },
              ],
            }),
          );
        }
        return reply(OFPMP.TABLE, entries);
      }
      case 'table_desc': {
        const tables = bridge.ofproto.tables.tables;
        const descs = this.host.tableConfig.describe((t) => tables[t].size);
        return reply(
          OFPMP_TABLE_DESC,
          descs.map((d) => encoded({ mp: 'table_desc', tables: [d] })),
        );
      }
      case 'port': {
        const ms = Date.now() - this.host.startedMs;
        const ports = bridge.ports().filter((p) => body.portNo === 0xffff || p.ofport === body.portNo);
        return reply(
          OFPMP.PORT,
          ports.map((p) => encodePortStats(p, version, ms)),
        );
      }
      case 'port_desc': {
        const ports = bridge.ports().filter((p) => body.portNo === 0xffff || p.ofport === body.portNo);
        return reply(
          OFPMP.PORT_DESC,
          ports.map((p) => encodePortDesc(portDesc(p), version)),
        );
      }
      case 'meter':
      case 'meter_config':
      case 'meter_features': {
        const entries = meterReplies(bridge.ofproto, body);
        return reply(GROUP_METER_MP_CODES[body.mp], entries.map(encoded));
      }
      case 'group_desc':
      case 'group': {
        const groups = this.host.groups.list(body.groupId);
        const ms = Date.now() - this.host.startedMs;
        return body.mp === 'group_desc'
          ? reply(
              OFPMP_GROUP_DESC,
              groups.map((g) => encodeGroupDesc(g, version)),
            )
          : reply(
              OFPMP_GROUP,
              groups.map((g) => encodeGroupStats(g, version, ms)),
            );
      }
      default:
        return this.sendError(OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART, raw);
    }
  }
}

const OFPMP_TABLE_FEATURES = 12;
const OFPT10_BARRIER_REQUEST = 18;
const OFPT_BARRIER_REQUEST = 20;

/**
 * The reply to a barrier request `b` (header only): the reply type follows the request's in
 * every version. Messages are handled synchronously in arrival order, so every earlier one is done.
 */
function barrierReply(b: Uint8Array): Buffer {
  const r = Buffer.allocUnsafe(OFP_HEADER_LEN);
  r[0] = b[0];
  r[1] = b[1] + 1;
  r[2] = 0;
  r[3] = OFP_HEADER_LEN;
  r[4] = b[4];
  r[5] = b[5];
  r[6] = b[6];
  r[7] = b[7];
  return r;
}
const OFPT_PACKET_OUT = 13;
const OFPT_FLOW_MOD = 14;
const OFPT_GROUP_MOD = 15;
const OFP_HEADER_LEN = 8;
/** OFPCRR_MASTER_REQUEST: a role status because another controller became master. */
const OFPCRR_MASTER_REQUEST = 0;

/** The (type, code) an exception from applying a flow-mod answers with. */
function errorOf(e: unknown): [number, number] {
  if (e instanceof FlowModError) return [e.errorType, e.errorCode];
  if (e instanceof GroupModError) return [e.errorType, e.errorCode];
  if (e instanceof OpenFlowDecodeError) return [e.type, e.code];
  return [OFPET.BAD_REQUEST, OFPBRC.EPERM];
}
const NXT = {
  FLOW_MOD: 13,
  SET_FLOW_FORMAT: 12,
  FLOW_MOD_TABLE_ID: 15,
  SET_PACKET_IN_FORMAT: 16,
  ROLE_REQUEST: 10,
  ROLE_REPLY: 11,
  SET_ASYNC_CONFIG: 19,
  SET_CONTROLLER_ID: 20,
} as const;
const NXPIF_STANDARD = 0;
const NXPIF_NXT_PACKET_IN2 = 2;

/** An OFPT_EXPERIMENTER (OFPT_VENDOR) message from Nicira (0x2320). */
function isNiciraMessage(b: Uint8Array): boolean {
  return b[1] === 4 && b.length >= 16 && ((b[8] << 24) | (b[9] << 16) | (b[10] << 8) | b[11]) === 0x2320;
}
const OFPT_PORT_STATUS = 12;
const OFPMP_GROUP = 6;
const OFPMP_GROUP_DESC = 7;

function readXid(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4);
}

/**
 * A port-desc request without a body: OpenFlow 1.0's OFPST_PORT_DESC (an OVS extension of 1.0's
 * stats numbering) and 1.1-1.4's OFPMP_PORT_DESC (only 1.5 adds a port number; the lib's decoder
 * wants one from 1.4 on, so these are answered here).
 */
function isBodylessPortDescRequest(b: Uint8Array): boolean {
  if (b[0] === 1) return b[1] === 16 && b.length === 12 && ((b[8] << 8) | b[9]) === OFPMP.PORT_DESC;
  return b[0] <= 5 && b[1] === 18 && b.length === 16 && ((b[8] << 8) | b[9]) === OFPMP.PORT_DESC;
}

function isTableFeaturesRequest(b: Uint8Array): boolean {
  return b[0] >= 4 && b[1] === 18 && b.length >= 16 && ((b[8] << 8) | b[9]) === OFPMP_TABLE_FEATURES;
}

function aggregate(flows: FlowEntry[]): { packets: bigint; bytes: bigint; count: number } {
  let packets = 0n;
  let bytes = 0n;
  for (const e of flows) {
    packets += e.packets;
    bytes += e.bytes;
  }
  return { packets, bytes, count: flows.length };
}
