import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chooseProtocol,
  ofpPrint,
  parseFlow,
  parseFlowsOutput,
  parseVersions,
  protocolsForVersionBitmap,
} from '@softswitch/openflow';
import { afterAll, expect, it } from 'vitest';
import { addFlowsBothWays, splitMessages } from './support/ofctl-capture.js';
import { parseFlowBothWays } from './support/ofctl-diff.js';
import { describeNeeding } from './support/requirements.js';
import { seeded } from './support/seeded.js';

/**
 * Differential tests for the conntrack and extension actions (ct with exec/nat/alg/zone fields,
 * ct_clear, clone, sample, check_pkt_larger, push/pop, controller2, learn limit/result_dst,
 * dec_nsh_ttl, decap) against the real ovs-ofctl: `parse-flows` output for OpenFlow 1.0, 1.3
 * and 1.5, the flow_mod bytes `add-flows` sends, and error messages for malformed flows.
 */
const VERSIONS = ['OpenFlow10', 'OpenFlow13', 'OpenFlow15'] as const;
const FLOWS = 600;
const dir = mkdtempSync(join(tmpdir(), 'openflow-actions-'));

/** Seeded flows that use the actions under test, mostly valid for their match. */
function generateActionFlows(count: number, seed: number): string[] {
  const { int, pick, chance } = seeded(seed);
  const ip4 = () => `10.${int(256)}.${int(256)}.${1 + int(254)}`;
  const ip6 = () => pick(['fe80::1', '2001:db8::5', `2001:db8::${(1 + int(65535)).toString(16)}`, '::ffff:1.2.3.4']);
  const reg = () => `NXM_NX_REG${int(16)}`;
  const sub = () => pick([`${reg()}[]`, `${reg()}[${int(16)}..${16 + int(16)}]`, `${reg()}[${int(32)}]`, 'reg3']);
  const natRange = (v6: boolean) => {
    const port = () => 1 + int(65535);
    let r = '';
    if (v6) {
      const a = ip6();
      r = chance(0.3) ? `${a}-${a === 'fe80::1' ? 'fe80::9' : a}` : a;
      if (chance(0.5)) r = `[${r.replace('-', ']-[')}]:${port()}`;
    } else {
      r = chance(0.4) ? `10.0.0.${1 + int(100)}-10.0.0.${101 + int(100)}` : ip4();
      if (chance(0.5)) {
        const p = port();
        r += chance(0.5) ? `:${p}` : `:${p}-${Math.min(65535, p + int(1000))}`;
      }
    }
    return r;
  };
  const nat = (v6: boolean) => {
    if (chance(0.2)) return 'nat';
    const flags = [chance(0.3) ? 'persistent' : '', pick(['', '', 'hash', 'random'])].filter(Boolean);
    return `nat(${[`${pick(['src', 'dst'])}=${natRange(v6)}`, ...flags].join(',')})`;
  };
  const ctExec = () =>
    pick([
      `set_field:${int(1 << 16)}->ct_mark`,
      `set_field:0x${int(1 << 30).toString(16)}/0x${int(1 << 30).toString(16)}->ct_mark`,
      `set_field:0x${int(1 << 30).toString(16)}->ct_label`,
      `load:${int(256)}->NXM_NX_CT_MARK[${int(8)}..${8 + int(24)}]`,
      `load:0x${int(1 << 30).toString(16)}->NXM_NX_CT_LABEL[${int(64)}..${64 + int(64)}]`,
      `move:${reg()}[]->NXM_NX_CT_MARK[]`,
      `move:NXM_NX_REG${int(16)}[0..15]->NXM_NX_CT_LABEL[${int(16)}..${16 + 15}]`,
    ]);
  const ct = (proto: string) => {
    const v6 = proto.endsWith('6') || proto === 'ipv6';
    const parts: string[] = [];
    const commit = chance(0.6);
    if (commit) parts.push('commit');
    if (commit && chance(0.2)) parts.push('force');
    if (chance(0.4)) parts.push(`table=${int(255)}`);
    if (chance(0.3)) parts.push(`zone=${int(65536)}`);
    else if (chance(0.2)) parts.push(`zone=${reg()}[${pick([0, 16])}..${pick([15, 31]) === 15 ? 15 : 31}]`);
    if (commit && chance(0.5)) parts.push(nat(v6));
    else if (chance(0.2)) parts.push('nat');
    if (commit && chance(0.5)) {
      parts.push(`exec(${Array.from({ length: 1 + int(3) }, ctExec).join(',')})`);
    }
    if (proto.startsWith('tcp') && chance(0.3)) parts.push('alg=ftp');
    if (proto.startsWith('udp') && chance(0.3)) parts.push('alg=tftp');
    // Keyword order does not matter to the parser.
    if (chance(0.3)) parts.reverse();
    return `ct(${parts.join(',')})`;
  };
  const simple = () =>
    pick([
      `output:${1 + int(100)}`,
      `set_field:${int(1000)}->reg${int(16)}`,
      `load:${int(256)}->${reg()}[0..7]`,
      `resubmit(,${int(255)})`,
      'ct_clear',
      `push:${sub()}`,
      `pop:${sub()}`,
      'dec_ttl',
      'strip_vlan',
      `mod_vlan_vid:${int(4096)}`,
    ]);
  const controller = () => {
    const parts: string[] = [];
    if (chance(0.4)) parts.push(`reason=${pick(['no_match', 'action', 'invalid_ttl', 'group', 'packet_out'])}`);
    if (chance(0.4)) parts.push(`max_len=${int(65536)}`);
    if (chance(0.3)) parts.push(`id=${int(100)}`);
    if (chance(0.5)) {
      parts.push(
        `userdata=${Array.from({ length: 1 + int(12) }, () => int(256).toString(16).padStart(2, '0')).join(pick(['.', '']))}`,
      );
    }
    if (chance(0.4)) parts.push('pause');
    if (chance(0.3)) parts.push(`meter_id=${int(2 ** 32)}`);
    return `controller(${parts.join(',')})`;
  };
  const sample = () => {
    const parts = [`probability=${1 + int(65535)}`];
    if (chance(0.7)) parts.push(`collector_set_id=${int(2 ** 32)}`);
    if (chance(0.7)) parts.push(`obs_domain_id=${int(2 ** 32)}`);
    if (chance(0.7)) parts.push(`obs_point_id=${int(2 ** 32)}`);
    if (chance(0.4)) parts.push(`sampling_port=${pick([String(1 + int(1000)), 'LOCAL', 'IN_PORT'])}`);
    if (chance(0.4)) parts.push(pick(['ingress', 'egress']));
    return `sample(${parts.join(',')})`;
  };
  const learn = () => {
    const parts = [`table=${int(255)}`];
    if (chance(0.6)) parts.push(`limit=${int(2 ** 32)}`);
    if (chance(0.5)) parts.push(`result_dst=${reg()}[${int(32)}]`);
    if (chance(0.3)) parts.push('delete_learned');
    parts.push(
      pick([
        'NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[]',
        `load:0x${int(99).toString(16)}->NXM_NX_REG1[]`,
        'NXM_OF_VLAN_TCI[0..11]',
      ]),
    );
    return `learn(${parts.join(',')})`;
  };
  const protos = ['ip', 'tcp', 'udp', 'ipv6', 'tcp6', 'udp6', '', 'arp'];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const proto = pick(protos);
    const isIp = proto !== '' && proto !== 'arp';
    const acts: string[] = [];
    const n = 1 + int(3);
    for (let k = 0; k < n; k++) {
      const choices: (() => string)[] = [
        () => 'ct_clear',
        () => `clone(${Array.from({ length: int(3) }, simple).join(',')}${chance(0.2) ? `,clone(${simple()})` : ''})`,
        sample,
        () => `check_pkt_larger(${int(65536)})->${reg()}[${int(32)}]`,
        () => `push:${sub()}`,
        () => `pop:${sub()}`,
        controller,
        learn,
      ];
      if (isIp)
        choices.push(
          () => ct(proto),
          () => ct(proto),
          () => `clone(${ct(proto)},${simple()})`,
        );
      acts.push(pick(choices)());
    }
    out.push(
      `${proto ? `${proto},` : ''}priority=${int(65536)},actions=${acts.join(',').replace(/^clone\(,/, 'clone(')}`,
    );
  }
  // NSH decap and TTL, valid only for OpenFlow 1.3+ on NSH packets.
  for (let i = 0; i < count / 50; i++) {
    out.push(
      `dl_type=0x894f,actions=${pick(['dec_nsh_ttl', 'decap()', `decap(packet_type(ns=${int(2)},type=0x${int(65536).toString(16)}))`])}`,
    );
  }
  return out.map((f) => f.replace(/clone\(,/g, 'clone('));
}

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

const ovsError = (r: { stderr: string }) =>
  (r.stderr.split('\n').find((l) => l.startsWith('ovs-ofctl: ')) ?? '').replace('ovs-ofctl: ', '');

describeNeeding({ binaries: ['ovs-ofctl'] }, 'openflow extension actions vs ovs-ofctl', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [i, version] of VERSIONS.entries()) {
    it(`${FLOWS} generated flows with ct/clone/sample/... print identically with -O ${version}`, () => {
      const allowed = protocolsForVersionBitmap(parseVersions(version));
      const groups = new Map<number, string[]>();
      let total = 0;
      for (const flow of generateActionFlows(FLOWS, 7000 + i)) {
        const parsed = tryParse(flow);
        if (!parsed) continue;
        const p = chooseProtocol(parsed.usable & allowed);
        if (!p) continue;
        groups.set(p, [...(groups.get(p) ?? []), flow]);
        total++;
      }
      expect(total).toBeGreaterThan(FLOWS * 0.6);
      const diffs: string[] = [];
      let messages = 0;
      for (const [p, flows] of groups) {
        const file = join(dir, `${version}-${p}.flows`);
        writeFileSync(file, `${flows.join('\n')}\n`);
        const theirs = ovs(['-O', version, 'parse-flows', file]);
        expect(theirs.status).toBe(0);
        const a = splitMessages(parseFlowsOutput(flows, allowed));
        const b = splitMessages(theirs.stdout);
        expect(a.length).toBe(b.length);
        messages += a.length - 2;
        for (let k = 2; k < a.length; k++) {
          if (a[k] !== b[k]) diffs.push(`${flows[k - 2]}\n ours:   ${a[k]}\n theirs: ${b[k]}`);
        }
      }
      if (diffs.length)
        console.log(`${version}: ${diffs.length}/${messages} differ; first:\n${diffs.slice(0, 3).join('\n')}`);
      expect(messages).toBe(total);
      expect(diffs).toEqual([]);
    }, 60_000);

    it(`the generated flows' flow_mod bytes equal ovs-ofctl add-flows' with -O ${version}`, async () => {
      const allowed = protocolsForVersionBitmap(parseVersions(version));
      const groups = new Map<number, string[]>();
      for (const flow of generateActionFlows(FLOWS, 7000 + i)) {
        const parsed = tryParse(flow);
        const p = parsed && chooseProtocol(parsed.usable & allowed);
        if (p) groups.set(p, [...(groups.get(p) ?? []), flow]);
      }
      const pairs = await addFlowsBothWays(version, groups, dir);
      const diffs = pairs
        .filter((x) => !x.ours.equals(x.theirs))
        .map((x) => `${x.flow}\n ours:   ${x.ours.toString('hex')}\n theirs: ${x.theirs.toString('hex')}`);
      // A sample of the captured messages prints as ovs-ofctl ofp-print prints it.
      for (const { theirs: m } of pairs.filter((_, k) => k % 25 === 0)) {
        const theirs = ovs(['ofp-print', m.toString('hex')]).stdout;
        const ours = `${ofpPrint(m)}\n`;
        if (ours !== theirs) diffs.push(`print ${m.toString('hex')}\n ours:   ${ours} theirs: ${theirs}`);
      }
      if (diffs.length) console.log(`${version}: ${diffs.length} differ; first:\n${diffs.slice(0, 3).join('\n')}`);
      expect(pairs.length).toBeGreaterThan(FLOWS * 0.6);
      expect(diffs).toEqual([]);
    }, 60_000);
  }

  it('prints hand-written edge cases identically, decode errors included', () => {
    const edge = [
      'tcp,actions=ct(commit,force,zone=NXM_NX_REG0[0..15],table=3,exec(set_field:1->ct_mark,load:0x5->NXM_NX_CT_LABEL[0..31]),nat(src=10.0.0.1-10.0.0.9:100-200,persistent,random),alg=ftp)',
      'ip,actions=ct(nat),ct(nat(dst=10.1.1.1:80)),ct_clear',
      'ipv6,actions=ct(nat(dst=[fe80::1]:80))',
      'ipv6,actions=ct(commit,nat(src=[fe80::1]-[fe80::5]:10-20,hash))',
      'ipv6,actions=ct(commit,nat(src=fe80::1-fe80::5:10,hash))',
      'udp,actions=ct(alg=tftp,zone=5)',
      'ip,actions=ct(zone=reg0)',
      'ip,actions=ct(zone=NXM_NX_REG0[0..7])',
      'ip,actions=ct(nat(src))',
      'ip,actions=ct(commit,nat(src))',
      'ip,actions=ct(commit,nat(src=0.0.0.0))',
      'ip,actions=ct(commit,nat(src,persistent))',
      'ip,actions=ct(exec(set_field:1->ct_mark))',
      'ip,actions=ct(commit,exec(set_field:0x1/0x1->ct_label))',
      'ip,actions=ct(commit,exec(move:NXM_NX_REG0[]->NXM_NX_CT_MARK[]))',
      'ip,actions=ct(commit,nat,exec(set_field:1->ct_mark))',
      'ip,actions=ct(commit,exec(set_field:1->ct_mark),nat)',
      'ip,actions=ct(commit,commit,zone=0x10,table=010)',
      'ip,ct_state=+inv+trk,actions=ct(commit)',
      'ip,ct_state=+inv+trk,actions=ct(table=1)',
      'arp,actions=ct_clear,ct_clear',
      'tcp,actions=write_actions(ct(commit),ct_clear,resubmit(,1))',
      'tcp,actions=write_actions(clone(output:1))',
      'tcp,actions=write_actions(output(port=1,max_len=100))',
      'ip,actions=clone(),clone(drop),clone(ct(commit),output:2)',
      'ip,actions=clone(output:1,clone(set_field:1->reg0)),sample(probability=10,collector_set_id=1,obs_domain_id=2,obs_point_id=3,sampling_port=4,ingress)',
      'actions=sample(probability=1,sampling_port=LOCAL,egress)',
      'actions=sample(probability=65535,collector_set_id=4294967295,obs_domain_id=0x10,obs_point_id=010)',
      'actions=sample(probability=1,egress,ingress)',
      'actions=sample(probability=3,collector_set_id=5000000000)',
      'actions=check_pkt_larger(100)->NXM_NX_REG0[0],push:NXM_NX_REG1[0..7],pop:reg2',
      'actions=check_pkt_larger(0)->NXM_OF_IN_PORT[3]',
      'ip,actions=push:NXM_OF_IP_SRC[],pop:NXM_NX_CT_MARK[]',
      'actions=push:NXM_OF_IP_SRC[]',
      'actions=controller(userdata=01.02.03,pause,meter_id=3,reason=no_match)',
      'actions=controller(userdata=0102),controller(userdata=),controller(pause)',
      'actions=controller(meter_id=0xffffffff),controller(meter_id=5000000000),controller(meter_id=0)',
      'actions=controller(max_len=10,id=3,reason=action,pause),controller(reason=packet_out)',
      'actions=learn(limit=10,result_dst=reg0[1],table=2,eth_dst=eth_src)',
      'actions=learn(limit=0),learn(limit=4294967295,table=5),learn(limit=4294967296),learn(limit=abc),learn(limit=-1)',
      'actions=learn(result_dst=NXM_OF_IN_PORT[0])',
      'actions=learn(result_dst=reg5[31],limit=3,delete_learned,send_flow_rem)',
      'actions=dec_nsh_ttl',
      'dl_type=0x894f,actions=dec_nsh_ttl,decap(),decap(packet_type(ns=1,type=0x800))',
      'actions=decap()',
    ];
    const diffs: string[] = [];
    for (const version of VERSIONS) {
      for (const flow of edge) {
        const { ours, theirs } = parseFlowBothWays(version, flow);
        if (ours !== theirs) diffs.push(`${version} ${flow}\n ours:   ${ours}\n theirs: ${theirs}`);
      }
    }
    expect(diffs).toEqual([]);
  });

  it('rejects the same malformed flows with the same message', () => {
    const bad = [
      'ip,actions=ct(zone=70000)',
      'ip,actions=ct(table=255)',
      'ip,actions=ct(table=foo)',
      'ip,actions=ct(force)',
      'ip,actions=ct(alg=http)',
      'ip,actions=ct(alg=80)',
      'ip,actions=ct(alg=ftp)',
      'udp,actions=ct(alg=ftp)',
      'tcp,actions=ct(alg=tftp)',
      'arp,actions=ct(commit)',
      'ip,actions=ct(nat(dst=[fe80::1]:80))',
      'ipv6,actions=ct(commit,nat(src=10.0.0.1))',
      'ip,actions=ct(nat(src=10.0.0.5-10.0.0.1))',
      'ip,actions=ct(nat(src=10.0.0.5x))',
      'ip,actions=ct(nat(src=10.0.0.1:80-70))',
      'ip,actions=ct(nat(persistent))',
      'ip,actions=ct(nat(src=10.0.0.1,dst=10.0.0.2))',
      'ip,actions=ct(nat(src=10.0.0.1,hash,random))',
      'ip,actions=ct(nat(foo))',
      'ip,actions=ct(commit,exec(output:1))',
      'ip,actions=ct(commit,exec(set_field:1->reg0))',
      'ip,actions=ct(commit,exec(ct_clear))',
      'ip,actions=ct(bogus)',
      'ip,actions=nat',
      'ip,actions=clone(nat)',
      'ip,actions=clone(goto_table:1)',
      'ip,actions=clone(meter:1)',
      'ip,actions=clone(write_actions(output:1))',
      'ip,actions=clone(set_field:1->ct_mark)',
      'ip,actions=clone(output:1,drop)',
      'actions=sample(probability=0)',
      'actions=sample(collector_set_id=1)',
      'actions=sample(probability=70000)',
      'actions=sample(probability=1,foo=2)',
      'actions=sample(probability=1,sampling_port=0xfffe)',
      'actions=sample(probability=1,obs_point_id=x)',
      'actions=output(port=NORMAL,max_len=100)',
      'actions=output(port=CONTROLLER,max_len=100)',
      'actions=output(port=IN_PORT,max_len=13)',
      'actions=output(port=2,frob=14)',
      'actions=output(max_len=20)',
      'actions=output(port=2,max_len=20,x=1)',
      'actions=check_pkt_larger(100)->NXM_NX_REG0[0..1]',
      'actions=check_pkt_larger(100)',
      'actions=check_pkt_larger(abc)->reg0[0]',
      'actions=check_pkt_larger(70000)->reg0[0]',
      'actions=push:NXM_NX_REG0[0..100]',
      'actions=push:reg0[40..50]',
      'actions=push:reg0[5..3]',
      'actions=push:reg0[x]',
      'actions=push:foo',
      'actions=push:reg0[]x',
      'actions=controller(userdata=zz)',
      'actions=controller(userdata=123)',
      'actions=controller(reason=foo)',
      'actions=controller(frob=1)',
      'actions=controller(max_len=70000)',
      'actions=controller(meter_id=)',
      'actions=learn(result_dst=reg0[1..2])',
      'actions=learn(result_dst=reg0[5],write_result)',
      'actions=learn(write_result)',
      'actions=decap(foo)',
      'actions=decap(packet_type(ns=5,type=1))',
      'actions=decap(packet_type(type=1))',
    ];
    const diffs: string[] = [];
    for (const flow of bad) {
      const theirs = ovs(['-O', 'OpenFlow13', 'parse-flow', flow]);
      expect({ flow, status: theirs.status }).not.toEqual({ flow, status: 0 });
      let message = '';
      try {
        parseFlowsOutput([flow], protocolsForVersionBitmap(parseVersions('OpenFlow13')));
      } catch (e) {
        message = (e as Error).message;
      }
      if (message !== ovsError(theirs)) diffs.push(`${flow}\n ours:   ${message}\n theirs: ${ovsError(theirs)}`);
    }
    expect(diffs).toEqual([]);
  });
});
