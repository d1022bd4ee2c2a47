import { readUint, type Writer } from './bytes.js';
import { decodeError, OFPBAC, OFPET } from './errors.js';
import { parseFieldValue, parseInteger } from './field-parse.js';
import { type FieldDef, fieldByHeader, fieldByName, headerFor, oxmExperimenterId } from './fields.js';
import { formatIpv4, formatIpv6, formatMac, formatPort, hexAlt } from './format-values.js';
import { fieldWidth, formatSubfield, parseSubfield, type Subfield } from './subfield.js';

/**
 * The Nicira `learn` action: a flow_mod template whose match and actions come from the packet.
 * Specs: match a field against a subfield or a constant, load a subfield or a constant into a
 * field, or output to a port held in a subfield.
 */
export type LearnSpec =
  | { kind: 'match'; dst: Subfield; src: Subfield }
  | { kind: 'match_imm'; dst: Subfield; value: bigint }
  | { kind: 'load'; dst: Subfield; src: Subfield }
  | { kind: 'load_imm'; dst: Subfield; value: bigint }
  | { kind: 'output'; src: Subfield };

export interface Learn {
  type: 'learn';
  table: number;
  priority: number;
  idleTimeout: number;
  hardTimeout: number;
  finIdleTimeout: number;
  finHardTimeout: number;
  cookie: bigint;
  flags: number;
  specs: LearnSpec[];
  /** Maximum number of flows learned (0 = unlimited); NXAST_LEARN2 only. */
  limit?: number;
  /** Where the learn result bit goes (sets the write_result flag); NXAST_LEARN2 only. */
  resultDst?: Subfield;
}

/** NX_LEARN_F_WRITE_RESULT: set by result_dst=, never written as a keyword. */
const WRITE_RESULT = 4;

/** C's atoi as glibc has it, (int) strtol(s, NULL, 10), then stored in a uint32_t. */
function atoiU32(s: string): number {
  const m = /^\s*([+-]?)(\d+)/.exec(s);
  if (!m) return 0;
  let v = BigInt(m[2]);
  if (v > 0x7fffffffffffffffn) v = m[1] === '-' ? 0x8000000000000000n : 0x7fffffffffffffffn;
  else if (m[1] === '-') v = -v;
  return Number(BigInt.asUintN(32, v));
}

const LEARN_FLAGS = ['send_flow_rem', 'delete_learned'];

const whole = (f: FieldDef): Subfield => ({ field: f, ofs: 0, nBits: fieldWidth(f) });

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (s.slice(start).trim()) out.push(s.slice(start).trim());
  return out;
}

function num(key: string, v: string, max: number): number {
  const n = parseInteger(v);
  if (n === undefined || n > BigInt(max)) throw new Error(`${key}=${v}: invalid numeric format`);
  return Number(n);
}

export function parseLearn(arg: string): Learn {
  const l: Learn = {
    type: 'learn',
    table: 1,
    priority: 32768,
    idleTimeout: 0,
    hardTimeout: 0,
    finIdleTimeout: 0,
    finHardTimeout: 0,
    cookie: 0n,
    flags: 0,
    specs: [],
  };
  for (const part of splitTop(arg)) {
    const eq = part.indexOf('=');
    const key = eq >= 0 ? part.slice(0, eq) : part;
    const value = eq >= 0 ? part.slice(eq + 1) : '';
    const flag = LEARN_FLAGS.indexOf(part);
    if (flag >= 0) {
      l.flags |= 1 << flag;
      continue;
    }
    switch (key) {
      case 'table': {
        const t = num(key, value, 255);
        if (t === 255) throw new Error(`table=${value}: table id 255 not valid for \`learn' action`);
        l.table = t;
        continue;
      }
      case 'priority':
        l.priority = num(key, value, 0xffff);
        continue;
      case 'idle_timeout':
        l.idleTimeout = num(key, value, 0xffff);
        continue;
      case 'hard_timeout':
        l.hardTimeout = num(key, value, 0xffff);
        continue;
      case 'fin_idle_timeout':
        l.finIdleTimeout = num(key, value, 0xffff);
        continue;
      case 'fin_hard_timeout':
        l.finHardTimeout = num(key, value, 0xffff);
        continue;
      case 'limit':
        l.limit = atoiU32(value);
        continue;
      case 'result_dst': {
        l.flags |= WRITE_RESULT;
        const dst = parseSubfield(value);
        if (!dst.field.writable) throw new Error(`${value} is read-only`);
        if (dst.nBits !== 1) throw new Error("result_dst in 'learn' action must be a single bit");
        l.resultDst = dst;
        continue;
      }
      case 'cookie': {
        const c = parseInteger(value);
        if (c === undefined) throw new Error(`cookie=${value}: invalid numeric format`);
        l.cookie = c;
        continue;
      }
    }
    if (part.startsWith('load:')) {
      const body = part.slice(5);
      const arrow = body.indexOf('->');
      if (arrow < 0) throw new Error(`${body}: missing \`->'`);
      const dst = parseSubfield(body.slice(arrow + 2));
      const srcText = body.slice(0, arrow);
      const imm = parseInteger(srcText);
      if (imm !== undefined) l.specs.push({ kind: 'load_imm', dst, value: imm });
      else {
        const src = parseSubfield(srcText);
        if (src.nBits !== dst.nBits) throw new Error(`${part}: source and destination widths differ`);
        l.specs.push({ kind: 'load', dst, src });
      }
      continue;
    }
    if (part.startsWith('output:')) {
      l.specs.push({ kind: 'output', src: parseSubfield(part.slice(7)) });
      continue;
    }
    if (eq >= 0) {
      const f = fieldByName(key);
      const dst = f ? whole(f) : parseSubfield(key);
      if (value.includes('[') || (fieldByName(value) && parseInteger(value) === undefined)) {
        const src = parseSubfield(value);
        if (src.nBits !== dst.nBits) throw new Error(`${part}: source and destination widths differ`);
        l.specs.push({ kind: 'match', dst, src });
      } else if (f) {
        l.specs.push({ kind: 'match_imm', dst, value: parseFieldValue(f, value).value });
      } else {
        const v = parseInteger(value);
        if (v === undefined) throw new Error(`${value}: invalid numeric format`);
        l.specs.push({ kind: 'match_imm', dst, value: v });
      }
      continue;
    }
    if (!part.includes('[') && !fieldByName(part)) throw new Error(`${arg}: unknown keyword ${part}`);
    const sf = parseSubfield(part);
    l.specs.push({ kind: 'match', dst: sf, src: sf });
  }
  return l;
}

function formatImmediate(dst: Subfield, value: bigint): string {
  const f = dst.field;
  if (dst.ofs === 0 && dst.nBits === fieldWidth(f)) {
    let v: string;
    switch (f.format) {
      case 'mac':
        v = formatMac(value);
        break;
      case 'ipv4':
        v = formatIpv4(value);
        break;
      case 'ipv6':
        v = formatIpv6(value);
        break;
      case 'port':
      case 'port11':
        v = formatPort(Number(value));
        break;
      case 'decimal':
        v = String(value);
        break;
      default:
        v = hexAlt(value);
    }
    return `${f.name}=${v}`;
  }
  return `${formatSubfield(dst)}=${hexAlt(value)}`;
}

const sameSubfield = (a: Subfield, b: Subfield) => a.field === b.field && a.ofs === b.ofs && a.nBits === b.nBits;

export function formatLearn(l: Learn): string {
  let s = `learn(table=${l.table}`;
  if (l.idleTimeout) s += `,idle_timeout=${l.idleTimeout}`;
  if (l.hardTimeout) s += `,hard_timeout=${l.hardTimeout}`;
  if (l.finIdleTimeout) s += `,fin_idle_timeout=${l.finIdleTimeout}`;
  if (l.finHardTimeout) s += `,fin_hard_timeout=${l.finHardTimeout}`;
  if (l.priority !== 32768) s += `,priority=${l.priority}`;
  for (let i = 0; i < LEARN_FLAGS.length; i++) if (l.flags & (1 << i)) s += `,${LEARN_FLAGS[i]}`;
  if (l.cookie) s += `,cookie=${hexAlt(l.cookie)}`;
  if (l.limit) s += `,limit=${l.limit}`;
  if (l.flags & WRITE_RESULT && l.resultDst) s += `,result_dst=${formatSubfield(l.resultDst)}`;
  for (const sp of l.specs) {
    switch (sp.kind) {
      case 'match':
        s += sameSubfield(sp.dst, sp.src)
          ? `,${formatSubfield(sp.src)}`
          : `,${formatSubfield(sp.dst)}=${formatSubfield(sp.src)}`;
        break;
      case 'match_imm':
        s += `,${formatImmediate(sp.dst, sp.value)}`;
        break;
      case 'load':
        s += `,load:${formatSubfield(sp.src)}->${formatSubfield(sp.dst)}`;
        break;
      case 'load_imm':
        s += `,load:${hexAlt(sp.value)}->${formatSubfield(sp.dst)}`;
        break;
      case 'output':
        s += `,output:${formatSubfield(sp.src)}`;
        break;
    }
  }
  return `${s})`;
}

const SRC_IMM = 1 << 13;
const DST_LOAD = 1 << 11;
const DST_OUTPUT = 2 << 11;

/** A learn spec's subfield: header and offset (the width is in the spec's header). */
function putLearnSf(w: Writer, sf: Subfield): void {
  w.u32(headerFor(sf.field, 0) as number).u16(sf.ofs);
}

/** A learn spec's immediate: whole 16-bit units covering `nBits`. */
function putLearnImm(w: Writer, v: bigint, nBits: number): void {
  w.uint(v, 2 * Math.ceil(nBits / 16));
}

export function encodeLearn(w: Writer, l: Learn): void {
  const start = w.length;
  const v2 = !!l.limit || !!(l.flags & WRITE_RESULT);
  w.u16(0xffff)
    .u16(0)
    .u32(0x2320)
    .u16(v2 ? 45 : 16);
  w.u16(l.idleTimeout).u16(l.hardTimeout).u16(l.priority).u64(l.cookie).u16(l.flags).u8(l.table).u8(0);
  w.u16(l.finIdleTimeout).u16(l.finHardTimeout);
  if (v2) {
    w.u32(l.limit ?? 0)
      .u16(l.resultDst?.ofs ?? 0)
      .u16(0);
    if (l.flags & WRITE_RESULT && l.resultDst) {
      const header = headerFor(l.resultDst.field, 0) as number;
      w.u32(header);
      if (header >>> 16 === 0xffff) w.u32(oxmExperimenterId(header));
    }
  }
  for (const sp of l.specs) {
    switch (sp.kind) {
      case 'match':
        w.u16(sp.dst.nBits);
        putLearnSf(w, sp.src);
        putLearnSf(w, sp.dst);
        break;
      case 'match_imm':
        w.u16(SRC_IMM | sp.dst.nBits);
        putLearnImm(w, sp.value, sp.dst.nBits);
        putLearnSf(w, sp.dst);
        break;
      case 'load':
        w.u16(DST_LOAD | sp.dst.nBits);
        putLearnSf(w, sp.src);
        putLearnSf(w, sp.dst);
        break;
      case 'load_imm':
        w.u16(SRC_IMM | DST_LOAD | sp.dst.nBits);
        putLearnImm(w, sp.value, sp.dst.nBits);
        putLearnSf(w, sp.dst);
        break;
      case 'output':
        w.u16(DST_OUTPUT | sp.src.nBits);
        putLearnSf(w, sp.src);
        break;
    }
  }
  w.pad(8, start);
  w.setU16(start + 2, w.length - start);
}

/** A malformed learn action (OFPBAC_BAD_ARGUMENT at `at`). */
function badLearn(at: number, msg: string): Error {
  return decodeError(OFPET.BAD_ACTION, OFPBAC.BAD_ARGUMENT, at, msg);
}

/** Throws unless `n` bytes of specs remain at `q`. */
function needLearnBytes(q: number, end: number, n: number): void {
  if (end - q < n) throw decodeError(OFPET.BAD_ACTION, OFPBAC.BAD_LEN, q, 'learn spec overruns the action');
}

/**
 * The 6-byte subfield (header, offset) of a learn spec at `q`, `nBits` wide. Module functions, not
 * closures over the cursor: those made decodeLearn allocate a context per learn action.
 */
function learnSubfield(v: DataView, q: number, end: number, nBits: number): Subfield {
  needLearnBytes(q, end, 6);
  const header = v.getUint32(q);
  const ofs = v.getUint16(q + 2 + 2);
  const field = fieldByHeader(header);
  if (!field || ofs + nBits > fieldWidth(field)) throw badLearn(q, 'bad learn subfield');
  return { field, ofs, nBits };
}

export function decodeLearn(b: Uint8Array, p: number, len: number, v2 = false): Learn {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (len < 32) throw decodeError(OFPET.BAD_ACTION, OFPBAC.BAD_LEN, p, 'learn action too short');
  const l: Learn = {
    type: 'learn',
    idleTimeout: v.getUint16(p + 10),
    hardTimeout: v.getUint16(p + 12),
    priority: v.getUint16(p + 14),
    cookie: v.getBigUint64(p + 16),
    flags: v.getUint16(p + 24),
    table: b[p + 26],
    finIdleTimeout: v.getUint16(p + 28),
    finHardTimeout: v.getUint16(p + 30),
    specs: [],
  };
  if (l.table === 255 || b[p + 27]) throw badLearn(p, 'learn table 255 or nonzero padding');
  if (l.flags & ~(v2 ? 7 : 3)) throw badLearn(p, 'unknown learn flags');
  const end = p + len;
  let q = p + 32;
  if (v2) {
    if (len < 40) throw decodeError(OFPET.BAD_ACTION, OFPBAC.BAD_LEN, p, 'learn2 action too short');
    if (v.getUint16(p + 38)) throw badLearn(p, 'nonzero learn2 padding');
    const limit = v.getUint32(p + 32);
    if (limit) l.limit = limit;
    const ofs = v.getUint16(p + 36);
    q = p + 40;
    if (l.flags & WRITE_RESULT) {
      if (end - q < 4) throw decodeError(OFPET.BAD_ACTION, OFPBAC.BAD_LEN, q, 'learn2 result field overruns');
      const field = fieldByHeader(v.getUint32(q));
      if (!field || ofs >= fieldWidth(field)) throw badLearn(q, 'bad learn result field');
      if (!field.writable) throw decodeError(OFPET.BAD_ACTION, OFPBAC.BAD_SET_ARGUMENT, q, 'read-only result field');
      l.resultDst = { field, ofs, nBits: 1 };
      q += 4;
    } else if (ofs) throw badLearn(p, 'learn2 result offset without write_result');
  }
  while (end - q >= 2) {
    const header = v.getUint16(q);
    if (header === 0) break; // padding
    q += 2;
    const nBits = header & 0x3ff;
    const srcImm = (header & SRC_IMM) !== 0;
    const dstType = (header >> 11) & 3;
    if (header & 0xc000 || dstType === 3 || nBits === 0) throw badLearn(q - 2, 'bad learn spec header');
    if (dstType === 2) {
      if (srcImm) throw badLearn(q - 2, 'learn output from an immediate');
      l.specs.push({ kind: 'output', src: learnSubfield(v, q, end, nBits) });
      q += 6;
      continue;
    }
    let value = 0n;
    let src: Subfield | undefined;
    if (srcImm) {
      const bytes = 2 * Math.ceil(nBits / 16);
      needLearnBytes(q, end, bytes);
      value = readUint(b, q, bytes);
      q += bytes;
    } else {
      src = learnSubfield(v, q, end, nBits);
      q += 6;
    }
    const dst = learnSubfield(v, q, end, nBits);
    q += 6;
    if (dstType === 0) l.specs.push(src ? { kind: 'match', dst, src } : { kind: 'match_imm', dst, value });
    else l.specs.push(src ? { kind: 'load', dst, src } : { kind: 'load_imm', dst, value });
  }
  // Whatever follows the specs must be zero padding.
  for (; q < end; q++) if (b[q]) throw badLearn(q, 'nonzero bytes after learn specs');
  return l;
}
