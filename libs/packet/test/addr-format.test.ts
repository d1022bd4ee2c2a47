import {
  buildGeneve,
  buildVxlan,
  composePacket,
  createFlowKey,
  extractFlow,
  FlowStringError,
  formatFlow,
  formatIpv6,
  parseFlowString,
  parseGeneve,
  parseIpv6,
  parseVxlan,
} from '@softswitch/packet';
import { describe, expect, it } from 'vitest';

describe('IPv6 text', () => {
  it('formats as inet_ntop does', () => {
    const cases: Array<[string, string]> = [
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
      ['1:0:1:0:1:0:1:0', '1:0:1:0:1:0:1:0'],
      ['fe80:0:0:0:0:0:0:0', 'fe80::'],
      ['0:0:0:0:0:ffff:102:304', '::ffff:1.2.3.4'],
      ['0:0:0:0:0:0:102:304', '::1.2.3.4'],
      ['ff02:0:0:0:0:1:ff00:2', 'ff02::1:ff00:2'],
    ];
    for (const [full, short] of cases) {
      const w = parseIpv6(full)!;
      expect(formatIpv6(w), full).toBe(short);
      expect(Array.from(parseIpv6(short)!), short).toEqual(Array.from(w));
    }
  });

  it('rejects malformed addresses', () => {
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', 'g::', '1:2:3:4:5:6:7', '::1.2.3']) {
      expect(parseIpv6(bad), bad).toBeUndefined();
    }
  });
});

describe('flow strings and compose', () => {
  it('round-trips a flow through compose and extraction', () => {
    const flows = [
      'tcp,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=1.2.3.4,nw_dst=5.6.7.8,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=1,tp_dst=2,tcp_flags=ack',
      'arp,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,arp_spa=1.2.3.4,arp_tpa=5.6.7.8,arp_op=2,arp_sha=00:00:00:00:00:01,arp_tha=00:00:00:00:00:02',
      'udp6,in_port=1,dl_vlan=5,dl_vlan_pcp=2,vlan_tci1=0x0000,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,ipv6_src=::1,ipv6_dst=::2,ipv6_label=0x00001,nw_tos=4,nw_ecn=2,nw_ttl=3,nw_frag=no,tp_src=9,tp_dst=10',
    ];
    const key = createFlowKey();
    for (const flow of flows) {
      extractFlow(composePacket(flow), 1, key);
      expect(formatFlow(key)).toBe(flow);
    }
  });

  it('reports unknown fields and bad values precisely', () => {
    expect(() => parseFlowString('tcp,bogus=1')).toThrow(FlowStringError);
    expect(() => parseFlowString('tcp,bogus=1')).toThrow('"bogus": unknown or unsupported field');
    expect(() => parseFlowString('nw_src=1.2.3')).toThrow('nw_src=1.2.3: not an IPv4 address');
    expect(() => parseFlowString('tp_src=70000')).toThrow('tp_src=70000: not a number in 0..65535');
    expect(() => parseFlowString('tcp_flags=syn|bad')).toThrow('unknown flag "bad"');
  });

  it('composes 802.3 frames with a length field', () => {
    const p = composePacket('dl_type=0x05ff');
    expect(p.length).toBe(14);
    expect((p[12] << 8) | p[13]).toBe(14);
  });
});

describe('tunnel headers', () => {
  it('parses what it builds', () => {
    const vx = parseVxlan(buildVxlan(0xabcdef), 0)!;
    expect([vx.vni, vx.innerOffset]).toEqual([0xabcdef, 8]);
    const g = parseGeneve(buildGeneve(42, [{ optClass: 0x0102, type: 0x80, data: Uint8Array.of(0, 0, 0, 1) }]), 0)!;
    expect([g.vni, g.protocol, g.innerOffset, g.options.length]).toEqual([42, 0x6558, 16, 1]);
    expect(Array.from(g.options[0].data)).toEqual([0, 0, 0, 1]);
  });

  it('returns undefined for truncated or invalid headers', () => {
    expect(parseVxlan(new Uint8Array(7), 0)).toBeUndefined();
    expect(parseVxlan(new Uint8Array(8), 0)).toBeUndefined(); // I flag clear
    const g = buildGeneve(1, [{ optClass: 1, type: 1, data: new Uint8Array(8) }]);
    expect(parseGeneve(g.subarray(0, g.length - 1), 0)).toBeUndefined();
    const lying = g.slice();
    lying[8 + 3] = 31; // option longer than the options area
    expect(parseGeneve(lying, 0)).toBeUndefined();
  });
});
