// The fixture generator: deterministic, committed files equal to a fresh run, every file
// readable and labelled, the benchmark mixes shaped as documented.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureBuffer, readCaptureFile } from '@softswitch/pcap';
import { beforeAll, describe, expect, it } from 'vitest';
import { bigFixtureNames, bigFixtures, zipfCounts } from '../fixtures/src/big.js';
import { ensureBigFixtures, writeBigFixtures, writeSmallFixtures } from '../fixtures/src/make.js';
import { smallThemes } from '../fixtures/src/themes.js';

const committedDir = join(import.meta.dirname, '..', 'fixtures', 'pcap');
const listing = (dir: string) => readdirSync(dir).sort();

describe('small fixtures', () => {
  let first: string;
  let second: string;
  beforeAll(() => {
    first = mkdtempSync(join(tmpdir(), 'fixtures-a-'));
    second = mkdtempSync(join(tmpdir(), 'fixtures-b-'));
    writeSmallFixtures(first);
    writeSmallFixtures(second);
  });

  it('are the same bytes on every run', () => {
    expect(listing(first)).toEqual(listing(second));
    for (const f of listing(first))
      expect(readFileSync(join(first, f)).equals(readFileSync(join(second, f))), f).toBe(true);
  });

  it('are committed as a fresh run makes them (run `node fixtures/dist/make.js` after changing the generator)', () => {
    expect(listing(committedDir)).toEqual(listing(first));
    for (const f of listing(first)) {
      expect(
        readFileSync(join(committedDir, f)).equals(readFileSync(join(first, f))),
        `fixtures/pcap/${f} is stale`,
      ).toBe(true);
    }
  });

  it('stay small: under 1 MB in all, at most 300 packets a file', () => {
    const files = listing(first);
    const total = files.reduce((n, f) => n + statSync(join(first, f)).size, 0);
    expect(total).toBeLessThan(1_000_000);
    for (const theme of smallThemes()) expect(theme.packets.length, theme.file).toBeLessThanOrEqual(300);
  });

  it('read back as Ethernet packets, one label each in index.json, a millisecond apart', () => {
    const index = JSON.parse(readFileSync(join(first, 'index.json'), 'utf8')) as Record<string, { packets: string[] }>;
    const pcaps = listing(first).filter((f) => f.endsWith('.pcap'));
    expect(Object.keys(index).sort()).toEqual(pcaps);
    for (const file of pcaps) {
      const packets = readCaptureBuffer(readFileSync(join(first, file)));
      expect(packets.length, file).toBe(index[file].packets.length);
      expect(new Set(index[file].packets).size, `${file}: labels are unique`).toBe(packets.length);
      for (const p of packets) {
        expect(p.linkType).toBe(1);
        expect(p.data.length).toBe(p.originalLength);
        expect(p.timestampNs).toBe(1_700_000_000_000_000_000n + BigInt(p.index) * 1_000_000n);
      }
    }
  });

  it('cover every theme the issue names, one file each', () => {
    const files = smallThemes().map((t) => t.file);
    for (const f of [
      'l2',
      'arp',
      'vlan',
      'mpls',
      'ipv4',
      'ipv6',
      'l4',
      'icmp',
      'nd',
      'tunnel',
      'malformed',
      'cve',
      'mix-small',
    ]) {
      expect(files).toContain(`${f}.pcap`);
    }
    const labels = smallThemes().flatMap((t) => t.packets.map((p) => p.label));
    for (const needle of [
      /802\.3\/LLC/,
      /LLC\+SNAP/,
      /802\.1Q/,
      /802\.1ad QinQ/,
      /MPLS 3 labels/,
      /ARP request/,
      /ARP reply/,
      /IPv4 option/,
      /IPv4 first fragment/,
      /IPv4 later fragment/,
      /IPv6 hop-by-hop/,
      /IPv6 routing/,
      /IPv6 destination options/,
      /IPv6 fragment header, first fragment/,
      /IPv6 fragment header, later fragment/,
      /TCP SYN\|ACK/,
      /SCTP/,
      /ICMPv4 echo request/,
      /ICMPv4 destination unreachable/,
      /ICMPv6 echo request/,
      /NS with SLL option/,
      /NA solicited, override, with TLL option/,
      /RS with SLL/,
      /RA with SLL/,
      /VXLAN/,
      /Geneve VNI 201, one 4-byte option/,
      /IPv4 IHL 4 \(below 5\)/,
      /IPv4 total length 19 \(below the header\)/,
      /IPv6 hop-by-hop length past the end/,
      /MPLS stack of 16 labels without bottom of stack/,
      /Ethernet padding .* past the IPv4 total length/,
      /IPv4 protocol 0/,
      /ND NS option of length 0/,
      /overrunning the packet/,
    ]) {
      expect(
        labels.some((l) => needle.test(l)),
        String(needle),
      ).toBe(true);
    }
  });
});

describe('benchmark mixes', () => {
  const digest = () =>
    bigFixtures().map((f) => {
      const h = createHash('sha256');
      let n = 0;
      const distinct = new Set<Uint8Array>();
      for (const frame of f.frames()) {
        h.update(frame);
        distinct.add(frame);
        n++;
      }
      return { file: f.file, n, count: f.count, flows: distinct.size, hash: h.digest('hex') };
    });

  it('are deterministic and shaped as documented: 10k Zipf flows, ~200k packets; 64-byte TCP frames', () => {
    const a = digest();
    expect(digest()).toEqual(a);
    const [mix, small] = a;
    expect(mix.file).toBe('mix-10k-zipf.pcap');
    expect(mix.n).toBe(mix.count);
    expect(mix.flows).toBe(10_000);
    expect(mix.n).toBeGreaterThan(190_000);
    expect(mix.n).toBeLessThan(210_000);
    expect(small.file).toBe('ipv4-tcp-64b.pcap');
    expect(small.n).toBe(100_000);
    for (const frame of bigFixtures()[1].frames()) {
      expect(frame.length).toBe(60);
      break;
    }
  });

  it('give Zipf counts: rank r gets about 1/r of rank 1, every flow at least one packet', () => {
    const counts = zipfCounts(10_000, 200_000, 1);
    expect(counts[0] / counts[9]).toBeCloseTo(10, 0);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(counts.every((c, i) => i === 0 || c <= counts[i - 1])).toBe(true);
  });

  it('write the 64-byte mix as a readable pcap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixtures-big-'));
    const files = await writeBigFixtures(dir);
    expect(files).toEqual(['mix-10k-zipf.pcap', 'ipv4-tcp-64b.pcap']);
    expect(bigFixtureNames()).toEqual(files);
    expect(await ensureBigFixtures(dir)).toEqual(Object.fromEntries(files.map((f) => [f, join(dir, f)])));
    const packets = await readCaptureFile(join(dir, 'ipv4-tcp-64b.pcap'));
    expect(packets.length).toBe(100_000);
    expect(packets.every((p) => p.data.length === 60)).toBe(true);
  });
});
