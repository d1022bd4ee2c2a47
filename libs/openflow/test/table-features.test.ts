import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeTableFeaturesEntries,
  decodeTableFeaturesMessage,
  encodeTableFeaturesEntry,
  encodeTableFeaturesMessage,
  formatFieldSet,
  N_OVS_FIELDS,
  OFPET,
  OFPTFFC,
  OVS_FIELDS,
  ofpPrint,
  ovsFieldHeader,
  ovsFieldOf,
  REQUIRED_PROPERTY_TYPES,
  type TableFeatureProp,
  type TableFeatures,
  tableFeaturesView,
} from '../src/index.js';

const bytes = fc.uint8Array({ maxLength: 12 });
const ids = fc.array(fc.record({ type: fc.integer({ min: 0, max: 0xffff }), data: bytes }), { maxLength: 6 });
const oxms = fc.array(
  fc.oneof(
    fc.integer({ min: 0, max: 0xfffeffff }).map((header) => ({ header })),
    fc.record({
      // An experimenter header's length counts its 4-byte experimenter id.
      header: fc.integer({ min: 0xffff0004, max: 0xffffffff }).map((h) => ((h & 0xff) < 4 ? h + 4 : h)),
      experimenter: fc.nat(),
    }),
  ),
  { maxLength: 6 },
);

/** The property of base type `type` (or its _MISS twin). */
function arbProp(type: number, miss: boolean): fc.Arbitrary<TableFeatureProp> {
  if (type === 0) return ids.map((x) => ({ kind: 'instructions' as const, miss, ids: x }));
  if (type === 2)
    return fc
      .array(fc.integer({ min: 0, max: 254 }), { maxLength: 20 })
      .map((tables) => ({ kind: 'next_tables' as const, miss, tables }));
  if (type === 4) return ids.map((x) => ({ kind: 'write_actions' as const, miss, ids: x }));
  if (type === 6) return ids.map((x) => ({ kind: 'apply_actions' as const, miss, ids: x }));
  const kind = ({ 8: 'match', 10: 'wildcards', 12: 'write_setfield', 14: 'apply_setfield' } as const)[type] ?? 'match';
  return oxms.map((o) => ({ kind, miss, oxms: o }));
}

const arbProps: fc.Arbitrary<TableFeatureProp[]> = fc
  .tuple(
    fc.tuple(...REQUIRED_PROPERTY_TYPES.map((t) => arbProp(t, false))),
    fc.subarray([0, 2, 4, 6, 12, 14]).chain((types) => fc.tuple(...types.map((t) => arbProp(t, true)))),
    fc.array(
      fc.oneof(
        fc.record({
          kind: fc.constant('experimenter' as const),
          miss: fc.boolean(),
          experimenter: fc.nat(),
          expType: fc.nat(),
          data: bytes,
        }),
        fc.record({ kind: fc.constant('unknown' as const), type: fc.integer({ min: 16, max: 0xfffd }), data: bytes }),
      ),
      { maxLength: 2 },
    ),
  )
  .map(([base, miss, other]) => [...base, ...miss, ...other]);

const arbEntry = (version: number): fc.Arbitrary<TableFeatures> =>
  fc.record({
    tableId: fc.integer({ min: 0, max: 254 }),
    command: version >= 6 ? fc.integer({ min: 0, max: 3 }) : fc.constant(0),
    features: version >= 6 ? fc.nat() : fc.constant(0),
    name: fc.stringMatching(/^[a-z0-9_]{0,31}$/),
    metadataMatch: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    metadataWrite: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    capabilities: fc.nat(),
    maxEntries: fc.nat(),
    properties: arbProps,
  });

describe('table-features codec', () => {
  it('round-trips requests and replies of OpenFlow 1.3, 1.4 and 1.5', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(4, 5, 6).chain((v) => fc.tuple(fc.constant(v), fc.array(arbEntry(v), { maxLength: 3 }))),
        fc.boolean(),
        fc.nat(),
        ([version, entries], reply, xid) => {
          const b = encodeTableFeaturesMessage(version, xid, entries, { reply });
          expect(b.length % 8).toBe(0);
          const m = decodeTableFeaturesMessage(b);
          expect(m).toEqual({ version, xid, reply, flags: 0, entries });
          // The printer takes whatever the codec accepts (a view may refuse a masked field list).
          expect(ofpPrint(b)).toMatch(
            new RegExp(
              `^OFPST_TABLE_FEATURES ${reply ? 'reply' : 'request'} \\(OF1\\.${version - 1}\\) \\(xid=0x${xid.toString(16)}\\):`,
            ),
          );
        },
      ),
      { seed: 42, numRuns: 100 },
    );
  });

  const minimal = (): TableFeatures => ({
    tableId: 3,
    command: 0,
    features: 0,
    name: 't',
    metadataMatch: 0n,
    metadataWrite: 0n,
    capabilities: 0,
    maxEntries: 10,
    properties: REQUIRED_PROPERTY_TYPES.map((t) => ({ kind: 'unknown' as const, type: t, data: new Uint8Array() })),
  });

  it('names the OpenFlow error and offset of lengths that lie', () => {
    const good = encodeTableFeaturesEntry(minimal(), 4);
    const errorOf = (b: Uint8Array, version = 4) => decodeTableFeaturesEntries(b, 0, version).error;
    const patched = (at: number, v: number) => {
      const b = good.slice();
      new DataView(b.buffer).setUint16(at, v);
      return b;
    };
    // Entry length: not a multiple of 8, shorter than the fixed part, past the end.
    for (const len of [good.length + 1, 60, good.length + 8]) {
      expect(errorOf(patched(0, len))).toMatchObject({
        type: OFPET.TABLE_FEATURES_FAILED,
        code: OFPTFFC.BAD_LEN,
        offset: 0,
      });
    }
    // A property length under 4, and one whose padding runs past the entry.
    expect(errorOf(patched(66, 3))).toMatchObject({ code: OFPTFFC.BAD_LEN, offset: 64 });
    const last = good.length - 8;
    expect(errorOf(patched(last + 2, 9))).toMatchObject({ code: OFPTFFC.BAD_LEN, offset: last });
    // Fewer than 64 bytes left for an entry.
    expect(errorOf(good.subarray(0, 40))).toMatchObject({ code: OFPTFFC.BAD_LEN, offset: 0 });
    // Table 255, a duplicated property, a missing one, an unknown 1.5 command.
    const t255 = good.slice();
    t255[2] = 255;
    expect(errorOf(t255)).toMatchObject({ code: OFPTFFC.BAD_TABLE, offset: 2 });
    expect(errorOf(patched(72, 0))).toMatchObject({ code: OFPTFFC.BAD_FEATURES, offset: 72 });
    const none = encodeTableFeaturesEntry({ ...minimal(), properties: [] }, 4);
    expect(errorOf(none)).toMatchObject({ code: OFPTFFC.BAD_FEATURES });
    expect(errorOf(encodeTableFeaturesEntry({ ...minimal(), properties: [] }, 6), 6)).toBeUndefined();
    const cmd = encodeTableFeaturesEntry({ ...minimal(), command: 7 }, 6);
    expect(errorOf(cmd, 6)).toMatchObject({ code: OFPTFFC.BAD_COMMAND, offset: 3 });
  });

  it('an entry that decodes before a bad one is kept', () => {
    const good = encodeTableFeaturesEntry(minimal(), 4);
    const bad = good.slice();
    bad[0] = 0xff;
    const both = new Uint8Array([...good, ...bad]);
    const { entries, error } = decodeTableFeaturesEntries(both, 0, 4);
    expect(entries).toHaveLength(1);
    expect(error).toMatchObject({ code: OFPTFFC.BAD_LEN, offset: good.length });
  });
});

describe('table features as OVS reads them', () => {
  it('every OVS field header, masked or not, names its field in each version', () => {
    for (const version of [4, 5, 6])
      for (const f of OVS_FIELDS)
        for (const masked of [false, true]) {
          expect(ovsFieldOf(ovsFieldHeader(f, version, masked))).toEqual({ field: f, masked });
        }
    // A header whose length does not fit its field is not that field.
    expect(ovsFieldOf({ header: 0x80000908 })).toBeUndefined();
  });

  it('prints field sets with common prefixes and numbered runs folded', () => {
    const set = new Uint8Array(N_OVS_FIELDS);
    for (const f of OVS_FIELDS)
      if (/^(reg\d+|eth_(src|dst)|tun_(id|src|ipv6_src|ipv6_dst))$/.test(f.name)) set[f.id] = 1;
    expect(formatFieldSet(set)).toBe(' tun_{id,src,ipv6_{src,dst}} reg0...reg15 eth_{src,dst}');
  });

  it('a property without its _MISS twin applies to table-miss flows too', () => {
    const tf: TableFeatures = {
      tableId: 0,
      command: 0,
      features: 0,
      name: '',
      metadataMatch: 0n,
      metadataWrite: 0n,
      capabilities: 0,
      maxEntries: 0,
      properties: [
        { kind: 'instructions', miss: false, ids: [{ type: 1, data: new Uint8Array() }] },
        { kind: 'instructions', miss: true, ids: [] },
        { kind: 'next_tables', miss: false, tables: [4] },
      ],
    };
    const v = tableFeaturesView(tf, 6);
    expect(v.nonmiss.instructions).not.toBe(0);
    expect(v.miss.instructions).toBe(0);
    expect(v.miss.next[4]).toBe(1);
  });
});
