import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChangeSet, RowChange } from '../src/database.js';
import { CommitHistory } from '../src/history.js';

/** A change set touching `rows` rows of one table (the rows' contents do not matter here). */
function changes(rows: number): ChangeSet {
  const table = new Map<string, RowChange>();
  for (let i = 0; i < rows; i++) table.set(`r${i}`, {});
  return new Map([['T', table]]);
}

/** A history after `count` commits `t0`, `t1`, ..., each changing `rows` rows of a `databaseRows`-row database. */
function historyOf(count: number, rows: number, databaseRows: number): CommitHistory {
  const h = new CommitHistory();
  for (let i = 0; i < count; i++) h.add(`t${i}`, changes(rows), databaseRows);
  return h;
}

describe('CommitHistory', () => {
  it('keeps at most 100 commits when the database is large', () => {
    const h = historyOf(150, 1, 1_000_000);
    expect(h.length).toBe(100);
    expect(h.since('t49')).toHaveLength(100);
    expect(h.since('t48')).toBeUndefined();
    expect(h.since('t148')).toHaveLength(1);
  });

  it('drops the oldest commits once they changed more rows than the database holds', () => {
    // A 10-row database, three rows changed per commit (an ovs-vsctl add-port): three kept.
    const h = historyOf(20, 3, 10);
    expect(h.length).toBe(3);
    // The commit just before the oldest kept one can still resume, with all three.
    expect(h.since('t16')).toHaveLength(3);
    expect(h.since('t15')).toBeUndefined();
  });

  it('always keeps the newest commit, however large', () => {
    const h = new CommitHistory();
    h.add('a', changes(2), 100);
    h.add('b', changes(50), 10);
    expect(h.length).toBe(1);
    expect(h.since('a')).toEqual([changes(50)]);
    expect(h.since('b')).toEqual([]);
  });

  it('matches a model: the longest suffix within both bounds, never empty', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ rows: fc.integer({ min: 0, max: 20 }), dbRows: fc.integer({ min: 0, max: 60 }) }), {
          minLength: 1,
          maxLength: 150,
        }),
        (commits) => {
          const h = new CommitHistory();
          // The model recomputes the kept suffix from scratch after each commit.
          let kept: { id: string; rows: number }[] = [];
          let dropped: string | undefined;
          commits.forEach((c, i) => {
            h.add(`t${i}`, changes(c.rows), c.dbRows);
            kept.push({ id: `t${i}`, rows: c.rows });
            const total = () => kept.reduce((s, k) => s + k.rows, 0);
            while (kept.length > 1 && (kept.length > 100 || total() > c.dbRows)) {
              dropped = kept[0].id;
              kept = kept.slice(1);
            }
          });
          expect(h.length).toBe(kept.length);
          if (dropped) expect(h.since(dropped)).toHaveLength(kept.length);
          expect(h.since(kept[0].id)).toHaveLength(kept.length - 1);
        },
      ),
    );
  });
});
