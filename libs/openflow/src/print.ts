import { formatActions, PACKET_IN_REASONS } from './actions.js';
import { ASYNC_ERROR_NAMES, formatAsyncConfig } from './async-config.js';
import { ONF_VENDOR_ID } from './bundle.js';
import { dv, type Writer } from './bytes.js';
import { formatGroupMod, formatMeterMod, formatPortMod, NXT_GROUP_MOD, ROLES } from './control.js';
import { CtFlushDecodeError, decodeCtFlush, formatCtFlush, NXT_CT_FLUSH, NXT_CT_FLUSH_ZONE } from './ct-flush.js';
import { ERROR_NAMES_11, errorNameOnWire } from './error-names.js';
import { NX_VENDOR_ID, NXET_VENDOR } from './error-table.js';
import { OFPBRC, OFPET, OpenFlowDecodeError } from './errors.js';
import { decodeFlowModIn, formatFlowModBody, newFlowMod } from './flow-mod.js';
import { decodeFlowRemovedExt, type FlowRemovedExt, isFlowRemovedExt } from './flow-removed-ext.js';
import { formatPort } from './format-values.js';
import { decodeGroupDescs15 } from './group-desc15.js';
import { formatIpfixBody, ipfixLengthOk, ipfixMessageKind, ipfixTitle } from './ipfix.js';
import { formatMatch } from './match-format.js';
import { messageHead as head } from './message-head.js';
import { decodeMessage, OFPT_ROLE_STATUS, ONFT_ROLE_STATUS, type OpenFlowMessage } from './messages.js';
import {
  decodeFlowStatsEntries,
  formatDuration,
  formatMultipartReply,
  formatMultipartRequest,
  multipartTitle,
} from './multipart.js';
import {
  decodeMeterStatsPrefix,
  formatMeterStats,
  GROUP_METER_MP_NAMES,
  groupMeterMpAvailable,
} from './multipart-group-meter.js';
import {
  decodeGroupDescEntries,
  decodeGroupStatsEntries,
  formatGroupDescs,
  formatGroupStats,
} from './multipart-groups.js';
import { decodeTableDescsPrefix, formatTableDescs, OFPMP_TABLE_DESC } from './multipart-table-desc.js';
import { decodePacketIn2, isPacketIn2 } from './packet-in2.js';
import { packetToString } from './packet-text.js';
import { formatPortDesc } from './ports.js';
import { formatQueueGetConfigReply, queueGetConfigTypes } from './queue-config.js';
import { isTableFeaturesMessage } from './table-features.js';
import { formatTableStats1112, ofpPrintTableFeatures } from './table-features-print.js';
import { formatTableMod } from './table-mod.js';
import {
  decodeTlvTableMod,
  decodeTlvTableReply,
  formatTlvMappings,
  formatTlvTableReply,
  NXT_TLV_TABLE_MOD,
  NXT_TLV_TABLE_REPLY,
  NXT_TLV_TABLE_REQUEST,
  nxSubtype,
  TlvTableError,
} from './tlv-table.js';

/** ovs-ofctl ofp-print: a message as text, with OVS's hex dump for what it cannot decode. */

/** Each byte's code in the dump's text column: itself when printable ASCII, else '.'. */
const DUMP_CODES = Uint8Array.from({ length: 256 }, (_, c) => (c >= 32 && c < 127 ? c : 46));
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** Bytes of one dump line: offset, 16 hex pairs, the text column, newline. */
const DUMP_LINE = 78;
let dumpScratch = new Uint8Array(64 * DUMP_LINE);
const dumpDecoder = new TextDecoder();

/**
 * OVS's ovs_hex_dump with offsets and text: written as ASCII bytes into one reused buffer and
 * decoded once (a few percent of generated flows print a dump; building it from many small
 * strings was the largest single source of a parse-flows run's garbage).
 */
export function hexDump(b: Uint8Array): string {
  const need = Math.ceil(b.length / 16) * DUMP_LINE;
  if (dumpScratch.length < need) dumpScratch = new Uint8Array(need);
  const o = dumpScratch;
  let p = 0;
  for (let off = 0; off < b.length; off += 16) {
    const n = Math.min(16, b.length - off);
    if (off) o[p++] = 10;
    for (let shift = 28; shift >= 0; shift -= 4) o[p++] = HEX_DIGITS[(off >>> shift) & 15];
    o[p++] = 32;
    o[p++] = 32;
    for (let i = 0; i < 16; i++) {
      if (i < n) {
        const c = b[off + i];
        o[p++] = HEX_DIGITS[c >> 4];
        o[p++] = HEX_DIGITS[c & 15];
        o[p++] = i === 7 ? 45 : 32;
      } else {
        o[p++] = 32;
        o[p++] = 32;
        o[p++] = 32;
      }
    }
    o[p++] = 124;
    for (let i = 0; i < 16; i++) o[p++] = i < n ? DUMP_CODES[b[off + i]] : 32;
    o[p++] = 124;
  }
  return dumpDecoder.decode(o.subarray(0, p));
}

/** The name of an error (OpenFlow 1.3 numbering, as decode errors carry). */
export function errorName(type: number, code: number): string {
  const key = `${type},${code}`;
  // A Nicira error (errors.ts NXBAC): named by its OpenFlow 1.3 experimenter form.
  const nx = type === OFPET.EXPERIMENTER ? errorNameOnWire(4, NX_VENDOR_ID, code, 0) : undefined;
  return nx ?? ERROR_NAMES_11[key] ?? ASYNC_ERROR_NAMES[key] ?? `OFPET(${type},${code})`;
}

/** OVS's ds_put_printable: printable ASCII as is, other bytes as octal escapes. */
function printable(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    const plain = c >= 32 && c < 127 && c !== 34 && c !== 92;
    s += plain ? String.fromCharCode(c) : `\\${c.toString(8).padStart(3, '0')}`;
  }
  return s;
}

function formatError(m: Extract<OpenFlowMessage, { type: 'error' }>, b: Uint8Array, verbosity: number): string {
  const h = head('OFPT_ERROR', m.version, m.xid);
  let name = errorNameOnWire(m.version, 0, m.errType, m.code);
  let data = m.data;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (m.errType === NXET_VENDOR && m.code === 0 && data.length >= 8) {
    // A Nicira vendor error: vendor id, the vendor's type and code, then the offending message.
    const [vendor, type, code] = [v.getUint32(0), v.getUint16(4), v.getUint16(6)];
    name = errorNameOnWire(m.version, vendor, type, code);
    data = data.subarray(8);
  } else if (m.errType === OFPET.EXPERIMENTER && data.length >= 4) {
    // OpenFlow 1.2+'s experimenter error: the code is the experimenter's type, then its id.
    name = errorNameOnWire(m.version, v.getUint32(0), m.code, 0);
    data = data.subarray(4);
  }
  // An error code the version does not define cannot be decoded by ovs-ofctl.
  if (!name) return `${h} ***decode error: OFPBRC_BAD_LEN***\n${hexDump(b)}`;
  let s = `${h} ${name}\n`;
  // ovs-ofctl's output loses trailing spaces of the text.
  if (m.errType === 0) return data.length ? (s + printable(data)).replace(/ +$/, '') : s.slice(0, -1);
  else if (!data.length) s += 'OpenFlow message is empty';
  else if (data.length < 8) s += `OpenFlow packet too short (only ${data.length} bytes):\n${hexDump(data)}`;
  else s += ofpPrint(data, verbosity - 1);
  return s;
}

/**
 * ofpPrint for the flow_mod encodeFlowModScratch left in `w` (header known good, `xid` known):
 * decodes and prints it without the generic dispatch and without a copy or view of it. An error in
 * its body prints as ofpPrint's catch prints a flow_mod's (title, error name, hex dump) without
 * decoding it again; framing errors (OFPET_BAD_REQUEST) go through ofpPrint itself.
 */
export function ofpPrintFlowModScratch(w: Writer, xid: number): string {
  return printFlowModIn(w.buf, w.view, w.length, xid);
}

/** The flow_mod each printed one decodes into: printed at once, then no longer needed. */
const PRINT_FM = newFlowMod();

/** ofpPrintFlowModScratch of the message `b[0, len)`, `v` a DataView over `b`. */
function printFlowModIn(b: Uint8Array, v: DataView, len: number, xid: number): string {
  const title = head(b[1] === 14 ? 'OFPT_FLOW_MOD' : 'NXT_FLOW_MOD', b[0], xid);
  let body: string;
  try {
    body = formatFlowModBody(decodeFlowModIn(b, v, len, PRINT_FM), b[0]);
  } catch (e) {
    if (!(e instanceof OpenFlowDecodeError)) throw e;
    // What ofpPrint prints for an error in a flow_mod's body, without decoding it a second time
    // (a few percent of generated flows end here); framing errors keep ofpPrint's own rules.
    const msg = b.subarray(0, len);
    if (e.type === OFPET.BAD_REQUEST) return ofpPrint(msg);
    return `${title} ***decode error: ${errorName(e.type, e.code)}***\n${hexDump(msg)}`;
  }
  return title + body;
}

/** A flow-removed message's text, as ovs-ofctl's ofputil_flow_removed_format. */
function formatFlowRemoved(
  title: string,
  m: Extract<OpenFlowMessage, { type: 'flow_removed' }> | FlowRemovedExt,
): string {
  let s = `${head(title, m.version, m.xid)} ${formatMatch(m.match, m.priority)}`;
  s += ` reason=${FLOW_REMOVED_REASONS[m.reason] ?? String(m.reason)}`;
  if (m.tableId !== 255) s += ` table_id=${m.tableId}`;
  if (m.cookie) s += ` cookie:0x${m.cookie.toString(16)}`;
  s += ` duration${formatDuration(m.durationSec, m.durationNsec)} idle${m.idleTimeout}`;
  if (m.hardTimeout) s += ` hard${m.hardTimeout}`;
  return `${s} pkts${m.packetCount} bytes${m.byteCount}`;
}

/** A packet-in (OFPT_PACKET_IN or NXT_PACKET_IN2) as ovs-ofctl's ofputil_packet_in_private_format prints it. */
function formatPacketIn(
  title: string,
  m: {
    version: number;
    xid: number;
    tableId: number;
    cookie: bigint;
    totalLen: number;
    match: Parameters<typeof formatMatch>[0];
    reason: number;
    data: Uint8Array;
    bufferId: number;
  },
  verbosity: number,
): string {
  let s = head(title, m.version, m.xid);
  if (m.tableId) s += ` table_id=${m.tableId}`;
  if (m.cookie !== 0xffffffffffffffffn) s += ` cookie=0x${m.cookie.toString(16)}`;
  s += ` total_len=${m.totalLen} ${formatMatch(m.match)}`;
  s += ` (via ${PACKET_IN_REASONS[m.reason] ?? m.reason}) data_len=${m.data.length}`;
  if (m.bufferId === 0xffffffff) {
    s += ' (unbuffered)';
    if (m.totalLen !== m.data.length) s += ' (***total_len != data_len***)';
  } else s += ` buffer=0x${m.bufferId.toString(16).padStart(8, '0')}`;
  // The flow extracted from the packet, as at ovs-ofctl's default verbosity.
  if (verbosity > 0) s += `\n${packetToString(m.data)}`;
  return s;
}

/** `verbosity` as ovs-ofctl's: 2 by default; messages nested in errors print at one less. */
export function ofpPrint(b: Uint8Array, verbosity = 2): string {
  if (b.length >= 4) {
    const declared = (b[2] << 8) | b[3];
    if (declared < b.length && declared >= 8) {
      return `(***only uses ${declared} bytes out of ${b.length}***)\n${hexDump(b)}`;
    }
    if (declared > b.length) {
      const name = b.length >= 8 ? messageName(b) : undefined;
      const pre = name ? `${head(name, b[0], new DataView(b.buffer, b.byteOffset).getUint32(4))}\n` : '';
      return `${pre}(***truncated to ${b.length} bytes from ${declared}***)\n${hexDump(b)}`;
    }
  }
  try {
    if (isPacketIn2(b)) {
      const p = decodePacketIn2(b);
      return formatPacketIn(
        'NXT_PACKET_IN2',
        { ...p, match: p.metadata, totalLen: p.fullLen ?? p.packet.length, data: p.packet },
        verbosity,
      );
    }
    if (isTableFeaturesMessage(b)) return ofpPrintTableFeatures(b);
    const ipfix = ipfixMessageKind(b);
    if (ipfix) {
      if (!ipfixLengthOk(b, ipfix)) return `***decode error: OFPBRC_BAD_LEN***\n${hexDump(b)}`;
      return `${head(ipfixTitle(ipfix), b[0], new DataView(b.buffer, b.byteOffset).getUint32(4))}${formatIpfixBody(b, ipfix)}`;
    }
    // OVS checks these lengths before decoding; the decoders here are looser or report otherwise.
    const rule = lengthRule(b);
    if (rule && !(rule[1] ? b.length >= rule[0] && (b.length - rule[0]) % rule[1] === 0 : b.length === rule[0])) {
      return `***decode error: OFPBRC_BAD_LEN***\n${hexDump(b)}`;
    }
    const nx = nxSubtype(b);
    if (nx !== undefined && NX_TITLES[nx] && nx !== NXT_GROUP_MOD) return formatNxMessage(b, nx);
    if (b[0] >= 2 && b[1] === 17) {
      return `${head('OFPT_TABLE_MOD', b[0], new DataView(b.buffer, b.byteOffset).getUint32(4))}${formatTableMod(b)}`;
    }
    if (isFlowRemovedExt(b)) {
      const fr = decodeFlowRemovedExt(b);
      return formatFlowRemoved(fr.title, fr);
    }
    const m = decodeMessage(b);
    switch (m.type) {
      case 'hello': {
        const versions: string[] = [];
        // Bit 0 names no version; OVS ignores it.
        for (let i = 1; i < 32; i++) if (m.bitmap & (1 << i)) versions.push(`0x${i.toString(16).padStart(2, '0')}`);
        // No bitmap element: the header's version and every one below it (OVS's decode_hello).
        const bitmap = m.bitmap ? m.bitmap : 2 ** (m.version + 1) - 2;
        if (!m.bitmap)
          for (let i = 0; i < 32; i++) if (bitmap & (1 << i)) versions.push(`0x${i.toString(16).padStart(2, '0')}`);
        return `${head('OFPT_HELLO', m.version, m.xid)}\n version bitmap: ${versions.join(', ')}`;
      }
      case 'echo_request':
      case 'echo_reply': {
        const h = head(m.type === 'echo_request' ? 'OFPT_ECHO_REQUEST' : 'OFPT_ECHO_REPLY', m.version, m.xid);
        return m.data.length && verbosity > 1
          ? `${h} ${m.data.length} bytes of payload\n${hexDump(m.data)}`
          : `${h} ${m.data.length} bytes of payload`;
      }
      case 'features_request':
        return head('OFPT_FEATURES_REQUEST', m.version, m.xid);
      case 'get_config_request':
        return head('OFPT_GET_CONFIG_REQUEST', m.version, m.xid);
      case 'barrier_request':
        return head('OFPT_BARRIER_REQUEST', m.version, m.xid);
      case 'barrier_reply':
        return head('OFPT_BARRIER_REPLY', m.version, m.xid);
      case 'nx_set_flow_format':
        return `${head('NXT_SET_FLOW_FORMAT', m.version, m.xid)} format=${({ 0: 'openflow10', 2: 'nxm' } as Record<number, string>)[m.format] ?? `(${m.format})`}`;
      case 'nx_flow_mod_table_id':
        return `${head('NXT_FLOW_MOD_TABLE_ID', m.version, m.xid)} ${m.enable ? 'enable' : 'disable'}`;
      case 'role_request':
      case 'role_reply': {
        let s = `${head(m.type === 'role_request' ? 'OFPT_ROLE_REQUEST' : 'OFPT_ROLE_REPLY', m.version, m.xid)} role=${ROLES[m.role]}`;
        // UINT64_MAX means "no generation id"; nochange never carries one.
        const requestNoChange = m.type === 'role_request' && m.role === 0;
        if (!requestNoChange && m.generationId !== 0xffffffffffffffffn) s += ` generation_id=${m.generationId}`;
        return s;
      }
      case 'role_status': {
        // OVS's ofputil_format_role_status: the generation id unless all ones, then the reason.
        let s = `${head(m.version === 4 ? 'ONFT_ROLE_STATUS' : 'OFPT_ROLE_STATUS', m.version, m.xid)} role=${ROLES[m.role]}`;
        if (m.generationId !== 0xffffffffffffffffn) s += ` generation_id=${m.generationId}`;
        return `${s} reason=${ROLE_STATUS_REASONS[m.reason] ?? '(unknown)'}`;
      }
      case 'port_mod':
        return `${head('OFPT_PORT_MOD', m.version, m.xid)}${formatPortMod(m.portMod)}`;
      case 'table_mod':
        return `${head('OFPT_TABLE_MOD', m.version, m.xid)}${formatTableMod(b)}`;
      case 'get_async_request':
        return head('OFPT_GET_ASYNC_REQUEST', m.version, m.xid);
      case 'queue_get_config_request':
        return `${head('OFPT_QUEUE_GET_CONFIG_REQUEST', m.version, m.xid)} port=${formatPort(m.port)}`;
      case 'queue_get_config_reply':
        return `${head('OFPT_QUEUE_GET_CONFIG_REPLY', m.version, m.xid)}${formatQueueGetConfigReply(m.port, m.queues)}`;
      case 'set_async':
      case 'get_async_reply':
        return `${head(m.type === 'set_async' ? 'OFPT_SET_ASYNC' : 'OFPT_GET_ASYNC_REPLY', m.version, m.xid)}${formatAsyncConfig(m.config)}`;
      case 'meter_mod':
        return `${head('OFPT_METER_MOD', m.version, m.xid)}${formatMeterMod(m.meterMod)}`;
      case 'group_mod':
        return `${head(m.version === 1 ? 'NXT_GROUP_MOD' : 'OFPT_GROUP_MOD', m.version, m.xid)}${formatGroupMod(m.groupMod)}`;
      case 'get_config_reply':
      case 'set_config':
        return `${head(m.type === 'set_config' ? 'OFPT_SET_CONFIG' : 'OFPT_GET_CONFIG_REPLY', m.version, m.xid)} frags=${FRAG_MODES[m.flags & 3]} miss_send_len=${m.missSendLen}`;
      case 'features_reply':
        return formatFeatures(m);
      case 'port_status':
        return `${head('OFPT_PORT_STATUS', m.version, m.xid)} ${['ADD', 'DEL', 'MOD'][m.reason] ?? `reason ${m.reason}`}:${formatPortDesc(m.port, m.version).replace(/\n$/, '')}`;
      case 'flow_removed':
        return formatFlowRemoved('OFPT_FLOW_REMOVED', m);
      case 'packet_in':
        return formatPacketIn('OFPT_PACKET_IN', m, verbosity);
      case 'packet_out': {
        let s = `${head('OFPT_PACKET_OUT', m.version, m.xid)} in_port=${formatPort(m.inPort)} actions=${formatActions(m.actions)}`;
        if (m.bufferId !== 0xffffffff) return `${s} buffer=0x${m.bufferId.toString(16).padStart(8, '0')}`;
        s += ` data_len=${m.data.length}`;
        // The flow extracted from the packet, as ovs-ofctl prints it (also inside error replies).
        return verbosity > 0 && m.data.length ? `${s}\n${packetToString(m.data)}` : s;
      }
      case 'multipart_request':
        return `${head(multipartTitle(m.body.mp, false), m.version, m.xid)}${m.flags ? ' flags=0x' + m.flags.toString(16) : ''}${formatMultipartRequest(m.body, m.version)}`;
      case 'multipart_reply':
        return `${head(multipartTitle(m.body.mp, true), m.version, m.xid)}${m.flags & 1 ? ' flags=[more]' : ''}${
          m.body.mp === 'table' && (m.version === 2 || m.version === 3)
            ? formatTableStats1112(m.body.tables, m.version)
            : formatMultipartReply(m.body, m.version)
        }`;
      case 'error':
        return formatError(m, b, verbosity);
      case 'flow_mod':
        return `${head(m.nxm ? 'NXT_FLOW_MOD' : 'OFPT_FLOW_MOD', m.version, m.xid)}${formatFlowModBody(m.flowMod, m.version)}`;
      default:
        return `${head(`OFPT_${m.type.toUpperCase()}`, m.version, m.xid)}\n${hexDump(b)}`;
    }
  } catch (e) {
    if (e instanceof OpenFlowDecodeError) {
      const rawTitle = b.length >= 8 ? messageTitle(b) : undefined;
      const prefix = rawTitle ? `${head(rawTitle, b[0], new DataView(b.buffer, b.byteOffset).getUint32(4))} ` : '';
      // A flow stats reply prints its good entries before the bad one.
      const statsReply = b[0] === 1 ? 17 : 19;
      if (b[1] === statsReply && b.length >= 12 && ((b[8] << 8) | b[9]) === 1 && e.type !== 1) {
        const body = b[0] === 1 ? 12 : 16;
        const { flows } = decodeFlowStatsEntries(b, body, b[0]);
        if (!flows.length) return `${prefix}***decode error: ${errorName(e.type, e.code)}***\n${hexDump(b)}`;
        const good = formatMultipartReply({ mp: 'flow', flows }, b[0]);
        return `${prefix.trimEnd()}${good}\n***decode error: ${errorName(e.type, e.code)}***\n${hexDump(b)}`;
      }
      // So do group-desc and group stats replies.
      const groupGood = b.length >= 16 && b[0] >= 2 && b[1] === 19 ? goodGroupEntries(b) : '';
      if (groupGood) {
        return `${prefix.trimEnd()}${groupGood}\n***decode error: ${errorName(e.type, e.code)}***\n${hexDump(b)}`;
      }
      // So does a table-desc reply (OpenFlow 1.4+).
      if (b[0] >= 5 && b[1] === 19 && b.length >= 16 && ((b[8] << 8) | b[9]) === OFPMP_TABLE_DESC) {
        const good = decodeTableDescsPrefix(b, 16, b.length);
        if (good.length) {
          return `${prefix.trimEnd()}${formatTableDescs(good)}\n***decode error: ${errorName(e.type, e.code)}***\n${hexDump(b)}`;
        }
      }
      // So does a meter stats reply (OpenFlow 1.3+).
      if (b[0] >= 4 && b[1] === 19 && b.length >= 16 && ((b[8] << 8) | b[9]) === 9) {
        const good = decodeMeterStatsPrefix(b, 16);
        if (good.length) {
          return `${prefix.trimEnd()}${formatMeterStats(good)}\n***decode error: ${errorName(e.type, e.code)}***\n${hexDump(b)}`;
        }
      }
      // A Nicira message of a subtype not known here: OVS knows the vendor, not the subtype.
      if (e.type === OFPET.BAD_REQUEST && e.code === OFPBRC.BAD_EXPERIMENTER && nxSubtype(b) !== undefined) {
        return `***decode error: OFPBRC_BAD_SUBTYPE***\n${hexDump(b)}`;
      }
      // Errors in the framing itself (OFPBRC) come before the message is recognized.
      const p = e.type === 1 && !e.inBody && !lengthRule(b) ? '' : prefix;
      return `${p}***decode error: ${errorName(e.type, e.code)}***\n${hexDump(b)}`;
    }
    throw e;
  }
}

/** The printed group-desc or group stats entries before a bad one ('' when none). */
function goodGroupEntries(b: Uint8Array): string {
  const code = (b[8] << 8) | b[9];
  if (code === 7 && b[0] <= 5) {
    const { groups } = b[0] >= 6 ? decodeGroupDescs15(b, 16, b[0]) : decodeGroupDescEntries(b, 16, b[0]);
    return groups.length ? formatGroupDescs(groups) : '';
  }
  if (code === 6) {
    const { stats } = decodeGroupStatsEntries(b, 16, b[0]);
    return stats.length ? formatGroupStats(stats) : '';
  }
  return '';
}

const FRAG_MODES = ['normal', 'drop', 'reassemble', 'nx-match'];
const ROLE_STATUS_REASONS = ['primary_request', 'configuration_changed', 'experimenter_data_changed'];
const FLOW_REMOVED_REASONS = ['idle', 'hard', 'delete', 'group_delete', 'meter_delete', 'eviction'];
const CAPS10: [number, string][] = [
  [1, 'FLOW_STATS'],
  [2, 'TABLE_STATS'],
  [4, 'PORT_STATS'],
  [8, 'STP'],
  [32, 'IP_REASM'],
  [64, 'QUEUE_STATS'],
  [128, 'ARP_MATCH_IP'],
];
const CAPS11: [number, string][] = [
  [1, 'FLOW_STATS'],
  [2, 'TABLE_STATS'],
  [4, 'PORT_STATS'],
  [8, 'GROUP_STATS'],
  [32, 'IP_REASM'],
  [64, 'QUEUE_STATS'],
  [128, 'ARP_MATCH_IP'],
  [256, 'PORT_BLOCKED'],
];
/** OpenFlow 1.4 adds bundles and flow monitoring. */
const CAPS14: [number, string][] = [...CAPS11, [512, 'BUNDLES'], [1024, 'FLOW_MONITORING']];
const ACTIONS10: [number, string][] = [
  [0, 'output'],
  [11, 'enqueue'],
  [1, 'set_vlan_vid'],
  [2, 'set_vlan_pcp'],
  [3, 'strip_vlan'],
  [4, 'mod_dl_src'],
  [5, 'mod_dl_dst'],
  [6, 'mod_nw_src'],
  [7, 'mod_nw_dst'],
  [8, 'mod_nw_tos'],
  [9, 'mod_tp_src'],
  [10, 'mod_tp_dst'],
];

function formatFeatures(m: Extract<OpenFlowMessage, { type: 'features_reply' }>): string {
  let s = `${head('OFPT_FEATURES_REPLY', m.version, m.xid)} dpid:${m.datapathId.toString(16).padStart(16, '0')}\n`;
  s += `n_tables:${m.nTables}, n_buffers:${m.nBuffers}`;
  if (m.auxiliaryId) s += `, auxiliary_id:${m.auxiliaryId}`;
  const caps = (m.version === 1 ? CAPS10 : m.version >= 5 ? CAPS14 : CAPS11)
    .filter(([bit]) => m.capabilities & bit)
    .map(([, n]) => n);
  s += `\ncapabilities: ${caps.length ? caps.join(' ') : '0'}`;
  if (m.version === 1) {
    const acts = ACTIONS10.filter(([bit]) => m.actions & (1 << bit)).map(([, n]) => n);
    if (acts.length) s += `\nactions: ${acts.join(' ')}`;
  }
  // ovs-ofctl lists ports sorted by number (OpenFlow 1.0-1.2 carry them here).
  const ports = [...m.ports].sort((a, b) => a.portNo - b.portNo);
  for (const p of ports) s += `\n${formatPortDesc(p, m.version).replace(/\n$/, '')}`;
  return s;
}

/** Nicira messages printed here, by subtype (NXT_GROUP_MOD is OpenFlow 1.0's group_mod). */
const NX_TITLES: Record<number, string> = {
  [NXT_TLV_TABLE_MOD]: 'NXT_TLV_TABLE_MOD',
  [NXT_TLV_TABLE_REQUEST]: 'NXT_TLV_TABLE_REQUEST',
  [NXT_TLV_TABLE_REPLY]: 'NXT_TLV_TABLE_REPLY',
  [NXT_CT_FLUSH_ZONE]: 'NXT_CT_FLUSH_ZONE',
  [NXT_CT_FLUSH]: 'NXT_CT_FLUSH',
  [NXT_GROUP_MOD]: 'NXT_GROUP_MOD',
};
const TLV_COMMANDS = ['ADD', 'DEL', 'CLEAR'];

/**
 * OVS's length rule for a message (its ofpraw's): [min, 0] for exactly `min` bytes, [min, n] for
 * `min` plus whole multiples of n. Only for the messages whose decoders here do not check it so;
 * a message that passes is recognized, so any later error prints after its title.
 */
function lengthRule(b: Uint8Array): [number, number] | undefined {
  const [v, t] = [b[0], b[1]];
  if (v > 1 && t === 15) return [v >= 6 ? 24 : 16, 8];
  if (v > 1 && t === 17) return v < 5 ? [16, 0] : [16, 8];
  if (v >= 5 && t === 19 && b.length >= 10 && ((b[8] << 8) | b[9]) === OFPMP_TABLE_DESC) return [24, 8];
  const nx = nxSubtype(b);
  if (nx === NXT_GROUP_MOD) return v === 1 ? [32, 8] : undefined;
  return nx === undefined ? undefined : NX_LENGTHS[nx];
}
const NX_LENGTHS: Record<number, [number, number]> = {
  [NXT_TLV_TABLE_MOD]: [24, 8],
  [NXT_TLV_TABLE_REQUEST]: [16, 0],
  [NXT_TLV_TABLE_REPLY]: [32, 8],
  [NXT_CT_FLUSH_ZONE]: [24, 0],
  [NXT_CT_FLUSH]: [24, 8],
};

/** The TLV-map and ct-flush-zone messages, as ovs-ofctl prints them (NXTTMFC_* errors by name). */
function formatNxMessage(b: Uint8Array, subtype: number): string {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const h = head(NX_TITLES[subtype], b[0], v.getUint32(4));
  try {
    switch (subtype) {
      case NXT_TLV_TABLE_MOD: {
        const { command, mappings } = decodeTlvTableMod(b);
        return `${h}\n ${TLV_COMMANDS[command]}${command === 2 ? '' : formatTlvMappings(mappings)}`;
      }
      case NXT_TLV_TABLE_REQUEST:
        return h;
      case NXT_TLV_TABLE_REPLY:
        return `${h}${formatTlvTableReply(decodeTlvTableReply(b, true))}`;
      case NXT_CT_FLUSH: {
        const { match, zone } = decodeCtFlush(b);
        return `${h}${formatCtFlush(match, zone)}`;
      }
      default:
        return `${h} zone_id=${v.getUint16(22)}`;
    }
  } catch (e) {
    if (e instanceof TlvTableError || e instanceof CtFlushDecodeError)
      return `${h} ***decode error: ${e.errorName}***\n${hexDump(b)}`;
    throw e;
  }
}

/** The name ovs-ofctl gives a message from its header alone (and multipart type). */
function messageTitle(b: Uint8Array): string | undefined {
  const v = b[0];
  const t = b[1];
  if (t === 14) return 'OFPT_FLOW_MOD';
  const ipfix = ipfixMessageKind(b);
  if (ipfix) return ipfixTitle(ipfix);
  if (t === 11) return 'OFPT_FLOW_REMOVED';
  if (t === 13) return 'OFPT_PACKET_OUT';
  if (t === 12) return 'OFPT_PORT_STATUS';
  if (t === 6) return 'OFPT_FEATURES_REPLY';
  const queueTypes = queueGetConfigTypes(v);
  if (queueTypes && t === queueTypes[0]) return 'OFPT_QUEUE_GET_CONFIG_REQUEST';
  if (queueTypes && t === queueTypes[1]) return 'OFPT_QUEUE_GET_CONFIG_REPLY';
  if (v >= 4 && t === 27) return 'OFPT_GET_ASYNC_REPLY';
  if (v >= 4 && t === 28) return 'OFPT_SET_ASYNC';
  if (v >= 5 && t === OFPT_ROLE_STATUS) return 'OFPT_ROLE_STATUS';
  if (v === 4 && t === 4 && b.length >= 16) {
    const view = dv(b);
    if (view.getUint32(8) === ONF_VENDOR_ID && view.getUint32(12) === ONFT_ROLE_STATUS) return 'ONFT_ROLE_STATUS';
  }
  if (v === 1 && t === 4 && b.length >= 16 && b[15] === 13) return 'NXT_FLOW_MOD';
  const nx = nxSubtype(b);
  if (nx !== undefined && NX_TITLES[nx] && (nx !== NXT_GROUP_MOD || v === 1)) return NX_TITLES[nx];
  if (v > 1 && t === 15) return 'OFPT_GROUP_MOD';
  if (v > 1 && t === 17) return 'OFPT_TABLE_MOD';
  const statsReq = v === 1 ? 16 : 18;
  if ((t === statsReq || t === statsReq + 1) && b.length >= 10) {
    const code = (b[8] << 8) | b[9];
    const groupMeter = GROUP_METER_MP_NAMES[code];
    const basic: Record<number, string> = {
      0: 'desc',
      1: 'flow',
      2: 'aggregate',
      3: 'table',
      4: 'port',
      5: 'queue',
      13: 'port_desc',
      15: 'queue_desc', // OpenFlow 1.4+
    };
    if (v >= 5) basic[OFPMP_TABLE_DESC] = 'table_desc';
    const mp = groupMeter && groupMeterMpAvailable(groupMeter, v) ? groupMeter : basic[code];
    return mp ? multipartTitle(mp, t !== statsReq) : undefined;
  }
  return undefined;
}

function messageName(b: Uint8Array): string | undefined {
  const t = b[1];
  const v = b[0];
  const names: Record<number, string> = {
    0: 'OFPT_HELLO',
    1: 'OFPT_ERROR',
    2: 'OFPT_ECHO_REQUEST',
    3: 'OFPT_ECHO_REPLY',
    14: 'OFPT_FLOW_MOD',
  };
  if (t === (v === 1 ? 18 : 20)) return 'OFPT_BARRIER_REQUEST';
  if (t === (v === 1 ? 19 : 21)) return 'OFPT_BARRIER_REPLY';
  if (t === 10) return 'OFPT_PACKET_IN';
  if (v > 1 && t === 16) return 'OFPT_PORT_MOD';
  if (v > 1 && t === 17) return 'OFPT_TABLE_MOD';
  return names[t] ?? messageTitle(b);
}
