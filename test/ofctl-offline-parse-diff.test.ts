import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as of from '@softswitch/openflow';
import {
  type Action,
  encodeAction,
  encodeActions10,
  encodeContextFor,
  encodeInstructions,
  generateFlows,
  parseFlow,
  protocolsForVersion,
  toHex,
  VERSION_NAMES,
  Writer,
} from '@softswitch/openflow';
import * as packet from '@softswitch/packet';
import { encodePcap, readCaptureBuffer } from '@softswitch/pcap';
import { afterAll, expect, it } from 'vitest';
import { composeChecked, exactFlowPrerequisiteError } from '../apps/ofctl/src/offline/compose.js';
import { encodeHelloOutput } from '../apps/ofctl/src/offline/hello.js';
import { preprocessedLines, strtolU32, testLines } from '../apps/ofctl/src/offline/hex-input.js';
import { nxMatchToString, parseNxMatchLines } from '../apps/ofctl/src/offline/nx-match.js';
import { parseOfp10MatchLines } from '../apps/ofctl/src/offline/ofp10-match.js';
import { parseOfp11MatchLines } from '../apps/ofctl/src/offline/ofp11-match.js';
import {
  capturedOpenFlow,
  DEFAULT_OPENFLOW_PORTS,
  formatCapturedOpenFlow,
} from '../apps/ofctl/src/offline/openflow-pcap.js';
import { parseActionLines } from '../apps/ofctl/src/offline/parse-actions.js';
import { describeNeeding } from './support/requirements.js';
import { type AsyncShellResult, shAsync } from './support/shell.js';

/**
 * Differential test of ofctl's offline test commands against the real ovs-ofctl: parse-actions
 * and parse-instructions on action lists encoded from generated flows plus hand-written
 * malformed ones, parse-nx-match and parse-oxm, parse-ofp10-match, encode-hello, compose-packet
 * and ofp-parse-pcap. The many cases go through the commands'
 * modules in-process (a Node CLI start costs ~0.5 s here); a few go through bin/ofctl itself, for
 * the same stdout, exit status and fatal error line.
 */
const ofctl = join(import.meta.dirname, '..', 'bin', 'ofctl');
const VERSIONS = ['OpenFlow10', 'OpenFlow13', 'OpenFlow15'] as const;
const FLOWS = 700;
const dir = mkdtempSync(join(tmpdir(), 'ofctl-offline-parse-'));

/** The fatal line each tool ends with, without its program name (ovs-ofctl also logs warnings). */
function fatalLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => /^(ovs-)?ofctl: /.test(l));
  return (lines.at(-1) ?? '').replace(/^(ovs-)?ofctl: /, '');
}

/** Runs both tools on the same input and expects the same output, status and fatal error. */
async function expectSame(args: string[], input = ''): Promise<AsyncShellResult> {
  const [ovs, ours] = await Promise.all([shAsync('ovs-ofctl', args, input), shAsync(ofctl, args, input)]);
  expect(ours.stdout).toBe(ovs.stdout);
  expect([ours.status, ours.signal]).toEqual([ovs.status, ovs.signal]);
  // An abort (SIGABRT) prints an assertion of OVS's source instead: not compared.
  if (!ovs.signal) expect(fatalLine(ours.stderr)).toBe(fatalLine(ovs.stderr));
  return ovs;
}

const INSTRUCTIONS = new Set<Action['type']>([
  'goto_table',
  'write_actions',
  'clear_actions',
  'write_metadata',
  'meter',
]);

/** Hex lines for parse-actions (or `TABLE,HEX` for parse-instructions) from generated flows. */
function corpus(version: number, instructions: boolean, seed: number): string[] {
  const lines: string[] = [];
  for (const flow of generateFlows(FLOWS, seed)) {
    let parsed: ReturnType<typeof parseFlow>;
    try {
      parsed = parseFlow(flow);
    } catch {
      continue;
    }
    if (!(parsed.usable & protocolsForVersion(version))) continue;
    const { match, actions, tableId } = parsed.fm;
    const ctx = encodeContextFor(match);
    const w = new Writer();
    if (instructions && version > 1) encodeInstructions(w, actions, version, ctx);
    else if (version === 1)
      encodeActions10(w, instructions ? actions : actions.filter((a) => !INSTRUCTIONS.has(a.type)), ctx);
    else for (const a of actions) if (!INSTRUCTIONS.has(a.type)) encodeAction(w, a, version, { ...ctx });
    const hex = toHex(w.finish());
    // An empty line is skipped by both tools; a table prefix keeps empty instruction lists.
    if (instructions) lines.push(`${tableId},${hex}`);
    else if (hex) lines.push(hex);
  }
  return lines;
}

/** Malformed and unusual lists, written by hand: bad lengths, types, fields, order, spacing. */
const MALFORMED_ACTIONS = [
  '00 00 00 08 00 01 00 00 # a comment',
  '  0000000800020000',
  '# a whole-line comment',
  '00000008',
  ',',
  '000000100001000000000000',
  '00000007000100',
  '0063000800000000',
  'ffff001000002320ffff000000000000',
  'ffff001000001234000100000000000000',
  'ffff0018000023200007001f0001430400000000301ced51',
  'ffff0018000023200007000b400008020000000000000b9a',
  'ffff00180000232000060030000000000000050600000206',
  'ffff001800002320000600080000000800011e0400010204',
  'ffff0018000023200007001f00011e040000000044cc3f9e',
  'ffff0020000023200016000000000000889c1dff6abc9a568ef2e0571b07b94e',
  'ffff0020000023200016000000000000889c1dff6abc9a568ef2e0571b07b94effff001000002320000efff8a0000000',
  'ffff0010000023200005000000000000ffff00180000232000060030000000000000040600000207',
];
const MALFORMED_INSTRUCTIONS = [
  '255,',
  '0,',
  '00010008',
  '00010008b7000000',
  '3,00010008b7000000',
  '200,0001000802000000',
  '255,0001000810000000',
  '0004000800000000',
  '00040010000000000000000800010000',
  '0001000801000000 00010008 02000000',
  '0009000801000000',
  '0005000800000000 0005000800000000',
  '00020018000000000000000000000001ffffffffffffffff',
  '0002001000000000',
  '00030018000000000000001000000001ffff000000000000',
  '0006000800000005',
  '000400180000000000190010800006061234567890ab0000',
];

/** ovs-ofctl alone, for the in-process comparisons. */
function ovsOfctl(args: string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ovs-ofctl', args, { input, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const HELLO_BITMAPS = [
  '0x1e',
  '0x12',
  '0x2',
  '0x40',
  '0x7e',
  '0x13',
  '0x55',
  '0xffffffff',
  '30',
  '012',
  '0x181',
  '0x3',
];
const COMPOSE_FLOWS = [
  'tcp,nw_src=1.2.3.4,tp_dst=80,tcp_flags=0x12',
  'udp6,ipv6_src=2001:db8::1,ipv6_label=0x12345,tp_src=53',
  'dl_vlan=5,dl_vlan_pcp=3,arp,arp_op=2,arp_spa=10.0.0.1,arp_tha=aa:bb:cc:dd:ee:ff',
  'icmp,icmp_type=8,icmp_code=0,nw_ttl=64,nw_tos=0x10',
  'icmp6,icmp_type=128,ipv6_dst=ff02::1',
  'sctp,tp_src=1,tp_dst=2',
  'ip,nw_proto=99,nw_frag=first',
  'ip,nw_frag=later',
  'udp,tp_src=53',
  'tp_dst=1,tcp',
  'icmp6,icmp_type=135,nd_target=::1',
  'udp6,udp_src=53,udp_dst=54',
  'mpls,mpls_label=5,mpls_tc=2,mpls_ttl=9',
  'dl_type=0x1234,dl_src=01:02:03:04:05:06',
  'in_port=3,udp',
  'in_port=0,ip',
];

/** NXM (`version` 0) or OXM match strings, as OVS writes them, of generated flows' matches. */
function nxMatchCorpus(version: number, seed: number): string[] {
  const lines: string[] = [];
  for (const flow of generateFlows(FLOWS, seed)) {
    let fm: ReturnType<typeof parseFlow>['fm'];
    try {
      fm = parseFlow(flow).fm;
    } catch {
      continue;
    }
    const w = new Writer();
    if (version) of.putNxMatch(w, fm.match, version);
    else of.putNxMatch(w, fm.match, 0, fm.cookie, fm.cookieMask);
    lines.push(nxMatchToString(of, w.finish()));
  }
  return lines;
}

/** Hand-written NXM/OXM lines: echoed comments and blanks, duplicates, bad values and masks. */
const NX_MATCH_ODDITIES = [
  '<any>',
  '# an echoed comment',
  '',
  'NXM_OF_IN_PORT(0001) # a cut comment',
  'NXM_OF_ETH_TYPE(0800) NXM_OF_IP_SRC_W(01020300/ffffff00)',
  'NXM_OF_ETH_TYPE(0800), NXM_OF_ETH_TYPE(0800)',
  'NXM_OF_ETH_TYPE(0806), NXM_OF_ARP_OP(0101)',
  'NXM_OF_VLAN_TCI_W(1000/1000)',
  'NXM_NX_COOKIE_W(0000000000000001/00000000000000ff)',
  'NXM_OF_ETH_TYPE(0800), NXM_OF_IP_TOS(03)',
  'NXM_OF_ETH_TYPE(0800), NXM_NX_IP_FRAG_W(01/03)',
  'OXM_OF_IN_PORT(fffffff0)',
  'OXM_OF_VLAN_VID(0123)',
  'OXM_OF_VLAN_PCP(03)',
  'OXM_OF_ETH_TYPE(0800), OXM_OF_IP_DSCP(40)',
  'NXM_NX_REG0(00000005), NXM_NX_REG1(00000006)',
  'OXM_OF_PKT_REG0(0000000100000002)',
  'OXM_OF_ETH_TYPE(8847), OXM_OF_MPLS_LABEL(000fffff), OXM_OF_MPLS_TC(07), OXM_OF_MPLS_BOS(01)',
  'OXM_OF_TUNNEL_ID_W(0000000000000001/ffffffffffffffff)',
  'OXM_OF_ETH_TYPE(0800), OXM_OF_IP_PROTO(06), OXM_OF_TCP_SRC(0050), OXM_OF_TCP_SRC(0051)',
];

/**
 * OpenFlow 1.0 matches: random bytes under random wildcards (every 40 bytes decode), nudged
 * towards IP/TCP types, "no VLAN" and stray high wildcard bits; some with `x` don't-cares.
 */
function ofp10Matches(count: number, seed: number): string[] {
  const rnd = of.prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const b = Uint8Array.from({ length: 40 }, () => int(256));
    const wildcards = int(1 << 22);
    b.set([rnd() < 0.2 ? int(256) : 0, (wildcards >> 16) & 0x3f, (wildcards >> 8) & 0xff, wildcards & 0xff], 0);
    if (rnd() < 0.5) b.set([0x08, rnd() < 0.8 ? 0x00 : 0x06], 22);
    if (rnd() < 0.3) b[25] = [1, 6, 17, 132, 58][int(5)];
    if (rnd() < 0.2) b.set([0xff, 0xff], 18);
    const hex = toHex(b);
    // Don't-cares in the padding bytes, which no field reads.
    lines.push(rnd() < 0.2 ? `${hex.slice(0, 42)}xx${hex.slice(44, 52)}xxxx${hex.slice(56)}` : hex);
  }
  return lines;
}

/**
 * OpenFlow 1.1 matches: random bytes under random wildcards, nudged towards IP/TCP/ICMP/ARP/MPLS
 * types, the special VLAN ids, all-ones (wildcard) masks and out-of-range values.
 */
function ofp11Matches(count: number, seed: number): string[] {
  const rnd = of.prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const b = Uint8Array.from({ length: 88 }, () => int(256));
    const v = new DataView(b.buffer);
    v.setUint16(0, 0);
    v.setUint16(2, 88);
    if (rnd() < 0.7) v.setUint32(4, int(0xff00));
    v.setUint32(8, rnd() < 0.8 ? int(1 << 10) : int(2 ** 32));
    for (const at of [18, 30]) if (rnd() < 0.6) b.fill(0xff, at, at + 6);
    if (rnd() < 0.5) v.setUint16(36, pick([0xfffe, 0xffff, int(4096)]));
    if (rnd() < 0.7) b[38] = int(8);
    if (rnd() < 0.8) v.setUint16(40, pick([0x0800, 0x0806, 0x8035, 0x8847, 0x86dd]));
    if (rnd() < 0.7) b[42] = int(64) << 2;
    if (rnd() < 0.7) b[43] = pick([1, 6, 17, 132, 47]);
    for (const at of [48, 56]) if (rnd() < 0.5) v.setUint32(at, rnd() < 0.5 ? 0xffffffff : 0xff);
    if (rnd() < 0.5) v.setUint16(60, int(256));
    if (rnd() < 0.7) v.setUint32(64, int(1 << 20));
    if (rnd() < 0.7) b[68] = int(8);
    if (rnd() < 0.6) b.fill(0xff, 80, 88);
    lines.push(toHex(b));
  }
  return lines;
}

/** An Ethernet/IPv4/TCP segment (checksums are not checked by either reader). */
function segment(from: string, to: string, flags: string, seq: number, payload: Uint8Array): Uint8Array {
  const [src, sport] = from.split(':');
  const [dst, dport] = to.split(':');
  const flow = `tcp,nw_src=${src},nw_dst=${dst},tcp_src=${sport},tcp_dst=${dport},tcp_flags=${flags}`;
  const b = packet.composePacket(flow, { payload });
  new DataView(b.buffer, b.byteOffset).setUint32(14 + 20 + 4, seq >>> 0);
  return b;
}

/** A TCP stream from SYN to FIN carrying `chunks`; `extra` segments go in at the given indexes. */
function connection(from: string, to: string, isn: number, chunks: Uint8Array[]): Uint8Array[] {
  const out = [segment(from, to, 'syn', isn, new Uint8Array(0))];
  let seq = isn + 1;
  for (const c of chunks) {
    out.push(segment(from, to, 'ack', seq, c));
    seq += c.length;
  }
  out.push(segment(from, to, 'fin', seq, new Uint8Array(0)));
  return out;
}

/** OpenFlow messages: hellos, flow mods from generated flows (OpenFlow 1.0 and 1.3), an echo. */
function openFlowMessages(): Uint8Array[] {
  const msgs = [
    of.encodeMessage({ type: 'hello', version: 4, xid: 1, bitmap: 0x12 }),
    of.encodeMessage({ type: 'hello', version: 1, xid: 2, bitmap: 0 }),
  ];
  let xid = 3;
  for (const flow of generateFlows(150, 77)) {
    let parsed: ReturnType<typeof parseFlow>;
    try {
      parsed = parseFlow(flow);
    } catch {
      continue;
    }
    const protocol = of.chooseProtocol(
      parsed.usable & (of.Protocol.OF13_OXM | of.Protocol.OF10_NXM | of.Protocol.OF10_STD),
    );
    if (protocol) msgs.push(of.encodeFlowMod(parsed.fm, protocol, xid++));
  }
  msgs.push(of.encodeMessage({ type: 'echo_request', version: 4, xid: 999, data: Uint8Array.of(1, 2, 3) }));
  return msgs;
}

/**
 * A capture of OpenFlow over TCP: one stream cut at random points (messages split across and
 * packed into segments), a reply stream on the old port whose sequence numbers wrap, a stream
 * whose SYN was not captured (read from its first data), and what both readers must ignore: an
 * out-of-order segment, data after a FIN, and a non-OpenFlow port.
 */
function openFlowCapture(): Uint8Array {
  const msgs = openFlowMessages();
  const all = new Uint8Array(msgs.reduce((n, m) => n + m.length, 0));
  let o = 0;
  for (const m of msgs) {
    all.set(m, o);
    o += m.length;
  }
  const rnd = of.prng(5);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < all.length; ) {
    const n = 1 + Math.floor(rnd() * 300);
    chunks.push(all.subarray(i, i + n));
    i += n;
  }
  const client = connection('10.0.0.1:40000', '10.0.0.2:6653', 1000, chunks);
  // Out of order: a copy of a later segment, too early; the reader drops it.
  client.splice(5, 0, client[9]);
  const server = connection('10.0.0.2:6633', '10.0.0.1:40001', 0xfffffff0, msgs.slice(0, 3));
  server.push(segment('10.0.0.2:6633', '10.0.0.1:40001', 'ack', 0, msgs[3]));
  const ignored = [
    segment('10.0.0.3:40002', '10.0.0.4:6653', 'ack', 7, msgs[0]),
    ...connection('10.0.0.3:40003', '10.0.0.4:80', 1, [msgs[1]]),
  ];
  const frames = [...ignored];
  for (let i = 0; i < Math.max(client.length, server.length); i++) {
    if (client[i]) frames.push(client[i]);
    if (server[i]) frames.push(server[i]);
  }
  return encodePcap(frames.map((data, i) => ({ data, timestampNs: BigInt(i) * 1000n })));
}

describeNeeding({ binaries: ['ovs-ofctl'] }, 'ofctl offline test commands vs ovs-ofctl', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [i, name] of VERSIONS.entries()) {
    const version = VERSION_NAMES[name];
    for (const instructions of [false, true]) {
      const command = instructions ? 'parse-instructions' : 'parse-actions';
      it(`${command} ${name}: generated lists and malformed ones`, () => {
        const lines = [
          ...corpus(version, instructions, (instructions ? 400 : 300) + i),
          ...(instructions ? MALFORMED_INSTRUCTIONS : MALFORMED_ACTIONS),
        ];
        expect(lines.length).toBeGreaterThan(300);
        const input = `${lines.join('\n')}\n`;
        const ovs = ovsOfctl([command, name], input);
        expect(ovs.status).toBe(0);
        const ours = parseActionLines(of, preprocessedLines(input), version, name, instructions);
        expect(ours).toBe(ovs.stdout);
        expect(ours.match(/^bad /gm)?.length).toBeGreaterThan(3);
      });
    }
  }

  for (const [i, name] of ['nxm', 'OpenFlow12', 'OpenFlow13', 'OpenFlow15'].entries()) {
    const version = name === 'nxm' ? 0 : VERSION_NAMES[name];
    it(`${name === 'nxm' ? 'parse-nx-match' : `parse-oxm ${name}`}: generated matches and odd ones`, () => {
      const lines = [...nxMatchCorpus(version, 500 + i), ...NX_MATCH_ODDITIES];
      expect(lines.length).toBeGreaterThan(300);
      const input = `${lines.join('\n')}\n`;
      const ovs = ovsOfctl(version ? ['parse-oxm', name] : ['parse-nx-match'], input);
      expect(ovs.status).toBe(0);
      expect(parseNxMatchLines(of, testLines(input), version)).toBe(ovs.stdout);
      expect(ovs.stdout.match(/^nx_pull_match\(\) returned error /gm)?.length).toBeGreaterThan(2);
    });
  }

  it('parse-ofp10-match: random matches decode, print, re-encode and normalize the same', () => {
    const lines = ofp10Matches(800, 21);
    const input = `${lines.join('\n')}\n`;
    const ovs = ovsOfctl(['parse-ofp10-match'], input);
    expect(ovs.status).toBe(0);
    expect(parseOfp10MatchLines(of, preprocessedLines(input))).toBe(ovs.stdout);
    expect(ovs.stdout.match(/^normal: /gm)?.length).toBeGreaterThan(50);
  });

  it('parse-ofp11-match: random matches decode (or fail), print and re-encode the same', () => {
    const lines = ofp11Matches(600, 23);
    const input = `${lines.join('\n')}\n`;
    const ovs = ovsOfctl(['parse-ofp11-match'], input);
    expect(ovs.status).toBe(0);
    expect(parseOfp11MatchLines(of, preprocessedLines(input))).toBe(ovs.stdout);
    // Both kinds of lines occur: ones that decode and change on re-encoding, and bad ones.
    expect(ovs.stdout.match(/^bad ofp11_match: /gm)?.length).toBeGreaterThan(10);
    expect(ovs.stdout.match(/^\d+: /gm)?.length).toBeGreaterThan(100);
  });

  it('encode-hello encodes and prints the same hellos', () => {
    for (const b of HELLO_BITMAPS)
      expect(encodeHelloOutput(of, strtolU32(b))).toBe(ovsOfctl(['encode-hello', b]).stdout);
  });

  it('compose-packet builds the same packets and refuses the same flows', () => {
    for (const flow of COMPOSE_FLOWS) {
      const ovs = ovsOfctl(['compose-packet', flow]);
      const refused = exactFlowPrerequisiteError(of, flow);
      if (refused !== undefined || (ovs.status !== 0 && !ovs.stdout)) {
        expect(fatalLine(ovs.stderr)).toBe(refused);
        continue;
      }
      const ours = composeChecked(packet, packet.parseFlowString(flow));
      expect(ours.stdout).toBe(ovs.stdout);
      expect(ours.stderr).toBe(ovs.stderr);
      expect(ours.stderr ? 1 : 0).toBe(ovs.status);
    }
  });

  it('ofp-parse-pcap prints the same OpenFlow conversation from a capture', () => {
    const capture = openFlowCapture();
    const file = join(dir, 'openflow.pcap');
    writeFileSync(file, capture);
    const frames = readCaptureBuffer(capture);
    for (const ports of [[], ['6633'], ['80', '6653']]) {
      const ovs = ovsOfctl(['ofp-parse-pcap', file, ...ports]);
      expect(ovs.status).toBe(0);
      const messages = capturedOpenFlow(packet, frames, ports.length ? ports.map(Number) : DEFAULT_OPENFLOW_PORTS);
      const ours = formatCapturedOpenFlow(of, messages);
      expect(ours).toBe(ovs.stdout);
    }
    expect(ovsOfctl(['ofp-parse-pcap', file]).stdout.match(/^10\.0\.0\.\d\.\d+ > /gm)?.length).toBeGreaterThan(100);
  });

  it('through bin/ofctl: same output, exit status and fatal line', async () => {
    writeFileSync(join(dir, 'cli.pcap'), openFlowCapture());
    const checks: [string[], string?][] = [
      [
        ['parse-actions', 'OpenFlow13'],
        `${MALFORMED_ACTIONS.join('\n')}\n0000001000000001ffff000000000000\n00000008 0001 00zz\n00\n`,
      ],
      [['parse-nxm'], `${NX_MATCH_ODDITIES.join('\n')}\nNXM_OF_IN_PORT_W(0001/ffff)\nNXM_OF_IN_PORT(0001)\n`],
      [['encode-hello', '1']],
      [['compose-packet', 'in_port=3,udp', '01 02 0304']],
      [['ofp-parse-pcap', join(dir, 'cli.pcap'), '6633']],
    ];
    // Two at a time: this machine has two cores.
    for (let k = 0; k < checks.length; k += 2) {
      await Promise.all(checks.slice(k, k + 2).map(([args, input]) => expectSame(args, input)));
    }
    const json = await shAsync(
      ofctl,
      ['parse-instructions', 'OpenFlow13', '--format', 'json'],
      '2,0001000803000000\n3,0001000803000000\n',
    );
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      { input: '0001000803000000', actions: [{ type: 'goto_table', table: 3 }], encoded: '0001000803000000' },
      { input: '0001000803000000', error: 'OFPBIC_BAD_TABLE_ID' },
    ]);
  });
});
