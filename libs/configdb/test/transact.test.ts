import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database, executeTransaction } from '../src/index.js';
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

  it('drops modifications that change nothing', () => {
    tx(...addChild('a'));
    const out = executeTransaction(db, [{ op: 'update', table: 'Child', where: [], row: { tags: ['set', []] } }]);
    expect(out.results).toEqual([{ count: 1 }]);
    expect(out.changes?.size).toBe(0);
  });
});
