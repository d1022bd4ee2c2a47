import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database, executeTransaction, parseSchema } from '../src/index.js';
import { TEST_SCHEMA } from './helpers.js';

let db: Database;

/** Executes and commits like the server does; returns the results. */
function tx(...ops: unknown[]): unknown[] {
  const out = executeTransaction(db, ops);
  if (out.changes) db.apply(out.changes);
  return out.results;
}

function childNames(): string[] {
  return [...db.table('Child').values()].map((r) => r.cols.get('name')?.keys[0] as string).sort();
}

beforeEach(() => {
  db = new Database(TEST_SCHEMA);
  tx({ op: 'insert', table: 'Root', row: {} });
});
afterEach(() => {});

const addChild = (name: string, extra: Record<string, unknown> = {}) => [
  { op: 'insert', table: 'Child', row: { name, ...extra }, 'uuid-name': `c_${name}` },
  { op: 'mutate', table: 'Root', where: [], mutations: [['children', 'insert', ['named-uuid', `c_${name}`]]] },
];

describe('transact', () => {
  it('inserts with named uuids and selects them back', () => {
    const r = tx(...addChild('a', { options: ['map', [['k', 'v']]] }));
    expect(r).toMatchObject([{ uuid: ['uuid', expect.any(String)] }, { count: 1 }]);
    const sel = tx({ op: 'select', table: 'Child', where: [['name', '==', 'a']], columns: ['name', 'options'] });
    expect(sel).toEqual([{ rows: [{ name: 'a', options: ['map', [['k', 'v']]] }] }]);
  });

  it('garbage-collects unreferenced rows of non-root tables', () => {
    tx({ op: 'insert', table: 'Child', row: { name: 'orphan' } });
    expect(childNames()).toEqual([]);
    tx(...addChild('a'));
    tx({ op: 'mutate', table: 'Root', where: [], mutations: [['children', 'delete', ['set', []]]] });
    expect(childNames()).toEqual(['a']);
    tx({ op: 'update', table: 'Root', where: [], row: { children: ['set', []] } });
    expect(childNames()).toEqual([]);
  });

  it('is all-or-nothing: a failing operation commits nothing', () => {
    const r = tx(...addChild('a'), { op: 'insert', table: 'Child', row: { name: 'b', tag: 5000 } });
    expect(r[2]).toMatchObject({
      error: 'constraint violation',
      details: '5000 is not in the valid range 0 to 4095 (inclusive)',
    });
    expect(r).toHaveLength(3);
    expect(childNames()).toEqual([]);
  });

  it('reports referential integrity violations at commit, after the operations', () => {
    tx(...addChild('a'));
    const r = tx({ op: 'delete', table: 'Child', where: [] });
    expect(r).toHaveLength(2);
    expect(r[1]).toMatchObject({ error: 'referential integrity violation' });
    expect(childNames()).toEqual(['a']);
  });

  it('drops weak references to deleted rows', () => {
    tx(...addChild('a'), ...addChild('b'));
    const [a] = [...db.table('Child').values()].filter((r) => r.cols.get('name')?.keys[0] === 'a');
    tx({ op: 'update', table: 'Child', where: [['name', '==', 'b']], row: { peer: ['uuid', a.uuid] } });
    const peerOfB = () =>
      [...db.table('Child').values()].find((r) => r.cols.get('name')?.keys[0] === 'b')?.cols.get('peer')?.keys;
    expect(peerOfB()).toEqual([a.uuid]);
    tx({ op: 'mutate', table: 'Root', where: [], mutations: [['children', 'delete', ['uuid', a.uuid]]] });
    expect(childNames()).toEqual(['b']);
    expect(peerOfB()).toEqual([]);
  });

  it('keeps indexes unique', () => {
    tx(...addChild('a'));
    const r = tx(...addChild('a'));
    expect(r[2]).toMatchObject({ error: 'constraint violation' });
    expect((r[2] as { details: string }).details).toMatch(/identical values \("a"\) for index on column "name"/);
    // Swapping is allowed when the old holder leaves the index in the same transaction.
    const ok = tx(
      { op: 'mutate', table: 'Root', where: [], mutations: [['children', 'delete', ['set', []]]] },
      { op: 'update', table: 'Root', where: [], row: { children: ['set', []] } },
      ...addChild('a'),
    );
    expect(ok.every((x) => !(x as { error?: string })?.error)).toBe(true);
  });

  it('mutates sets, maps and integers with constraint checks', () => {
    tx(...addChild('a'));
    const w = [['name', '==', 'a']];
    expect(
      tx({
        op: 'mutate',
        table: 'Child',
        where: w,
        mutations: [
          ['tags', 'insert', ['set', [1, 2]]],
          [
            'options',
            'insert',
            [
              'map',
              [
                ['x', '1'],
                ['y', '2'],
              ],
            ],
          ],
        ],
      }),
    ).toEqual([{ count: 1 }]);
    expect(
      tx({ op: 'mutate', table: 'Child', where: w, mutations: [['tags', 'insert', ['set', [3, 4]]]] })[0],
    ).toMatchObject({ error: 'constraint violation' });
    tx({
      op: 'mutate',
      table: 'Child',
      where: w,
      mutations: [
        ['options', 'delete', ['set', ['x']]],
        ['tags', '*=', 10],
      ],
    });
    const sel = tx({ op: 'select', table: 'Child', where: w, columns: ['tags', 'options'] });
    expect(sel).toEqual([{ rows: [{ tags: ['set', [10, 20]], options: ['map', [['y', '2']]] }] }]);
    expect(tx({ op: 'mutate', table: 'Root', where: [], mutations: [['counter', '/=', 0]] })[0]).toMatchObject({
      error: 'domain error',
    });
    expect(tx({ op: 'mutate', table: 'Child', where: w, mutations: [['name', 'insert', 'x']] })[0]).toMatchObject({
      error: 'constraint violation',
    });
  });

  it('rejects immutable updates, unknown tables, columns, operations and bad types', () => {
    tx(...addChild('a'));
    const errs = [
      { op: 'update', table: 'Child', where: [], row: { name: 'b' } },
      { op: 'select', table: 'Nope', where: [] },
      { op: 'insert', table: 'Child', row: { bogus: 1 } },
      { op: 'frob', table: 'Child' },
      { op: 'insert', table: 'Child', row: { name: 3 } },
      { op: 'insert', table: 'Child', row: { name: 'z', mode: 'c' } },
      { op: 'insert', table: 'Root', row: {} },
      { op: 'select', table: 'Child', where: [['name', 'like', 'a']] },
    ].map((op) => (tx(op).at(-1) as { error: string }).error);
    expect(errs).toEqual([
      'constraint violation',
      'syntax error',
      'unknown column',
      'syntax error',
      'syntax error',
      'constraint violation',
      'constraint violation',
      'unknown function',
    ]);
  });

  it('evaluates wait, abort, comment, assert and commit', () => {
    tx(...addChild('a'));
    expect(
      tx({ op: 'wait', table: 'Child', timeout: 0, where: [], columns: ['name'], until: '==', rows: [{ name: 'a' }] }),
    ).toEqual([{}]);
    expect(
      tx({
        op: 'wait',
        table: 'Child',
        timeout: 0,
        where: [],
        columns: ['name'],
        until: '!=',
        rows: [{ name: 'a' }],
      })[0],
    ).toMatchObject({ error: 'timed out' });
    expect(tx(...addChild('b'), { op: 'abort' })[2]).toMatchObject({ error: 'aborted' });
    expect(childNames()).toEqual(['a']);
    expect(tx({ op: 'assert', lock: 'l' })[0]).toMatchObject({ error: 'not owner' });
    const out = executeTransaction(db, [
      { op: 'comment', comment: 'hi' },
      { op: 'commit', durable: true },
      ...addChild('c'),
    ]);
    expect(out).toMatchObject({ comment: 'hi', durable: true });
  });

  it('decides a verify-style wait (one row by _uuid) as the full parse would, however it is written', () => {
    tx(...addChild('a'), ...addChild('b'), ...addChild('c'));
    const root = [...db.table('Root').values()][0];
    const kids = root.cols.get('children')?.keys as string[];
    const a = [...db.table('Child').values()].find((r) => r.cols.get('name')?.keys[0] === 'a');
    const wait = (table: string, uuid: string, row: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      tx({
        op: 'wait',
        table,
        timeout: 0,
        where: [['_uuid', '==', ['uuid', uuid]]],
        columns: Object.keys(row).filter((c) => c !== 'extra'),
        until: '==',
        rows: [row],
        ...extra,
      })[0];
    const set = (uuids: string[]) => ['set', uuids.map((u) => ['uuid', u])];
    // As ovs-vsctl writes it (sorted, lowercase), and spelled otherwise (unsorted, upper case).
    expect(wait('Root', root.uuid, { children: set(kids) })).toEqual({});
    expect(wait('Root', root.uuid, { children: set([...kids].reverse()) })).toEqual({});
    expect(wait('Root', root.uuid.toUpperCase(), { children: set(kids.map((u) => u.toUpperCase())) })).toEqual({});
    expect(wait('Child', a?.uuid as string, { name: 'a', tags: ['set', []] })).toEqual({});
    // A real difference, a missing row, bad input: as before.
    expect(wait('Root', root.uuid, { children: set(kids.slice(1)) })).toMatchObject({ error: 'timed out' });
    expect(wait('Root', kids[0], { children: set(kids) })).toMatchObject({ error: 'timed out' });
    expect(wait('Child', a?.uuid as string, { name: 'a', extra: 1 })).toMatchObject({ error: 'unknown column' });
    expect(wait('Child', a?.uuid as string, { name: 'a' }, { until: '!=' })).toMatchObject({ error: 'timed out' });
    expect(wait('Child', a?.uuid as string, { name: 7 })).toMatchObject({ error: 'syntax error' });
  });

  it('counts references of a set that gains and loses members by its difference', () => {
    tx(...addChild('a'), ...addChild('b'), ...addChild('c'));
    const byName = (n: string) =>
      [...db.table('Child').values()].find((r) => r.cols.get('name')?.keys[0] === n)?.uuid as string;
    const [a, b, c] = ['a', 'b', 'c'].map(byName);
    // b leaves and d arrives in one update: only b is collected; a, c and d stay referenced.
    const children = [
      'set',
      [
        ['uuid', a],
        ['uuid', c],
        ['named-uuid', 'd'],
      ],
    ];
    tx(
      { op: 'insert', table: 'Child', row: { name: 'd' }, 'uuid-name': 'd' },
      { op: 'update', table: 'Root', where: [], row: { children } },
    );
    expect(childNames()).toEqual(['a', 'c', 'd']);
    expect([a, b, c].map((u) => db.strongRefs.get('Child', u))).toEqual([1, 0, 1]);
    expect(db.strongRefs.get('Child', byName('d'))).toBe(1);
    tx({ op: 'update', table: 'Root', where: [], row: { children: ['set', []] } });
    expect(childNames()).toEqual([]);
    expect(db.strongRefs.byTable.get('Child')?.size ?? 0).toBe(0);
  });

  it('drops modifications that change nothing', () => {
    tx(...addChild('a'));
    const out = executeTransaction(db, [{ op: 'update', table: 'Child', where: [], row: { tags: ['set', []] } }]);
    expect(out.results).toEqual([{ count: 1 }]);
    expect(out.changes?.size).toBe(0);
  });
});

describe('reference counting', () => {
  /** Root -> A (set and map values) -> B; B -> A weakly. */
  const schema = parseSchema({
    name: 'Refs',
    version: '1.0.0',
    tables: {
      Root: {
        isRoot: true,
        columns: {
          as: { type: { key: { type: 'uuid', refTable: 'A' }, min: 0, max: 'unlimited' } },
          named: { type: { key: 'string', value: { type: 'uuid', refTable: 'A' }, min: 0, max: 'unlimited' } },
        },
      },
      A: {
        columns: {
          n: { type: 'integer' },
          bs: { type: { key: { type: 'uuid', refTable: 'B' }, min: 0, max: 'unlimited' } },
        },
      },
      B: {
        columns: {
          n: { type: 'integer' },
          back: { type: { key: { type: 'uuid', refTable: 'A', refType: 'weak' }, min: 0, max: 1 } },
        },
      },
    },
  });

  /** Strong references counted from scratch, as "table/uuid" -> count. */
  function recount(d: Database): Map<string, number> {
    const out = new Map<string, number>();
    const bump = (t: string, u: unknown) => out.set(`${t}/${u}`, (out.get(`${t}/${u}`) ?? 0) + 1);
    for (const r of d.table('Root').values()) {
      for (const u of r.cols.get('as')?.keys ?? []) bump('A', u);
      for (const u of r.cols.get('named')?.values ?? []) bump('A', u);
    }
    for (const r of d.table('A').values()) for (const u of r.cols.get('bs')?.keys ?? []) bump('B', u);
    return out;
  }

  function counted(d: Database): Map<string, number> {
    const out = new Map<string, number>();
    for (const [t, m] of d.strongRefs.byTable) for (const [u, n] of m) out.set(`${t}/${u}`, n);
    return out;
  }

  // Applied as the server does (adding the outcome's reference delta) and counting the changes.
  const random = 'keeps counts exact and collects exactly the unreferenced rows over random transactions';
  it.each([true, false])(`${random} (reference delta applied: %s)`, (useDelta) => {
    const d = new Database(schema);
    const run = (...ops: unknown[]) => {
      const out = executeTransaction(d, ops);
      if (out.changes) d.apply(out.changes, useDelta ? out.refDelta : undefined);
      return out.results;
    };
    run({ op: 'insert', table: 'Root', row: {} });
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = (t: string) => {
      const keys = [...d.table(t).keys()];
      return keys.length ? keys[rnd(keys.length)] : undefined;
    };
    for (let i = 0; i < 300; i++) {
      const a = pick('A');
      const b = pick('B');
      switch (rnd(7)) {
        case 0:
          run(
            { op: 'insert', table: 'B', row: { n: i, back: a ? ['uuid', a] : ['set', []] }, 'uuid-name': 'b' },
            { op: 'insert', table: 'A', row: { n: i, bs: ['named-uuid', 'b'] }, 'uuid-name': 'a' },
            { op: 'mutate', table: 'Root', where: [], mutations: [['as', 'insert', ['named-uuid', 'a']]] },
          );
          break;
        case 1:
          if (a)
            run({
              op: 'mutate',
              table: 'Root',
              where: [],
              mutations: [['named', 'insert', ['map', [[`k${i}`, ['uuid', a]]]]]],
            });
          break;
        case 2:
          if (a) run({ op: 'mutate', table: 'Root', where: [], mutations: [['as', 'delete', ['uuid', a]]] });
          break;
        case 3:
          run({
            op: 'mutate',
            table: 'Root',
            where: [],
            mutations: [['named', 'delete', ['set', [`k${rnd(i + 1)}`]]]],
          });
          break;
        case 4:
          if (a && b)
            run({
              op: 'mutate',
              table: 'A',
              where: [['_uuid', '==', ['uuid', a]]],
              mutations: [['bs', 'insert', ['uuid', b]]],
            });
          break;
        case 5:
          // May fail (a still-referenced row): then nothing changes.
          if (b) run({ op: 'delete', table: 'B', where: [['_uuid', '==', ['uuid', b]]] });
          break;
        default:
          if (a) run({ op: 'update', table: 'A', where: [['_uuid', '==', ['uuid', a]]], row: { bs: ['set', []] } });
      }
      expect(counted(d)).toEqual(recount(d));
      // Garbage collection leaves no unreferenced row in a non-root table.
      for (const t of ['A', 'B']) for (const u of d.table(t).keys()) expect(d.strongRefs.get(t, u)).toBeGreaterThan(0);
      // Weak references never dangle.
      for (const r of d.table('B').values())
        for (const u of r.cols.get('back')?.keys ?? []) expect(d.table('A').has(u as string)).toBe(true);
    }
  });
});
