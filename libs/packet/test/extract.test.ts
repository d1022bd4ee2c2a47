import {
  applyMask,
  composePacket,
  createFlowKey,
  extractFlow,
  FLOW_FIELDS,
  FLOW_WORDS,
  flowField,
  formatFlow,
  getField,
  HeaderOffsets,
  keysEqual,
  keysEqualMasked,
  maskField,
  parseFlowString,
  presentWords,
  samplePackets,
  setVlanLimit,
  W,
} from '@softswitch/packet';
import { afterEach, describe, expect, it } from 'vitest';

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g) ?? [], (b) => Number.parseInt(b, 16));
const MACS = 'dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02';
const V4 = `${MACS},nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64`;

function flowOf(p: Uint8Array): string {
  const key = createFlowKey();
  extractFlow(p, 1, key);
  return formatFlow(key);
}

function sample(name: string): Uint8Array {
  const s = samplePackets().find((x) => x.name === name);
  if (!s) throw new Error(`no sample ${name}`);
  return s.data;
}

describe('extractFlow', () => {
  afterEach(() => setVlanLimit(1));

  it('parses Ethernet/IPv4/TCP into the documented words', () => {
    const p = composePacket(`tcp,${V4},nw_tos=0x20,nw_ecn=1,tp_src=1234,tp_dst=80,tcp_flags=syn|ack`);
    const key = createFlowKey();
    const off = extractFlow(p, 7, key);
    expect(key[W.IN_PORT]).toBe(7);
    expect(key[W.DL_SRC]).toBe(0x5054);
    expect(key[W.DL_SRC + 1]).toBe(0x00000001);
    expect(key[W.DL_TYPE]).toBe(0x0800);
    expect(key[W.NW_SRC]).toBe(0x0a000001);
    expect(key[W.NW]).toBe((0 << 24) | (0x21 << 16) | (64 << 8) | 6);
    expect(key[W.TP]).toBe(((1234 << 16) | 80) >>> 0);
    expect(key[W.TCP_FLAGS]).toBe(0x12);
    expect([off.l3, off.l4, off.end, off.l2Pad]).toEqual([14, 34, p.length, 0]);
    expect(formatFlow(key)).toBe(
      'tcp,in_port=7,vlan_tci=0x0000,dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02,nw_src=10.0.0.1,' +
        'nw_dst=10.0.0.2,nw_tos=32,nw_ecn=1,nw_ttl=64,nw_frag=no,tp_src=1234,tp_dst=80,tcp_flags=syn|ack',
    );
  });

  it('rewrites every word, so a reused key carries nothing over', () => {
    const key = createFlowKey().fill(0xffffffff);
    extractFlow(hex('5054000000025054000000011234'), 3, key);
    const nonzero = Array.from(key)
      .map((v, i) => [i, v])
      .filter(([, v]) => v !== 0)
      .map(([i]) => i);
    expect(nonzero.sort((a, b) => a - b)).toEqual([
      W.IN_PORT,
      W.DL_DST,
      W.DL_DST + 1,
      W.DL_SRC,
      W.DL_SRC + 1,
      W.DL_TYPE,
    ]);
  });

  it('leaves frames shorter than Ethernet with in_port only', () => {
    const key = createFlowKey();
    for (let n = 0; n < 14; n++) {
      extractFlow(new Uint8Array(n).fill(0xff), 1, key);
      expect(Array.from(key).filter((v) => v !== 0)).toEqual([1]);
    }
  });

  it('IPv4 IHL < 5 or total length below the header: stops after L2 (nw fields zero)', () => {
    for (const name of ['ipv4 ihl=0', 'ipv4 ihl=4', 'ipv4 tot_len=0', 'ipv4 tot_len=19', 'ipv4 tot_len beyond frame']) {
      const key = createFlowKey();
      const off = extractFlow(sample(name), 1, key);
      expect(key[W.NW_SRC], name).toBe(0);
      expect(key[W.NW], name).toBe(0);
      expect(key[W.TP], name).toBe(0);
      expect(off.l4, name).toBe(-1);
      expect(flowOf(sample(name)), name).toMatch(/^ip,.*nw_src=0\.0\.0\.0,nw_dst=0\.0\.0\.0,nw_proto=0,.*nw_frag=no$/);
    }
  });

  it('IPv4 total length 20 with a TCP protocol: L3 parsed, ports zero', () => {
    expect(flowOf(sample('ipv4 tot_len=20'))).toMatch(/^tcp,.*nw_src=10\.0\.0\.1,.*tp_src=0,tp_dst=0,tcp_flags=0$/);
  });

  it('Ethernet padding past the IP total length does not change the flow', () => {
    const tcp = composePacket(`tcp,${V4},tp_src=1,tp_dst=2,tcp_flags=ack`);
    expect(flowOf(sample('ipv4 tcp padded'))).toBe(flowOf(tcp));
    const key = createFlowKey();
    const off = extractFlow(sample('ipv4 tcp padded'), 1, key);
    expect(off.l2Pad).toBe(30);
    expect(off.end).toBe(tcp.length);
  });

  it('IPv4 options are skipped to find L4', () => {
    expect(flowOf(sample('ipv4 10 option words'))).toMatch(/tp_src=1,tp_dst=2,tcp_flags=ack$/);
  });

  it('IPv4 fragments: first keeps ports, later has none', () => {
    expect(flowOf(composePacket(`tcp,${V4},nw_frag=first,tp_src=5,tp_dst=6`))).toMatch(
      /nw_frag=first,tp_src=5,tp_dst=6/,
    );
    expect(flowOf(composePacket(`tcp,${V4},nw_frag=later`))).toMatch(/nw_frag=later$/);
  });

  it('IP protocol 0 in IPv4 is just a protocol (no extension-header parsing)', () => {
    expect(flowOf(sample('ipv4 proto 0 with payload'))).toMatch(/^ip,.*nw_proto=0,.*nw_frag=no$/);
  });

  it('IPv6 extension headers are walked; a truncated chain keeps only the addresses', () => {
    expect(flowOf(sample('ipv6 hbh+routing+dstopts'))).toMatch(/^udp6,.*tp_src=1,tp_dst=2$/);
    expect(flowOf(sample('ipv6 ah'))).toMatch(/^tcp6,.*tp_src=1,tp_dst=2/);
    expect(flowOf(sample('ipv6 fragment first'))).toMatch(/nw_frag=first,tp_src=1,tp_dst=2$/);
    expect(flowOf(sample('ipv6 fragment later'))).toMatch(/^ipv6,.*nw_proto=44,.*nw_frag=later$/);
    const key = createFlowKey();
    const off = extractFlow(sample('ipv6 ext chain truncated to 12'), 1, key);
    expect(key[W.IPV6_SRC]).toBe(0x20010db8);
    expect([key[W.IPV6_LABEL], key[W.NW], off.l4]).toEqual([0, 0, -1]);
  });

  it('MPLS stacks without bottom of stack keep the first three entries', () => {
    for (const n of [4, 5, 8, 16]) {
      const key = createFlowKey();
      const off = extractFlow(sample(`mpls ${n} labels no bos`), 1, key);
      expect([key[W.MPLS0] >>> 12, key[W.MPLS0 + 1] >>> 12, key[W.MPLS0 + 2] >>> 12]).toEqual([16, 17, 18]);
      expect(key[W.NW_SRC]).toBe(0);
      expect(off.l2_5).toBe(14);
    }
  });

  it('ND options: length 0 or overrun stops parsing; a repeated option clears target and addresses', () => {
    expect(flowOf(sample('nd option length 0'))).toMatch(/nd_target=fe80::1,nd_sll=00:00:00:00:00:00,/);
    expect(flowOf(sample('nd option overrun after good'))).toMatch(/nd_target=fe80::1,nd_sll=01:02:03:04:05:06,/);
    expect(flowOf(sample('nd duplicate sll'))).toMatch(
      /nd_target=::,nd_sll=00:00:00:00:00:00,nd_tll=00:00:00:00:00:00$/,
    );
    expect(flowOf(sample('nd sll then tll'))).toMatch(/nd_sll=01:02:03:04:05:06,nd_tll=aa:bb:cc:dd:ee:ff$/);
    expect(flowOf(sample('nd target truncated'))).toMatch(/icmp_type=135,icmp_code=0,nd_target=::,/);
  });

  it('VLAN: one tag by default, two with vlan-limit 2', () => {
    const qinq = sample('qinq 88a8/8100 tcp');
    expect(flowOf(qinq)).toMatch(/^in_port=1,dl_vlan=100,dl_vlan_pcp=3,vlan_tci1=0x0000,.*dl_type=0x8100$/);
    setVlanLimit(2);
    const key = createFlowKey();
    const off = extractFlow(qinq, 1, key);
    expect(off.vlans).toBe(2);
    expect(key[W.VLAN0] >>> 16).toBe(0x88a8);
    expect(flowOf(qinq)).toMatch(/^tcp,in_port=1,dl_vlan=100,dl_vlan_pcp=3,dl_vlan1=10,dl_vlan_pcp1=1,dl_src=/);
  });

  it('802.3: LLC/SNAP carries an ethertype, anything else is dl_type 0x05ff', () => {
    expect(flowOf(sample('llc snap ipv4'))).toMatch(/^tcp,.*tp_src=1,tp_dst=2/);
    expect(flowOf(sample('802.3 stp llc'))).toMatch(/dl_type=0x05ff$/);
    expect(flowOf(sample('llc snap small type'))).toMatch(/dl_type=0x05ff$/);
  });

  it('ARP: only Ethernet/IPv4 ARP fills the ARP fields', () => {
    expect(flowOf(sample('arp wrong hardware type'))).toMatch(/arp_spa=0\.0\.0\.0,.*arp_op=0,/);
    expect(flowOf(sample('arp opcode 0x0101'))).toMatch(/arp_spa=1\.1\.1\.1,.*arp_op=0,/);
  });
});

describe('field descriptors', () => {
  it('every field lies inside the key and reads back what was written', () => {
    const key = createFlowKey();
    for (const f of FLOW_FIELDS) {
      expect(f.word + f.words, f.name).toBeLessThanOrEqual(FLOW_WORDS);
      if (f.words === 1) expect(f.shift + f.bits, f.name).toBeLessThanOrEqual(32);
    }
    const parsed = parseFlowString(`tcp,${V4},tp_src=1234,tp_dst=80,tcp_flags=syn,reg5=77,dl_vlan=9`);
    const get = (n: string) => getField(parsed, FLOW_FIELDS.find((f) => f.name === n)!);
    expect([get('tp_src'), get('tp_dst'), get('nw_proto'), get('nw_ttl'), get('reg5'), get('dl_vlan')]).toEqual([
      1234, 80, 6, 64, 77, 9,
    ]);
    key.set(parsed);
    expect(get('tcp_flags')).toBe(2);
  });
});

describe('HeaderOffsets', () => {
  it('is reusable and records every layer', () => {
    const off = new HeaderOffsets();
    const key = createFlowKey();
    extractFlow(sample('qinq 8100/8100 udp6'), 1, key, off);
    expect([off.vlans, off.ethType, off.l3, off.l4]).toEqual([1, 16, 18, -1]);
    extractFlow(composePacket(`mpls,${MACS},mpls_label=5,mpls_bos=1`), 1, key, off);
    expect([off.l2_5, off.l3, off.l4]).toEqual([14, 18, -1]);
  });
});

describe('masks and the miniflow bitmap', () => {
  it('masks fields by descriptor and compares under a mask', () => {
    const a = parseFlowString(`tcp,${V4},tp_src=1,tp_dst=80`);
    const b = parseFlowString(`tcp,${V4},tp_src=2,tp_dst=80`);
    const mask = createFlowKey();
    maskField(mask, flowField('tp_dst')!);
    maskField(mask, flowField('nw_dst')!);
    maskField(mask, flowField('dl_src')!);
    expect(mask[W.TP]).toBe(0xffff);
    expect([mask[W.DL_SRC], mask[W.DL_SRC + 1]]).toEqual([0xffff, 0xffffffff]);
    expect(keysEqual(a, b)).toBe(false);
    expect(keysEqualMasked(a, b, mask)).toBe(true);
    maskField(mask, flowField('tp_src')!);
    expect(mask[W.TP]).toBe(0xffffffff);
    expect(keysEqualMasked(a, b, mask)).toBe(false);
    const out = createFlowKey();
    applyMask(a, mask, out);
    expect(out[W.NW_SRC]).toBe(0);
    expect(out[W.NW_DST]).toBe(0x0a000002);
    const bits = presentWords(out);
    const present = [];
    for (let i = 0; i < FLOW_WORDS; i++) if ((bits[i >> 5] >>> (i & 31)) & 1) present.push(i);
    expect(present).toEqual([W.DL_SRC, W.DL_SRC + 1, W.NW_DST, W.TP]);
  });
});
