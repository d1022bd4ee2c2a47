import { describe, expect, it } from 'vitest';
import {
  decodeFlowMod,
  encodeFlowMod,
  formatMatch,
  ofpPrint,
  Protocol,
  parseFlow,
  pullNxMatch,
  putNxMatch,
  toHex,
  tunMdIndex,
  Writer,
} from '../src/index.js';

/**
 * tun_metadata0..63 in the flow syntax and NXM/OXM (the expected texts and bytes are what
 * ovs-ofctl 3.1 prints and sends; test/tun-metadata-ovs-diff.test.ts checks them against it).
 */
const printed = (flow: string) => formatMatch(parseFlow(flow).fm.match);
const nxm = (flow: string) => {
  const w = new Writer();
  putNxMatch(w, parseFlow(flow).fm.match, 0);
  return toHex(w.finish());
};
const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/ /g, ''), 'hex'));

describe('tun_metadataN', () => {
  it('names 0..63 without leading zeros', () => {
    expect([tunMdIndex('tun_metadata0'), tunMdIndex('tun_metadata63'), tunMdIndex('tun_metadata64')]).toEqual([
      0, 63, -1,
    ]);
    expect(tunMdIndex('tun_metadata00')).toBe(-1);
  });

  it('prints values without leading zeros and masks only when not all-ones over the length', () => {
    expect(printed('tun_metadata0=0x1234,actions=drop')).toBe('tun_metadata0=0x1234');
    expect(printed('tun_metadata0=0x0001,actions=drop')).toBe('tun_metadata0=0x1');
    expect(printed('tun_metadata0=1234,actions=drop')).toBe('tun_metadata0=0x4d2');
    expect(printed('tun_metadata0=-1,actions=drop')).toBe('tun_metadata0=0xffffffffffffffff');
    expect(printed('tun_metadata3=0x1/0xff,actions=drop')).toBe('tun_metadata3=0x1');
    expect(printed('tun_metadata0=0xf/0x100,actions=drop')).toBe('tun_metadata0=0/0x100');
    expect(printed('tun_metadata0=0,actions=drop')).toBe('tun_metadata0=0');
    for (const bare of ['tun_metadata0', 'tun_metadata0=', 'tun_metadata0=0/0', 'tun_metadata0=5/0'])
      expect(printed(`${bare},actions=drop`)).toBe('tun_metadata0');
    expect(printed('tun_metadata5=0x1,in_port=1,tun_metadata2=0x2,tun_flags=+oam,actions=drop')).toBe(
      'tun_flags=+oam,tun_metadata2=0x2,tun_metadata5=0x1,in_port=1',
    );
  });

  it('is usable with NXM and OXM only', () => {
    const { usable } = parseFlow('tun_metadata0=1,actions=drop');
    expect(usable & Protocol.OF10_STD).toBe(0);
    expect(usable & Protocol.OF10_NXM).not.toBe(0);
    expect(usable & Protocol.OF13_OXM).not.toBe(0);
  });

  it('refuses what ovs-ofctl refuses, with its messages', () => {
    const big = `0x${'ab'.repeat(124)}`;
    const cases: [string, string][] = [
      ['tun_metadata0=1,tun_metadata0=2', 'field tun_metadata0 set multiple times'],
      ['tun_metadata0=xyz', 'xyz: bad syntax for tun_metadata0 value'],
      ['tun_metadata0=0x1/xyz', '0x1/xyz: bad syntax for tun_metadata0 mask'],
      [`tun_metadata0=${big}ab`, `${big}ab: value too large for 124-byte field tun_metadata0`],
      ['tun_metadata0=18446744073709551616', '18446744073709551616: value too large for 124-byte field tun_metadata0'],
      [
        `tun_metadata0=${big},tun_metadata1=${big},tun_metadata2=0x123456789abcdef012`,
        'field tun_metadata2 exceeds maximum size for tunnel metadata (used 257, max 256)',
      ],
      ['tun_metadata64=1', 'unknown keyword tun_metadata64'],
    ];
    for (const [flow, message] of cases) expect(() => parseFlow(`${flow},actions=drop`)).toThrow(message);
    // 124 + 124 + 8 bytes fit the 256.
    expect(() =>
      parseFlow(`tun_metadata0=${big},tun_metadata1=${big},tun_metadata2=0x123456789abcdef0,actions=drop`),
    ).not.toThrow();
  });

  it('writes NXM entries with the option length, masked when the parsed mask was', () => {
    expect(nxm('tun_metadata0=0x1234,actions=drop')).toBe('000150021234');
    expect(nxm('tun_metadata3=0x1/0xff,actions=drop')).toBe('0001570201ff');
    expect(nxm('tun_metadata0,actions=drop')).toBe('00015100');
    expect(nxm('tun_metadata0=0,actions=drop')).toBe('00015000');
    expect(nxm('tun_metadata0=0/0x100,actions=drop')).toBe('0001510400000100');
    // After the tunnel fields, before the registers.
    expect(nxm('reg0=1,tun_metadata1=0x5,tun_gbp_flags=1,actions=drop')).toBe(
      '00014e0101000152010500010004 00000001'.replace(/ /g, ''),
    );
  });

  it('decodes entries as ovs-vswitchd does without a map (length from the value)', () => {
    const decode = (hex: string) => {
      const b = fromHex(hex);
      return formatMatch(pullNxMatch(b, 0, b.length).match);
    };
    expect(decode('000150021234')).toBe('tun_metadata0=0x1234');
    expect(decode('000150020005')).toBe('tun_metadata0=0x5');
    expect(decode('00015100')).toBe('tun_metadata0');
    expect(decode('00015000')).toBe('tun_metadata0=0');
    expect(decode('0001570201ff')).toBe('tun_metadata3=0x1');
    expect(() => decode(`0001507d${'00'.repeat(125)}`)).toThrow(/length/);
    expect(() => decode('00015001010001500102')).toThrow(/duplicate/);
  });

  it('encodes set_field, load and move as ovs-ofctl sends them', () => {
    // Captured from ovs-ofctl add-flows (OpenFlow 1.0 with NXM, and 1.3).
    const flow =
      'tun_metadata3=0x1/0xff,actions=set_field:0x55->tun_metadata1,move:tun_metadata3[0..7]->NXM_NX_REG0[0..7]';
    const fm = parseFlow(flow).fm;
    expect(toHex(encodeFlowMod(fm, Protocol.OF10_NXM, 4))).toBe(
      '0104006000000004000023200000000d00000000000000000000000000008000ffffffffffff000000060000000000000001570201ff0000' +
        'ffff0010000023200021000152015500ffff00180000232000060008000000000001567c00010004',
    );
    expect(toHex(encodeFlowMod(fm, Protocol.OF13_OXM, 2))).toBe(
      '040e007000000002000000000000000000000000000000000000000000008000ffffffffffffffffffffffff000000000001000a0001570201ff000000000000' +
        '000400300000000000190010000152015500000000000000ffff00180000232000060008000000000001567c00010004',
    );
    const load = parseFlow('tun_metadata0=0x1234,actions=load:0x1234->tun_metadata2').fm;
    expect(toHex(encodeFlowMod(load, Protocol.OF13_OXM, 4)).slice(-32)).toBe('ffff0010000023200021000154021234');
    const printed = ofpPrint(encodeFlowMod(fm, Protocol.OF13_OXM, 2));
    expect(printed).toContain(
      'actions=set_field:0x55->tun_metadata1,move:NXM_NX_TUN_METADATA3[0..7]->NXM_NX_REG0[0..7]',
    );
    expect(ofpPrint(encodeFlowMod(load, Protocol.OF10_NXM, 2))).toContain('actions=set_field:0x1234->tun_metadata2');
  });

  it('round-trips through flow_mods of NXM and OXM', () => {
    const flow = 'tun_metadata3=0x1/0xff,tun_metadata9=0xabcdef/0xff00ff,tun_metadata0,actions=drop';
    const fm = parseFlow(flow).fm;
    for (const p of [Protocol.OF10_NXM, Protocol.OF13_OXM, Protocol.OF15_OXM]) {
      const back = decodeFlowMod(encodeFlowMod(fm, p, 1));
      expect(formatMatch(back.match)).toBe(formatMatch(fm.match));
      expect(back.match.equals(fm.match)).toBe(true);
    }
    expect(fm.match.clone().equals(fm.match)).toBe(true);
    expect(
      parseFlow('tun_metadata0=1,actions=drop').fm.match.equals(parseFlow('tun_metadata0=2,actions=drop').fm.match),
    ).toBe(false);
  });
});
