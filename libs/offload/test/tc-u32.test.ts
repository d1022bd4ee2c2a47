import { composePacket, createFlowKey, extractFlow, FLOW_WORDS, flowField, maskField, W } from '@softswitch/packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchFrame, megaflowToU32, u32Args } from '../src/tc-u32.js';

/** A random packet as an ovs-ofctl flow string (composePacket builds it, IPv4 with a 20-byte header). */
const packetArb = fc
  .record({
    proto: fc.constantFrom('tcp', 'udp', 'icmp', 'tcp6', 'udp6', 'arp', 'other'),
    src: fc.integer({ min: 1, max: 3 }),
    dst: fc.integer({ min: 1, max: 3 }),
    tos: fc.constantFrom(0, 4, 32),
    ttl: fc.constantFrom(1, 64),
    tp: fc.constantFrom(22, 80, 443),
    flags: fc.constantFrom('+syn', '+ack', '+syn+ack', '+fin+ack'),
    frag: fc.constantFrom('no', 'no', 'first', 'later'),
    vlan: fc.option(fc.constantFrom(5, 10), { nil: undefined }),
  })
  .map((p) => {
    const mac = `dl_src=00:00:00:00:00:0${p.src},dl_dst=00:00:00:00:00:0${p.dst}`;
    const vlan = p.vlan === undefined ? '' : `dl_vlan=${p.vlan},`;
    const v4 = `nw_src=10.0.0.${p.src},nw_dst=10.0.0.${p.dst},nw_tos=${p.tos},nw_ttl=${p.ttl},nw_frag=${p.frag}`;
    const v6 = `ipv6_src=fd00::${p.src},ipv6_dst=fd00::${p.dst},nw_ttl=${p.ttl}`;
    switch (p.proto) {
      case 'tcp':
        return `tcp,${vlan}${mac},${v4},tp_src=${p.tp},tp_dst=${p.tp + 1},tcp_flags=${p.flags}`;
      case 'udp':
        return `udp,${vlan}${mac},${v4},tp_src=${p.tp},tp_dst=53`;
      case 'icmp':
        return `icmp,${vlan}${mac},${v4},icmp_type=8,icmp_code=0`;
      case 'tcp6':
        return `tcp6,${vlan}${mac},${v6},tp_src=${p.tp},tp_dst=80`;
      case 'udp6':
        return `udp6,${vlan}${mac},${v6},tp_src=${p.tp},tp_dst=53`;
      case 'arp':
        return `arp,${vlan}${mac},arp_spa=10.0.0.${p.src},arp_tpa=10.0.0.${p.dst},arp_op=1`;
      default:
        return `${vlan}${mac},dl_type=0x88b5`;
    }
  });

/** Fields a megaflow may match, with what they need matched too (as ofproto's masks always do). */
const FIELDS: Record<string, string[]> = {
  dl_dst: [],
  dl_src: [],
  dl_type: [],
  vlan_tci: [],
  nw_src: ['dl_type'],
  nw_dst: ['dl_type'],
  nw_proto: ['dl_type'],
  nw_tos: ['dl_type'],
  nw_ttl: ['dl_type'],
  nw_frag: ['dl_type'],
  ipv6_src: ['dl_type'],
  tp_src: ['dl_type', 'nw_proto'],
  tp_dst: ['dl_type', 'nw_proto'],
  tcp_flags: ['dl_type', 'nw_proto'],
};

const maskArb = fc.subarray(Object.keys(FIELDS), { minLength: 0, maxLength: 6 }).map((names) => {
  const mask = createFlowKey();
  mask[W.IN_PORT] = 0xffffffff;
  for (const n of names) for (const f of [n, ...FIELDS[n]]) maskField(mask, flowField(f)!);
  return mask;
});

function keyOf(frame: Uint8Array): Uint32Array {
  const key = createFlowKey();
  extractFlow(frame, 1, key);
  return key;
}

const covers = (fk: Uint32Array, mask: Uint32Array, key: Uint32Array) => {
  for (let i = 0; i < FLOW_WORDS; i++) if (((key[i] ^ fk[i]) & mask[i]) !== 0) return false;
  return true;
};

describe('megaflow → cls_u32', () => {
  it('property: the kernel match never takes a packet the megaflow does not cover, and takes every plain one it does', () => {
    fc.assert(
      fc.property(packetArb, packetArb, maskArb, (flowText, otherText, mask) => {
        const flowKey = keyOf(composePacket(flowText));
        for (let i = 0; i < FLOW_WORDS; i++) flowKey[i] &= mask[i];
        const r = megaflowToU32(flowKey, mask);
        if (!r.ok) return;
        for (const text of [flowText, otherText]) {
          const frame = composePacket(text);
          const key = keyOf(frame);
          const hw = matchFrame(r.match, frame);
          const sw = covers(flowKey, mask, key);
          if (hw) expect(sw).toBe(true); // sound: hardware never forwards a packet of another flow
          // Complete for untagged frames (a tag sends the packet to software by design) that are
          // not later fragments (whose key has no transport fields for u32 to find).
          const later = (key[W.NW] >>> 24) & 2;
          if (sw && key[W.VLAN0] === 0 && !later) expect(hw).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses what u32 cannot check exactly', () => {
    const key = keyOf(composePacket('tcp,dl_vlan=5,nw_src=10.0.0.1,tp_dst=80'));
    const mask = createFlowKey();
    maskField(mask, flowField('vlan_tci')!);
    expect(megaflowToU32(key, mask)).toMatchObject({ ok: false, detail: 'VLAN tag required' });
    const later = keyOf(composePacket('udp,nw_frag=later'));
    const fragMask = createFlowKey();
    maskField(fragMask, flowField('dl_type')!);
    maskField(fragMask, flowField('nw_frag')!);
    expect(megaflowToU32(later, fragMask)).toMatchObject({ ok: false, detail: 'later fragment' });
    const reg = createFlowKey();
    reg[W.REG0] = 7;
    const regMask = createFlowKey();
    regMask[W.REG0] = 0xffffffff;
    expect(megaflowToU32(reg, regMask).ok).toBe(false);
    // A register required to be zero is what every received packet has: fine.
    expect(megaflowToU32(createFlowKey(), regMask).ok).toBe(true);
  });

  it('writes tc arguments: aligned 32-bit keys from the Ethernet header on', () => {
    const key = keyOf(composePacket('tcp,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,tp_dst=80'));
    const mask = createFlowKey();
    for (const f of ['dl_dst', 'dl_type', 'nw_src', 'nw_proto', 'tp_dst']) maskField(mask, flowField(f)!);
    const r = megaflowToU32(key, mask);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(u32Args(r.match).join(' ')).toBe(
      [
        'match u32 0x0 0xffff at -16', // dl_dst bytes 0-1
        'match u32 0x2 0xffffffff at -12', // dl_dst bytes 2-5
        'match u32 0x800 0xffff at -4', // dl_type
        'match u32 0x45000000 0xff000000 at 0', // IPv4, 20-byte header (transport at +20)
        'match u32 0x0 0x1fff at 4', // fragment offset 0 (a transport header is there)
        'match u32 0x60000 0xff0000 at 8', // proto 6
        'match u32 0xa000001 0xffffffff at 12', // nw_src
        'match u32 0x50 0xffff at 20', // tp_dst
      ].join(' '),
    );
  });
});
