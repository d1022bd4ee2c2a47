// Interop with libpcap through tcpdump: it reads what we write, we read what it writes, and it
// agrees with us about which damaged files are damaged and about our test pcapng files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CapturedPacket,
  type CaptureFormatError,
  encodePcap,
  readCaptureBuffer,
  readCaptureFile,
} from '@softswitch/pcap';
import { beforeAll, expect, it } from 'vitest';
import { arp, EtherType, ethernet, IpProto, ipv4, pattern, udp, v4 } from '../fixtures/src/frames.js';
import { frame, PcapngBuilder } from '../libs/pcap/test/builders.js';
import { describeNeeding } from './support/requirements.js';

function tcpdump(...args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync('tcpdump', args, { encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const fixturesDir = join(import.meta.dirname, '..', 'fixtures', 'pcap');
const T0 = 1_700_000_000_123_456_789n;
const ep = v4('10.0.0.1', '10.0.0.2');
const frames = [
  ethernet({ type: EtherType.IPV4, payload: ipv4({ ep, proto: IpProto.UDP }, udp(ep, 5000, 6000, pattern(16))) }),
  ethernet({
    dst: 'ff:ff:ff:ff:ff:ff',
    type: EtherType.ARP,
    payload: arp({ op: 1, sha: '50:54:00:00:00:01', spa: '10.0.0.1', tha: '00:00:00:00:00:00', tpa: '10.0.0.2' }),
  }),
];
const timed = frames.map((data, i) => ({ data, timestampNs: T0 + BigInt(i) * 1_000_000_001n }));
const key = (p: CapturedPacket) => [p.timestampNs, p.originalLength, p.linkType, Buffer.from(p.data).toString('hex')];

describeNeeding({ binaries: ['tcpdump'] }, 'pcap interop with tcpdump', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pcap-tcpdump-'));
  });

  it('tcpdump reads our microsecond pcap', () => {
    const path = join(dir, 'us.pcap');
    writeFileSync(path, encodePcap(timed));
    const r = tcpdump('-r', path, '-nn', '-tt');
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      '1700000000.123456 IP 10.0.0.1.5000 > 10.0.0.2.6000: UDP, length 16',
      '1700000001.123456 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 46',
    ]);
    expect(r.stderr).toContain('link-type EN10MB (Ethernet), snapshot length 262144');
  });

  it('tcpdump reads our nanosecond pcap at nanosecond precision', () => {
    const path = join(dir, 'ns.pcap');
    writeFileSync(path, encodePcap(timed, { nanosecond: true, snaplen: 65535 }));
    const r = tcpdump('-r', path, '-nn', '-tt', '--time-stamp-precision=nano');
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      '1700000000.123456789 IP 10.0.0.1.5000 > 10.0.0.2.6000: UDP, length 16',
      '1700000001.123456790 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 46',
    ]);
    expect(r.stderr).toContain('snapshot length 65535');
  });

  it('tcpdump reads a snapped record as cut short', () => {
    const path = join(dir, 'snap.pcap');
    writeFileSync(path, encodePcap(timed.slice(0, 1), { snaplen: 40 }));
    const r = tcpdump('-r', path, '-nn', '-tt');
    expect(r.stdout).toBe('1700000000.123456 IP 10.0.0.1.5000 > 10.0.0.2.6000:  [|udp]\n');
  });

  for (const nano of [false, true]) {
    it(`we read what tcpdump -w writes (${nano ? 'nanosecond' : 'microsecond'})`, async () => {
      const ours = join(dir, `ours-${nano}.pcap`);
      const theirs = join(dir, `theirs-${nano}.pcap`);
      writeFileSync(ours, encodePcap(timed, { nanosecond: true }));
      const precision = nano ? ['--time-stamp-precision=nano'] : [];
      expect(tcpdump('-r', ours, '-w', theirs, ...precision).status).toBe(0);
      const bytes = readFileSync(theirs);
      expect(bytes.readUInt32LE(0)).toBe(nano ? 0xa1b23c4d : 0xa1b2c3d4);
      const read = await readCaptureFile(theirs);
      const expected = timed.map((p) => ({
        ...p,
        timestampNs: nano ? p.timestampNs : p.timestampNs - (p.timestampNs % 1000n),
      }));
      expect(read.map(key)).toEqual(
        expected.map((p) => [p.timestampNs, p.data.length, 1, Buffer.from(p.data).toString('hex')]),
      );
    });
  }

  it('tcpdump and we agree on every committed fixture', () => {
    const files = readdirSync(fixturesDir).filter((f) => f.endsWith('.pcap'));
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const file of files) {
      const path = join(fixturesDir, file);
      const r = tcpdump('-r', path, '-nn', '-tt');
      expect(r.status, `${file}: ${r.stderr}`).toBe(0);
      const stamps = r.stdout
        .split('\n')
        .filter((l) => /^\d+\.\d{6} /.test(l))
        .map((l) => l.split(' ')[0]);
      const ours = readCaptureBuffer(readFileSync(path)).map((p) => {
        const us = p.timestampNs / 1000n;
        return `${us / 1_000_000n}.${(us % 1_000_000n).toString().padStart(6, '0')}`;
      });
      expect(stamps, file).toEqual(ours);
    }
  });

  it('tcpdump calls a file truncated exactly when we do', () => {
    const bytes = encodePcap(timed);
    const path = join(dir, 'cut.pcap');
    for (const cut of [
      24,
      24 + 8,
      24 + 16,
      24 + 16 + 30,
      24 + 16 + 60,
      24 + 16 + 60 + 15,
      bytes.length - 1,
      bytes.length,
    ]) {
      writeFileSync(path, bytes.subarray(0, cut));
      let ours: CaptureFormatError | undefined;
      try {
        readCaptureBuffer(bytes.subarray(0, cut));
      } catch (e) {
        ours = e as CaptureFormatError;
      }
      const r = tcpdump('-r', path, '-nn');
      expect(/truncated dump file/.test(r.stderr), `cut at ${cut}: ${r.stderr} / ${ours?.message}`).toBe(
        ours !== undefined,
      );
    }
  });

  it('tcpdump reads our test pcapng files as we do (libpcap checks the test builder)', async () => {
    for (const littleEndian of [true, false]) {
      const ng = new PcapngBuilder()
        .section(littleEndian)
        .iface(1, 262144, { tsresol: 9 })
        .epb(0, T0, frames[0])
        .iface(1, 262144)
        .epb(1, 1_700_000_002_000_001n, frame(60, 4))
        .spb(frames[1].length, frames[1])
        .done();
      const path = join(dir, `ng-${littleEndian}.pcapng`);
      const converted = join(dir, `ng-${littleEndian}.pcap`);
      writeFileSync(path, ng);
      const r = tcpdump('-r', path, '-w', converted, '--time-stamp-precision=nano');
      expect(r.status, r.stderr).toBe(0);
      expect(readCaptureBuffer(ng).map(key)).toEqual((await readCaptureFile(converted)).map(key));
    }
  });
});
