import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeRecord, executeTransaction, FileStorage, parseLog, parseSchema, schemaToJson } from '../src/index.js';
import { commitToRecord, commitToRecordText } from '../src/storage.js';
import { cleanup, TEST_SCHEMA } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'configdb-storage-'));
});
afterEach(() => cleanup(dir));

function commit(st: FileStorage, ops: unknown[], durable = false): void {
  const out = executeTransaction(st.db, ops);
  if (!out.changes) throw new Error(JSON.stringify(out.results));
  st.write({ changes: out.changes, durable, txnId: 'x', date: 1700000000000, comment: out.comment });
  st.db.apply(out.changes);
}

const logRow = (n: number) => ({ op: 'insert', table: 'Log', row: { text: `t${n}`, n } });

describe('record format', () => {
  it('serialises commits directly to the text JSON.stringify gives for the record object', () => {
    const st = FileStorage.open(join(dir, 'text.db'), TEST_SCHEMA);
    const steps: unknown[][] = [
      [
        'Test',
        { op: 'insert', table: 'Root', row: { counter: 3, children: ['named-uuid', 'a'] } },
        {
          op: 'insert',
          table: 'Child',
          'uuid-name': 'a',
          row: {
            name: 'a "quoted" \\ é',
            tags: ['set', [3, 1]],
            options: ['map', [['k', 'v']]],
            status: ['map', [['s', 't']]],
          },
        },
        { op: 'insert', table: 'Log', row: {} },
        { op: 'comment', comment: 'first\nline' },
      ],
      ['Test', { op: 'update', table: 'Child', where: [], row: { tag: 7, status: ['map', [['x', 'y']]] } }],
      ['Test', { op: 'update', table: 'Child', where: [], row: { status: ['map', []] } }],
      [
        'Test',
        { op: 'delete', table: 'Log', where: [] },
        { op: 'mutate', table: 'Root', where: [], mutations: [['counter', '+=', 1]] },
      ],
    ];
    for (const ops of steps) {
      const out = executeTransaction(st.db, ops.slice(1));
      if (!out.changes) throw new Error(JSON.stringify(out.results));
      const c = { changes: out.changes, durable: false, txnId: 'x', date: 1700000000000, comment: out.comment };
      const rec = commitToRecord(st.db.schema, c);
      expect(commitToRecordText(st.db.schema, c)).toBe(rec === undefined ? undefined : JSON.stringify(rec));
      st.db.apply(out.changes);
    }
    st.close();
  });

  it('frames each record as OVSDB JSON <len> <sha1> with the newline counted and hashed', () => {
    const rec = encodeRecord({ a: 1 }).toString();
    const body = '{"a":1}\n';
    const sha1 = createHash('sha1').update(body).digest('hex');
    expect(rec).toBe(`OVSDB JSON ${body.length} ${sha1}\n${body}`);
    expect(parseLog(Buffer.from(rec)).records).toEqual([{ a: 1 }]);
  });
});

describe('FileStorage', () => {
  it('writes only changed columns and reads them back', () => {
    const f = join(dir, 'db');
    const st = FileStorage.open(f, TEST_SCHEMA);
    commit(st, [{ op: 'insert', table: 'Root', row: {} }]);
    commit(st, [{ op: 'comment', comment: 'why' }, logRow(1)]);
    commit(st, [{ op: 'update', table: 'Log', where: [], row: { n: 2 } }]);
    st.close();
    const recs = parseLog(readFileSync(f)).records as Record<string, unknown>[];
    expect(recs).toHaveLength(4);
    expect(recs[2]._comment).toBe('why');
    const upd = Object.values(recs[3].Log as object)[0];
    expect(upd).toEqual({ n: 2 });
    const again = FileStorage.open(f);
    const rows = [...again.db.table('Log').values()];
    expect(rows.map((r) => [r.cols.get('text')?.keys[0], r.cols.get('n')?.keys[0]])).toEqual([['t1', 2]]);
    again.close();
  });

  it('keeps a torn tail aside, reports it and never applies it', () => {
    const f = join(dir, 'db');
    const st = FileStorage.open(f, TEST_SCHEMA);
    for (let i = 0; i < 3; i++) commit(st, [logRow(i)]);
    st.close();
    const good = readFileSync(f).length;
    const torn = encodeRecord({ Log: { '11111111-1111-1111-1111-111111111111': { text: 'torn', n: 9 } } }).subarray(
      0,
      50,
    );
    appendFileSync(f, torn);
    const re = FileStorage.open(f);
    expect(re.report.corruptTailSavedAs).toBeDefined();
    expect(re.report.corruptReason).toMatch(/truncated|header/);
    expect(existsSync(re.report.corruptTailSavedAs as string)).toBe(true);
    expect(readFileSync(f).length).toBe(good);
    expect(re.db.table('Log').size).toBe(3);
    commit(re, [logRow(3)]);
    re.close();
    expect(FileStorage.open(f).db.table('Log').size).toBe(4);
  });

  it('detects a record whose SHA-1 does not match', () => {
    const f = join(dir, 'db');
    const st = FileStorage.open(f, TEST_SCHEMA);
    commit(st, [logRow(1)]);
    commit(st, [logRow(2)]);
    st.close();
    const data = readFileSync(f).toString();
    writeFileSync(f, data.replace('"t2"', '"t9"'));
    const re = FileStorage.open(f);
    expect(re.report.corruptReason).toMatch(/SHA-1/);
    expect([...re.db.table('Log').values()].map((r) => r.cols.get('text')?.keys[0])).toEqual(['t1']);
    expect(readdirSync(dir).some((n) => n.includes('.corrupt-'))).toBe(true);
    re.close();
  });

  it('compacts to the schema plus one snapshot record', () => {
    const f = join(dir, 'db');
    const st = FileStorage.open(f, TEST_SCHEMA);
    for (let i = 0; i < 20; i++) commit(st, [{ op: 'delete', table: 'Log', where: [] }, logRow(i)]);
    const before = st.fileBytes;
    st.compact();
    expect(st.fileBytes).toBeLessThan(before);
    commit(st, [logRow(100)]);
    st.close();
    const recs = parseLog(readFileSync(f)).records;
    expect(recs).toHaveLength(3);
    const re = FileStorage.open(f);
    expect(
      [...re.db.table('Log').values()].map((r) => r.cols.get('n')?.keys[0] as number).sort((x, y) => x - y),
    ).toEqual([19, 100]);
    re.close();
  });

  it('converts a database whose schema version differs', () => {
    const f = join(dir, 'db');
    const oldJson = schemaToJson(TEST_SCHEMA) as {
      version: string;
      tables: Record<string, { columns: Record<string, unknown> }>;
    };
    oldJson.version = '0.9.0';
    oldJson.tables.Log.columns.old_col = { type: 'string' };
    oldJson.tables.Log.columns.n = { type: 'string' };
    const oldSchema = parseSchema(oldJson);
    const st = FileStorage.open(f, oldSchema);
    commit(st, [{ op: 'insert', table: 'Log', row: { text: 'keep', n: 'not-a-number', old_col: 'gone' } }]);
    st.close();
    const conv = FileStorage.open(f, TEST_SCHEMA);
    expect(conv.report.convertedFrom).toBe('0.9.0');
    const [row] = [...conv.db.table('Log').values()];
    expect(row.cols.get('text')?.keys).toEqual(['keep']);
    expect(row.cols.get('n')?.keys).toEqual([0]);
    expect(row.cols.has('old_col')).toBe(false);
    conv.close();
    expect((parseLog(readFileSync(f)).records[0] as { version: string }).version).toBe('1.0.0');
  });

  it('does not log changes to ephemeral columns only', () => {
    const f = join(dir, 'db');
    const st = FileStorage.open(f, TEST_SCHEMA);
    commit(st, [{ op: 'insert', table: 'Root', row: {} }]);
    commit(st, [
      { op: 'insert', table: 'Child', row: { name: 'c' }, 'uuid-name': 'c' },
      { op: 'mutate', table: 'Root', where: [], mutations: [['children', 'insert', ['named-uuid', 'c']]] },
    ]);
    const n = parseLog(readFileSync(f)).records.length;
    commit(st, [{ op: 'update', table: 'Child', where: [], row: { status: ['map', [['a', 'b']]] } }]);
    expect(parseLog(readFileSync(f)).records.length).toBe(n);
    st.close();
  });
});
