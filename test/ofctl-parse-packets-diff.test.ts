import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePcap, readCaptureBuffer } from '@softswitch/pcap';
import { expect, it } from 'vitest';
import { describeNeeding } from './support/requirements.js';
import { shAsync } from './support/shell.js';
import { binPath } from './support/switchd.js';

/**
 * ofctl parse-pcap and parse-packet against ovs-ofctl 3.1: every fixture capture, the same
 * frames cut short at each header boundary, and files OVS's pcap reader treats specially (other
 * byte order, Linux SLL, bad magic or link type, records cut short, empty or oversized records,
 * pcapng, a directory, a missing file) — all in one invocation per tool, since parse-pcap reads
 * on past a failed file. Same stdout, stderr (log timestamps aside) and exit status.
 */
const dir = mkdtempSync(join(tmpdir(), 'ofctl-parse-packets-'));
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'pcap');
const fixtureFiles = readdirSync(fixtures)
  .filter((f) => f.endsWith('.pcap'))
  .sort()
  .map((f) => join(fixtures, f));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool with binary stdin. */
function run(tool: 'ovs-ofctl' | 'ofctl', args: string[], input: Uint8Array = new Uint8Array(0)): Promise<Run> {
  const [cmd, argv] = tool === 'ovs-ofctl' ? ['ovs-ofctl', args] : [process.execPath, [binPath('ofctl'), ...args]];
  return shAsync(cmd, argv, { input, killAfterMs: 10_000 });
}

/** Log timestamps differ run to run, and the tools' names differ. */
function normalize(r: Run): Run {
  const clean = (s: string) =>
    s.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\|/gm, 'TIME|').replace(/^(ovs-)?ofctl: /gm, 'TOOL: ');
  return { status: r.status, stdout: clean(r.stdout), stderr: clean(r.stderr) };
}

async function expectSame(args: string[], input?: Uint8Array): Promise<Run> {
  const [theirs, ours] = await Promise.all([run('ovs-ofctl', args, input), run('ofctl', args, input)]);
  expect({ args: args.join(' '), ...normalize(ours) }).toEqual({ args: args.join(' '), ...normalize(theirs) });
  return theirs;
}

/** A classic pcap file header (little-endian unless told) with link type `network`. */
function fileHeader(network = 1, magic = 0xa1b2c3d4, littleEndian = true): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setUint32(0, magic, littleEndian);
  v.setUint16(4, 2, littleEndian);
  v.setUint16(6, 4, littleEndian);
  v.setUint32(16, 262144, littleEndian);
  v.setUint32(20, network, littleEndian);
  return b;
}

/** A record header plus data; `caplen` defaults to the data's length. */
function record(data: Uint8Array, littleEndian = true, caplen = data.length): Uint8Array {
  const b = new Uint8Array(16 + data.length);
  const v = new DataView(b.buffer);
  v.setUint32(8, caplen, littleEndian);
  v.setUint32(12, Math.max(caplen, data.length), littleEndian);
  b.set(data, 16);
  return b;
}

const concat = (...parts: Uint8Array[]) => Buffer.concat(parts);
const frame = (n: number, first = 0) => Uint8Array.from({ length: n }, (_, i) => (first + i) & 0xff);

/** Files that take each branch of OVS's pcap reader. */
function oddFiles(sample: Uint8Array): string[] {
  const files: Record<string, Uint8Array> = {
    'big-endian.pcap': concat(fileHeader(1, 0xa1b2c3d4, false), record(sample, false), record(frame(60), false)),
    'nanosecond.pcap': concat(fileHeader(1, 0xa1b23c4d), record(sample)),
    // Records in either byte order in one file: OVS decides per record from the length.
    'mixed-order.pcap': concat(fileHeader(), record(sample), record(sample, false), record(sample)),
    'sll.pcap': concat(
      fileHeader(113),
      record(concat(Uint8Array.of(0, 0, 0, 1, 0, 6), frame(6, 0x50), Uint8Array.of(0, 0, 8, 0), sample.subarray(14))),
      record(concat(Uint8Array.of(0, 4, 0, 1, 0, 6), frame(8, 0x10), Uint8Array.of(0x86, 0xdd))),
    ),
    'sll-bad-address-length.pcap': concat(fileHeader(113), record(sample), record(frame(40))),
    'sll-too-short.pcap': concat(fileHeader(113), record(frame(10))),
    'raw-ip.pcap': concat(fileHeader(101), record(sample)),
    'bad-magic.pcap': concat(Buffer.from('not a capture file at all'), record(sample)),
    'pcapng.pcap': readFileSync(join(dir, 'seed.pcapng')),
    'header-cut.pcap': fileHeader().subarray(0, 20),
    'empty.pcap': new Uint8Array(0),
    'only-header.pcap': fileHeader(),
    'record-header-cut.pcap': concat(fileHeader(), record(sample), record(sample).subarray(0, 9)),
    'record-data-cut.pcap': concat(fileHeader(), record(sample), record(sample).subarray(0, 30)),
    'zero-length-record.pcap': concat(fileHeader(), record(sample), record(new Uint8Array(0)), record(sample)),
    'oversized-record.pcap': concat(fileHeader(), record(sample), record(frame(70_000)), record(sample)),
    'largest-record.pcap': concat(fileHeader(), record(frame(0xffff)), record(sample)),
  };
  return Object.entries(files).map(([name, bytes]) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  });
}

/** Every fixture frame cut at the header boundaries that flow_extract must stop at. */
function truncatedFrames(): string {
  const cuts = [1, 12, 13, 14, 16, 18, 22, 24, 30, 34, 38, 42, 46, 54, 58, 62, 66, 78];
  const out: { data: Uint8Array }[] = [];
  for (const file of fixtureFiles) {
    for (const p of readCaptureBuffer(readFileSync(file))) {
      for (const n of cuts) if (n < p.data.length) out.push({ data: p.data.subarray(0, n) });
    }
  }
  const file = join(dir, 'truncated.pcap');
  writeFileSync(file, encodePcap(out));
  return file;
}

/** A minimal pcapng (section header, interface, one enhanced packet) — ovs-ofctl reads only classic pcap. */
function writePcapng(sample: Uint8Array): void {
  const shb = Buffer.alloc(28);
  shb.writeUInt32LE(0x0a0d0d0a, 0);
  shb.writeUInt32LE(28, 4);
  shb.writeUInt32LE(0x1a2b3c4d, 8);
  shb.writeUInt16LE(1, 12);
  shb.writeBigInt64LE(-1n, 16);
  shb.writeUInt32LE(28, 24);
  const idb = Buffer.alloc(20);
  idb.writeUInt32LE(1, 0);
  idb.writeUInt32LE(20, 4);
  idb.writeUInt16LE(1, 8);
  idb.writeUInt32LE(20, 16);
  const padded = (sample.length + 3) & ~3;
  const epb = Buffer.alloc(32 + padded);
  epb.writeUInt32LE(6, 0);
  epb.writeUInt32LE(epb.length, 4);
  epb.writeUInt32LE(sample.length, 20);
  epb.writeUInt32LE(sample.length, 24);
  epb.set(sample, 28);
  epb.writeUInt32LE(epb.length, epb.length - 4);
  writeFileSync(join(dir, 'seed.pcapng'), Buffer.concat([shb, idb, epb]));
}

describeNeeding({ binaries: ['ovs-ofctl'] }, 'ofctl parse-pcap and parse-packet against ovs-ofctl', () => {
  const sample = readCaptureBuffer(readFileSync(join(fixtures, 'mix-small.pcap')))[1].data;

  it('prints the flow of every packet of every file as ovs-ofctl parse-pcap does', async () => {
    writePcapng(sample);
    const odd = oddFiles(sample);
    mkdirSync(join(dir, 'a-directory'), { recursive: true });
    const files = [...fixtureFiles, truncatedFrames(), ...odd, join(dir, 'a-directory'), join(dir, 'missing.pcap')];
    const theirs = await expectSame(['parse-pcap', ...files]);
    // The cases did what they are for: many packets, each kind of failure, a last errno as status.
    expect(theirs.stdout.split('\n').length).toBeGreaterThan(3000);
    expect(theirs.stdout).toMatch(/^udp6,in_port=ANY,/m);
    expect(theirs.stderr).toContain('bad SLL header');
    expect(theirs.stderr).toContain('open failed (Is a directory)');
    expect(theirs.status).toBe(2);
    // One file alone: its own status (EOF is -1), and no argument at all.
    await Promise.all([expectSame(['parse-pcap', join(dir, 'header-cut.pcap')]), expectSame(['parse-pcap'])]);
  }, 30_000);

  it('prints a packet read from stdin as ovs-ofctl parse-packet does', async () => {
    const frames = readCaptureBuffer(readFileSync(join(fixtures, 'mix-small.pcap'))).slice(0, 6);
    const inputs = [...frames.map((p) => p.data), new Uint8Array(0), frame(20), sample.subarray(0, 40)];
    const theirs: Run[] = [];
    // Two at a time: this machine has two cores.
    for (let i = 0; i < inputs.length; i += 2) {
      theirs.push(...(await Promise.all(inputs.slice(i, i + 2).map((input) => expectSame(['parse-packet'], input)))));
    }
    expect(theirs[0].stdout).toMatch(/_csum:[0-9a-f]+\n$/);
  }, 30_000);
});
