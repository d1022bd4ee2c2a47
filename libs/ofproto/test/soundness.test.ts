import { parseFlowString } from '@softswitch/packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDatapathActions } from '../src/index.js';
import { bridge } from './fixtures.js';

/**
 * Megaflow soundness over random pipelines: every key that agrees with a packet on the
 * megaflow mask translates to the same datapath actions.
 */
const MATCHES = [
  '',
  'ip',
  'tcp',
  'udp',
  'arp',
  'in_port=1',
  'in_port=2',
  'dl_vlan=10',
  'vlan_tci=0',
  'ip,nw_dst=10.0.0.0/8',
  'tcp,tp_dst=80',
  'ip,nw_src=10.1.0.0/16',
  'dl_dst=00:00:00:00:00:0b',
];
const ACTIONS = [
  'output:1',
  'output:2',
  'output:4',
  'NORMAL',
  'FLOOD',
  'IN_PORT',
  'LOCAL',
  'mod_dl_src:00:00:00:00:00:99',
  'mod_vlan_vid:10',
  'strip_vlan',
  'mod_vlan_pcp:3',
  'mod_nw_dst:1.2.3.4',
  'dec_ttl',
  'mod_nw_tos:8',
  'mod_tp_dst:99',
  'load:0x5->NXM_NX_REG0[]',
  'controller',
];
const L3 = new Set(['mod_nw_dst:1.2.3.4', 'dec_ttl', 'mod_nw_tos:8']);

const flowArb = (table: number) =>
  fc
    .record({
      priority: fc.integer({ min: 1, max: 500 }),
      match: fc.constantFrom(...MATCHES),
      actions: fc.array(fc.constantFrom(...ACTIONS), { maxLength: 3 }),
      next: fc.option(fc.integer({ min: table + 1, max: 3 }), { nil: undefined }),
    })
    .map(({ priority, match, actions, next }) => {
      const ip = /ip|tcp|udp|nw_/.test(match);
      const l4 = /tcp|udp/.test(match);
      const acts = actions.filter((a) => (!L3.has(a) || ip) && (a !== 'mod_tp_dst:99' || l4));
      if (next !== undefined && table < 3) acts.push(`resubmit(,${next})`);
      return `table=${table},priority=${priority}${match ? `,${match}` : ''},actions=${acts.length ? acts.join(',') : 'drop'}`;
    });

const packetArb = fc.record({
  inPort: fc.constantFrom(1, 2, 3, 4),
  vlan: fc.constantFrom('', 'dl_vlan=10,', 'dl_vlan=20,dl_vlan_pcp=5,'),
  proto: fc.constantFrom('tcp', 'udp', 'arp', 'ip'),
  dst: fc.constantFrom('10.1.2.3', '11.0.0.1', '10.200.0.9'),
  ttl: fc.constantFrom(0, 1, 64),
  port: fc.constantFrom(80, 81),
  dlDst: fc.constantFrom('00:00:00:00:00:0b', 'ff:ff:ff:ff:ff:ff'),
});

describe('megaflow soundness (property)', () => {
  it('keys inside the megaflow get the same actions', () => {
    fc.assert(
      fc.property(
        fc.array(flowArb(0), { minLength: 1, maxLength: 8 }),
        fc.array(flowArb(1), { maxLength: 4 }),
        fc.array(flowArb(2), { maxLength: 4 }),
        fc.array(packetArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 64, maxLength: 64 }),
        (t0, t1, t2, packets, noise) => {
          const br = bridge([...t0, ...t1, ...t2].join('\n'));
          for (const p of packets) {
            const l4 = p.proto === 'tcp' || p.proto === 'udp' ? `,${p.proto}_dst=${p.port}` : '';
            const l3 = p.proto === 'arp' ? '' : `,nw_dst=${p.dst},nw_ttl=${p.ttl}`;
            const key = parseFlowString(`in_port=${p.inPort},${p.vlan}dl_dst=${p.dlDst},${p.proto}${l3}${l4}`);
            const r = br.translate(key);
            const expected = formatDatapathActions(r.actions).replace(/recirc_id=\d+/g, '');
            const k2 = Uint32Array.from(key);
            for (let w = 0; w < 64; w++) k2[w] = ((key[w] & r.mask[w]) | (noise[w] & ~r.mask[w])) >>> 0;
            const got = formatDatapathActions(br.translate(k2).actions).replace(/recirc_id=\d+/g, '');
            expect(got).toBe(expected);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
