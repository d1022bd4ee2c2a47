import { connect } from 'node:net';
import type { JsonValue } from '@softswitch/jsonrpc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, type Fixture, nextNotification, startFixture } from './helpers.js';

let fx: Fixture;
beforeEach(async () => {
  fx = await startFixture();
});
afterEach(async () => {
  await fx.close();
  cleanup(fx.dir);
});

const insertRoot = ['Test', { op: 'insert', table: 'Root', row: {} }];
const addChild = (name: string): JsonValue[] => [
  'Test',
  { op: 'insert', table: 'Child', row: { name }, 'uuid-name': 'c' },
  { op: 'mutate', table: 'Root', where: [], mutations: [['children', 'insert', ['named-uuid', 'c']]] },
];

describe('OVSDB server', () => {
  it('answers list_dbs, get_schema, get_server_id, echo, and the _Server database', async () => {
    const c = await fx.connect();
    expect(await c.request('list_dbs', [])).toEqual(['Test', '_Server']);
    expect(await c.request('get_schema', ['Test'])).toMatchObject({ name: 'Test', version: '1.0.0' });
    await expect(c.request('get_schema', ['Nope'])).rejects.toThrow(/unknown database/);
    expect(await c.request('get_server_id', [])).toMatch(/^[0-9a-f-]{36}$/);
    expect(await c.request('echo', ['x', 1])).toEqual(['x', 1]);
    expect(await c.request('set_db_change_aware', [true])).toEqual({});
    const sel = (await c.request('transact', [
      '_Server',
      { op: 'select', table: 'Database', where: [], columns: ['name', 'model', 'leader'] },
    ])) as { rows: unknown[] }[];
    expect(sel[0].rows).toContainEqual({ name: 'Test', model: 'standalone', leader: true });
    await expect(c.request('nope', [])).rejects.toThrow(/unknown method/);
  });

  it('serves punix: on the pipe handle, and on net.Server with SOFTSWITCH_NET_STREAMS set', async () => {
    // The default fixture: ovs-vsctl's connections take the cheaper path.
    expect(fx.handle.server.remotes).toEqual([{ remote: `punix:${fx.socket}`, onPipeHandle: true }]);
    const c = await fx.connect();
    await c.request('transact', insertRoot);
    process.env.SOFTSWITCH_NET_STREAMS = '1';
    let fallback: Fixture;
    try {
      fallback = await startFixture();
    } finally {
      delete process.env.SOFTSWITCH_NET_STREAMS;
    }
    try {
      expect(fallback.handle.server.remotes).toEqual([{ remote: `punix:${fallback.socket}`, onPipeHandle: false }]);
      const d = await fallback.connect();
      expect(await d.request('list_dbs', [])).toEqual(['Test', '_Server']);
      const rows = (await d.request('transact', [...insertRoot, { op: 'select', table: 'Root', where: [] }])) as {
        rows: unknown[];
      }[];
      expect(rows[1].rows).toHaveLength(1);
    } finally {
      await fallback.close();
      cleanup(fallback.dir);
    }
  });

  it('sends monitor updates (update, update2, update3) and honours conditions', async () => {
    const a = await fx.connect();
    const b = await fx.connect();
    await a.request('transact', insertRoot);
    const init1 = await b.request('monitor', ['Test', 'm1', { Child: { columns: ['name', 'tags'] } }]);
    expect(init1).toEqual({});
    const init2 = await b.request('monitor_cond', [
      'Test',
      'm2',
      { Child: [{ columns: ['name', 'tags'], where: [['name', '==', 'x']] }] },
    ]);
    expect(init2).toEqual({});
    const [found, lastId, init3] = (await b.request('monitor_cond_since', [
      'Test',
      'm3',
      { Child: [{ columns: ['name', 'tags'] }] },
      '00000000-0000-0000-0000-000000000000',
    ])) as [boolean, string, unknown];
    expect(found).toBe(false);
    expect(init3).toEqual({});
    const u1 = nextNotification(b, 'update');
    const u2 = nextNotification(b, 'update2');
    const u3 = nextNotification(b, 'update3');
    await a.request('transact', addChild('x'));
    const [m1, t1] = (await u1) as [string, Record<string, Record<string, unknown>>];
    expect(m1).toBe('m1');
    expect(Object.values(t1.Child)[0]).toEqual({ new: { name: 'x', tags: ['set', []] } });
    const [, t2] = (await u2) as [string, Record<string, Record<string, unknown>>];
    // update2/update3 leave default values out of "insert" (as ovsdb-server); "update" sends all.
    expect(Object.values(t2.Child)[0]).toEqual({ insert: { name: 'x' } });
    const [, txnId, t3] = (await u3) as [string, string, Record<string, Record<string, unknown>>];
    expect(txnId).not.toBe(lastId);
    expect(Object.values(t3.Child)[0]).toEqual({ insert: { name: 'x' } });
    // A modify carries the changed columns only, as a diff in update2.
    const m2 = nextNotification(b, 'update2');
    await a.request('transact', [
      'Test',
      { op: 'mutate', table: 'Child', where: [], mutations: [['tags', 'insert', ['set', [1, 2]]]] },
    ]);
    const [, mod] = (await m2) as [string, Record<string, Record<string, unknown>>];
    expect(Object.values(mod.Child)[0]).toEqual({ modify: { tags: ['set', [1, 2]] } });
    // A row outside the condition is not sent to m2.
    let saw = false;
    b.on('notification', (m: string, p: unknown[]) => {
      if (m === 'update2' && JSON.stringify(p).includes('other')) saw = true;
    });
    const u3b = nextNotification(b, 'update3');
    await a.request('transact', addChild('other'));
    await u3b;
    expect(saw).toBe(false);
    expect(await b.request('monitor_cancel', ['m1'])).toEqual({});
    await expect(b.request('monitor_cancel', ['m1'])).rejects.toThrow(/unknown monitor/);
  });

  it('resumes monitor_cond_since from a known transaction with only what changed', async () => {
    const a = await fx.connect();
    await a.request('transact', insertRoot);
    await a.request('transact', addChild('one'));
    const b = await fx.connect();
    const [, last] = (await b.request('monitor_cond_since', [
      'Test',
      'm',
      { Child: [{ columns: ['name'] }] },
      '00000000-0000-0000-0000-000000000000',
    ])) as [boolean, string, unknown];
    b.close();
    await a.request('transact', addChild('two'));
    const c = await fx.connect();
    const [found, , updates] = (await c.request('monitor_cond_since', [
      'Test',
      'm',
      { Child: [{ columns: ['name'] }] },
      last,
    ])) as [boolean, string, Record<string, Record<string, unknown>>];
    expect(found).toBe(true);
    expect(Object.values(updates.Child)).toEqual([{ insert: { name: 'two' } }]);
  });

  it('grants, queues, steals and releases locks with notifications', async () => {
    const a = await fx.connect();
    const b = await fx.connect();
    expect(await a.request('lock', ['L'])).toEqual({ locked: true });
    expect(await b.request('lock', ['L'])).toEqual({ locked: false });
    const locked = nextNotification(b, 'locked');
    expect(await a.request('unlock', ['L'])).toEqual({});
    expect(await locked).toEqual(['L']);
    expect(await b.request('transact', ['Test', { op: 'assert', lock: 'L' }])).toEqual([{}]);
    const stolen = nextNotification(b, 'stolen');
    expect(await a.request('steal', ['L'])).toEqual({ locked: true });
    expect(await stolen).toEqual(['L']);
    expect(((await b.request('transact', ['Test', { op: 'assert', lock: 'L' }])) as { error: string }[])[0].error).toBe(
      'not owner',
    );
  });

  it('completes a wait with a timeout once another client makes it true', async () => {
    const a = await fx.connect();
    const b = await fx.connect();
    await a.request('transact', insertRoot);
    const waiting = b.request('transact', [
      'Test',
      {
        op: 'wait',
        table: 'Root',
        timeout: 5000,
        where: [],
        columns: ['counter'],
        until: '==',
        rows: [{ counter: 7 }],
      },
    ]);
    await a.request('transact', ['Test', { op: 'update', table: 'Root', where: [], row: { counter: 7 } }]);
    expect(await waiting).toEqual([{}]);
    const timedOut = await b.request('transact', [
      'Test',
      { op: 'wait', table: 'Root', timeout: 50, where: [], columns: ['counter'], until: '==', rows: [{ counter: 8 }] },
    ]);
    expect((timedOut as { error: string }[])[0].error).toBe('timed out');
  });

  it('answers a waiting transact with "canceled" when a cancel notification names it', async () => {
    const a = await fx.connect();
    await a.request('transact', insertRoot);
    const b = await fx.connect();
    // A fresh connection numbers its requests from 0: this one is id 0.
    const waiting = b.request('transact', [
      'Test',
      {
        op: 'wait',
        table: 'Root',
        timeout: 60000,
        where: [],
        columns: ['counter'],
        until: '==',
        rows: [{ counter: 9 }],
      },
    ]);
    b.notify('cancel', [1]); // names no waiting request: ignored
    b.notify('cancel', [0]);
    await expect(waiting).rejects.toMatchObject({ error: 'canceled' });
    // The session goes on, and the cancelled wait no longer fires.
    await a.request('transact', ['Test', { op: 'update', table: 'Root', where: [], row: { counter: 9 } }]);
    expect(await b.request('echo', ['still here'])).toEqual(['still here']);
  });
});

describe('bad input', () => {
  async function rawExchange(payload: string | Buffer): Promise<{ data: string; closed: boolean }> {
    return new Promise((resolve) => {
      const s = connect(fx.socket);
      let data = '';
      s.on('data', (d) => {
        data += d;
      });
      s.on('close', () => resolve({ data, closed: true }));
      s.on('error', () => {});
      s.write(payload);
      setTimeout(() => {
        s.destroy();
        resolve({ data, closed: false });
      }, 300);
    });
  }

  it('drops a connection that sends malformed JSON; the server carries on and nothing is committed', async () => {
    const r = await rawExchange(
      '{"method":"transact","params":["Test",{"op":"insert","table":"Log","row":{}}],"id":1}{"method":]',
    );
    expect(r.closed).toBe(true);
    const c = await fx.connect();
    const rows = (await c.request('transact', ['Test', { op: 'select', table: 'Log', where: [] }])) as {
      rows: unknown[];
    }[];
    // The well-formed request before the garbage was executed; nothing after it.
    expect(rows[0].rows).toHaveLength(1);
  });

  it('drops a connection that sends a non-JSON-RPC object', async () => {
    const r = await rawExchange('{"hello":1}');
    expect(r.closed).toBe(true);
  });

  it('drops oversized messages without committing them', async () => {
    await fx.close();
    cleanup(fx.dir);
    fx = await startFixture(undefined, 4096);
    const big = JSON.stringify({
      method: 'transact',
      params: ['Test', { op: 'insert', table: 'Log', row: { text: 'x'.repeat(10000) } }],
      id: 1,
    });
    const r = await rawExchange(big);
    expect(r.closed).toBe(true);
    expect(r.data).toBe('');
    const c = await fx.connect();
    const rows = (await c.request('transact', ['Test', { op: 'select', table: 'Log', where: [] }])) as {
      rows: unknown[];
    }[];
    expect(rows[0].rows).toHaveLength(0);
  });

  it('answers wrong types, constraint violations and unknown names with RFC 7047 errors, keeping the session', async () => {
    const c = await fx.connect();
    const cases: [JsonValue, string][] = [
      [{ op: 'insert', table: 'Log', row: { n: 'seven' } }, 'syntax error'],
      [{ op: 'insert', table: 'Nope', row: {} }, 'syntax error'],
      [{ op: 'insert', table: 'Log', row: { nope: 1 } }, 'unknown column'],
      [{ op: 'insert', table: 'Root', row: { counter: 1.5 } }, 'syntax error'],
      [{ op: 'select', table: 'Log', where: [['nope', '==', 1]] }, 'unknown column'],
    ];
    for (const [op, error] of cases) {
      const r = (await c.request('transact', ['Test', op])) as { error: string }[];
      expect(r.at(-1)?.error).toBe(error);
    }
    await expect(c.request('transact', ['Nope', {}])).rejects.toThrow(/unknown database/);
    const rows = (await c.request('transact', ['Test', { op: 'select', table: 'Log', where: [] }])) as {
      rows: unknown[];
    }[];
    expect(rows[0].rows).toHaveLength(0);
  });
});
