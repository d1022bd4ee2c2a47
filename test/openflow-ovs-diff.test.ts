import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chooseProtocol,
  generateFlows,
  parseFlow,
  parseFlowsOutput,
  parseVersions,
  protocolsForVersionBitmap,
} from '@softswitch/openflow';
import { afterAll, expect, it } from 'vitest';
import { mapLimited } from './support/concurrent.js';
import { splitMessages } from './support/ofctl-capture.js';
import { parseFlowsBothWays, versionFlowCases } from './support/ofctl-diff.js';
import { describeNeeding } from './support/requirements.js';
import { runAsync } from './support/shell.js';

/**
 * Differential test: our flow parser + encoder + decoder + printer against the real
 * `ovs-ofctl parse-flows`, on seeded random flows, for OpenFlow 1.0, 1.3 and 1.5.
 */
const VERSIONS = ['OpenFlow10', 'OpenFlow11', 'OpenFlow13', 'OpenFlow15'] as const;
const FLOWS = 2000;
const dir = mkdtempSync(join(tmpdir(), 'openflow-diff-'));

function ovs(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('ovs-ofctl', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function tryParse(flow: string): ReturnType<typeof parseFlow> | undefined {
  try {
    return parseFlow(flow);
  } catch {
    return undefined;
  }
}

describeNeeding({ binaries: ['ovs-ofctl'] }, 'openflow parse-flows vs ovs-ofctl', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [i, version] of VERSIONS.entries()) {
    it(`${FLOWS} generated flows print identically with -O ${version}`, () => {
      const allowed = protocolsForVersionBitmap(parseVersions(version));
      // ovs-ofctl picks one protocol for a whole file, so flows are grouped by the protocol each
      // would choose alone; every group is one ovs-ofctl process.
      const groups = new Map<number, string[]>();
      let total = 0;
      for (const flow of generateFlows(FLOWS, 1000 + i)) {
        const parsed = tryParse(flow);
        if (!parsed) continue;
        const p = chooseProtocol(parsed.usable & allowed);
        if (!p) continue;
        groups.set(p, [...(groups.get(p) ?? []), flow]);
        total++;
      }
      // OpenFlow 1.1 has no NXM: only flows every protocol can express remain.
      expect(total).toBeGreaterThan(FLOWS * (version === 'OpenFlow11' ? 0.2 : 0.7));
      const diffs: string[] = [];
      let messages = 0;
      for (const [p, flows] of groups) {
        const file = join(dir, `${version}-${p}.flows`);
        writeFileSync(file, `${flows.join('\n')}\n`);
        const theirs = ovs(['-O', version, 'parse-flows', file]);
        expect(theirs.stderr.split('\n').filter((l) => l && !/\|(INFO|WARN)\||^[0-9a-f]{8} {2}/.test(l))).toEqual([]);
        const a = splitMessages(parseFlowsOutput(flows, allowed));
        const b = splitMessages(theirs.stdout);
        expect(a.length).toBe(b.length);
        messages += a.length;
        for (let k = 0; k < a.length; k++) {
          if (a[k] !== b[k]) diffs.push(`${flows[k - 2] ?? ''}\n ours:   ${a[k]}\n theirs: ${b[k]}`);
        }
      }
      // Known gaps (see the report): OF1.5 VLAN PCP prerequisites, vlan_tci combined with
      // dl_vlan, and a few action/match inconsistencies OVS only finds when decoding.
      if (diffs.length)
        console.log(`${version}: ${diffs.length}/${messages} differ; first:\n${diffs.slice(0, 3).join('\n')}`);
      expect(diffs).toEqual([]);
    });
  }

  it('a file whose later flows narrow the protocol prints as ovs-ofctl does (whole-file choice)', () => {
    // parseFlowsOutput prints while it reads and redoes the file when a later flow changes the
    // chosen protocol: these files change it after 1, 300 and 600 flows.
    const plain = Array.from(
      { length: 300 },
      (_, k) => `priority=${k},ip,nw_src=10.0.${k >> 8}.${k & 255},actions=drop`,
    );
    const flows = [
      ...plain,
      'tcp6,tp_dst=80,actions=output:1', // IPv6 transport fields: NXM/OXM only
      ...plain,
      'table=3,reg0=7,actions=resubmit(,4)', // registers and a table id
      'cookie=0x5,actions=drop',
    ];
    for (const version of ['OpenFlow10', 'OpenFlow13', 'OpenFlow15']) {
      const allowed = protocolsForVersionBitmap(parseVersions(version));
      for (const [n, list] of [flows, flows.slice(300), [...plain.slice(0, 1), ...flows.slice(300)]].entries()) {
        const file = join(dir, `narrow-${version}-${n}.flows`);
        writeFileSync(file, `${list.join('\n')}\n`);
        const theirs = ovs(['-O', version, 'parse-flows', file]);
        expect(theirs.status).toBe(0);
        expect(parseFlowsOutput(list, allowed)).toBe(theirs.stdout);
      }
    }
  });

  it('each flow alone chooses the same protocol, prints or fails the same (sample of 150 per version)', async () => {
    const cases = versionFlowCases(VERSIONS, generateFlows(150, 77));
    const outputs = await mapLimited(cases, 4, ({ version, flow }) =>
      runAsync('ovs-ofctl', ['-O', version, 'parse-flow', flow]),
    );
    const diffs: string[] = [];
    let n = 0;
    for (const [k, { version, flow }] of cases.entries()) {
      const allowed = protocolsForVersionBitmap(parseVersions(version));
      const theirs = outputs[k];
      let ours: string;
      let ourStatus = 0;
      try {
        ours = parseFlowsOutput([flow], allowed);
      } catch (e) {
        ours = (e as Error).message;
        ourStatus = 1;
      }
      const theirText =
        theirs.status === 0
          ? theirs.stdout
          : (theirs.stderr.split('\n').find((l) => l.startsWith('ovs-ofctl: ')) ?? '').replace('ovs-ofctl: ', '');
      n++;
      if (ourStatus !== (theirs.status === 0 ? 0 : 1) || ours.trim() !== theirText.trim()) {
        diffs.push(`${version} ${flow}\n ours:   ${ours.trim()}\n theirs: ${theirText.trim()}`);
      }
    }
    if (diffs.length) console.log(`${diffs.length}/${n} differ; first:\n${diffs.slice(0, 3).join('\n')}`);
    expect(diffs).toEqual([]);
  });

  it('prints hand-written edge cases identically (octal numbers, decimal ports and tables, ct(), learn...)', async () => {
    const edge = [
      'tcp,tp_dst=010,actions=drop',
      'ct_label=0,actions=drop',
      'ct_label=010/0x1,actions=drop',
      'ct_label=0xffffffffffffffffffffffffffffffff,actions=drop',
      'ct_label=0x12345678901234567890/0xffffffff00000000ffffffff00000000,ct_state=+trk,ct_zone=3,ct_mark=1,pkt_mark=2,metadata=3,reg0=1,tun_id=5,actions=drop',
      'tcp,ct_label=0x10/0x10,tp_dst=80,actions=move:NXM_NX_CT_LABEL[0..31]->NXM_NX_REG0[]',
      'ct_label=0xff/0,actions=drop',
      'tcp,actions=fin_timeout(idle_timeout=10,hard_timeout=20)',
      'tcp6,actions=fin_timeout(hard_timeout=0x10),fin_timeout(),fin_timeout,output:1',
      'ip,actions=fin_timeout(idle_timeout=010)',
      'tcp,actions=write_actions(fin_timeout(idle_timeout=1))',
      'priority=010,reg0=010,actions=load:010->NXM_NX_REG1[]',
      'in_port=010,actions=output:010,resubmit(010,010),goto_table:010',
      'table=010,cookie=010,idle_timeout=010,actions=set_queue:010,group:010,enqueue:010:010',
      'ip,actions=ct,ct(),ct(table=0)',
      'actions=learn(table=2,idle_timeout=10,priority=5,cookie=0x5,send_flow_rem,eth_type=0x800,reg1=5,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0x3->NXM_NX_REG2[],output:NXM_NX_REG3[0..15])',
      'mpls,actions=multipath(symmetric_l4,1024,hrw,12,0,NXM_NX_REG0[0..3]),dec_mpls_ttl,set_mpls_label(5),set_mpls_tc(3),set_mpls_ttl(9)',
      'actions=bundle(eth_src,0,hrw,ofport,members:4,8),bundle_load(eth_src,0,active_backup,ofport,NXM_NX_REG0[],slaves:1)',
      'recirc_id=1,ct_zone=3,ip,actions=output(port=1,max_len=100)',
      'icmp6,icmp_type=135,nd_target=fe80::1/64,nd_sll=1:2:3:4:5:6,actions=drop',
      'vlan_tci=0x1005/0x1fff,dl_vlan_pcp=3,actions=strip_vlan,push_vlan:0x88a8,mod_vlan_vid:7',
      'reg0=,ipv4,ip6,actions=drop',
    ];
    const cases = versionFlowCases(VERSIONS, edge);
    for (const [k, { ours, theirs }] of (await parseFlowsBothWays(cases)).entries()) {
      const { version, flow } = cases[k];
      expect({ version, flow, out: ours }).toEqual({ version, flow, out: theirs });
    }
  });

  it('conntrack tuple, xxreg and tunnel IPv6/GBP/flags fields: seeded combinations print or fail identically', async () => {
    const flows = ctTupleFlows(120, 7);
    let printed = 0;
    const cases = versionFlowCases(VERSIONS, flows);
    for (const [k, { ours, theirs, ovsOk }] of (await parseFlowsBothWays(cases)).entries()) {
      const { version, flow } = cases[k];
      if (ovsOk && !theirs.includes('decode error')) printed++;
      expect({ version, flow, out: ours }).toEqual({ version, flow, out: theirs });
    }
    // The mix must exercise both sides: flows OVS accepts and prints, and ones it refuses.
    expect(printed).toBeGreaterThan(90);
    expect(printed).toBeLessThan(flows.length * VERSIONS.length);
  });

  it('rejects the same malformed flows with the same message', async () => {
    const bad = [
      'foo=1,actions=drop',
      'ip',
      'ip,actions=frobnicate',
      'cookie=0x5/0xff,actions=drop',
      'actions=conjunction(1,1/2),output:1',
      'table=3,actions=goto_table:2',
      'arp,actions=ct(commit)',
      'tcp,tcp_flags=+bogus,actions=drop',
      'actions=resubmit(,)',
      'priority=70000,actions=drop',
      'tcp,tp_dst=abc,actions=drop',
      'reg0=xyz,actions=drop',
      'ip,nw_src=1.2.3,actions=drop',
      'dl_src=zz,actions=drop',
      'actions=note:zz',
      'ipv6,ipv6_src=zz,actions=drop',
      'tcp,tp_dst=70000,actions=drop',
      'reg0=0x1ffffffff,actions=drop',
      'reg0=1/0x1ffffffff,actions=drop',
      'reg0=0x1ffffffff/1,actions=drop',
      'ct_label=0x1ffffffffffffffffffffffffffffffff,actions=drop',
      'ct_label=0x1/0x1ffffffffffffffffffffffffffffffff,actions=drop',
      'actions=set_field:1->ct_mark',
      'actions=load:1->NXM_NX_CT_LABEL[0..15]',
      'actions=move:NXM_NX_REG0[]->NXM_NX_CT_MARK[]',
      'actions=write_actions(set_field:0x5->ct_label)',
      'tcp,actions=fin_timeout(idle_timeout=70000)',
      'tcp,actions=fin_timeout(foo=1)',
      'tcp,actions=fin_timeout:5',
      'tcp,tp_dst=08,actions=drop',
      'foo,actions=drop',
      'actions=meter:3',
      'reset_counts,actions=drop',
      'actions=goto_table:1,goto_table:2',
      'actions=output:1,drop',
      'rarp,actions=push_vlan:0x8100,load:722->NXM_OF_VLAN_TCI[0..11],pop_vlan',
      'ip,actions=set_field:1724->vlan_vid',
      'ct_state=+trk+trk,actions=drop',
      'ct_state=0x100,actions=drop',
      'ct_state=trk|foo,actions=drop',
      'tcp,tcp_flags=+syn+syn,actions=drop',
      'tcp,tcp_flags=0x1000,actions=drop',
      'tun_flags=0x2,actions=drop',
      'tun_flags=+oam+bar,actions=drop',
      'tun_flags=+oam-oam,actions=drop',
      'actions=move:NXM_NX_REG1[]->NXM_NX_REG0[0..15]',
      'actions=move:tun_flags[]->reg0[0..15]',
    ];
    const outputs = await mapLimited(bad, 4, (flow) => runAsync('ovs-ofctl', ['parse-flow', flow]));
    for (const [k, flow] of bad.entries()) {
      const theirs = outputs[k];
      expect(theirs.status).not.toBe(0);
      let message = '';
      try {
        parseFlowsOutput([flow]);
      } catch (e) {
        message = (e as Error).message;
      }
      const theirMessage = (theirs.stderr.split('\n').find((l) => l.startsWith('ovs-ofctl: ')) ?? '').replace(
        'ovs-ofctl: ',
        '',
      );
      expect({ flow, message }).toEqual({ flow, message: theirMessage });
      // Both refused with a message, not both silent.
      expect(message, flow).not.toBe('');
    }
  });
});

/**
 * Flows over the fields the main generator does not draw: the connection's original-direction
 * tuple (whose prerequisite is a ct_state that implies a valid connection, and whose addresses
 * must be of the flow's IP version), xxregN, tun_ipv6_*, tun_gbp_* and tun_flags, and
 * resubmit(...,ct).
 */
function ctTupleFlows(count: number, seed: number): string[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const hex = (bits: number) =>
    `0x${Array.from({ length: bits / 4 }, () => int(16).toString(16))
      .join('')
      .replace(/^0+(?=.)/, '')}`;
  const ip4 = () => `${int(256)}.${int(256)}.${int(256)}.${int(256)}`;
  const ip6 = () => pick(['::1', 'fe80::1', '2001:db8::5', '::']);
  const fields: (() => string)[] = [
    () => `ct_nw_src=${ip4()}${rnd() < 0.4 ? `/${pick([8, 16, 24, 31])}` : ''}`,
    () => `ct_nw_dst=${ip4()}`,
    () => `ct_ipv6_src=${ip6()}${rnd() < 0.4 ? '/64' : ''}`,
    () => `ct_ipv6_dst=${ip6()}`,
    () => `ct_nw_proto=${pick([0, 1, 6, 17, 58, 132])}`,
    () => `ct_tp_src=${int(65536)}`,
    () => `ct_tp_dst=${rnd() < 0.5 ? int(65536) : `${hex(16)}/${hex(16)}`}`,
    () => `tun_ipv6_src=${ip6()}`,
    () => `tun_ipv6_dst=${ip6()}${rnd() < 0.5 ? '/32' : ''}`,
    () => `tun_gbp_id=${rnd() < 0.5 ? int(65536) : `${hex(16)}/${hex(16)}`}`,
    () => `tun_gbp_flags=${rnd() < 0.5 ? int(256) : `${hex(8)}/${hex(8)}`}`,
    () => `tun_flags=${pick(['+oam', '-oam', 'oam', '0', '0x1/0x1', '0/0x1'])}`,
    () => `xxreg${int(4)}=${hex(128)}${rnd() < 0.5 ? `/${hex(128)}` : ''}`,
    () => `reg${int(16)}=${hex(32)}`,
  ];
  const actions: (() => string)[] = [
    () => 'drop',
    () => `resubmit(,${1 + int(9)},ct)`,
    () => `resubmit(${1 + int(9)},${int(2) ? int(10) : ''},ct)`,
    () => 'move:ct_nw_src[]->reg0[]',
    () => 'move:ct_tp_dst[]->reg1[0..15]',
    () => 'move:ct_ipv6_dst[0..31]->reg2[]',
    () => `load:${hex(16)}->xxreg${int(4)}[${int(64)}..${64 + int(64)}]`,
    () => `move:xxreg${int(4)}[0..63]->xreg${int(8)}[]`,
    () => `set_field:${hex(64)}->xxreg${int(4)}`,
    () => `set_field:${ip6()}->tun_ipv6_dst`,
    () => `set_field:${int(65536)}->tun_gbp_id`,
    () => 'move:tun_ipv6_src[0..31]->reg3[]',
    () => `load:${int(256)}->tun_gbp_flags[]`,
    () => `set_field:${pick(['oam', '0', '+oam'])}->tun_flags`,
    () => 'move:tun_flags[]->reg4[0]',
    () => `set_field:${ip4()}->ct_nw_src`,
  ];
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const parts: string[] = [];
    if (rnd() < 0.85)
      parts.push(
        `ct_state=${pick(['+trk', '-inv+trk', '+est', '+new+trk', '+rpl-inv+trk', '-trk', '+inv+trk', '+est-trk'])}`,
      );
    const l3 = pick(['', 'ip', 'ipv6', 'tcp', 'udp6']);
    if (l3) parts.push(l3);
    for (let k = 1 + int(3); k > 0; k--) parts.push(pick(fields)());
    const acts = Array.from({ length: 1 + int(2) }, () => pick(actions)());
    out.push(`${parts.join(',')},actions=${acts.join(',')}`);
  }
  return out;
}
