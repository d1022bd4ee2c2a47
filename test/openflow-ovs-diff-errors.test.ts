import { generateFlows, parseFlowsOutput, parseVersions, protocolsForVersionBitmap } from '@softswitch/openflow';
import { expect, it } from 'vitest';
import { parseFlowBothWays } from './support/ofctl-diff.js';
import { describeNeeding } from './support/requirements.js';
import { seeded } from './support/seeded.js';

/**
 * Malformed flows get ovs-ofctl's own message: numbers ("invalid numeric format X" naming the part
 * that failed), unknown actions (named by their key), tables, subfields (the text OVS was parsing
 * and the name up to `[` or `-`), masked values (the whole VALUE/MASK), load values (a number at
 * the start, "cannot parse integer value"). Then the same over flows mutated at random (one
 * character deleted, inserted or replaced): what ovs-ofctl prints or the error it gives. What
 * still differs there is mostly C's sscanf/strtoull leniency in OVS ("87b" read as 0x7b) and
 * learn's own messages.
 */
describeNeeding({ binaries: ['ovs-ofctl'] }, 'parse-flow errors vs ovs-ofctl', () => {
  it('gives the same message for malformed numbers, names, tables, subfields and masks', () => {
    const flows = [
      'cookie=0x86c20b9afd99a8545,actions=drop',
      'cookie=x6a9f206b70c3484a,actions=drop',
      'cookie=0x1/0xz,actions=drop',
      'cookie=0xz/0x1,actions=drop',
      'actions=set_tunnel:0xe_1b38a',
      'actions=set_tunnel64:[0xccaa8e8',
      'actions=write_metadata:0x8fdeca2d1c43d4d4/0x',
      'actions=write_metadata:0x12/0x3b1cbd5e8ca1b5.bb',
      'actions=group:y8',
      'actions=]rite_actions(output:1)',
      'actions=mod_nw_sr-c:1.2.3.4',
      'actions=enq[eue:6:6',
      'table=283,actions=drop',
      'table=1/4,actions=drop',
      'actions=goto_table:470',
      'actions=resubmit(,1683)',
      'actions=move:NXM_NX_REG182[0..7]->NXM_NX_REG2[8..15]',
      'actions=move:NXM_OF_IP_SR([]->NXM_OF_IP_DST[]',
      'actions=move:tun_metadat57[]->tun_metadata3[]',
      'actions=move:NXM_NX_RE-3[]->NXM_NX_REG1[]',
      'actions=move:NXM_NX_REG1[]->NXM_NX_REG:3[]',
      'actions=move:NXM_NX_REG1[]->NXM_NX_REG1-[]',
      'actions=move:NXM_NX_REG1[]x->NXM_NX_REG2[]',
      'actions=move:NXM_NX_REG1[]',
      'actions=move:NXM_NX_REG1[4..2]->NXM_NX_REG2[0..2]',
      'actions=load:12b9->NXM_NX_REG13[0..11]',
      'actions=load:0x5366adfe.->NXM_NX_REG12[]',
      'actions=load:]0->NXM_NX_REG12[4..9]',
      'actions=load:0x1ffff->NXM_NX_REG12[4..9]',
      'tun_id=0xa492a2bab107b809/_x615baf77,actions=drop',
      'ipv6,ipv6_src=:ffff:1.2.3.4/ffff:ffff::,actions=drop',
      'ipv6,ipv6_dst=2001:db8::c37da/61,actions=drop',
      'dl_dst=36:00:9f:17:07:d3/01:00:00:=00:00:00,actions=drop',
      'vlan_vid=ax1122/0x1fff,actions=drop',
      'vlan_vid=0x14b7/0x1ff.f,actions=drop',
      'actions=mod_dl_dst:zz:11',
      'actions=resubmit:3b4',
      'actions=resubmit(3b4,2)',
      'actions=write_metadata:0xd71749c3b1588df66',
      'actions=bundle_load(symmetric_l3l4,14880,hrw,ofport,NXM_NX_REG7[],mmbers:17,44,38)',
      'actions=bundle(symmetric_l4,1,hrw,ofport,memzbers:87,33)',
      'actions=multipath(symmetri _l3l4,13536,modulo_n,16,1,NXM_NX_REG2[1..22])',
      // Words where OVS's key/value scanner ends them (parentheses, text after a `)`).
      'actions=decap()x',
      'actions=ct(commit,zone=40)-set_field:19.42.241.110->ip_src',
      'actions=go(o_table:225',
      'ip,actions=ct(commit',
      'actions=strip_vla)n,set_field:1->reg0',
      'actions=conjunction(844,2/2)mod_tp_dst:12765',
    ];
    for (const version of ['OpenFlow10', 'OpenFlow13']) {
      for (const flow of flows) {
        const { ours, theirs } = parseFlowBothWays(version, flow);
        expect({ version, flow, out: ours }).toEqual({ version, flow, out: theirs });
      }
    }
  });

  it('matches on part of a field (FIELD[A..B]=VALUE) as ovs-ofctl, in three versions', () => {
    const flows = [
      'reg0[0..7]=5,actions=drop',
      'NXM_NX_REG0[8..15]=0x12,actions=drop',
      'reg0[3]=1,reg0[4]=1,reg0=0x100/0xf00,actions=drop',
      'reg0[]=5,actions=drop',
      'tun_id[0..15]=7,actions=drop',
      'xreg1[0..63]=5,actions=drop',
      'eth_dst[40]=1,actions=drop',
      'ip,nw_src[24..31]=10,actions=drop',
      'ip,nw_src[0..7]=10,actions=drop',
      'tcp,tcp_dst[0..3]=20,actions=drop',
      'vlan_tci[0..11]=5,actions=drop',
      'in_port[0..3]=3,actions=drop',
      'in_port[0..15]=3,actions=drop',
      'dl_type[0..15]=0x800,actions=drop',
      'reg0[0..7]=300,actions=drop',
      'reg0[0..7]=x,actions=drop',
      'reg0[0..7]=,actions=drop',
      'reg0[0..7],actions=drop',
      'reg0[0..7]=0x 5,actions=drop',
      'tp_sr[c,actions=drop',
      'reg0[40]=1,actions=drop',
    ];
    for (const version of ['OpenFlow10', 'OpenFlow13', 'OpenFlow15']) {
      for (const flow of flows) {
        const { ours, theirs } = parseFlowBothWays(version, flow);
        expect({ version, flow, out: ours }).toEqual({ version, flow, out: theirs });
      }
    }
  });

  it('mutated flows print or fail as ovs-ofctl in at least 377 of 400 (a ratchet: what agrees now)', () => {
    const { int, pick } = seeded(7);
    const chars = '(),=:/.->[]0123456789abcxyz_ ';
    const allowed = protocolsForVersionBitmap(parseVersions('OpenFlow13'));
    let same = 0;
    let refused = 0;
    const flows = generateFlows(400, 4242);
    for (const flow of flows) {
      const at = int(flow.length);
      const kind = int(3);
      const c = pick([...chars]);
      const s =
        kind === 0
          ? flow.slice(0, at) + flow.slice(at + 1)
          : kind === 1
            ? flow.slice(0, at) + c + flow.slice(at)
            : flow.slice(0, at) + c + flow.slice(at + 1);
      const { theirs, ovsOk } = parseFlowBothWays('OpenFlow13', s);
      let ours: string;
      try {
        ours = parseFlowsOutput([s], allowed).trim();
      } catch (e) {
        ours = `error: ${(e as Error).message}`.trim();
      }
      if (!ovsOk) refused++;
      if (ours === theirs) same++;
    }
    // Both kinds are there: many mutations still parse, many do not.
    expect(refused).toBeGreaterThan(100);
    expect(same).toBeGreaterThanOrEqual(377);
  });
});
