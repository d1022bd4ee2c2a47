import { hash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';

/**
 * Open vSwitch's standalone database file: a sequence of records, each
 * `OVSDB JSON <length> <sha1>\n` followed by <length> bytes of JSON text ending in a newline,
 * where the SHA-1 covers those bytes. The first record is the schema, the rest transactions.
 */

const MAGIC = 'OVSDB JSON ';

export function encodeRecord(json: unknown): Buffer {
  return Buffer.from(encodeRecordText(JSON.stringify(json)), 'utf8');
}

/** One record (header and body) around an already serialised JSON text. */
export function encodeRecordText(jsonText: string): string {
  const body = `${jsonText}\n`;
  const sha1 = hash('sha1', body, 'hex');
  return `${MAGIC}${Buffer.byteLength(body, 'utf8')} ${sha1}\n${body}`;
}

/**
 * Appends the records for `jsonTexts` to `out` from `pos` (growing it as needed); returns the
 * new end, with the buffer (replaced if it had to grow) in `into.out`. Each body is encoded to
 * UTF-8 once, in place, and hashed there. (No array destructuring or for-of: this runs once per
 * commit, mostly as unoptimised code, which pays for every iterator step.)
 */
function encodeRecordsInto(into: { out: Buffer }, pos: number, jsonTexts: string[]): number {
  let out = into.out;
  for (let i = 0; i < jsonTexts.length; i++) {
    const text = jsonTexts[i];
    const bodyBytes = Buffer.byteLength(text, 'utf8') + 1;
    const digits = String(bodyBytes);
    const headerBytes = MAGIC.length + digits.length + 42;
    if (pos + headerBytes + bodyBytes > out.length) {
      const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, pos + headerBytes + bodyBytes));
      out.copy(bigger, 0, 0, pos);
      out = bigger;
    }
    const bodyAt = pos + headerBytes;
    out.write(text, bodyAt, 'utf8');
    out[bodyAt + bodyBytes - 1] = 0x0a;
    const sha1 = hash('sha1', out.subarray(bodyAt, bodyAt + bodyBytes), 'hex');
    out.write(`${MAGIC}${digits} ${sha1}\n`, pos, 'latin1');
    pos = bodyAt + bodyBytes;
  }
  into.out = out;
  return pos;
}

export interface ReadLogResult {
  records: unknown[];
  /** Byte offset just past the last good record. */
  goodBytes: number;
  /** Why reading stopped early (torn or corrupt tail), with its offset. */
  corruption?: { offset: number; reason: string };
}

/** Parses every good record; stops at the first bad one (which may be a torn write). */
export function parseLog(data: Buffer): ReadLogResult {
  const records: unknown[] = [];
  let off = 0;
  const stop = (reason: string): ReadLogResult => ({ records, goodBytes: off, corruption: { offset: off, reason } });
  while (off < data.length) {
    const nl = data.indexOf(0x0a, off);
    if (nl < 0 || nl - off > 200) return stop('incomplete or overlong record header');
    const header = data.toString('latin1', off, nl);
    const m = /^OVSDB JSON (\d+) ([0-9a-f]{40})$/.exec(header);
    if (!m) return stop(`bad record header "${header.slice(0, 60)}"`);
    const len = Number(m[1]);
    const start = nl + 1;
    if (start + len > data.length) return stop(`record of ${len} bytes is truncated (${data.length - start} present)`);
    const body = data.subarray(start, start + len);
    const sha1 = hash('sha1', body, 'hex');
    if (sha1 !== m[2]) return stop(`record SHA-1 ${sha1} does not match header ${m[2]}`);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return stop(`record is not valid JSON (${(err as Error).message})`);
    }
    records.push(json);
    off = start + len;
  }
  return { records, goodBytes: off };
}

/** An open log: appends records with write(2), syncs on request. */
export class LogWriter {
  private fd: number;
  /** Where records are assembled before write(2), kept between appends. */
  private out: Buffer = Buffer.allocUnsafe(64 * 1024);
  bytes: number;
  records: number;

  constructor(
    readonly path: string,
    initialBytes: number,
    initialRecords: number,
  ) {
    this.fd = openSync(path, 'a');
    this.bytes = initialBytes;
    this.records = initialRecords;
  }

  append(json: unknown, durable: boolean): void {
    this.appendTexts([JSON.stringify(json)], durable);
  }

  /** Several records with one write(2) (group commit), then fsync if asked. */
  appendMany(jsons: unknown[], durable: boolean): void {
    this.appendTexts(
      jsons.map((j) => JSON.stringify(j)),
      durable,
    );
  }

  /** Like appendMany, for records already serialised as JSON texts. */
  appendTexts(jsonTexts: string[], durable: boolean): void {
    const into = { out: this.out };
    const bytes = encodeRecordsInto(into, 0, jsonTexts);
    const out = into.out;
    // A huge record (a snapshot) does not keep its buffer around.
    if (out.length <= 1024 * 1024) this.out = out;
    let done = 0;
    while (done < bytes) done += writeSync(this.fd, out, done, bytes - done);
    this.bytes += bytes;
    this.records += jsonTexts.length;
    if (durable) fsyncSync(this.fd);
  }

  sync(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Replaces the file with `records` atomically (write a temporary, fsync, rename). */
  replace(records: unknown[]): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    let bytes = 0;
    for (const r of records) {
      const rec = encodeRecord(r);
      let done = 0;
      while (done < rec.length) done += writeSync(fd, rec, done);
      bytes += rec.length;
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.bytes = bytes;
    this.records = records.length;
  }
}

/** Writes a new database file holding just `records` (used by create and conversion). */
export function writeLogFile(path: string, records: unknown[]): void {
  const fd = openSync(path, 'w');
  for (const r of records) {
    const rec = encodeRecord(r);
    writeSync(fd, rec);
  }
  fsyncSync(fd);
  closeSync(fd);
}

/**
 * Reads a log file; a corrupt tail is copied aside to `<file>.corrupt-<timestamp>` and cut off,
 * so the next append starts on a record boundary.
 */
export function readLogFile(path: string): ReadLogResult & { savedAs?: string } {
  const data = readFileSync(path);
  const r = parseLog(data);
  if (!r.corruption) return r;
  const savedAs = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  copyFileSync(path, savedAs);
  const fd = openSync(path, 'r+');
  ftruncateSync(fd, r.goodBytes);
  fsyncSync(fd);
  closeSync(fd);
  return { ...r, savedAs };
}
