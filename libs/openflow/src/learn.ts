import { onesBig } from './bigint-bits.js';
import { readUint, type Writer } from './bytes.js';
import { cAtoi, cStrtoull } from './c-scan.js';
import { decodeError, OFPBAC, OFPET } from './errors.js';
import { intPrefixEnd, parseFieldValue, parseIntPrefix, parseIntWhole, tableFromString } from './field-parse.js';
import {
  type FieldDef,
  fieldByHeader,
  headerFor,
  isExperimenterOxm,
  oxmExperimenterId,
  tunMdFieldByHeader,
} from './fields.js';
import { formatImmediateValue, formatPort, hexAlt } from './format-values.js';
import { keyValues } from './key-value.js';
import { fieldWidth, formatSubfield, parseRegMove, parseSubfield, type Subfield, subfieldOrError } from './subfield.js';

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

const LEARN_FLAGS = ['send_flow_rem', 'delete_learned'];

/**
 * Parses learn's argument as OVS's learn_parse does: its key-value pairs in order, the numbers
 * read as C's atoi and strtoull read them (leniently: "26/" is 26), anything else a spec; an error
 * in a spec quotes the whole argument, as OVS's do.
 */
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
  for (const [name, value] of keyValues(arg)) {
    switch (name) {
      case 'table': {
        const t = tableFromString(value);
        if (t < 0) throw new Error(`unknown table "${value}"`);
        if (t === 255) throw new Error(`${arg}: table id 255 not valid for \`learn' action`);
        l.table = t;
        break;
      }
      case 'priority':
        l.priority = cAtoi(value) & 0xffff;
        break;
      case 'idle_timeout':
        l.idleTimeout = cAtoi(value) & 0xffff;
        break;
      case 'hard_timeout':
        l.hardTimeout = cAtoi(value) & 0xffff;
        break;
      case 'fin_idle_timeout':
        l.finIdleTimeout = cAtoi(value) & 0xffff;
        break;
      case 'fin_hard_timeout':
        l.finHardTimeout = cAtoi(value) & 0xffff;
        break;
      case 'cookie':
        l.cookie = cStrtoull(value);
        break;
      case 'send_flow_rem':
      case 'delete_learned':
        l.flags |= 1 << LEARN_FLAGS.indexOf(name);
        break;
      case 'limit':
        l.limit = cAtoi(value) >>> 0;
        break;
      case 'result_dst': {
        l.flags |= WRITE_RESULT;
        const dst = parseSubfield(value, true);
        if (!dst.field.writable) throw new Error(`${value} is read-only`);
        if (dst.nBits !== 1) throw new Error("result_dst in 'learn' action must be a single bit");
        l.resultDst = dst;
        break;
      }
      default:
        l.specs.push(parseLearnSpec(arg, name, value));
    }
  }
  return l;
}

/** OVS refuses learn specs on a field that has no NXM header (an experimenter OXM). */
function nxmOnly(orig: string, name: string, sf: Subfield): Subfield {
  if (isExperimenterOxm(sf.field)) throw new Error(`${orig}: experimenter OXM field '${name}' not supported`);
  return sf;
}

/**
 * One spec of learn's argument `orig` (OVS's learn_parse_spec): `FIELD[=SRC|=VALUE]` a match,
 * `load:SRC->DST` or `load:VALUE->DST` a load, `output:SRC` an output.
 */
function parseLearnSpec(orig: string, name: string, value: string): LearnSpec {
  // No field is called `load` or `output`: taking those first is OVS's order, without a failed parse.
  if (name === 'load') return parseLearnLoad(value);
  if (name === 'output') return { kind: 'output', src: parseSubfield(value, true) };
  const dst = subfieldOrError(name, true);
  if (typeof dst !== 'string') {
    nxmOnly(orig, name, dst);
    if (!value) return { kind: 'match', dst, src: dst };
    // No field name starts with a digit: a number skips the subfield reading (and its message).
    const src = isDigit(value.charCodeAt(0)) ? undefined : subfieldOrError(value, true);
    if (typeof src !== 'object') return { kind: 'match_imm', dst, value: learnImmediate(orig, name, value, dst) };
    // OVS's message names each side with the other's width.
    if (src.nBits !== dst.nBits)
      throw new Error(`${orig}: bit widths of ${name} (${src.nBits}) and ${value} (${dst.nBits}) differ`);
    return { kind: 'match', dst, src };
  }
  throw new Error(`${orig}: unknown keyword ${name}`);
}

/**
 * The constant a match spec compares `dst` with: a whole field's value in its own syntax, a part
 * of one as a number that fits; else OVS's message with both readings' errors.
 */
function learnImmediate(orig: string, name: string, value: string, dst: Subfield): bigint {
  const f = dst.field;
  let imm: bigint | undefined;
  let immError: string;
  if (dst.ofs === 0 && dst.nBits === fieldWidth(f)) {
    try {
      const { value: v, mask } = parseFieldValue(f, value);
      if (mask === onesBig(8 * f.bytes) || mask === f.allOnes) return v;
      immError = `${value}: wildcards not allowed here`;
    } catch (e) {
      immError = (e as Error).message;
    }
  } else {
    imm = parseIntWhole(value, f.bytes);
    if (imm === undefined) immError = `${orig}: cannot parse integer value`;
    else if (imm >> BigInt(dst.nBits) === 0n) return imm;
    else immError = `${orig}: value ${formatImmediateValue(f, imm)} does not fit into ${dst.nBits} bits`;
  }
  const sfError = subfieldOrError(value, true) as string;
  throw new Error(
    `${orig}: ${name} value ${value} cannot be parsed as a subfield (${sfError}) or an immediate value (${immError})`,
  );
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `load:VALUE->DST` or `load:SRC->DST` in learn (OVS's learn_parse_spec for "load"). */
function parseLearnLoad(value: string): LearnSpec {
  const arrow = value.indexOf('->');
  if (arrow === 0) throw new Error(`load: missing source before \`->' in \`${value}'`);
  if (arrow < 0) throw new Error(`load: missing \`->' in \`${value}'`);
  // A number (of up to 128 bits) at the start makes it a constant; anything else a field.
  const imm = parseIntPrefix(value, 16);
  if (imm !== undefined && intPrefixEnd() > 0) {
    if (intPrefixEnd() !== arrow) throw new Error(`load: garbage before \`->' in \`${value}'`);
    const dstText = value.slice(arrow + 2);
    const dst = nxmOnly(value, dstText, parseSubfield(dstText, true));
    if (imm >> BigInt(dst.nBits)) throw new Error(`${value}: value does not fit into ${dst.nBits} bits`);
    return { kind: 'load_imm', dst, value: imm };
  }
  const { src, dst } = parseRegMove(value);
  return { kind: 'load', dst, src };
}

function formatImmediate(dst: Subfield, value: bigint): string {
  const f = dst.field;
  if (dst.ofs === 0 && dst.nBits === fieldWidth(f)) {
    const port = f.format === 'port' || f.format === 'port11';
    return `${f.name}=${port ? formatPort(Number(value)) : formatImmediateValue(f, value)}`;
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

/** The field a learn action names by NXM header, tun_metadataN included. */
function learnField(header: number): FieldDef | undefined {
  return fieldByHeader(header) ?? tunMdFieldByHeader(header);
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
  const field = learnField(header);
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
      const field = learnField(v.getUint32(q));
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
