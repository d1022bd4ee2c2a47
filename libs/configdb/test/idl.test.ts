import { afterEach, beforeEach, expect, it } from 'vitest';
import { Idl, type IdlChange, startConfigDbServer } from '../src/index.js';
import { cleanup, type Fixture, startFixture, TEST_SCHEMA } from './helpers.js';

let fx: Fixture;
beforeEach(async () => {
  fx = await startFixture();
});
afterEach(async () => {
  await fx.close();
  cleanup(fx.dir);
});

function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) resolve();
      else if (Date.now() > deadline) reject(new Error('condition not met in time'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

it('replicates the database, tracks changes, types values, and resumes after the server restarts', async () => {
  const idl = new Idl({ remotes: [`unix:${fx.socket}`], database: 'Test' });
  await idl.connect();
  const changes: IdlChange[] = [];
  idl.on('change', (c: IdlChange[]) => changes.push(...c));
  await idl.transact([
    { op: 'insert', table: 'Root', row: { counter: 3 } },
    { op: 'insert', table: 'Log', row: { text: 'a', n: 1 } },
  ]);
  await waitFor(() => idl.rows('Log').length === 1);
  const [root] = idl.rows('Root');
  expect(idl.get('Root', root, 'counter')).toBe(3);
  expect(idl.get('Root', root, 'children')).toEqual([]);
  expect(changes.map((c) => `${c.kind} ${c.table}`).sort()).toEqual(['insert Log', 'insert Root']);

  await idl.transact([{ op: 'update', table: 'Root', where: [], row: { counter: 4 } }]);
  await waitFor(() => idl.get('Root', idl.rows('Root')[0], 'counter') === 4);
  expect(changes.at(-1)).toMatchObject({ kind: 'modify', table: 'Root' });

  // Restart the server on the same file; the IDL reconnects by itself.
  await fx.handle.close();
  fx.handle = await startConfigDbServer({ dbFile: fx.dbFile, schema: TEST_SCHEMA, remotes: [`punix:${fx.socket}`] });
  await waitFor(() => idl.connection !== undefined && !idl.connection.isClosed);
  const c = await fx.connect();
  await c.request('transact', ['Test', { op: 'insert', table: 'Log', row: { text: 'b', n: 2 } }]);
  await waitFor(() => idl.rows('Log').length === 2);
  expect(
    idl
      .rows('Log')
      .map((r) => idl.get('Log', r, 'text'))
      .sort(),
  ).toEqual(['a', 'b']);
  idl.close();
});

it('resumes from its last transaction when the server still has the history', async () => {
  const idl = new Idl({ remotes: [`unix:${fx.socket}`], database: 'Test' });
  await idl.connect();
  await idl.transact([{ op: 'insert', table: 'Log', row: { text: 'a' } }]);
  await waitFor(() => idl.rows('Log').length === 1);
  const sent: string[] = [];
  idl.connection?.close();
  const c = await fx.connect();
  await c.request('transact', ['Test', { op: 'insert', table: 'Log', row: { text: 'b' } }]);
  idl.on('connected', () => sent.push('reconnected'));
  await waitFor(() => idl.rows('Log').length === 2);
  expect(sent).toEqual(['reconnected']);
  idl.close();
});

it('tries each remote in turn', async () => {
  const idl = new Idl({ remotes: [`unix:${fx.dir}/nonexistent.sock`, `unix:${fx.socket}`], database: 'Test' });
  await idl.connect();
  expect(idl.rows('Root')).toEqual([]);
  idl.close();
});

it('startConfigDbServer creates a new file with the Open_vSwitch schema and initializes it', async () => {
  const dbFile = `${fx.dir}/fresh.db`;
  const h = await startConfigDbServer({ dbFile, remotes: [`punix:${fx.dir}/fresh.sock`], initialize: true });
  const idl = new Idl({
    remotes: [`unix:${fx.dir}/fresh.sock`],
    database: 'Open_vSwitch',
    tables: { Open_vSwitch: ['next_cfg', 'bridges'] },
  });
  await idl.connect();
  expect(idl.rows('Open_vSwitch')).toHaveLength(1);
  expect(idl.get('Open_vSwitch', idl.rows('Open_vSwitch')[0], 'bridges')).toEqual([]);
  expect(await h.server.transactLocal('Open_vSwitch', [{ op: 'select', table: 'Bridge', where: [] }])).toEqual([
    { rows: [] },
  ]);
  idl.close();
  await h.close();
});
