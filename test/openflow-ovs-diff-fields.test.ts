import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFlowMod, ofpPrint, Protocol, parseFlow } from '@softswitch/openflow';
import { afterAll, expect, it } from 'vitest';
import { addFlowsBothWays, groupByProtocol } from './support/ofctl-capture.js';
import { parseFlowBothWays } from './support/ofctl-diff.js';
import { describeNeeding } from './support/requirements.js';
import { seeded } from './support/seeded.js';

/**
 * Differential tests for the match fields OVS 3.1 has beyond the common set: ERSPAN and GTP-U
 * tunnel metadata (experimenter OXMs of Nicira's ID), actset_output (ONF's header before
 * OpenFlow 1.5), the ND reserved word and option type (Ericsson's OXM class) — with OVS's
 * quirks (a value kept as its own mask, ERSPAN fields printed only with their version) — and the
 * errors for masks on fields that take none and for ports out of range; NSH fields (Nicira's NSH
 * experimenter) and OpenFlow 1.5's packet_type, with the Ethernet type it implies.
 */
const VERSIONS = ['OpenFlow10', 'OpenFlow13', 'OpenFlow15'] as const;
const dir = mkdtempSync(join(tmpdir(), 'openflow-fields-'));

/** Seeded flows over the fields under test, mostly valid, some with values OVS keeps oddly. */
function fieldFlows(count: number, seed: number): string[] {
  const { int, pick, chance, hex } = seeded(seed);
  const masked = (n: number) => (chance(0.3) ? `${hex(n)}/${hex(n)}` : chance(0.5) ? hex(n) : String(int(n)));
  const pieces: (() => string)[] = [
    () => `tun_erspan_ver=${pick([1, 2, 1, 2, 0, 3, 17, int(256)])}${chance(0.2) ? `/${hex(16)}` : ''}`,
    () => `tun_erspan_idx=${masked(1 << 21)}`,
    () => `tun_erspan_dir=${masked(4)}`,
    () => `tun_erspan_hwid=${masked(128)}`,
    () => `tun_gtpu_flags=${masked(256)}`,
    () => `tun_gtpu_msgtype=${masked(256)}`,
    () => `actset_output=${pick(['1', '65279', 'LOCAL', 'CONTROLLER', 'IN_PORT', String(int(70000)), '4294967294'])}`,
    () => `tun_id=${hex(1 << 30)}`,
    () => `reg${int(16)}=${hex(1 << 30)}`,
    () => `in_port=${1 + int(100)}`,
  ];
  const nd = [
    () => `nd_reserved=${chance(0.1) ? `${int(1000)}/${pick(['0', '0xffffffff', '1'])}` : int(2 ** 32)}`,
    () => `nd_options_type=${chance(0.1) ? `${int(256)}/${pick(['0', '0xff', '3'])}` : int(256)}`,
    () => `nd_target=2001:db8::${(1 + int(65535)).toString(16)}`,
  ];
  const flows: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const isNd = chance(0.3);
    if (isNd) parts.push('icmp6', pick(['icmp_type=135', 'icmp_type=136', 'icmp_type=135,icmp_code=0', 'icmp_type=1']));
    const n = 1 + int(3);
    for (let k = 0; k < n; k++) parts.push(isNd && chance(0.6) ? pick(nd)() : pick(pieces)());
    const actions = pick([
      'drop',
      'output:1',
      'set_field:1->tun_erspan_ver',
      'set_field:0x12->tun_erspan_idx',
      'move:NXOXM_ET_ERSPAN_IDX[0..7]->NXM_NX_REG0[0..7]',
      'move:NXOXM_ET_GTPU_MSGTYPE[]->NXM_NX_REG1[0..7]',
      isNd ? 'set_field:7->nd_reserved' : 'resubmit(,2)',
    ]);
    flows.push(`${parts.join(',')},actions=${actions}`);
  }
  return flows;
}

/** Seeded flows over NSH fields and packet types (Ethernet-type namespace, others, Ethernet's). */
function nshFlows(count: number, seed: number): string[] {
  const { int, pick, chance, hex } = seeded(seed);
  const nsh: (() => string)[] = [
    () => `nsh_flags=${chance(0.4) ? `${int(256)}/${hex(256)}` : int(256)}`,
    () => `nsh_ttl=${int(64)}`,
    () => `nsh_mdtype=${pick([1, 1, 2, int(256)])}`,
    () => `nsh_np=${pick([1, 2, 3, int(256)])}`,
    () => `${pick(['nsh_spi', 'nsp'])}=${pick([hex(1 << 24), hex(2 ** 32), String(int(1000))])}`,
    () => `${pick(['nsh_si', 'nsi'])}=${int(256)}`,
    () => `nsh_c${1 + int(4)}=${chance(0.4) ? `${hex(2 ** 32)}/${hex(2 ** 32)}` : hex(2 ** 32)}`,
  ];
  const flows: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const head = pick([
      'dl_type=0x894f',
      'dl_type=0x894f',
      'dl_type=0x894f',
      'packet_type=(1,0x894f)',
      'packet_type=(1,0x894f)',
      'packet_type=(1,0x894f)',
      'packet_type=(1,0x800)',
      'packet_type=(1,0x86dd)',
      `packet_type=(${pick(['0', '1', '2', '0x10'])},${hex(1 << 16)})`,
      'packet_type=(0,0)',
      '',
    ]);
    if (head) parts.push(head);
    if (head === 'packet_type=(1,0x800)')
      parts.push(pick(['nw_src=10.0.0.1', 'ip', 'nw_proto=6', 'dl_src=00:11:22:33:44:55']));
    const n = 1 + int(3);
    for (let k = 0; k < n; k++) parts.push(pick(nsh)());
    const actions = pick([
      'drop',
      'dec_nsh_ttl,output:2',
      'set_field:5->nsh_spi',
      'set_field:0x3->nsh_c2',
      'set_field:1->nsh_si',
      'move:NXOXM_NSH_SPI[]->NXM_NX_REG0[0..23]',
      'decap()',
      'decap(),set_field:10.0.0.1->ip_src',
      'encap(ethernet),set_field:00:11:22:33:44:55->eth_src',
      'encap(nsh),set_field:5->nsh_spi,dec_nsh_ttl',
      'set_field:00:11:22:33:44:55->eth_dst',
    ]);
    flows.push(`${parts.join(',')},actions=${actions}`);
  }
  return flows;
}

describeNeeding(
  { binaries: ['ovs-ofctl'] },
  'ERSPAN, GTP-U, NSH, packet_type, actset_output and ND fields vs ovs-ofctl',
  () => {
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('seeded flows over the fields print or fail identically (parse-flow, three versions)', () => {
      const flows = fieldFlows(90, 31);
      let printed = 0;
      for (const version of VERSIONS) {
        for (const flow of flows) {
          const { ours, theirs, ovsOk } = parseFlowBothWays(version, flow);
          if (ovsOk && /tun_erspan|gtpu_|actset_output|nd_reserved|nd_options_type/.test(theirs.split('\n')[2] ?? ''))
            printed++;
          expect({ version, flow, out: ours }).toEqual({ version, flow, out: theirs });
        }
      }
      // Both sides of the quirks must be exercised: fields printed, and flows refused.
      expect(printed).toBeGreaterThan(60);
    });

    it('NSH fields and packet types print or fail identically (parse-flow, three versions)', () => {
      const flows = nshFlows(90, 5);
      let printed = 0;
      let refused = 0;
      for (const version of VERSIONS) {
        for (const flow of flows) {
          const { ours, theirs, ovsOk } = parseFlowBothWays(version, flow);
          if (!ovsOk || theirs.includes('decode error')) refused++;
          else if (/nsh_|packet_type/.test(theirs.split('\n')[2] ?? '')) printed++;
          expect({ version, flow, out: ours }).toEqual({ version, flow, out: theirs });
        }
      }
      expect(printed).toBeGreaterThan(80);
      expect(refused).toBeGreaterThan(10);
    });

    for (const version of VERSIONS) {
      it(`flow_mods equal ovs-ofctl add-flows' bytes with -O ${version}`, async () => {
        const { groups } = groupByProtocol(version, [...fieldFlows(120, 77), ...nshFlows(80, 13)]);
        const pairs = await addFlowsBothWays(version, groups, dir);
        for (const { flow, ours, theirs } of pairs) {
          expect({ flow, bytes: ours.toString('hex') }).toEqual({ flow, bytes: theirs.toString('hex') });
        }
        expect(pairs.length).toBeGreaterThan(60);
      });
    }

    it('an experimenter field under another experimenter ID is not that field (ofp-print as ovs-ofctl)', () => {
      // tun_erspan_ver=1 in an OpenFlow 1.3 flow_mod, then the same entry with ONF's experimenter ID.
      const good = Buffer.from(encodeFlowMod(parseFlow('tun_erspan_ver=1,actions=drop').fm, Protocol.OF13_OXM, 1));
      const at = good.indexOf(Buffer.from('00002320', 'hex'));
      expect(at).toBeGreaterThan(0);
      const bad = Buffer.from(good);
      bad.writeUInt32BE(0x4f4e4600, at);
      const printed: string[] = [];
      for (const msg of [good, bad]) {
        const theirs = spawnSync('ovs-ofctl', ['ofp-print', msg.toString('hex')], { encoding: 'utf8' }).stdout;
        expect(`${ofpPrint(msg)}\n`).toBe(theirs);
        printed.push(theirs);
      }
      expect(printed[0]).toContain('tun_erspan_ver=1');
      expect(printed[1]).toContain('OFPBMC_BAD_FIELD');
    });

    it('loads, moves and set_fields on read-only, experimenter and unmatchable fields print or fail as OVS', () => {
      const flows = [
        'actions=load:1->NXM_OF_ETH_TYPE[]',
        'actions=load:1->NXM_NX_CT_STATE[]',
        'actions=load:1->OXM_OF_ACTSET_OUTPUT[]',
        'actions=load:1->NXOXM_ET_GTPU_FLAGS[]',
        'actions=load:1->NXOXM_NSH_MDTYPE[]',
        'actions=load:0x12->NXOXM_ET_ERSPAN_IDX[4..11]',
        'dl_type=0x894f,actions=load:5->NXOXM_NSH_SPI[]',
        'actions=move:reg0[0..15]->NXM_OF_ETH_TYPE[]',
        'actions=move:reg0[0..7]->NXM_NX_CT_STATE[0..7]',
        'actions=move:reg0[0..15]->OXM_OF_ACTSET_OUTPUT[0..15]',
        'actions=move:OXM_OF_ACTSET_OUTPUT[0..15]->reg0[0..15]',
        'actions=move:ONFOXM_ET_ACTSET_OUTPUT[0..15]->reg0[0..15]',
        'actions=move:NXOXM_ET_ERSPAN_IDX[]->NXOXM_ET_ERSPAN_IDX[]',
        'dl_type=0x894f,actions=move:reg0[0..7]->NXOXM_NSH_MDTYPE[]',
        'dl_type=0x894f,actions=move:NXOXM_NSH_C1[]->NXOXM_NSH_C2[],set_field:0x5/0xff->nsh_c3',
        'actions=set_field:1->tun_ttl',
        'actions=set_field:1->skb_priority',
        'actions=set_field:0x1->packet_type',
        'tun_ttl=1,actions=drop',
        'tun_tos=1,actions=output:1',
        'skb_priority=1,actions=drop',
        'tun_ttl=1',
        'ipv6,nw_tos=4,actions=push_vlan:0x8100',
      ];
      for (const version of VERSIONS) {
        for (const flow of flows) {
          const { ours, theirs } = parseFlowBothWays(version, flow);
          expect({ version, flow, out: ours }).toEqual({ version, flow, out: theirs });
        }
      }
    });

    it('refuses masks on unmaskable fields and out-of-range ports with the same message', () => {
      const bad = [
        'packet_type=foo,actions=drop',
        'packet_type=(x,1),actions=drop',
        'packet_type=(1,x),actions=drop',
        'packet_type=(1,2,actions=drop',
        'packet_type=(1 2),actions=drop',
        'packet_type=(0x10000,1),actions=drop',
        'dl_type=0x894f,nsh_spi=5/0xff,actions=drop',
        'actions=set_field:1->nsh_mdtype',
        'ip,nw_proto=5/1,actions=drop',
        'in_port=1/1,actions=drop',
        'in_port=0xfff0,actions=drop',
        'in_port=70000,actions=drop',
        'actset_output=0xfff0,actions=drop',
        'actset_output=1/1,actions=drop',
        'icmp6,icmp_type=135,nd_reserved=5/1,actions=drop',
        'arp,arp_op=2/3,actions=drop',
        'ip,nw_frag=yes/1,actions=drop',
        'tun_erspan_ver=256,actions=drop',
        'tun_gtpu_flags=0x1ff,actions=drop',
        'actions=set_field:1->tun_gtpu_flags',
      ];
      const good = [
        'ip,nw_proto=5/0xff,actions=drop',
        'ip,nw_proto=5/0,actions=drop',
        'eth_type=0x800/0xffff,actions=drop',
        'in_port=4294967295,actions=drop',
        'in_port=4294967294,actions=drop',
        'packet_type=(-0,011),actions=drop',
        'packet_type=(0x 1 2,1),actions=drop',
      ];
      for (const flow of [...bad, ...good]) {
        const { ours, theirs, ovsOk } = parseFlowBothWays('OpenFlow13', flow);
        expect({ flow, ok: ovsOk }).toEqual({ flow, ok: good.includes(flow) });
        expect({ flow, out: ours }).toEqual({ flow, out: theirs });
      }
    });
  },
);
